"""Feedback pages without hidden tests and without scripts, written fast enough for a whole class.

nbgrader's ``ClearHiddenTests`` removes hidden tests from the cells' source, but an error's traceback still quotes the
lines around the failing one: :class:`ClearHiddenTracebacks` (configured before ``ClearHiddenTests`` in
``autograder/nbgrader_config.py``) drops every traceback line that quotes a hidden test. :class:`FeedbackExporter`
writes the page with a content security policy that allows no script at all: whatever a student's notebook holds
(its HTML is sanitized too), nothing runs when the page is opened, by the student or in the instructor's server; and
with a style (:data:`STYLE`) that wraps long lines of code, output and tracebacks instead of cutting them at the
page's edge.

The grader writes one page per student, so the exporter keeps what does not change between students: the compiled
templates (:data:`TEMPLATES`, Jinja's bytecode cache, shared by the exporters of one process), and it marks the page
for screen readers and keyboards itself (:func:`accessible`) instead of parsing the whole page again with
BeautifulSoup, as nbconvert's ``HTMLExporter`` does, for the same result: more than half of the page's time.
"""

from __future__ import annotations

import re

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["ClearHiddenTracebacks", "FeedbackExporter", "POLICY", "STYLE", "TEMPLATES", "accessible", "hidden_lines",
           "strip_tracebacks"]

#: The feedback page's content security policy: images and styles of the page itself, no script, no request.
POLICY = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
          "img-src data:; style-src 'unsafe-inline'; font-src data:")

#: The feedback page's own style, after the template's: long lines wrap in every block of code and output (at spaces;
#: a word longer than the line anywhere), rather than run past the edge of the page, where they were cut.
STYLE = "pre { white-space: pre-wrap !important; word-break: normal !important; overflow-wrap: anywhere; }"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: The text nbconvert gives an image that has none (``alt``).
NO_ALT = "No description has been provided for this image"
_IMG = re.compile(r"<(img)\b([^>]*?)(\s*/?)>", re.I)
_ALT = re.compile(r"\salt\s*=", re.I)


class _Templates(BytecodeCache):
    """Jinja's compiled templates kept in memory (bucket key and source checksum, as Jinja checks them)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self):
        self._code.clear()


#: The compiled templates of every :class:`FeedbackExporter` of this process.
TEMPLATES = _Templates()


def accessible(html: str) -> str:
    """``html`` as nbconvert's ``HTMLExporter`` leaves it for screen readers and keyboards: an ``alt`` text
    (:data:`NO_ALT`) on every image without one and, inside a JupyterLab-style page (``jp-Notebook``), a
    ``tabindex`` on every cell's input and output. nbconvert does it by parsing the page with BeautifulSoup and
    writing it again. A feedback page is classic-style (nbgrader's template), so only the images are marked: the
    ``alt`` attribute is added last in the tag, where BeautifulSoup puts it, to the page as it is; a page that names
    ``jp-Notebook`` anywhere gets nbconvert's own pass."""
    if "jp-Notebook" in html:
        return _soup_pass(html)
    return _IMG.sub(lambda m: m.group(0) if _ALT.search(m.group(2)) else
                    f'<{m.group(1)}{m.group(2)} alt="{NO_ALT}"{m.group(3)}>', html)


class _RememberedHighlight:
    """nbconvert's ``Highlight2HTML`` filter, each cell's highlighted code remembered for the process: the cells the
    instructor wrote are the same in every student's page. What the code is highlighted as depends on the
    notebook's language (``lexer``), the language asked for, and the cell's ``magics_language``, nothing else."""

    _seen: dict = {}
    _MOST = 4096

    def __init__(self, highlight, lexer):
        self.highlight, self.lexer = highlight, lexer

    def __call__(self, source, language=None, metadata=None):
        key = (self.lexer, language, (metadata or {}).get("magics_language"), source)
        html = self._seen.get(key)
        if html is None:
            html = self.highlight(source, language, metadata)
            if len(self._seen) >= self._MOST:
                self._seen.clear()
            self._seen[key] = html
        return html


def _soup_pass(html: str) -> str:
    """nbconvert's own pass (``HTMLExporter.from_notebook_node``, nbconvert 7)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, features="html.parser")
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = NO_ALT
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        elem.attrs["tabindex"] = "0"
    for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"
    return str(soup)


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
    :data:`STYLE` as the last; its templates compiled once per process (:data:`TEMPLATES`), the page made
    :func:`accessible` without parsing it again."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = TEMPLATES
        return environment

    def _page(self, nb, resources=None, **kw):
        """``HTMLExporter.from_notebook_node`` (nbconvert 7) without its BeautifulSoup pass: the same filters for
        the notebook, the template rendered, then :func:`accessible`."""
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code") or _RememberedHighlight(
            Highlight2HTML(pygments_lexer=lexer, parent=self), lexer)
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                 resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(html), resources

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = self._page(nb, resources, **kw)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        if "<head>" not in html or "</head>" not in html:
            raise ValueError("the feedback template wrote a page without <head>: cannot set its policy")
        html = html.replace("<head>", "<head>\n" + meta, 1)
        return html.replace("</head>", f"<style>{STYLE}</style>\n</head>", 1), resources
