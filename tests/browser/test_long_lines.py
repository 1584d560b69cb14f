"""Long lines wrap where students read their results: the feedback page and nbgrader's Validate dialog.

A check's message, a traceback or a line of code can be longer than the page is wide. Both pages showed them in
``<pre>`` blocks that do not wrap, and cut what ran past the edge. Here each page shows a line of 120 words and a
word of 400 letters, on a laptop's screen (1280 pixels wide): every block must keep its lines inside its box, and the
page must not scroll sideways. Screenshots: build/browser/feedback-long-lines.png, validate-long-lines.png.
"""

from __future__ import annotations

import os

import nbformat
import pytest

from conftest import REPO

from . import lab as jl
from . import readability as rd

pytestmark = pytest.mark.browser

LONG_LINE = "CheckFailed: " + " ".join(f"word{i}" for i in range(120))
LONG_WORD = "x" * 400


def _notebook_with_long_lines() -> nbformat.NotebookNode:
    """A graded test cell whose source and error run long (nbgrader's metadata, as a released test cell has it)."""
    cell = nbformat.v4.new_code_cell(f"# {' '.join(['a long comment'] * 20)}\nraise AssertionError({LONG_LINE!r} + "
                                     f"'\\n' + {LONG_WORD!r})")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_long_lines", "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Long lines"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nb


def test_the_feedback_page_wraps_long_lines(chromium, tmp_path, artifacts):
    """The page nbgrader's feedback step writes with the course's configuration (autograder/nbgrader_config.py: the
    course's exporter, nbgrader's feedback template) for a cell whose source, output and traceback run long."""
    import nbgrader
    from nbgrader.preprocessors import ClearHiddenTests
    from traitlets.config.loader import PyFileConfigLoader

    from coursekit.grading.feedback import FeedbackExporter

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()
    config.HTMLExporter.template_name = "feedback"  # as nbgrader's GenerateFeedback sets them
    config.HTMLExporter.extra_template_paths = [os.path.join(
        os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "static", "node_modules", "bootstrap",
        "dist", "css")]
    nb = _notebook_with_long_lines()
    code = nb.cells[1]
    code.execution_count = 1
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{LONG_LINE}\n{LONG_WORD}\n"),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue=LONG_LINE,
                                           traceback=[f"\x1b[31mAssertionError\x1b[0m: {LONG_LINE}", LONG_WORD])]
    code.metadata.nbgrader.update(score=0.0, comment=None)  # what nbgrader's GetGrades adds from the gradebook
    nb, resources = ClearHiddenTests().preprocess(nb, {})
    resources["nbgrader"] = {"notebook": "long_lines", "score": 0.0, "max_score": 1.0, "late_penalty": 0.0}
    html, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources=resources)
    page_file = tmp_path / "long_lines.html"
    page_file.write_text(html)

    context = chromium.new_context(viewport=rd.LAPTOP)
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        found = page.evaluate(rd.OVERFLOWING_PRE, "body")
        text = page.inner_text("body")
        page.screenshot(path=artifacts / "feedback-long-lines.png", full_page=True)
    finally:
        context.close()
    assert found["count"] >= 3, f"expected the cell's source, output and traceback as <pre> blocks, found {found}"
    assert not found["overflowing"], f"lines cut at the edge of their block: {found['overflowing']}"
    assert found["pageOverflow"] <= 1, f"the page scrolls sideways by {found['pageOverflow']} px"
    assert "word119" in text and LONG_WORD[:100] in text.replace("\n", "")


def test_the_validate_dialog_wraps_long_lines(page, lab, artifacts):
    """nbgrader's Validate button on a notebook whose graded test cell fails with a long message: the dialog shows the
    cell and its error, wrapped (the course's style sheet, loaded by `coursekit lab` and by this server)."""
    folder = lab.root / "scratch"
    folder.mkdir(exist_ok=True)
    nbformat.write(_notebook_with_long_lines(), folder / "long_lines.ipynb")
    page.set_viewport_size(rd.LAPTOP)
    jl.open_notebook(page, lab, "scratch/long_lines.ipynb")
    page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
    page.wait_for_selector("#validation-message pre", timeout=120_000)
    page.wait_for_timeout(300)
    found = page.evaluate(rd.OVERFLOWING_PRE, "#validation-message")
    body = page.evaluate("() => { const b = document.querySelector('.jp-Dialog-body'); "
                         "return {overflow: b.scrollWidth - b.clientWidth}; }")
    text = page.inner_text("#validation-message")
    page.screenshot(path=artifacts / "validate-long-lines.png")
    assert found["count"] >= 2, f"expected the failed cell and its error in the dialog, found {found}"
    assert not found["overflowing"], f"lines cut at the edge of the dialog: {found['overflowing']}"
    assert body["overflow"] <= 1, f"the dialog scrolls sideways by {body['overflow']} px"
    assert "word119" in text and LONG_WORD[:100] in text.replace("\n", "")
    assert not page.console_errors, "errors in the browser console:\n" + "\n".join(page.console_errors)
