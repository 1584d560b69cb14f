"""Shared test setup: Jupyter state in a temporary folder, a headless matplotlib, and a scratch copy of the course."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Jupyter's and IPython's folders live in a temporary folder for the whole run, never in the home folder.
_STATE = Path(tempfile.mkdtemp(prefix="coursekit-tests-"))
for _var, _sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                   ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")):
    os.environ[_var] = str(_STATE / _sub)
    (_STATE / _sub).mkdir(parents=True, exist_ok=True)
os.environ["MPLBACKEND"] = "Agg"
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
os.environ.pop("COURSEKIT_GRADING_SEED", None)


def copy_course(target: Path) -> Path:
    """A scratch copy of what the course pipeline reads: solutions/, notebooks/ and the nbgrader configuration."""
    shutil.copytree(REPO / "solutions", target / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copytree(REPO / "notebooks", target / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (target / "autograder").mkdir()
    shutil.copy2(REPO / "autograder" / "nbgrader_config.py", target / "autograder")
    shutil.copytree(REPO / "autograder" / "templates", target / "autograder" / "templates")
    shutil.copy2(REPO / "nbgrader_config.py", target)
    return target


_EXECUTED: dict = {}


def executed_solution(name: str):
    """The solution notebook of chapter ``name`` executed top to bottom in a fresh kernel, once per test session
    (the deep chapters train networks: several tests read the same run's outputs)."""
    if name not in _EXECUTED:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(REPO / "solutions" / name / f"{name}.ipynb", as_version=4)
        workdir = Path(tempfile.mkdtemp(prefix=f"run-{name}-", dir=_STATE))
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
        _EXECUTED[name] = nb
    return _EXECUTED[name]


def notebook_text(nb) -> str:
    """Everything a notebook's code cells printed (streams and plain-text results)."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A scratch course whose notebooks were released afresh from solutions/ (shared by the slow tests)."""
    from coursekit.course import release

    root = copy_course(tmp_path_factory.mktemp("course"))
    release(root, log=lambda *a: None)
    return root


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_STATE, ignore_errors=True)


def load_functions(path, setup: bool = False):
    """The functions that a notebook's solution cells define, executed in a fresh namespace (as the clean room
    does: only numpy is there, or with ``setup`` what the notebook's first code cell imports, magics left out)."""
    import json

    import numpy as np

    nb = json.loads(Path(path).read_text())
    namespace = {"np": np}
    if setup:
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        exec("\n".join(line for line in "".join(first["source"]).splitlines() if not line.lstrip().startswith("%")),
             namespace)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            exec("".join(cell["source"]), namespace)
    return namespace


def message_of(exercise_id, fn, **kw):
    """The message of the CheckFailed that ``check`` must raise."""
    from coursekit.grading import CheckFailed, check

    with pytest.raises(CheckFailed) as info:
        check(exercise_id, fn, **kw)
    return str(info.value)


#: The grading seeds a plausible mistake must fail for (hidden cases are drawn from the seed).
SEEDS = [0, 1, 7, 12345, 2**40 + 3]


def assert_mistake_caught(exercise_id, fn, seeds=SEEDS):
    """A plausible mistake fails the visible check, whose message names ``hint("<id>")`` without giving the hint
    unasked, and the hidden cases of every seed."""
    from coursekit.grading import get_exercise

    msg = message_of(exercise_id, fn)
    assert f'hint("{exercise_id}")' in msg and get_exercise(exercise_id).hint not in msg, msg
    for seed in seeds:
        message_of(exercise_id, fn, hidden=True, seed=seed)
