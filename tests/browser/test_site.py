"""The course's website (``make site``, docs/build_site.py) read in headless Chromium, as a self-learner reads it.

The site is built by the tests when it is missing or out of date (the builder keeps executed notebooks in a cache
keyed by their content, so no chapter runs again when nothing changed), and served from build/site/ by Python's
http.server on 127.0.0.1, started and stopped by the tests. Every chapter page opens without an error in the
browser's console; every figure of its executed notebook is there as a picture that loaded; its formulas are typeset
(no ``$...$`` left in the text); every widget the notebook displays is drawn from its saved state; the
"Show solution" toggle shows and hides the solution's code; and no request goes to any host but the local server.
Search finds each chapter's key term on that chapter's page. A build without solutions (``make site SOLUTIONS=0``)
holds no line of any ``### BEGIN SOLUTION`` block, and neither build holds a hidden test. Screenshots of every
chapter page go to build/site-screenshots/ (CI keeps them).

Chapters are found by folder, as the builder finds them: a new chapter is covered without editing this file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

from .conftest import ConsoleErrors

sys.path.insert(0, str(REPO / "docs"))
import build_site  # noqa: E402  (docs/ is not a package)

SITE = REPO / "build" / "site"
SITE_WITHOUT_SOLUTIONS = REPO / "build" / "site-nosolutions"
SCREENSHOTS = REPO / "build" / "site-screenshots"
BUILD_SECONDS = 1800  # a cold build executes every chapter, chapter 5 training its networks

# What search must find, and on which chapter's page; a chapter that is not written yet is left out.
SEARCHES = {
    "01_clustering": "k-means",
    "02_affinity_ncuts": "normalized cut",
    "03_snakes": "snake",
    "04_transposed_convolution": "transposed convolution",
    "05_fcn_unet": "receptive field",
    "06_metrics": "confusion matrix",
}

CHAPTERS = build_site.chapters()


def _build(solutions: bool, out: Path) -> dict:
    """Build the site (a no-op when it is up to date) and return the builder's manifest of its chapter pages."""
    if shutil.which("npm") is None and not (build_site.ASSETS / "packages.json").is_file():
        pytest.skip("npm is missing: the site's first build fetches MathJax and the widget embedder with it")
    log = REPO / "build" / f"{out.name}-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as stream:
        done = subprocess.run([sys.executable, str(REPO / "docs" / "build_site.py"), "--solutions",
                               "1" if solutions else "0", "--out", str(out)], cwd=REPO, stdout=stream,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=BUILD_SECONDS)
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
        pytest.fail(f"building the site failed (status {done.returncode}, log {log}):\n{tail}")
    return json.loads((build_site.WORK / out.name / "manifest.json").read_text())


@pytest.fixture(scope="session")
def site():
    """build/site/, the default build (solutions folded), and its manifest."""
    return _build(True, SITE)


@pytest.fixture(scope="session")
def site_without_solutions():
    return _build(False, SITE_WITHOUT_SOLUTIONS)


class StaticServer:
    """``python -m http.server`` on 127.0.0.1 (a free port) serving ``root``; stopped by its process id."""

    def __init__(self, root: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/index.html", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"http.server did not answer on {self.url} within 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="session")
def server(site):
    """build/site/ served on 127.0.0.1 for the session (screenshots of failed tests of an earlier session removed)."""
    for old in SCREENSHOTS.glob("failed-*.png"):
        old.unlink()
    served = StaticServer(SITE)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def reader(request, chromium, server):
    """A fresh page (the browser tests' viewport) that records every request and every console error; a failed
    test leaves a screenshot of the page in build/site-screenshots/."""
    context = chromium.new_context(viewport={"width": 1500, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.console_errors = ConsoleErrors()
    page.console_errors.attach(page)
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    try:
        yield page
    finally:
        if getattr(request.node, "browser_test_failed", False):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
            try:
                page.screenshot(path=SCREENSHOTS / f"failed-{name}.png", timeout=15_000)
            except Exception as exc:  # the page may be gone; the test's own error is what matters
                print(f"no screenshot of the failed page: {exc}")
        context.close()


def _assert_local_only(page, server) -> None:
    foreign = [url for url in page.requests
               if not (url.startswith(server.url + "/") or url.startswith(("data:", "blob:")))]
    assert not foreign, f"requests to other hosts than the local server: {foreign}"


def _assert_no_console_errors(page) -> None:
    assert not page.console_errors, "errors in the browser's console:\n" + "\n".join(page.console_errors)


_TYPESET = """
async () => {
  if (!window.MathJax || !MathJax.startup) return {mathjax: false};
  await MathJax.startup.promise;
  const maths = Array.from(document.querySelectorAll('.math'));
  const untypeset = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_output').forEach(e => e.remove());
  return {mathjax: true, count: maths.length, untypeset, text: copy.textContent};
}
"""

_FIGURES = """
async () => {
  const outputs = Array.from(document.querySelectorAll('.cell_output img'))
    .filter(img => !img.closest('.jupyter-widgets, .widget-subarea'));
  for (const img of outputs) {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) { /* judged below by its natural width */ }
  }
  return outputs.map(img => ({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0}));
}
"""

_WIDGETS = """
async () => {
  const views = Array.from(document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets'))
    .filter(e => !e.parentElement.closest('.jupyter-widgets'));
  const pictures = Array.from(document.querySelectorAll('.jupyter-widgets img'));
  for (const img of pictures) { try { await img.decode(); } catch (e) {} }
  return {views: views.length, sliders: document.querySelectorAll('.widget-slider').length,
          pictures: pictures.length, loaded: pictures.filter(i => i.complete && i.naturalWidth > 0).length};
}
"""


def _solution_cells(chapter: str) -> list[list[str]]:
    """The lines of each solution block of the chapter's notebook."""
    import nbformat

    nb = nbformat.read(build_site.solution_path(chapter), as_version=4)
    return [lines for cell in nb.cells if build_site.is_solution(cell)
            for lines in [[ln for ln in build_site.solution_lines(cell.source) if ln.strip()]] if lines]


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page(reader, server, site, chapter):
    page = reader
    expected = site["chapters"][chapter]
    page.goto(f"{server.url}/{expected['page']}", wait_until="load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert page.title().startswith(expected["title"]), f"the page's title is {page.title()!r}"

    maths = page.evaluate(_TYPESET)
    assert maths["mathjax"], "MathJax did not load"
    assert not maths["untypeset"], f"formulas left untypeset: {maths['untypeset']}"
    raw = re.findall(r"\$[^$\n]{1,80}\$|\\\(|\\\[", maths["text"])
    assert not raw, f"raw TeX left in the text: {raw[:5]}"

    figures = page.evaluate(_FIGURES)
    assert len(figures) == expected["figures"], \
        f"{len(figures)} pictures in the cells' outputs, the executed notebook has {expected['figures']} figures"
    broken = [f["src"] for f in figures if not f["ok"]]
    assert not broken, f"figures that did not load: {broken}"

    if expected["widgets"]:
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=30_000)
        widgets = page.evaluate(_WIDGETS)
        assert widgets["views"] == expected["widgets"], \
            f"{widgets['views']} widgets drawn from the saved state, the executed notebook shows {expected['widgets']}"
        assert widgets["loaded"] == widgets["pictures"], f"widget pictures that did not load: {widgets}"
        first = page.locator(".jupyter-widgets").first
        first.scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / f"{chapter}-widget.png")

    solutions = _solution_cells(chapter)
    toggles = page.locator("details.hide.above-input, details.hide.solution")
    assert toggles.count() == len(solutions), \
        f"{toggles.count()} 'Show solution' toggles, the notebook has {len(solutions)} solution cells"
    assert not any(toggles.evaluate_all("toggles => toggles.map(t => t.open)")), "a solution is unfolded at first"
    if solutions:
        toggle = toggles.first
        summary = toggle.locator("summary")
        code = toggle.locator(".cell_input")
        toggle.scroll_into_view_if_needed()
        assert "Show solution" in summary.inner_text()
        assert not code.is_visible(), "the solution is shown before the toggle is opened"
        summary.click()
        code.wait_for(state="visible")
        assert solutions[0][0].strip() in code.inner_text(), "the toggle does not show the solution's code"
        assert "Hide solution" in summary.inner_text()
        page.wait_for_timeout(500)  # the theme fades the code in
        page.screenshot(path=SCREENSHOTS / f"{chapter}-solution.png")
        summary.click()
        code.wait_for(state="hidden")

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / f"{chapter}.png")
    _assert_no_console_errors(page)
    _assert_local_only(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["index.html", "instructors.html", "api/index.html", "api/coursekit.metrics.html"])
def test_other_pages(reader, server, site, path):
    page = reader
    page.goto(f"{server.url}/{path}", wait_until="load")
    maths = page.evaluate(_TYPESET)
    assert not maths.get("untypeset"), f"formulas left untypeset: {maths['untypeset']}"
    if path == "index.html":
        links = page.eval_on_selector_all("article a", "as => as.map(a => a.getAttribute('href'))")
        for chapter in CHAPTERS:
            assert site["chapters"][chapter]["page"] in links, f"the home page does not link {chapter}"
    _assert_no_console_errors(page)
    _assert_local_only(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("chapter", [c for c in SEARCHES if c in CHAPTERS])
def test_search_finds_the_chapter(reader, server, site, chapter):
    page = reader
    term = SEARCHES[chapter]
    page.goto(f"{server.url}/search.html?q={urllib.parse.quote(term)}", wait_until="load")
    page.wait_for_function("() => { const p = document.querySelector('#search-results p.search-summary, "
                           "#search-results .search-summary'); return p && /found|did not match/i.test(p.textContent)"
                           " }", timeout=60_000)
    links = page.eval_on_selector_all("#search-results ul.search li a",
                                      "as => as.map(a => a.getAttribute('href'))")
    pages = list(dict.fromkeys(link.split("?")[0].split("#")[0] for link in links))  # each page once, in order
    assert pages, f"search for {term!r} found nothing"
    wanted = site["chapters"][chapter]["page"]
    chapter_pages = [p for p in pages if p in {c["page"] for c in site["chapters"].values()}]
    # the API reference may rank a module named after the topic first; of the chapters, this one comes first
    assert chapter_pages and chapter_pages[0] == wanted and pages.index(wanted) < 3, \
        f"search for {term!r} should find {wanted} first among the chapters and in the first three pages: {pages[:6]}"
    _assert_no_console_errors(page)
    _assert_local_only(page, server)


def _site_lines(root: Path, skip: str | None = None) -> tuple[set[str], str]:
    """Every line of text of a built site, stripped: the text of each HTML page (as a reader sees it, code
    included) and every other text file as it is; and all of that as one string. ``skip``: a folder left out."""
    from bs4 import BeautifulSoup

    lines: set[str] = set()
    texts = []
    for path in root.rglob("*"):
        if skip and root / skip in path.parents:
            continue
        if not path.is_file() or path.suffix in {".png", ".jpg", ".gif", ".woff", ".woff2", ".ttf", ".eot", ".ico"}:
            continue
        if root / "_static" in path.parents and path.suffix in {".js", ".css", ".svg", ".txt", ".json"} \
                and path.name not in {"documentation_options.js"}:
            continue  # the theme's and npm's files, the same in every build
        raw = path.read_text(errors="replace")
        if path.suffix == ".html":
            soup = BeautifulSoup(raw, "html.parser")
            # each block of code as one text (its highlighting spans joined), then the rest of the page
            parts = [block.get_text() for block in soup.find_all("pre")]
            parts.append(soup.get_text("\n"))
        else:
            parts = [raw]
        texts += parts
        lines.update(line.strip() for part in parts for line in part.splitlines())
    return lines, "\n".join(texts)


def _public_lines() -> set[str]:
    """The lines of every chapter notebook outside its solution blocks (what a student's notebook shows too)."""
    import nbformat

    public = set()
    for chapter in CHAPTERS:
        for cell in nbformat.read(build_site.solution_path(chapter), as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if build_site.SOLUTION_BEGIN in line:
                    inside = True
                elif build_site.SOLUTION_END in line:
                    inside = False
                elif not inside:
                    public.add(line.strip())
    return public


def _hidden_test_lines() -> list[str]:
    import nbformat

    found = []
    for chapter in CHAPTERS:
        for cell in nbformat.read(build_site.solution_path(chapter), as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if build_site.HIDDEN_BEGIN in line:
                    inside = True
                elif build_site.HIDDEN_END in line:
                    inside = False
                elif inside and line.strip():
                    found.append(line.strip())
    return found


@pytest.mark.slow
@pytest.mark.parametrize("solutions", [True, False], ids=["solutions-folded", "without-solutions"])
def test_solutions_and_hidden_tests_in_the_built_site(request, solutions):
    """No build shows a hidden test; the build without solutions holds no line of any solution block (the default
    build holds them, folded)."""
    manifest = request.getfixturevalue("site" if solutions else "site_without_solutions")
    root = Path(manifest["out"])
    # the API reference is left out here: coursekit.grading's docstrings show what a hidden check looks like
    lines, text = _site_lines(root, skip="api")
    hidden = [line for line in _hidden_test_lines() if line in lines or line in text]
    assert not hidden, f"hidden tests on the site: {hidden[:5]}"
    lines, text = _site_lines(root)
    solution = {line.strip() for chapter in CHAPTERS for block in _solution_cells(chapter) for line in block}
    assert solution, "the chapters have no solution cells"
    # a line that the notebooks show outside their solutions anyway ("else:", "return loss") gives nothing away
    telling = solution - _public_lines()
    assert len(telling) > len(solution) / 2, f"too few solution lines to tell: {len(telling)} of {len(solution)}"
    if solutions:
        missing = solution - lines
        assert not missing, f"solution lines missing from the site: {sorted(missing)[:5]}"
    else:
        shown = sorted(telling & lines)
        assert not shown, f"solution lines on the site built without solutions: {shown[:10]}"
        assert "YOUR CODE HERE" in text
