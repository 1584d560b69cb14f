"""Imported by each grading host's fork server before it forks the first grading process (see
:mod:`coursekit.grading.task`): importing this module does, once, what every student's grading process would
otherwise do again on its first use of it, since each starts as a copy of the fork server:

- the site-packages entries each clean room may see (:func:`coursekit.grading.sandbox.package_entries`, for the
  packages of every registered exercise: reading every installed distribution's metadata, about 0.3 s);
- nbformat's validators of the notebook format (compiled from its JSON schema, strict and relaxed);
- nbgrader's gradebook: its SQL dialect imported and its object mappings configured;
- the schema of nbgrader's cell metadata, checked (:mod:`coursekit.grading.metadata`).

Nothing here opens a file, a connection or a thread that a grading process would inherit.
"""

from __future__ import annotations

import json

__all__: list[str] = []


def _warm() -> None:
    import importlib

    import nbformat
    from nbformat.validator import get_validator
    from sqlalchemy.orm import configure_mappers

    from .metadata import _validator, schema_validator
    from .registry import exercises
    from .sandbox import package_entries

    # nbgrader's mapped classes, the gradebook's SQL dialect (imported on first use), what a grading process imports
    for module in ("nbgrader.api", "sqlalchemy.dialects.sqlite.pysqlite", "coursekit.grading.grader"):
        importlib.import_module(module)
    for modules in sorted({tuple(sorted(set(ex.modules))) for ex in exercises()}):
        package_entries(modules)
    for minor in range(nbformat.v4.nbformat_minor + 1):
        for relaxed in (False, True):  # nbformat reads strictly; nbconvert checks each preprocessor's result relaxed
            get_validator(version=4, version_minor=minor, relax_add_props=relaxed)
    configure_mappers()
    schema_validator(json.dumps(_validator().schema, sort_keys=True))


try:
    _warm()
except Exception:  # noqa: BLE001 - only time is lost: each grading process then does it itself (tests call _warm)
    pass
