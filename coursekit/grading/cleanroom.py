"""The clean room: a fresh interpreter (no IPython) that runs a student's code on the exercises' cases and returns
only data — and the one way a student's function is called and recorded, in the clean room and in ``check``.

:func:`call` runs the function on one case: on copies of the inputs, under a :class:`Recorder` that sees every
forbidden function it reaches in any thread (by the file that defines it, so no alias hides it; processes and raw
threads, where no recorder runs, count as forbidden) and the packages the student's code calls; it returns a record
(a status, the result as numbers, the exception's type) that :mod:`coursekit.grading.verdict` judges against the
reference. ``check`` calls it in the student's kernel; the clean room calls it in the sandbox.

The grader (:mod:`coursekit.grading.room`) prepares a folder: ``program.json`` (the code cells to run: the chapter's
setup cell, then the student's solution cells; per exercise, the function's name, the forbidden callables and the
packages it may use) and, per exercise, the cases as data (``cases-<n>.json`` and ``cases-<n>.npz``). This file, run
in the sandbox as ``python -I cleanroom.py --child FOLDER FD SKIP START`` beside ``adapters.py``, reads all of it
before any student code runs, executes the code statement by statement, calls each exercise's function on each case,
and reports each record on the pipe ``FD`` as it comes: numbers only, as raw arrays that the grader checks against
their declared shape and size before it keeps them. ``coursekit`` itself is not importable in the clean room
(imports give stubs that record calls), and the sandbox shows only the packages the exercises allow. The grader
compares those numbers with the reference in its own process: nothing the student's code does here can change a
verdict, only what it returns.

This file is self-contained (numpy and the standard library): the sandbox has no coursekit.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

try:
    from .adapters import ADAPTERS
except ImportError:  # run as a script in the sandbox (python -I): adapters.py lies beside this file
    import importlib.util as _util

    _spec = _util.spec_from_file_location("adapters", Path(__file__).with_name("adapters.py"))
    _adapters = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_adapters)
    ADAPTERS = _adapters.ADAPTERS

__all__ = ["encode", "decode", "encode_result", "decode_result", "Unusable", "Recorder", "call", "same", "run",
           "MAGIC", "STATUSES"]

_MAGIC = re.compile(r"^\s*[%!]")

#: What a call of a student's function can end in (the status of its record; :mod:`coursekit.grading.verdict`
#: says what each means to the student).
STATUSES = ("ok", "raised", "forbidden", "tampered", "too_large", "timeout", "crashed", "mutated", "missing")


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


def same(a, b) -> bool:
    """Whether two case inputs are equal (arrays by shape and values, NaN equal to NaN; containers item by item)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - an input that cannot say whether it is equal has changed
        return False


# ---------------------------------------------------------------------------------------------------------------
# the recorder: what a call reaches


def _process_starters() -> dict:
    """Compiled functions that start another process (where no recorder of ours runs), by id."""
    names = ["fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve", "execvp", "execvpe",
             "spawnv", "spawnve", "popen"]
    found = {id(getattr(os, n)): f"os.{n}" for n in names if callable(getattr(os, n, None))}
    try:
        import _posixsubprocess

        found[id(_posixsubprocess.fork_exec)] = "subprocess (_posixsubprocess.fork_exec)"
    except ImportError:  # pragma: no cover - not POSIX
        pass
    return found


class Recorder:
    """A profile function that records, while a case runs, what the student's function reaches.

    ``forbidden`` lists the specs of :func:`coursekit.grading.verdict.forbidden_specs`: a Python callable by the file
    that defines it and its qualified names (a package: every file under its folder), a compiled one by its module
    and name. Besides those, a process started (where no recorder runs), a thread started outside the ``threading``
    module, and a change of the interpreter's profiler count as forbidden. ``sites`` and ``allowed`` (folders of
    installed packages and the entries of those the exercise allows) let it name the packages the student's own code
    calls that the exercise does not allow. Installed with ``threading.setprofile`` too, it sees every thread.
    """

    def __init__(self, forbidden=(), sites=(), allowed=None):
        import _thread

        self.paths = [(e["path"], None if e["names"] is None else frozenset(e["names"]), e["name"])
                      for e in forbidden if e.get("path")]
        self.builtins = {(e["builtin"][0], e["builtin"][1]): e["name"] for e in forbidden if e.get("builtin")}
        self.sites = [str(s).rstrip("/") + "/" for s in sites]
        self.allowed = None if allowed is None else frozenset(allowed)
        self.active, self.hits, self.packages = False, set(), set()
        self._cache: dict = {}
        self._library: dict = {}
        self._starters = _process_starters()
        self._raw_thread = id(_thread.start_new_thread)
        self._guards = {id(sys.setprofile): "sys.setprofile", id(sys.settrace): "sys.settrace"}
        self._threading = threading.__file__
        roots = {os.path.dirname(os.__file__), os.path.dirname(threading.__file__)}
        self._stdlib = tuple(r.rstrip("/") + "/" for r in roots)

    def start(self) -> None:
        self.hits, self.packages, self.active = set(), set(), True

    def _matches(self, code) -> list:
        qualname = getattr(code, "co_qualname", code.co_name)
        key = (code.co_filename, qualname)
        if key not in self._cache:
            self._cache[key] = [name for path, names, name in self.paths
                                if code.co_filename.startswith(path)
                                and (names is None or qualname in names
                                     or any(q.rsplit(".", 1)[-1] == qualname for q in names))]
        return self._cache[key]

    def _student(self, filename: str) -> bool:
        """Whether code of this file is the student's own (not a library's, not the grader's)."""
        if filename not in self._library:
            self._library[filename] = not (filename.startswith("<frozen") or filename.startswith(self._stdlib)
                                           or any(filename.startswith(s) for s in self.sites)
                                           or "/coursekit/" in filename or filename.endswith(
                                               ("/cleanroom.py", "/adapters.py")))
        return self._library[filename]

    def _package(self, filename: str) -> None:
        for site in self.sites:
            if filename.startswith(site):
                top = filename[len(site):].split("/")[0]
                if self.allowed is not None and top not in self.allowed:
                    self.packages.add(top[:-3] if top.endswith(".py") else top)
                return

    def __call__(self, frame, event, arg):
        if not self.active:
            return
        if event == "call":
            code = frame.f_code
            found = self._matches(code)
            if found:
                self.hits.update(found)
            elif code.co_name in ("setprofile", "settrace") and code.co_filename == self._threading:
                self.hits.add(f"threading.{code.co_name} (switching off the grader's profiler)")
            back = frame.f_back
            if self.allowed is not None and back is not None and self._student(back.f_code.co_filename):
                self._package(code.co_filename)
        elif event == "c_call":
            key = id(arg)
            if key in self._starters:
                self.hits.add(f"{self._starters[key]}: another process, where calls cannot be seen")
            elif key == self._raw_thread and frame.f_code.co_filename != self._threading:
                self.hits.add("_thread.start_new_thread: a thread outside the threading module")
            elif key in self._guards:
                self.hits.add(f"{self._guards[key]} (switching off the grader's profiler)")
            elif self.builtins:
                module = (getattr(arg, "__module__", None) or "").split(".")[0]
                name = self.builtins.get((module, getattr(arg, "__name__", "")))
                if name:
                    self.hits.add(name)


# ---------------------------------------------------------------------------------------------------------------
# one call of a student's function


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def call(fn, args, kwargs, recorder: Recorder, *, adapter=None, torch=None, seconds: int = 0, stubs=None,
         prefix: str = "r") -> tuple[dict, dict]:
    """Call ``fn`` on a case's ``args`` and ``kwargs`` (which it may change: they are the caller's copies) under
    ``recorder``; returns the record (``status`` of :data:`STATUSES`, the result encoded as numbers, the exception's
    type and the names of its classes, the forbidden calls, the packages used) and the arrays of the result.

    ``adapter`` calls ``fn`` through an adapter of :data:`ADAPTERS` (with ``torch``); ``seconds`` > 0 stops a call
    that runs longer (SIGALRM, main thread only); ``stubs`` is a list that coursekit's stubs append their calls to.
    """
    pristine = copy.deepcopy((args, kwargs))
    results: dict = {}
    previous = sys.getprofile()
    previous_threads = getattr(threading, "_profile_hook", None)
    start = time.perf_counter()
    if seconds:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(seconds)
    tampered = False
    try:
        recorder.start()
        threading.setprofile(recorder)
        sys.setprofile(recorder)
        try:
            value = adapter(torch, fn, args, kwargs) if adapter else fn(*args, **kwargs)
        finally:
            recorder.active = False
            tampered = sys.getprofile() is not recorder
            sys.setprofile(previous)
            threading.setprofile(previous_threads)
            if seconds:
                signal.alarm(0)
        record = {"status": "ok", "result": encode_result(value, results, prefix)}
    except _Timeout:
        record = {"status": "timeout"}
    except BaseException as exc:  # noqa: BLE001 - reported, never raised
        record = {"status": "raised", "type": type(exc).__name__, "mro": [k.__name__ for k in type(exc).__mro__],
                  "message": str(exc)[:300]}
        record["where"] = _student_lines(exc)
    record["seconds"] = round(time.perf_counter() - start, 6)
    hits = set(recorder.hits) | set(stubs or ())
    if hits:
        record, results = {"status": "forbidden", "calls": sorted(hits)}, {}
    elif tampered:
        record, results = {"status": "tampered", "why": "the call recorder was switched off"}, {}
    elif record["status"] == "ok" and not same(pristine, (args, kwargs)):
        record, results = {"status": "mutated"}, {}
    if recorder.packages:
        record["packages"] = sorted(recorder.packages)
    return record, results


def _student_lines(exc: BaseException) -> str:
    """The last lines of a traceback that belong to the student's code (not to the grader)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/coursekit/grading/" not in f.filename and not f.filename.endswith(("cleanroom.py", "adapters.py"))]
    lines = []
    for f in frames[-3:]:
        where = f"line {f.lineno}" + (f" in {f.name}" if f.name != "<module>" else "")
        lines.append(f"    {where}: {f.line}" if f.line else f"    {where}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# the run inside the sandbox: this file is run as a script, so that the clean room imports nothing of coursekit
# (the reference implementations are not there to be called)


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


def run(source: Path, channel_fd: int, skip=(), start: int = 0) -> None:
    """Execute ``program.json`` of the folder ``source`` and report to the grader on ``channel_fd`` (see the
    module's docstring).

    ``skip`` lists ``(cell, statement)`` pairs not to execute (they ended the interpreter in an earlier attempt);
    exercises before ``start`` are done already. Progress is reported before each step, so that the grader knows
    where an interpreter that died stopped.
    """
    # Everything the harness relies on is read and bound now, before any student code runs.
    alarm, send = signal.alarm, _Channel(channel_fd).send
    source = Path(source)
    program = json.loads((source / "program.json").read_text())
    specs, case_arrays = [], []
    for n, _ in enumerate(program["exercises"]):
        specs.append(json.loads((source / f"cases-{n}.json").read_text()))
        with np.load(source / f"cases-{n}.npz", allow_pickle=False) as data:
            case_arrays.append({k: data[k] for k in data.files})
    case_seconds = int(program.get("case_seconds", 60))
    stub_calls: list = []
    sys.meta_path.insert(0, _StubFinder(stub_calls, {f["name"] for e in program["exercises"] for f in e["forbidden"]}))
    signal.signal(signal.SIGALRM, _alarm)
    skip = {tuple(x) for x in skip}
    adapters = dict(ADAPTERS)
    torch_module = __import__("torch") if any(e.get("adapter") for e in program["exercises"]) else None
    recorders = [Recorder(e["forbidden"]) for e in program["exercises"]]
    # threads the student's code starts in a cell are watched too: what they call while a case runs counts for it
    forked = []
    os.register_at_fork(before=lambda: forked.append(True) if any(r.active for r in recorders) else None)
    threading.setprofile(_Dispatch(recorders))

    namespace = {"__name__": "__main__"}
    cell_errors = []
    for index, code in enumerate(program["cells"]):
        for k, statement in enumerate(_statements(code)):
            if (index, k) in skip:
                cell_errors.append(f"cell {index + 1}: a statement ended the interpreter; skipped")
                continue
            send({"kind": "cell", "cell": index, "statement": k})
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
    send({"kind": "cells", "errors": cell_errors if start == 0 else []})

    for n, item in enumerate(program["exercises"]):
        if n < start:
            continue
        fn = namespace.get(item["function"])
        adapter = adapters.get(item.get("adapter") or "")
        for c, case in enumerate(specs[n]["cases"]):
            send({"kind": "case", "exercise": n, "case": c})
            if not callable(fn):
                send({"kind": "result", "exercise": n, "case": c, "record": {"status": "missing"}})
                continue
            del stub_calls[:]
            del forked[:]
            args, kwargs = decode(case["args"], case_arrays[n]), decode(case["kwargs"], case_arrays[n])
            record, results = call(fn, args, kwargs, recorders[n], adapter=adapter, torch=torch_module,
                                   seconds=case_seconds, stubs=stub_calls, prefix=f"r{c}")
            if forked and record["status"] != "forbidden":
                record, results = {"status": "forbidden", "calls": ["os.fork: another process, where calls cannot "
                                                                     "be seen"]}, {}
            if record["status"] == "timeout":
                record["seconds"] = case_seconds
            send({"kind": "result", "exercise": n, "case": c, "record": record}, results)
            if record["status"] == "timeout":
                break  # the function may never return: later cases would only burn the time limit
    send({"kind": "done"})


class _Dispatch:
    """The profile function of threads: each exercise's recorder, whichever is active."""

    def __init__(self, recorders):
        self.recorders = recorders

    def __call__(self, frame, event, arg):
        for recorder in self.recorders:
            if recorder.active:
                recorder(frame, event, arg)


if __name__ == "__main__":  # pragma: no cover - run in the sandbox by the grader
    if sys.argv[1] != "--child":
        raise SystemExit("usage: cleanroom.py --child FOLDER FD SKIP START")
    run(Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]))
    os._exit(0)  # nothing of the student's code (atexit handlers, threads) runs after the last report
