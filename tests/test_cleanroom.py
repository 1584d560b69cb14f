"""The clean room on its own (no sandbox): it runs the student's code on cases given as data, returns numbers only,
and records calls of forbidden callables however they are reached: Python functions by their defining file, compiled
ones by module and name, and coursekit (absent from the clean room) through stubs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coursekit.grading.cleanroom import decode, decode_result, encode
from coursekit.grading.grader import _forbidden_spec

CLEANROOM = Path(__file__).resolve().parents[1] / "coursekit" / "grading" / "cleanroom.py"


def run_room(tmp_path, cells, function, cases, forbidden=(), case_seconds=10):
    room = tmp_path / "room"
    room.mkdir()
    specs = [s for s in (_forbidden_spec(d) for d in forbidden) if s]
    program = {"cells": cells, "case_seconds": case_seconds,
               "exercises": [{"id": "x.y", "function": function, "forbidden": specs}]}
    (room / "program.json").write_text(json.dumps(program))
    arrays = {}
    spec = {"cases": [{"args": encode(tuple(args), arrays, f"c{i}"), "kwargs": encode({}, arrays, f"k{i}")}
                      for i, args in enumerate(cases)]}
    np.savez(room / "cases-0.npz", **arrays)
    (room / "cases-0.json").write_text(json.dumps(spec))
    shutil.copy2(CLEANROOM, room / "cleanroom.py")
    subprocess.run([sys.executable, "-I", str(room / "cleanroom.py"), str(room)], timeout=120, check=True)
    out = json.loads((room / "result-0.json").read_text())
    with np.load(room / "result-0.npz", allow_pickle=False) as data:
        results = {k: data[k] for k in data.files}
    return out["cases"], results


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
    assert cases == [{"status": "crashed", "case": 1}]


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
