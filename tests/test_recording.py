"""What the grader's faster pieces must keep equal to nbgrader's and nbconvert's own: the check of the cells'
metadata (its schema checked once), and the feedback page (one template environment for the class, no second
parse of the page)."""

import copy
import json

import nbformat
import pytest

from conftest import REPO


def _source_notebook():
    return nbformat.read(REPO / "solutions" / "06_metrics" / "06_metrics.ipynb", as_version=4)


def _graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _mutations():
    """A released chapter's notebook, and ways of corrupting its nbgrader metadata (each a function of a copy)."""

    def first(kind):
        def pick(nb):
            return next(c for c in nb.cells if c.cell_type == kind and "nbgrader" in c.metadata)
        return pick

    def grade(nb):
        return _graded_cells(nb)[0]

    def setter(pick, key, value):
        def apply(nb):
            pick(nb).metadata["nbgrader"][key] = value
        return apply

    def deleter(pick, key):
        def apply(nb):
            del pick(nb).metadata["nbgrader"][key]
        return apply

    def duplicate_ids(nb):
        cells = _graded_cells(nb)
        cells[1].metadata["nbgrader"]["grade_id"] = cells[0].metadata["nbgrader"]["grade_id"]

    def markdown_grade_without_solution(nb):
        cell = first("markdown")(nb) if any(c.cell_type == "markdown" and "nbgrader" in c.metadata
                                            for c in nb.cells) else nb.cells[0]
        cell.cell_type = "markdown"
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "points": 1,
                                     "grade_id": "md-grade", "schema_version": 3}

    return {
        "as released": lambda nb: None,
        "no grade_id": deleter(grade, "grade_id"),
        "empty grade_id": setter(grade, "grade_id", ""),
        "no points": deleter(grade, "points"),
        "points as text": setter(grade, "points", "ten"),
        "negative points": setter(grade, "points", -1),
        "grade as text": setter(grade, "grade", "yes"),
        "an unknown key": setter(grade, "secret", 1),
        "schema too old": setter(grade, "schema_version", 2),
        "schema too new": setter(grade, "schema_version", 4),
        "no locked": deleter(grade, "locked"),
        "duplicate ids": duplicate_ids,
        "markdown grade cell without solution": markdown_grade_without_solution,
        "a code task cell": setter(grade, "task", True),
        "metadata not a dict": lambda nb: grade(nb).metadata.__setitem__("nbgrader", ["grade"]),
    }


def _verdict(preprocessor_class, nb):
    """What a metadata check says of ``nb``: passed, or the error's type and message, and what it logged."""
    import logging

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage().splitlines()[-1])

    pre = preprocessor_class()
    handler = Keep()
    pre.log.addHandler(handler)
    try:
        pre.preprocess(nb, {})
        outcome = "passed"
    except Exception as exc:  # noqa: BLE001 - the verdict is the exception
        outcome = f"{type(exc).__name__}: {exc}"
    finally:
        pre.log.removeHandler(handler)
    return outcome, records


@pytest.mark.parametrize("name", list(_mutations()))
def test_the_metadata_check_gives_nbgraders_verdicts(name):
    from nbgrader.preprocessors import CheckCellMetadata as Nbgrader

    from coursekit.grading.metadata import CheckCellMetadata

    nb = _source_notebook()
    _mutations()[name](nb)
    ours, theirs = _verdict(CheckCellMetadata, copy.deepcopy(nb)), _verdict(Nbgrader, copy.deepcopy(nb))
    assert ours == theirs, f"{name}: ours {ours}, nbgrader's {theirs}"
    if name == "as released":
        assert ours[0] == "passed"
    else:
        assert ours[0] != "passed", f"{name}: nbgrader's check should have failed it"


def test_the_metadata_check_validates_each_cells_own_metadata():
    """The schema's validator is built once, yet each cell is still judged on its own metadata: a notebook whose
    last graded cell alone is broken fails, after one that passed."""
    from coursekit.grading.metadata import CheckCellMetadata

    nb = _source_notebook()
    assert _verdict(CheckCellMetadata, copy.deepcopy(nb))[0] == "passed"
    _graded_cells(nb)[-1].metadata["nbgrader"]["points"] = "many"
    outcome, logged = _verdict(CheckCellMetadata, nb)
    assert outcome.startswith("ValidationError") and "may be corrupted" in outcome
    assert any("'many'" in line for line in logged), logged


def test_the_metadata_check_is_the_configured_one():
    from coursekit.paths import Course

    config = Course(REPO).nbgrader_config()
    assert "coursekit.grading.metadata.CheckCellMetadata" in config.Autograde.sanitize_preprocessors
    assert "nbgrader.preprocessors.CheckCellMetadata" not in json.dumps(list(config.Autograde.sanitize_preprocessors))


# ---------------------------------------------------------------------------------------------------------------
# the feedback page


def _feedback_exporters():
    """The course's feedback exporter as nbgrader's GenerateFeedback configures it, and the same exporter with
    nbconvert's own page (its BeautifulSoup pass, no compiled templates kept)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateFeedback

    from coursekit.grading.feedback import FeedbackExporter
    from coursekit.paths import Course

    class Plain(FeedbackExporter):
        def _create_environment(self):
            return HTMLExporter._create_environment(self)

        def _page(self, nb, resources=None, **kw):
            return HTMLExporter.from_notebook_node(self, nb, resources, **kw)

    app = GenerateFeedback(coursedir=NbGraderAPI(config=Course(REPO).nbgrader_config()).coursedir,
                           config=Course(REPO).nbgrader_config())
    return (lambda: FeedbackExporter(parent=app, config=app.config)), (lambda: Plain(parent=app, config=app.config))


def _with_traps(nb):
    """``nb`` with what the page's accessibility pass must handle: images without and with a description, in
    markdown and in outputs, and an error."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

    pixel = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):  # as nbgrader's GetGrades leaves them: scores and comments
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["score"] = meta["points"] * (i % 2)
        if meta.get("grade") or meta.get("solution"):
            meta["comment"] = "well done" if i % 2 else None
    nb.cells.append(new_markdown_cell(f'An image ![a red pixel](data:image/png;base64,{pixel}) and one without '
                                      f'text <img src="data:image/png;base64,{pixel}"> in a sentence.'))
    nb.cells.append(new_code_cell("show()", outputs=[
        new_output("display_data", data={"image/png": pixel, "text/plain": "<Figure>"}),
        new_output("display_data", data={"text/html": f'<div class="jp-OutputArea-output" tabindex="-1">'
                                                      f'<img src="data:image/png;base64,{pixel}" alt="">'
                                                      f'<img src="data:image/png;base64,{pixel}"></div>'}),
        new_output("error", ename="ValueError", evalue="no", traceback=["\x1b[31mValueError\x1b[0m: no"])]))
    return nb


def _resources():
    return {"nbgrader": {"notebook": "06_metrics", "score": 7.5, "max_score": 10, "late_penalty": 0,
                         "assignment": "06_metrics", "student": "someone"}, "metadata": {"path": str(REPO)}}


def _normal(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, features="html.parser").decode()


def test_the_feedback_page_is_nbconverts_page():
    """Our page, without nbconvert's second parse and with compiled templates kept, reads as nbconvert's own page
    (the same document once both are parsed), for a chapter's executed notebook with images, HTML and errors."""
    from conftest import executed_solution

    fast, plain = _feedback_exporters()
    nb = _with_traps(executed_solution("06_metrics"))
    ours, _ = fast().from_notebook_node(copy.deepcopy(nb), _resources())
    theirs, _ = plain().from_notebook_node(copy.deepcopy(nb), _resources())
    assert ours != theirs, "the plain page should be nbconvert's, written again by BeautifulSoup"
    assert _normal(ours) == _normal(theirs)
    assert ours.count('alt="No description has been provided for this image"') >= 3


def test_the_feedback_pages_of_a_class_do_not_mix():
    """One exporter after another in the same process, the compiled templates shared: each page is the page a
    fresh process would write for that notebook."""
    from conftest import executed_solution

    from coursekit.grading.feedback import TEMPLATES

    fast, plain = _feedback_exporters()
    first = _with_traps(executed_solution("06_metrics"))
    second = copy.deepcopy(first)
    second.cells[0].source = "# another student's notebook"
    TEMPLATES.clear()
    cold = fast().from_notebook_node(copy.deepcopy(second), _resources())[0]
    fast().from_notebook_node(copy.deepcopy(first), _resources())
    warm = fast().from_notebook_node(copy.deepcopy(second), _resources())[0]
    assert len(TEMPLATES._code) > 1
    assert warm == cold
    assert "another student" in warm and _normal(warm) == _normal(plain().from_notebook_node(second, _resources())[0])


@pytest.mark.parametrize("html, expected", [
    ('<p><img src="a.png"></p>', '<p><img src="a.png" alt="No description has been provided for this image"></p>'),
    ('<IMG SRC="a.png"/>', '<IMG SRC="a.png" alt="No description has been provided for this image"/>'),
    ('<img alt="" src="a.png">', '<img alt="" src="a.png">'),
    ('<img src="a.png" ALT=x>', '<img src="a.png" ALT=x>'),
    ('<img data-alt="x" src="a.png">', '<img data-alt="x" src="a.png" alt="No description has been provided for '
                                        'this image">'),
    ('<div class="jp-OutputArea-output"><image src="a.png"></div>', '<div class="jp-OutputArea-output"><image '
                                                                      'src="a.png"></div>'),
])
def test_the_accessibility_pass_marks_images_as_nbconvert_does(html, expected):
    from coursekit.grading.feedback import _soup_pass, accessible

    assert accessible(html) == expected
    assert _normal(accessible(html)) == _normal(_soup_pass(html))


def test_a_lab_style_page_gets_nbconverts_own_pass():
    from coursekit.grading.feedback import accessible

    page = ('<body class="jp-Notebook"><div class="jp-Cell-inputWrapper">x</div><div class="jp-OutputArea-output">'
            '<img src="a.png"></div></body>')
    marked = accessible(page)
    assert marked.count('tabindex="0"') == 2 and 'alt="No description' in marked
    assert accessible('<div class="jp-OutputArea-output">y</div>') == '<div class="jp-OutputArea-output">y</div>'


def test_markdown_is_rendered_once_but_each_cell_with_its_own_attachments():
    """The markdown filter remembers what it rendered (a chapter's text is the same for every student): the same
    source with other attachments is another page, and what is remembered is what a fresh render gives."""
    from jinja2 import Environment

    from coursekit.grading import webguard

    pixel = {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}
    other = {"image/png": "R0lGODlhAQABAAAAACw="}
    env = Environment()
    env.filters["markdown2html"] = webguard.markdown2html
    template = env.from_string("{{ cell.source | markdown2html }}")
    source = "A figure: ![pixel](attachment:p.png) and $x^2$"
    webguard._markdown.cache_clear()
    first = template.render(cell={"source": source, "attachments": {"p.png": pixel}})
    second = template.render(cell={"source": source, "attachments": {"p.png": other}})
    again = template.render(cell={"source": source, "attachments": {"p.png": pixel}})
    assert pixel["image/png"] in first and other["image/png"] in second and first != second
    assert again == first and webguard._markdown.cache_info().hits == 1
    webguard._markdown.cache_clear()
    assert template.render(cell={"source": source, "attachments": {"p.png": pixel}}) == first
    assert "<math" in first


def test_the_fork_servers_warm_up_runs_and_leaves_what_it_promises():
    """What the grading hosts' fork server imports to warm itself: it runs without error (its import never fails,
    so an error would only cost time, silently) and leaves the clean rooms' package entries computed."""
    from coursekit.grading import preload, sandbox
    from coursekit.grading.registry import exercises

    sandbox.package_entries.cache_clear()
    preload._warm()
    assert sandbox.package_entries.cache_info().currsize == len({tuple(sorted(set(ex.modules)))
                                                                  for ex in exercises()}) > 0
