"""The grader's side of the clean room: prepare its folder, run it (in the sandbox), read what it reports.

The clean room (:mod:`coursekit.grading.cleanroom`, run as a script in the sandbox) reports on a pipe, message by
message. This module reads those messages as they come, **checking every size before anything is allocated**: a
header is at most :data:`MAX_HEADER` bytes of JSON, and each array is read only when its declared dtype is a plain
number type and its declared size fits what is left of the budget (``max_result_mb``); the bytes that follow must be
exactly that size. Nothing is read from the sandbox's files, so a link planted there leads nowhere. A report is
accepted once per case, in order, right after the clean room said that case started; a second report for a case,
or bytes that are not a message, mean that the student's code wrote on the channel itself, and the exercise fails
as tampered with. Once the last exercise is reported the grader stops reading and ends the clean room, so code that
runs later (an ``atexit`` handler, a thread) changes nothing.

A statement or a case that ends the interpreter (``os._exit``, a crash) does not end the verdict: the clean room is
started again, skipping that statement or recording that case as crashed, and the rest goes on.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cleanroom import MAGIC, encode

__all__ = ["prepare", "files", "write", "run", "plain_command", "RoomReport", "ChannelError", "TooLarge", "read_messages", "MAX_HEADER",
           "MAGIC"]

MAX_HEADER = 2**20  # bytes of JSON in one message
_KINDS = {"cell", "cells", "case", "result", "done"}


class ChannelError(Exception):
    """What came on the channel is not a well-formed message within the limits."""


class TooLarge(ChannelError):
    """A well-formed report whose arrays exceed what is left of the size limit."""


@dataclass
class RoomReport:
    """What the clean room reported: per exercise, the case records and their arrays; errors of the setup and
    solution cells; and why it ended early, if it did."""

    outcomes: list  # per exercise: ({"cases": [record, ...]}, {key: array})
    cell_errors: list = field(default_factory=list)
    reason: str = ""


def prepare(folder: Path, cells: list[str], prepared: list, case_seconds: int) -> Path:
    """Write the clean room's program, its cases and its script into ``folder`` (readable by the sandbox user)."""
    return write(folder, files(prepared, case_seconds), cells)


def files(prepared: list, case_seconds: int) -> dict[str, bytes]:
    """The clean room's files for the exercises ``prepared``, as bytes: its program without the student's cells,
    each exercise's cases (data only) and its scripts. Built once per class in the grader's process; they travel to
    the grading hosts with each task (:func:`write` adds the student's cells there)."""
    import io

    program = {"case_seconds": case_seconds,
               "exercises": [{"id": p.exercise.id, "function": p.exercise.function, "forbidden": p.forbidden,
                              "adapter": p.exercise.adapter} for p in prepared]}
    out = {"program.json": json.dumps(program).encode()}
    for n, p in enumerate(prepared):
        arrays: dict = {}
        spec = {"cases": [{"args": encode(tuple(c.args), arrays, f"c{i}"),
                           "kwargs": encode(dict(c.kwargs), arrays, f"k{i}")} for i, c in enumerate(p.cases)]}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        out[f"cases-{n}.npz"] = buffer.getvalue()
        out[f"cases-{n}.json"] = json.dumps(spec).encode()
    for script in ("cleanroom.py", "adapters.py"):
        out[script] = Path(__file__).with_name(script).read_bytes()
    return out


def write(folder: Path, room_files: dict[str, bytes], cells: list[str]) -> Path:
    """Write the clean room of :func:`files` into ``folder`` with the program's ``cells`` (the setup cell and the
    student's solution cells), readable by the sandbox user."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in room_files.items():
        if name == "program.json":
            data = json.dumps({**json.loads(data), "cells": cells}).encode()
        (folder / Path(name).name).write_bytes(data)
    for path in [folder, *folder.iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# reading the channel


class _Reader:
    """Exact reads from a pipe, with a deadline."""

    def __init__(self, fd: int, deadline: float):
        self.fd, self.deadline, self.buffer = fd, deadline, bytearray()

    def read(self, n: int, at_boundary: bool = False) -> bytes | None:
        while len(self.buffer) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self.fd, max(65536, min(n - len(self.buffer), 2**24)))
            if not chunk:
                if at_boundary and not self.buffer:
                    return None
                raise ChannelError("the channel ended in the middle of a message")
            self.buffer += chunk
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


def _array_size(descriptor, budget: int) -> tuple[np.dtype, tuple, int]:
    """Validate one array's declared dtype and shape; its size in bytes, which must fit ``budget``."""
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("key"), str):
        raise ChannelError("an array without a name")
    try:
        dtype = np.dtype(str(descriptor.get("dtype")))
    except (TypeError, ValueError):
        raise ChannelError(f"an array of unknown dtype {str(descriptor.get('dtype'))[:40]!r}") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize > 16:
        raise ChannelError(f"an array of dtype {dtype}, not numbers")
    shape = descriptor.get("shape")
    if not isinstance(shape, list) or len(shape) > 32 or \
            not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**40 for d in shape):
        raise ChannelError("an array with an invalid shape")
    size = dtype.itemsize
    for d in shape:
        size *= d
        if size > budget:
            raise TooLarge(f"results larger than the limit ({budget / 2**20:.0f} MiB left)")
    return dtype, tuple(shape), size


def read_messages(fd: int, deadline: float, max_bytes: int):
    """Yield ``(message, arrays)`` from the channel ``fd`` until it ends; raises :class:`ChannelError` on anything
    that is not a message within the limits, TimeoutError at the deadline."""
    reader = _Reader(fd, deadline)
    budget = max_bytes
    while True:
        magic = reader.read(len(MAGIC), at_boundary=True)
        if magic is None:
            return
        if magic != MAGIC:
            raise ChannelError("bytes on the channel that are not a message")
        length = int.from_bytes(reader.read(4), "big")
        if length > MAX_HEADER:
            raise ChannelError(f"a message header of {length} bytes (at most {MAX_HEADER})")
        try:
            message = json.loads(reader.read(length))
        except (ValueError, RecursionError):
            raise ChannelError("a message header that is not JSON") from None
        if not isinstance(message, dict) or message.get("kind") not in _KINDS:
            raise ChannelError("a message of unknown kind")
        arrays = {}
        descriptors = message.get("arrays", [])
        if not isinstance(descriptors, list):
            raise ChannelError("a message with invalid arrays")
        for descriptor in descriptors:
            dtype, shape, size = _array_size(descriptor, budget)
            budget -= size
            arrays[descriptor["key"]] = np.frombuffer(reader.read(size), dtype=dtype).reshape(shape)
        yield message, arrays


# ---------------------------------------------------------------------------------------------------------------
# running it


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
        pass


class _Reports:
    """What the clean room reported so far, across its attempts: each exercise's records and arrays."""

    def __init__(self, n_exercises: int, max_bytes: int):
        self.report = RoomReport([({"cases": []}, {}) for _ in range(n_exercises)])
        self.finished = [False] * n_exercises
        self.budget = max_bytes

    def take(self, message: dict, arrays: dict, last: dict | None) -> dict | None:
        """Keep one message; returns the new last step (progress or report), or raises :class:`ChannelError`."""
        outcomes, kind = self.report.outcomes, message["kind"]
        if kind == "cells":
            if not self.report.cell_errors:
                self.report.cell_errors = [str(e)[:300] for e in message.get("errors", [])][:50]
            return {"kind": "cells"}
        if kind in ("cell", "case"):
            return message
        n, c = message.get("exercise"), message.get("case")
        follows = last is not None and last.get("kind") == "case" and last.get("exercise") == n and \
            last.get("case") == c
        if not follows or not isinstance(n, int) or not 0 <= n < len(outcomes) or self.finished[n] or \
                len(outcomes[n][0]["cases"]) != c or not isinstance(message.get("record"), dict):
            raise ChannelError("a result that does not follow its case")
        outcomes[n][0]["cases"].append(message["record"])
        outcomes[n][1].update(arrays)
        self.budget -= sum(a.nbytes for a in arrays.values())
        return {"kind": "reported", "exercise": n, "case": c}

    def fail(self, n: int, record: dict) -> None:
        """End exercise ``n`` with ``record``: after the cases reported so far when it crashed; alone (the other
        reports are void) when its channel was written on."""
        outcomes = self.report.outcomes
        if 0 <= n < len(outcomes) and not self.finished[n]:
            kept = [] if record["status"] == "tampered" else outcomes[n][0]["cases"]
            outcomes[n] = ({"cases": kept + [record]}, outcomes[n][1] if kept else {})
            self.finished[n] = True


def _attempt(command, arguments, stderr, reports: _Reports, deadline: float) -> tuple[str, str, dict | None]:
    """One run of the clean room: how it ended (done, died, broken, too_large, timeout), why, and its last step."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(command([str(write_end), *arguments]), pass_fds=(write_end,),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)
    finally:
        os.close(write_end)
    last: dict | None = None
    try:
        for message, arrays in read_messages(read_end, deadline, reports.budget):
            if message["kind"] == "done":
                return "done", "", last
            last = reports.take(message, arrays, last)
        return "died", f"status {proc.poll()}", last
    except TooLarge as exc:
        return "too_large", str(exc), last
    except ChannelError as exc:
        return "broken", str(exc), last
    except TimeoutError:
        return "timeout", "", last
    finally:
        _kill(proc)
        os.close(read_end)


def run(folder: Path, n_exercises: int, command, seconds: float, max_result_mb: float = 256.0,
        stderr=None, attempts: int = 12) -> RoomReport:
    """Run the clean room prepared in ``folder`` and collect its reports (see the module's docstring).

    ``command(arguments)`` is the command line that runs ``cleanroom.py`` with those arguments (in the sandbox, or
    plainly in tests); the channel is the file descriptor it is given as an argument. ``seconds`` bounds the whole
    run, restarts included.
    """
    deadline = time.monotonic() + max(seconds, 5)
    reports = _Reports(n_exercises, int(max_result_mb * 2**20))
    report, skip, start = reports.report, [], 0
    for _ in range(attempts):
        ended, why, last = _attempt(command, [json.dumps(skip), str(start)], stderr, reports, deadline)
        if ended == "done":
            break
        if ended == "timeout":
            report.reason = f"the clean room ran out of time ({seconds:.0f} s)"
            break
        if ended == "broken":
            report.reason = report.reason or f"the clean room's report was broken ({why})"
        if ended == "too_large":
            report.reason = report.reason or f"a function returned {why}"
        if last is None:
            report.reason = report.reason or f"the clean room stopped ({why or ended}) before it began"
            break
        if last["kind"] == "cell":
            skip.append([last["cell"], last["statement"]])  # that statement ended it (or wrote on the channel)
            continue
        n = last.get("exercise", start) if last["kind"] != "cells" else start
        c = last.get("case", 0) + (1 if last["kind"] == "reported" else 0)
        reports.fail(n, {"status": {"broken": "tampered", "too_large": "too_large"}.get(ended, "crashed"), "case": c,
                         "why": why[:200]})
        start = max(start, n + 1)
        if start >= n_exercises:
            break
    return report


def plain_command(folder: Path):
    """The clean room's command line without a sandbox (tests, and grading where bubblewrap is missing)."""
    folder = Path(folder)

    def command(arguments):
        return [sys.executable, "-I", str(folder / "cleanroom.py"), "--child", str(folder), *arguments]

    return command
