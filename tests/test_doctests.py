"""Every docstring example of every coursekit module runs, with the standard library's doctest.

One test per module, found by walking the package, so a new module is covered by being written. A module that cannot
be imported because an optional dependency is missing (torch for the deep chapters) is skipped, saying which.
"""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import coursekit

MODULES = ["coursekit"] + sorted(info.name for info in pkgutil.walk_packages(coursekit.__path__, "coursekit."))

#: The reference packages of the lecture's algorithms: every public function and class there shows an example.
REFERENCES = ["coursekit.clustering", "coursekit.data", "coursekit.features", "coursekit.graphs", "coursekit.metrics",
              "coursekit.snakes"]


def _import(name):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in ("torch", "ipywidgets"):
            pytest.skip(f"{name} needs {error.name}, which is not installed")
        raise


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = _import(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (printed in the captured output)"


@pytest.mark.parametrize("package", REFERENCES)
def test_every_public_name_of_a_reference_has_an_example(package):
    module = _import(package)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and ">>>" not in (obj.__doc__ or ""):
            missing.append(name)
    # a result class is shown by the examples of the function that returns it
    assert all(name.endswith(("Result", "Step", "Report")) or name == "FilterBank" for name in missing), missing


def test_every_module_is_found():
    assert {"coursekit._checks", "coursekit.metrics.scores", "coursekit.data.images", "coursekit.graphs.ncut",
            "coursekit.snakes.steps"} <= set(MODULES)
