"""Feedback pages without hidden tests: nbgrader's ``ClearHiddenTests`` removes them from the cells' source, but an
error's traceback still quotes the lines around the failing one. :class:`ClearHiddenTracebacks` (configured before
``ClearHiddenTests`` in ``autograder/nbgrader_config.py``) drops every traceback line that quotes a hidden test."""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["ClearHiddenTracebacks", "hidden_lines", "strip_tracebacks"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hidden_lines(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> set[str]:
    """The stripped, non-empty lines of a cell's hidden-test regions, markers included."""
    lines, inside = set(), False
    for line in source.splitlines():
        if begin in line:
            inside = True
        if inside and line.strip():
            lines.add(line.strip())
        if end in line:
            inside = False
    return lines


def strip_tracebacks(outputs, secret: set[str]) -> None:
    """Remove, in place, the traceback lines of error outputs that quote any of ``secret``."""
    if not secret:
        return
    for output in outputs:
        if output.get("output_type") == "error":
            kept = []
            for entry in output.get("traceback", []):
                lines = [ln for ln in entry.split("\n")
                         if not any(s in _ANSI.sub("", ln) for s in secret)]
                kept.append("\n".join(lines))
            output["traceback"] = kept


class ClearHiddenTracebacks(NbGraderPreprocessor):
    """Drop traceback lines that quote hidden tests (run before ``ClearHiddenTests``)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            strip_tracebacks(cell.get("outputs", []),
                             hidden_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter))
        return cell, resources
