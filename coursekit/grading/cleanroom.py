"""The clean room: a fresh interpreter (no IPython) that runs a student's code on the exercises' cases and returns
only data.

The grader (:mod:`coursekit.grading.room`) prepares a folder: ``program.json`` (the code cells to run: the chapter's
setup cell, then the student's solution cells; per exercise, the function's name and the forbidden callables) and,
per exercise, the cases as data (``cases-<n>.json`` and ``cases-<n>.npz``). This file, run in the sandbox as
``python -I cleanroom.py --child FOLDER FD SKIP START``, reads all of it before any student code runs, executes the
code statement by statement, calls each exercise's function on each case under a profiler that records every
forbidden function it reaches in any thread (by the file that defines it, so no alias hides it; processes and raw
threads, where no profiler runs, count as forbidden), and reports each result on the pipe ``FD`` as it comes:
numbers only, as raw arrays the grader checks against their declared shape and size before it keeps them.
``coursekit`` itself is not importable in the clean room (imports give stubs that record calls), and the sandbox
shows only the packages the exercises allow. The grader compares those numbers with the reference in its own
process: nothing the student's code does here can change a verdict, only what it returns.
"""

from __future__ import annotations

import copy
import json
import re
import signal
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["encode", "decode", "encode_result", "decode_result", "run", "MAGIC", "ADAPTERS", "adapt"]

_MAGIC = re.compile(r"^\s*[%!]")


# ---------------------------------------------------------------------------------------------------------------
# values <-> JSON + arrays (no pickle anywhere)


def encode(value, arrays: dict, prefix: str):
    """A JSON-able description of ``value``; arrays go into ``arrays`` under generated keys."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot encode an array of dtype {value.dtype}")
        key = f"{prefix}_{len(arrays)}"
        arrays[key] = value
        return {"array": key}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"int": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"float": float(value)}
    if value is None:
        return {"none": True}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v, arrays, prefix) for k, v in value.items()}}
    raise TypeError(f"cannot encode a value of type {type(value).__name__}")


def decode(spec, arrays):
    """Inverse of :func:`encode`."""
    (kind, payload), = spec.items()
    if kind == "array":
        return np.array(arrays[payload])
    if kind in ("bool", "int", "float", "str"):
        return payload
    if kind == "none":
        return None
    if kind in ("tuple", "list"):
        items = [decode(v, arrays) for v in payload]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v, arrays) for k, v in payload.items()}
    raise ValueError(f"unknown encoded kind {kind!r}")


def encode_result(value, arrays: dict, prefix: str):
    """Encode what a student's function returned: numbers and arrays of numbers, in (nested) tuples or lists.

    Anything else is described, not kept: an object pretending to be a number has no numbers to give.
    """
    if isinstance(value, (tuple, list)):
        return {"tuple": [encode_result(v, arrays, prefix) for v in value]}
    if value is None:
        return {"none": True}
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        return {"unusable": f"{type(value).__name__} ({type(exc).__name__}: {exc})"[:300]}
    if arr.dtype.kind not in "biuf":
        return {"unusable": f"{type(value).__name__} of dtype {arr.dtype}"[:300]}
    key = f"{prefix}_{len(arrays)}"
    arrays[key] = np.array(arr)  # a plain ndarray copy, never a subclass
    return {"array": key}


def decode_result(spec, arrays):
    """Inverse of :func:`encode_result`: arrays (0-d for numbers), tuples, None, or an :class:`Unusable`."""
    (kind, payload), = spec.items()
    if kind == "array":
        arr = np.array(arrays[payload])
        return arr[()] if arr.ndim == 0 else arr
    if kind == "tuple":
        return tuple(decode_result(v, arrays) for v in payload)
    if kind == "none":
        return None
    if kind == "unusable":
        return Unusable(payload)
    raise ValueError(f"unknown result kind {kind!r}")


class Unusable:
    """What a student's function returned that is not numbers (its description only)."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self):
        return f"<{self.description}>"


# ---------------------------------------------------------------------------------------------------------------
# adapters: exercises whose functions take or return torch objects (a layer, modules, a differentiable loss) are
# graded on data all the same. An adapter turns a case's arrays into the objects the student's function expects,
# calls it, and turns what it returns into numbers; the grader calls the reference through the same adapter. They are
# defined here because this file is all the clean room has; `torch` is the module imported before any student code.


def _tensor_of(torch, value, what: str):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, returned {type(value).__name__}")
    return value


def _adapt_linear_layer(torch, fn, args, kwargs):
    """``fn(linear, feature_shape) -> nn.Conv2d``; case ``(weight, bias or None, feature_shape, x)``: the numbers are
    the returned convolution applied to the probe images ``x`` (larger than the feature map: a heatmap)."""
    weight, bias, feature_shape, x = args
    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(weight, dtype=torch.float32))
        if bias is not None:
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float32))
    before = [p.detach().clone() for p in linear.parameters()]
    conv = fn(linear, feature_shape, **kwargs)
    if not isinstance(conv, torch.nn.Conv2d):
        raise TypeError(f"the function must return a torch.nn.Conv2d, returned {type(conv).__name__}")
    if any(not torch.equal(b, p.detach()) for b, p in zip(before, linear.parameters())):
        raise ValueError("the function changed the weights of the linear layer it was given: leave them as they are")
    with torch.no_grad():
        out = conv(torch.tensor(x, dtype=conv.weight.dtype))
    return _tensor_of(torch, out, "the convolution's output").detach().double().numpy()


def _adapt_loss_and_gradient(torch, fn, args, kwargs):
    """``fn(logits, target, **kwargs) -> scalar tensor``; case ``(logits, target)`` arrays: the numbers are the loss
    and its gradient with respect to the logits (float64), so a loss autograd cannot differentiate is caught."""
    logits_array, target_array = args
    logits = torch.tensor(logits_array, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(target_array, dtype=torch.int64)
    loss = _tensor_of(torch, fn(logits, target, **kwargs), "the loss")
    if loss.numel() != 1:
        raise ValueError(f"the loss must be a scalar (one number), returned a tensor of shape {tuple(loss.shape)}")
    if not loss.requires_grad:
        raise TypeError("the loss does not depend differentiably on the logits (autograd cannot follow it): use "
                        "torch operations only, no .item(), .detach(), .numpy() or argmax on the way")
    grad, = torch.autograd.grad(loss.reshape(()), logits, allow_unused=True)
    if grad is None:
        raise TypeError("the loss does not depend on the logits")
    return loss.detach().reshape(()).double().numpy(), grad.detach().double().numpy()


def _unet_modules(torch, in_channels, num_classes, base_channels, depth, seed):
    """The modules of a U-Net (convolutions and ReLU, no normalization) with weights drawn from ``seed``."""
    nn = torch.nn
    generator = torch.Generator().manual_seed(int(seed))
    chans = [base_channels * 2 ** k for k in range(depth + 1)]

    def init(module):
        for p in module.parameters():
            fan_in = p.shape[1] * p.shape[2] * p.shape[3] if p.ndim == 4 else 1
            if isinstance(module, nn.ConvTranspose2d) and p.ndim == 4:
                fan_in = p.shape[0]
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) * (2.0 / fan_in) ** 0.5
                        if p.ndim == 4 else torch.randn(p.shape, generator=generator, dtype=torch.float64) * 0.1)
        return module

    def double_conv(cin, cout):
        return nn.Sequential(init(nn.Conv2d(cin, cout, 3, padding=1).double()), nn.ReLU(),
                             init(nn.Conv2d(cout, cout, 3, padding=1).double()), nn.ReLU())

    encoder = nn.ModuleList([double_conv(in_channels if k == 0 else chans[k - 1], chans[k]) for k in range(depth)])
    bottleneck = double_conv(chans[depth - 1], chans[depth])
    upsamplers = nn.ModuleList([init(nn.ConvTranspose2d(chans[k + 1], chans[k], 2, stride=2).double())
                                for k in range(depth)])
    decoder = nn.ModuleList([double_conv(2 * chans[k], chans[k]) for k in range(depth)])
    head = init(nn.Conv2d(chans[0], num_classes, 1).double())
    for m in (encoder, bottleneck, upsamplers, decoder, head):
        m.eval()
    return encoder, bottleneck, upsamplers, decoder, head


def _adapt_unet_modules(torch, fn, args, kwargs):
    """``fn(x, encoder, bottleneck, upsamplers, decoder, head) -> logits``; case ``(x, in_channels, num_classes,
    base_channels, depth, seed)``: the modules are built here (weights from ``seed``); the numbers are the logits."""
    x, in_channels, num_classes, base_channels, depth, seed = args
    modules = _unet_modules(torch, in_channels, num_classes, base_channels, depth, seed)
    with torch.no_grad():
        out = fn(torch.tensor(x, dtype=torch.float64), *modules, **kwargs)
    return _tensor_of(torch, out, "the logits").detach().double().numpy()


ADAPTERS = {
    "linear_layer": _adapt_linear_layer,
    "loss_and_gradient": _adapt_loss_and_gradient,
    "unet_modules": _adapt_unet_modules,
}


def adapt(name: str, fn, args, kwargs, torch=None):
    """Call ``fn`` on a case through the adapter ``name`` (see :data:`ADAPTERS`)."""
    if torch is None:
        import torch
    return ADAPTERS[name](torch, fn, tuple(args), dict(kwargs))


def describe_adapted(name: str, function: str, args, kwargs) -> str:
    """The call an adapted case makes, in the student's terms."""
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if name == "linear_layer":
        weight, bias, feature_shape, x = args
        return (f"{function}(nn.Linear({weight.shape[1]}, {weight.shape[0]}, bias={bias is not None}), "
                f"{tuple(feature_shape)!r}{extra}), the returned convolution applied to images of shape {np.shape(x)}")
    if name == "loss_and_gradient":
        logits, target = args
        labels = sorted(set(np.unique(target).tolist()))
        return f"{function}(logits of shape {np.shape(logits)}, target of shape {np.shape(target)} with labels {labels}{extra})"
    if name == "unet_modules":
        x, cin, classes, base, depth, _ = args
        return (f"{function}(x of shape {np.shape(x)}, the modules of a depth-{depth} U-Net with {base} base channels, "
                f"{cin} input channels and {classes} classes{extra})")
    return f"{function}(...)"


# ---------------------------------------------------------------------------------------------------------------
# the run inside the sandbox: this file is copied into the submission's folder and run as a script, so that the
# clean room imports nothing of coursekit (the reference implementations are not there to be called).


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _statements(source: str):
    """The top-level statements of a cell, so that one failing import does not skip the rest of the cell."""
    import ast

    code = "\n".join(line for line in source.splitlines() if not _MAGIC.match(line))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        yield code  # exec reports the syntax error
        return
    for node in tree.body:
        yield ast.get_source_segment(code, node) or ""


class _Stub:
    """Stands for coursekit, which is not in the clean room: any attribute is another stub, and calling one records
    the call (when the exercise forbids it) and fails."""

    def __init__(self, name: str, calls: list, forbidden: set):
        self.__name__, self.__path__, self._calls, self._forbidden = name, [], calls, forbidden

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Stub(f"{self.__name__}.{attr}", self._calls, self._forbidden)

    def __call__(self, *args, **kwargs):
        name = self.__name__
        if any(name == f or name.startswith(f + ".") for f in self._forbidden):
            self._calls.append(name)
        raise RuntimeError(f"{name} is not available when grading: write the exercise yourself")


class _StubFinder:
    """Imports of ``coursekit`` (hidden from the clean room) give stubs that record forbidden calls."""

    def __init__(self, calls: list, forbidden: set):
        self.calls, self.forbidden = calls, forbidden

    def find_spec(self, name, path=None, target=None):
        if name == "coursekit" or name.startswith("coursekit."):
            import importlib.machinery

            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Stub(spec.name, self.calls, self.forbidden)

    def exec_module(self, module):
        pass


MAGIC = b"CKR1"  # every message on the channel starts with these bytes, then its JSON's length (4 bytes)


class _Channel:
    """Messages to the grader on an inherited pipe: a JSON header, then the raw bytes of each array it describes.

    The grader reads them as they come; what it has read cannot be changed by code that runs later (an ``atexit``
    handler, the next case), and it stops reading (and ends this interpreter) once the last exercise is reported.
    """

    def __init__(self, fd: int):
        import os

        self.fd, self._write, self._dumps, self._fstat = fd, os.write, json.dumps, os.fstat
        st = os.fstat(fd)
        self._identity = (st.st_dev, st.st_ino)

    def send(self, message: dict, arrays: dict | None = None) -> None:
        arrays = arrays or {}
        descriptors = [{"key": k, "dtype": a.dtype.str, "shape": list(a.shape)} for k, a in arrays.items()]
        header = self._dumps({**message, "arrays": descriptors}).encode()
        data = b"".join([MAGIC, len(header).to_bytes(4, "big"), header]
                        + [np.ascontiguousarray(a).tobytes() for a in arrays.values()])
        st = self._fstat(self.fd)
        if (st.st_dev, st.st_ino) != self._identity:
            raise SystemExit(86)  # the channel was replaced: nothing more can be reported honestly
        view = memoryview(data)
        while view:
            view = view[self._write(self.fd, view):]


def _process_starters() -> dict:
    """Compiled functions that start another process (where no profiler of ours runs), by id."""
    import os

    names = ["fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve", "execvp", "execvpe",
             "spawnv", "spawnve", "popen"]
    found = {id(getattr(os, n)): f"os.{n}" for n in names if callable(getattr(os, n, None))}
    try:
        import _posixsubprocess

        found[id(_posixsubprocess.fork_exec)] = "subprocess (_posixsubprocess.fork_exec)"
    except ImportError:  # pragma: no cover - not POSIX
        pass
    return found


def run(source: Path, channel_fd: int, skip=(), start: int = 0) -> None:
    """Execute ``program.json`` of the folder ``source`` and report to the grader on ``channel_fd`` (see the
    module's docstring).

    ``skip`` lists ``(cell, statement)`` pairs not to execute (they ended the interpreter in an earlier attempt);
    exercises before ``start`` are done already. Progress is reported before each step, so that the grader knows
    where an interpreter that died stopped.
    """
    import _thread
    import os
    import threading

    # Everything the harness relies on is read and bound now, before any student code runs.
    setprofile, getprofile, set_thread_profile = sys.setprofile, sys.getprofile, threading.setprofile
    perf_counter, deepcopy, alarm = time.perf_counter, copy.deepcopy, signal.alarm
    channel = _Channel(channel_fd)
    source = Path(source)
    program = json.loads((source / "program.json").read_text())
    specs, case_arrays = [], []
    for n, _ in enumerate(program["exercises"]):
        specs.append(json.loads((source / f"cases-{n}.json").read_text()))
        with np.load(source / f"cases-{n}.npz", allow_pickle=False) as data:
            case_arrays.append({k: data[k] for k in data.files})
    case_seconds = int(program.get("case_seconds", 60))
    stub_calls: list = []
    sys.meta_path.insert(0, _StubFinder(stub_calls, {f["name"] for e in program["exercises"] for f in e["forbidden"]}
                                        | set(program.get("forbidden_modules", []))))
    signal.signal(signal.SIGALRM, _alarm)
    skip = {tuple(x) for x in skip}
    # exercises on torch objects: torch and the adapters are bound before any student code runs
    adapters = dict(ADAPTERS)
    torch_module = __import__("torch") if any(e.get("adapter") for e in program["exercises"]) else None

    # One recorder for every thread: threads the student's code starts (in a cell or in a call) run under it too,
    # and what they call while a case runs counts for that case.
    state = {"active": False, "hits": set(), "matches": lambda code: (), "builtins": {}, "forked": False}
    starters = _process_starters()
    raw_thread = id(_thread.start_new_thread)
    guards = {id(setprofile): "sys.setprofile", id(sys.settrace): "sys.settrace"}
    threading_file = threading.__file__

    def recorder(frame, event, arg):
        if not state["active"]:
            return
        if event == "call":
            found = state["matches"](frame.f_code)
            if found:
                state["hits"].update(found)
            elif frame.f_code.co_name in ("setprofile", "settrace") and frame.f_code.co_filename == threading_file:
                state["hits"].add("threading." + frame.f_code.co_name + " (the grader's call recorder)")
        elif event == "c_call":
            key = id(arg)
            if key in starters:
                state["hits"].add(f"{starters[key]}: another process, where calls cannot be seen")
            elif key == raw_thread and frame.f_code.co_filename != threading_file:
                state["hits"].add("_thread.start_new_thread: a thread outside the threading module")
            elif key in guards:
                state["hits"].add(f"{guards[key]} (the grader's call recorder)")
            else:
                module = (getattr(arg, "__module__", None) or "").split(".")[0]
                name = state["builtins"].get((module, getattr(arg, "__name__", "")))
                if name:
                    state["hits"].add(name)

    def forked():
        if state["active"]:
            state["forked"] = True

    os.register_at_fork(before=forked)
    set_thread_profile(recorder)

    namespace = {"__name__": "__main__"}
    cell_errors = []
    for index, code in enumerate(program["cells"]):
        for k, statement in enumerate(_statements(code)):
            if (index, k) in skip:
                cell_errors.append(f"cell {index + 1}: a statement ended the interpreter; skipped")
                continue
            channel.send({"kind": "cell", "cell": index, "statement": k})
            alarm(case_seconds)
            try:
                exec(compile(statement, f"<cell {index + 1}>", "exec"), namespace)
            except _Timeout:
                cell_errors.append(f"cell {index + 1}: a statement ran longer than {case_seconds} s; stopped")
            except BaseException as exc:  # noqa: BLE001 - a broken statement must not stop the others
                first = statement.strip().splitlines()[0][:120] if statement.strip() else ""
                cell_errors.append(f"cell {index + 1}: {first}: {type(exc).__name__}: {exc}"[:400])
            finally:
                alarm(0)
    channel.send({"kind": "cells", "errors": cell_errors if start == 0 else []})

    for n, item in enumerate(program["exercises"]):
        if n < start:
            continue
        # forbidden callables, by the file that defines them and their qualified names (None: all of that file)
        forbidden = [(entry["path"], None if entry["names"] is None else frozenset(entry["names"]), entry["name"])
                     for entry in item["forbidden"] if entry.get("path")]
        matched_cache = {}

        def matches(code, forbidden=forbidden, matched_cache=matched_cache):
            qualname = getattr(code, "co_qualname", code.co_name)
            key = (code.co_filename, qualname)
            if key not in matched_cache:
                matched_cache[key] = [name for path, names, name in forbidden
                                      if code.co_filename.startswith(path)
                                      and (names is None or qualname in names
                                           or any(q.rsplit(".", 1)[-1] == qualname for q in names))]
            return matched_cache[key]

        state["matches"] = matches
        # compiled functions (no Python code): matched by their top-level module and name when called
        state["builtins"] = {(e["builtin"][0], e["builtin"][1]): e["name"] for e in item["forbidden"]
                             if e.get("builtin")}
        fn = namespace.get(item["function"])
        adapter = adapters.get(item.get("adapter") or "")
        for c, case in enumerate(specs[n]["cases"]):
            channel.send({"kind": "case", "exercise": n, "case": c})
            if not callable(fn):
                channel.send({"kind": "result", "exercise": n, "case": c, "record": {"status": "missing"}})
                continue
            args = decode(case["args"], case_arrays[n])
            kwargs = decode(case["kwargs"], case_arrays[n])
            pristine = deepcopy((args, kwargs))
            del stub_calls[:]
            state["hits"], state["forked"] = set(), False
            tampered = False
            results: dict = {}
            start_time = perf_counter()
            alarm(case_seconds)
            try:
                state["active"] = True
                setprofile(recorder)
                try:
                    value = adapter(torch_module, fn, args, kwargs) if adapter else fn(*args, **kwargs)
                finally:
                    state["active"] = False
                    tampered = getprofile() is not recorder
                    setprofile(None)
                    alarm(0)
                record = {"status": "ok", "result": encode_result(value, results, f"r{c}")}
            except _Timeout:
                record = {"status": "timeout", "seconds": case_seconds}
            except BaseException as exc:  # noqa: BLE001 - reported, never raised
                record = {"status": "raised", "type": type(exc).__name__,
                          "mro": [k.__name__ for k in type(exc).__mro__], "message": str(exc)[:300]}
            state["active"] = False
            record["seconds"] = perf_counter() - start_time
            hits = set(state["hits"]) | set(stub_calls)
            if state["forked"]:
                hits.add("os.fork: another process, where calls cannot be seen")
            if hits:
                record, results = {"status": "forbidden", "calls": sorted(hits)}, {}
            elif tampered:
                record, results = {"status": "tampered"}, {}
            elif record["status"] == "ok" and not _same(pristine, (args, kwargs)):
                record, results = {"status": "mutated"}, {}
            channel.send({"kind": "result", "exercise": n, "case": c, "record": record}, results)
            if record["status"] == "timeout":
                break  # the function may never return: later cases would only burn the time limit
    channel.send({"kind": "done"})


if __name__ == "__main__":  # pragma: no cover - run in the sandbox by the grader
    import os

    if sys.argv[1] != "--child":
        raise SystemExit("usage: cleanroom.py --child FOLDER FD SKIP START")
    run(Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]))
    os._exit(0)  # nothing of the student's code (atexit handlers, threads) runs after the last report
