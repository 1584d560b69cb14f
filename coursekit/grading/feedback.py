"""Feedback pages without hidden tests and without scripts.

nbgrader's ``ClearHiddenTests`` removes hidden tests from the cells' source, but an error's traceback still quotes the
lines around the failing one: :class:`ClearHiddenTracebacks` (configured before ``ClearHiddenTests`` in
``autograder/nbgrader_config.py``) drops every traceback line that quotes a hidden test. :class:`FeedbackExporter`
writes the page with a content security policy that allows no script at all: whatever a student's notebook holds
(its HTML is sanitized too), nothing runs when the page is opened, by the student or in the instructor's server; and
with a style (:data:`STYLE`) that wraps long lines of code, output and tracebacks instead of cutting them at the
page's edge.
"""

from __future__ import annotations

import re

from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["ClearHiddenTracebacks", "FeedbackExporter", "POLICY", "STYLE", "hidden_lines", "strip_tracebacks"]

#: The feedback page's content security policy: images and styles of the page itself, no script, no request.
POLICY = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
          "img-src data:; style-src 'unsafe-inline'; font-src data:")

#: The feedback page's own style, after the template's: long lines wrap in every block of code and output (at spaces;
#: a word longer than the line anywhere), rather than run past the edge of the page, where they were cut.
STYLE = "pre { white-space: pre-wrap !important; word-break: normal !important; overflow-wrap: anywhere; }"

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


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page (its ``feedback`` template), with :data:`POLICY` as the first thing in its head and
    :data:`STYLE` as the last."""

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        if "<head>" not in html or "</head>" not in html:
            raise ValueError("the feedback template wrote a page without <head>: cannot set its policy")
        html = html.replace("<head>", "<head>\n" + meta, 1)
        return html.replace("</head>", f"<style>{STYLE}</style>\n</head>", 1), resources
