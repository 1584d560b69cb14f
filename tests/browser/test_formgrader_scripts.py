"""A student's scripts must not run where the instructor (or the student) looks at graded work: the formgrader's
submission page, served by the instructor's own Jupyter server, and the feedback page.

One submission carries the payloads a red team used: a ``<script>`` and an ``<img onerror>`` in a markdown cell, an
HTML output with a script, and a JavaScript output. Each payload, if it ran, would call a loopback listener and try
to write a file through the Jupyter API. The same payloads rendered by plain nbconvert do run in this browser (the
control), so the test can tell.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.grading import sandbox

pytestmark = [pytest.mark.browser]

A = "06_metrics"
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graded_xss(lab):
    """The lab's course with the XSS submission (and an honest one) autograded; the listener the payloads call."""
    if not sandbox.available():
        pytest.skip("bubblewrap is not available: the grader's sandbox is needed to grade the submission")
    sys.path.insert(0, str(TESTS))
    import test_grader_adversarial as T
    from coursekit.course import make_samples, release
    from coursekit.grading.grader import GradeOptions, grade_class

    root = lab.root
    release(root, [A], log=lambda *a: None)
    make_samples(root, A, log=lambda *a: None)
    listener = T.Listener()
    full = nbformat.read(root / "autograder" / "submitted" / "sample_full" / A / f"{A}.ipynb", as_version=4)
    folder = root / "autograder" / "submitted" / "xss" / A
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(T.xss_notebook(full, listener.port), folder / f"{A}.ipynb")
    report = grade_class(root, A, students=["xss"], options=GradeOptions(jobs=1), log=lambda *a: None,
                         progress=False)
    assert report.results[0].score == T.TOTAL, report.table()
    try:
        yield root, listener
    finally:
        listener.close()


def no_payload_ran(root: Path, listener, requests: list[str]) -> list[str]:
    problems = [f"request to the listener: {url}" for url in requests if f":{listener.port}/" in url]
    problems += [f"a payload wrote {p.name}" for p in root.rglob("pwned-by-*")]
    if listener.connections:
        problems.append(f"{listener.connections} connection(s) to the listener")
    return problems


def test_the_formgrader_runs_no_student_script(page, lab, graded_xss):
    root, listener = graded_xss
    with sqlite3.connect(root / "autograder" / "gradebook.db") as db:
        (submission,) = db.execute(
            "select submitted_notebook.id from submitted_notebook join submitted_assignment on "
            "submitted_notebook.assignment_id = submitted_assignment.id where submitted_assignment.student_id = 'xss'"
        ).fetchone()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(f"{lab.url}/formgrader/submissions/{submission}/")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    page.wait_for_selector("#notebook-container")
    page.wait_for_timeout(3000)  # time for any payload to fire
    assert not no_payload_ran(root, listener, requests)
    # the formgrader itself still works: its own scripts ran (they fill the score inputs)
    page.wait_for_function("() => typeof Backbone !== 'undefined' && typeof submission_id !== 'undefined'")
    text = page.inner_text("#notebook-container")
    assert "Thanks for grading!" in text
    refused = [e for e in page.console_errors if "Content Security Policy" in e and "cdn" not in e.lower()]
    assert not refused, "the policy blocked a script of the formgrader's own template:\n" + "\n".join(refused)


def test_the_feedback_page_runs_no_student_script(chromium, graded_xss, tmp_path):
    root, listener = graded_xss
    feedback = root / "autograder" / "feedback" / "xss" / A / f"{A}.html"
    context = chromium.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(feedback.as_uri())
    page.wait_for_timeout(3000)
    try:
        assert not no_payload_ran(root, listener, requests)
        assert "Thanks for grading!" in page.inner_text("body")
        assert page.evaluate("() => document.scripts.length") == 0
    finally:
        context.close()


MATH_OK = """() => {
  const rendered = Array.from(document.querySelectorAll('.text_cell_render, .jp-RenderedMarkdown'));
  const text = rendered.map(e => e.innerText).join('\\n');
  return {math: document.querySelectorAll('math').length, raw: (text.match(/\\$[^$\\n]{1,80}\\$/g) || []).slice(0, 5),
          mathjax: typeof window.MathJax};
}"""


def test_formulas_are_typeset_without_a_script_or_the_network(page, lab, graded_xss, chromium):
    """Feedback pages and the formgrader show formulas typeset (MathML), with no MathJax from a CDN: no request
    leaves the machine, no raw $...$ is left in the prose."""
    root, _ = graded_xss
    with sqlite3.connect(root / "autograder" / "gradebook.db") as db:
        (submission,) = db.execute(
            "select submitted_notebook.id from submitted_notebook join submitted_assignment on "
            "submitted_notebook.assignment_id = submitted_assignment.id where submitted_assignment.student_id = 'xss'"
        ).fetchone()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{lab.url}/formgrader/submissions/{submission}/")
    page.wait_for_selector("#notebook-container")
    page.wait_for_timeout(1000)
    found = page.evaluate(MATH_OK)
    assert found["math"] > 10 and not found["raw"], found
    assert all(url.startswith(lab.url) or url.startswith("data:") for url in requests), \
        [u for u in requests if not u.startswith(lab.url)]
    assert not [e for e in page.console_errors if "MathJax" in e], page.console_errors

    context = chromium.new_context()
    feedback = context.new_page()
    seen: list[str] = []
    feedback.on("request", lambda request: seen.append(request.url))
    feedback.goto((root / "autograder" / "feedback" / "xss" / A / f"{A}.html").as_uri())
    found = feedback.evaluate(MATH_OK)
    context.close()
    assert found["math"] > 10 and not found["raw"], found
    assert all(url.startswith("file:") or url.startswith("data:") for url in seen), seen


def test_control_the_same_payloads_run_in_plain_nbconvert_html(chromium, graded_xss, tmp_path):
    """Without the course's protections the payloads do run in this browser: the two tests above can fail."""
    from nbconvert import HTMLExporter

    root, listener = graded_xss
    notebook = nbformat.read(root / "autograder" / "autograded" / "xss" / A / f"{A}.ipynb", as_version=4)
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    html = re.sub(r"<script[^>]*mathjax[^>]*></script>", "", html, flags=re.I)
    page_file = tmp_path / "plain.html"
    page_file.write_text(html)
    context = chromium.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri())
    page.wait_for_timeout(3000)
    context.close()
    assert any(f":{listener.port}/xss" in url for url in requests), requests
