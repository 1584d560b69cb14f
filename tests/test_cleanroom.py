"""The clean room on its own (no sandbox): it runs the student's code on cases given as data, returns numbers only,
and records calls of forbidden callables however they are reached: Python functions by their defining file, compiled
ones by module and name, and coursekit (absent from the clean room) through stubs."""

import json

import numpy as np
import pytest

from coursekit.grading import room
from coursekit.grading.cleanroom import decode, decode_result, encode
from coursekit.grading.verdict import spec_of

class _Prepared:
    def __init__(self, function, cases, forbidden):
        from coursekit.grading.registry import Case

        self.exercise = type("E", (), {"id": "x.y", "function": function, "adapter": ""})()
        self.cases = [Case(tuple(args)) for args in cases]
        self.forbidden = [s for s in (spec_of(d) for d in forbidden) if s]


def run_room(tmp_path, cells, function, cases, forbidden=(), case_seconds=10, seconds=120):
    folder = room.prepare(tmp_path / "room", cells, [_Prepared(function, cases, forbidden)], case_seconds)
    report = room.run(folder, 1, room.plain_command(folder), seconds)
    out, arrays = report.outcomes[0]
    return out["cases"], arrays


def test_numbers_come_back(tmp_path):
    cases, arrays = run_room(tmp_path, ["import numpy as np", "def f(a):\n    return a * 2, float(a.sum())"], "f",
                             [(np.arange(3.0),)])
    assert cases[0]["status"] == "ok"
    doubled, total = decode_result(cases[0]["result"], arrays)
    np.testing.assert_array_equal(doubled, [0.0, 2.0, 4.0])
    assert total == 3.0


def test_compiled_forbidden_function_is_caught(tmp_path):
    cells = ["import math", "def f(n):\n    g = math.factorial\n    return float(g(n))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["math.factorial"])
    assert cases[0] == {"status": "forbidden", "calls": ["math.factorial"]}


def test_python_forbidden_function_is_caught_under_an_alias(tmp_path):
    cells = ["from json import dumps as innocent", "def f(n):\n    return float(len(innocent([n])))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert cases[0]["status"] == "forbidden" and cases[0]["calls"] == ["json.dumps"]


def test_coursekit_is_a_stub_that_records_forbidden_calls(tmp_path):
    cells = ["from coursekit import metrics as reference", "def f(cm):\n    return reference.mean_iou(cm)"]
    cases, _ = run_room(tmp_path, cells, "f", [(np.eye(2, dtype=np.int64),)], forbidden=["coursekit.metrics"])
    assert cases[0]["status"] == "forbidden" and cases[0]["calls"] == ["coursekit.metrics.mean_iou"]


def test_objects_that_are_not_numbers_are_described_not_kept(tmp_path):
    cells = ["class Liar:\n    def __eq__(self, other):\n        return True", "def f(x):\n    return Liar()"]
    cases, arrays = run_room(tmp_path, cells, "f", [(1,)])
    value = decode_result(cases[0]["result"], arrays)
    assert "Liar" in repr(value) and not arrays


def test_a_statement_that_ends_the_interpreter_is_skipped(tmp_path):
    cells = ["import os", "def f(x):\n    return x + 1", "os._exit(3)", "def g():\n    pass"]
    cases, arrays = run_room(tmp_path, cells, "f", [(1,), (2,)])
    assert [decode_result(c["result"], arrays) for c in cases] == [2, 3]


def test_a_case_that_ends_the_interpreter_is_recorded(tmp_path):
    cells = ["import os", "def f(x):\n    if x == 2:\n        os._exit(1)\n    return x"]
    cases, _ = run_room(tmp_path, cells, "f", [(1,), (2,), (3,)])
    assert [c["status"] for c in cases] == ["ok", "crashed"] and cases[1]["case"] == 1


def test_an_endless_call_times_out(tmp_path):
    cases, _ = run_room(tmp_path, ["def f(x):\n    while True:\n        pass"], "f", [(1,), (2,)], case_seconds=1)
    assert cases[0]["status"] == "timeout" and len(cases) == 1


def test_mutating_the_input_is_recorded(tmp_path):
    cases, _ = run_room(tmp_path, ["def f(a):\n    a[0] = 99\n    return a.sum()"], "f", [(np.zeros(3),)])
    assert cases[0]["status"] == "mutated"


def test_encode_round_trip_and_refusal():
    arrays = {}
    value = (np.arange(4).reshape(2, 2), 3, 2.5, None, "x", [True, np.float32(1.5)], {"k": np.ones(2)})
    back = decode(encode(value, arrays, "p"), arrays)
    assert back[1:5] == (3, 2.5, None, "x") and back[5] == [True, 1.5]
    np.testing.assert_array_equal(back[0], value[0])
    with pytest.raises(TypeError):
        encode(object(), {}, "p")


# ---------------------------------------------------------------------------------------------------------------
# calls the recorder must see in every thread, and processes it cannot see into


def test_a_forbidden_call_in_a_thread_is_caught(tmp_path):
    cells = ["import threading, json",
             "def f(n):\n    out = []\n    t = threading.Thread(target=lambda: out.append(json.dumps([n])))\n"
             "    t.start()\n    t.join()\n    return float(len(out[0]))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert cases[0]["status"] == "forbidden" and cases[0]["calls"] == ["json.dumps"]


def test_a_thread_started_in_a_cell_is_watched_during_the_call(tmp_path):
    cells = ["import threading, queue, json",
             "jobs, done = queue.Queue(), queue.Queue()",
             "def worker():\n    while True:\n        done.put(json.dumps(jobs.get()))",
             "threading.Thread(target=worker, daemon=True).start()",
             "def f(n):\n    jobs.put([n])\n    return float(len(done.get()))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert cases[0]["status"] == "forbidden" and "json.dumps" in cases[0]["calls"]


@pytest.mark.parametrize("start, word", [
    ("import _thread\n_thread.start_new_thread(print, ('',))", "_thread"),
    ("import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'])", "process"),
    ("import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)", "process"),
])
def test_threads_and_processes_out_of_sight_count_as_forbidden(tmp_path, start, word):
    body = "\n".join("    " + line for line in start.splitlines())
    cases, _ = run_room(tmp_path, [f"def f(x):\n{body}\n    return x"], "f", [(1,)])
    assert cases[0]["status"] == "forbidden" and any(word in c for c in cases[0]["calls"]), cases


def test_switching_the_recorder_off_is_caught(tmp_path):
    cells = ["import sys, json", "def f(n):\n    sys.setprofile(None)\n    return float(len(json.dumps([n])))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert cases[0]["status"] in ("forbidden", "tampered")


# ---------------------------------------------------------------------------------------------------------------
# the channel: reports cannot be forged, overwritten later, or made to allocate more than the limit

FORGE = '''
import json, os
def forge(n):
    header = json.dumps({"kind": "result", "exercise": 0, "case": n, "record": {"status": "ok",
                         "result": {"array": "x"}}, "arrays": [{"key": "x", "dtype": "<f8", "shape": []}]}).encode()
    frame = b"CKR1" + len(header).to_bytes(4, "big") + header + (99.0).hex().encode()[:0] + bytes(8)
    for fd in range(3, 64):
        try:
            os.write(fd, frame)
        except OSError:
            pass
'''


def test_a_forged_report_on_the_channel_fails_the_exercise(tmp_path):
    cells = [FORGE, "import json", "def f(n):\n    json.dumps([n])\n    forge(0)\n    return float(n)"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert [c["status"] for c in cases] == ["tampered"]


def test_code_that_runs_after_the_last_report_changes_nothing(tmp_path):
    cells = [FORGE, "import atexit, json", "atexit.register(lambda: forge(0))",
             "def f(n):\n    return float(len(json.dumps([n])))"]
    cases, _ = run_room(tmp_path, cells, "f", [(4,)], forbidden=["json.dumps"])
    assert cases[0]["status"] == "forbidden"


def test_bytes_that_are_no_message_fail_the_exercise(tmp_path):
    cells = ["import os", "def f(n):\n    for fd in range(3, 64):\n        try:\n            os.write(fd, b'junk' * 9)\n"
             "        except OSError:\n            pass\n    return n"]
    cases, _ = run_room(tmp_path, cells, "f", [(1,)])
    assert cases[0]["status"] == "tampered"


def test_results_over_the_limit_are_refused(tmp_path):
    folder = room.prepare(tmp_path / "room", ["import numpy as np", "def f(n):\n    return np.zeros(n)"],
                          [_Prepared("f", [(10,), (2**20,)], ())], 10)
    report = room.run(folder, 1, room.plain_command(folder), 60, max_result_mb=1)
    statuses = [c["status"] for c in report.outcomes[0][0]["cases"]]
    assert statuses == ["ok", "too_large"] and "limit" in report.reason


def test_a_declared_giant_array_is_refused_before_it_is_read():
    import os
    import time
    import tracemalloc

    header = json.dumps({"kind": "result", "exercise": 0, "case": 0, "record": {},
                         "arrays": [{"key": "x", "dtype": "<f8", "shape": [2**15, 2**15]}]}).encode()
    r, w = os.pipe()
    os.write(w, room.MAGIC)
    os.write(w, len(header).to_bytes(4, "big") + header + bytes(1024))
    os.close(w)
    tracemalloc.start()
    with pytest.raises(room.TooLarge, match="limit"):
        list(room.read_messages(r, time.monotonic() + 10, 256 * 2**20))
    assert tracemalloc.get_traced_memory()[1] < 16 * 2**20
    tracemalloc.stop()
    os.close(r)


@pytest.mark.parametrize("descriptor", [{"key": "x", "dtype": "|O", "shape": [3]},
                                        {"key": "x", "dtype": "<c16", "shape": [3]},
                                        {"key": "x", "dtype": "<f8", "shape": [-1]},
                                        {"key": "x", "dtype": "[('a', '<f8')]", "shape": [1]}])
def test_arrays_that_are_not_plain_numbers_are_refused(descriptor):
    import os
    import time

    header = json.dumps({"kind": "result", "arrays": [descriptor]}).encode()
    r, w = os.pipe()
    os.write(w, b"CKR1" + len(header).to_bytes(4, "big") + header + bytes(48))
    os.close(w)
    with pytest.raises(room.ChannelError):
        list(room.read_messages(r, time.monotonic() + 10, 2**20))
    os.close(r)
