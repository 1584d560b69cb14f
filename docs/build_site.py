"""Build the course's website: every chapter's solution notebook executed, as a static site (``make site``).

    python docs/build_site.py [--solutions 1|0] [--out build/site] [--jobs N]

Four steps, each kept from one run to the next where its inputs did not change:

1. **Assets.** MathJax 3 and ipywidgets' embedder (``@jupyter-widgets/html-manager``) do not come with any Python
   package, so ``npm pack`` fetches them from the npm registry at the versions pinned in ``NPM_PACKAGES`` (their
   sha512 is checked); they are unpacked into ``build/site-assets/`` once. Every script, style sheet and font of the
   site is then a file of the site: opening a page makes no request to any other host.
2. **Notebooks.** Each ``solutions/NN_topic/NN_topic.ipynb`` (found by folder, in lecture order), with its hidden
   tests removed (nbgrader's ``ClearHiddenTests``), runs top to bottom in a fresh kernel (nbclient), its widgets'
   state saved. The executed copy is cached in ``build/site-cache/`` under a hash of the notebook, of ``coursekit``'s
   sources and of ``requirements.txt``: a chapter runs again only when one of those changed.
3. **Pages.** The executed notebooks, with every solution cell collapsed behind "Show solution" (``--solutions 1``,
   the default) or replaced by nbgrader's stub (``--solutions 0``: the exercise statement and ``# YOUR CODE HERE``);
   the home page and the instructors' page from README.md's sections (one source of truth); one API page per
   public module of ``coursekit``.
4. **Sphinx** with myst-nb (which renders the executed notebooks, executing nothing) and sphinx-book-theme, with
   warnings as errors and every cross-reference checked (``-W -n``), into ``--out``. Sphinx's search works offline.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
BUILD = REPO / "build"
ASSETS = BUILD / "site-assets"
CACHE = BUILD / "site-cache"
WORK = BUILD / "site-work"

# JavaScript that no Python package ships: fetched with `npm pack NAME@VERSION`, checked against the registry's
# sha512, and the listed paths of the package copied into the site's _static/ folder.
NPM_PACKAGES = {
    # the maths renderer; version 3 finds its fonts and extensions next to its own script (version 4 fetches its
    # fonts from a CDN unless configured otherwise)
    "mathjax": {
        "version": "3.2.2",
        "integrity": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "target": "mathjax",
        "copy": ["es5/tex-chtml.js", "es5/input", "es5/output/chtml", "es5/a11y", "es5/ui", "es5/sre", "LICENSE"],
        "strip": "es5/",
    },
    # renders ipywidgets from the state saved in a notebook; embed.js needs no RequireJS and loads its fonts
    # from its own folder
    "@jupyter-widgets/html-manager": {
        "version": "1.0.15",
        "integrity": "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        "target": "widgets",
        "copy": ["dist/embed.js", "dist/embed.js.LICENSE.txt", "dist/*.woff2", "dist/*.woff", "dist/*.ttf",
                 "dist/*.eot", "dist/*.svg"],
        "strip": "dist/",
    },
}

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SHOW_SOLUTION, HIDE_SOLUTION = "Show solution", "Hide solution"
# seconds a cell may run: the deep chapters train networks on the CPU (about 2 minutes on a quiet laptop, many
# more on a busy machine); a hung cell still fails the build
CELL_SECONDS = 1800

# The README's sections that the site shows, by heading; a renamed heading fails the build with its name.
README_INTRO = None  # the text between the title and the first section
README_HOME = ("Quick start", "For students", "For self-learners")
README_INSTRUCTORS = ("For instructors", "Grading a class")
README_CHAPTERS = "What the course covers"


def log(message: str) -> None:
    print(f"site: {message}", flush=True)


# ---------------------------------------------------------------------------------------------------------------
# chapters


def chapters() -> list[str]:
    """The chapters in lecture order: the assignments of ``solutions/`` (``coursekit.course.assignments``)."""
    from coursekit.course import assignments

    return assignments(REPO)


def solution_path(chapter: str) -> Path:
    return REPO / "solutions" / chapter / f"{chapter}.ipynb"


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:20]


def code_digest() -> str:
    """What an executed notebook's outputs depend on besides the notebook: coursekit's sources and the pinned
    environment."""
    parts = []
    for path in sorted((REPO / "coursekit").rglob("*.py")):
        if "__pycache__" not in path.parts:
            parts += [str(path.relative_to(REPO)).encode(), path.read_bytes()]
    parts.append((REPO / "requirements.txt").read_bytes())
    return _digest(*parts)


def cache_path(chapter: str, code: str) -> Path:
    return CACHE / chapter / f"{_digest(solution_path(chapter).read_bytes(), code.encode())}.ipynb"


def without_hidden_tests(nb):
    """The notebook less its hidden tests: nbgrader's ClearHiddenTests, as in the feedback students get."""
    from nbgrader.preprocessors import ClearHiddenTests

    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if HIDDEN_BEGIN in cell.source or HIDDEN_END in cell.source:
            raise RuntimeError(f"a hidden-test marker is left in a cell: {cell.source[:200]!r}")
    return nb


def execute(chapter: str, target: str) -> float:
    """Run the chapter's notebook (less its hidden tests) top to bottom in a fresh kernel, with its widgets' state
    saved, into ``target``; returns the seconds it took. A cell that raises fails the build."""
    import nbformat
    from nbclient import NotebookClient

    nb = without_hidden_tests(nbformat.read(solution_path(chapter), as_version=4))
    workdir = WORK / "run" / chapter
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    started = time.monotonic()
    NotebookClient(nb, timeout=CELL_SECONDS, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    seconds = time.monotonic() - started
    nb.metadata.setdefault("coursekit", {})["executed_seconds"] = round(seconds, 1)
    tmp = Path(target).with_suffix(".partial")
    nbformat.write(nb, tmp)
    tmp.replace(target)
    shutil.rmtree(workdir, ignore_errors=True)
    return seconds


def executed_notebooks(names: list[str], jobs: int) -> dict[str, Path]:
    """Each chapter's executed notebook, from the cache or run now (``jobs`` at a time)."""
    code = code_digest()
    paths = {name: cache_path(name, code) for name in names}
    todo = [name for name in names if not paths[name].is_file()]
    for name in names:
        if name not in todo:
            log(f"{name}: executed copy from the cache ({paths[name].relative_to(REPO)})")
    if todo:
        for name in todo:
            paths[name].parent.mkdir(parents=True, exist_ok=True)
        log(f"executing {', '.join(todo)} ({min(jobs, len(todo))} at a time)")
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=get_context("spawn")) as pool:
            futures = {name: pool.submit(execute, name, str(paths[name])) for name in todo}
            for name, future in futures.items():
                try:
                    log(f"{name}: executed in {future.result():.0f} s")
                except Exception as exc:
                    pool.shutdown(cancel_futures=True)
                    raise SystemExit(f"site: solutions/{name}/{name}.ipynb failed to run:\n{exc}") from exc
        for name in todo:  # older executed copies of the chapter are of no more use
            for old in paths[name].parent.glob("*.ipynb"):
                if old != paths[name]:
                    old.unlink()
    return paths


# ---------------------------------------------------------------------------------------------------------------
# what the site shows of a notebook


def is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def solution_lines(source: str) -> list[str]:
    """The lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) of a cell."""
    inside, lines = False, []
    for line in source.splitlines():
        if SOLUTION_BEGIN in line:
            inside = True
        elif SOLUTION_END in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def site_notebook(executed: Path, solutions: bool):
    """The executed notebook as the site shows it: every solution cell collapsed behind "Show solution" (its
    nbgrader markers left out), or with ``solutions`` false replaced by nbgrader's stub and without outputs."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    nb = nbformat.read(executed, as_version=4)
    clear = ClearSolutions()
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    for cell in nb.cells:
        if not is_solution(cell):
            continue
        if not solutions:
            clear.preprocess_cell(cell, {"language": language}, 0)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            continue
        cell.source = "\n".join(line for line in cell.source.splitlines()
                                if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END))
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
            cell.metadata["mystnb"] = {"code_prompt_show": SHOW_SOLUTION, "code_prompt_hide": HIDE_SOLUTION}
        else:  # a written answer: the same toggle in HTML around the markdown
            cell.source = (f'<details class="admonition hide solution">\n<summary>{SHOW_SOLUTION}</summary>\n\n'
                           f"{cell.source}\n\n</details>")
    nb.metadata.pop("coursekit", None)
    return nb


def seconds_of(executed: Path) -> float | None:
    """How long the chapter took to run when it was executed (kept in the cached copy)."""
    return json.loads(executed.read_text()).get("metadata", {}).get("coursekit", {}).get("executed_seconds")


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if match:
                return match.group(1)
    raise ValueError("the notebook has no title (a markdown cell with a '# ' heading)")


def widget_count(nb) -> int:
    """How many widgets the notebook's outputs display (with their state saved)."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in out.get("data", {}))


def figure_count(nb) -> int:
    """How many pictures the notebook's outputs hold (matplotlib figures and other images)."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
               if any(key.startswith("image/") for key in out.get("data", {})))


# ---------------------------------------------------------------------------------------------------------------
# pages from README.md


def readme_sections() -> tuple[str, str, dict[str, str]]:
    """README.md as (title, the text before the first section, {section heading: its text})."""
    text = (REPO / "README.md").read_text()
    title_match = re.search(r"^# (.+)$", text, re.M)
    if not title_match:
        raise ValueError("README.md has no '# ' title")
    parts = re.split(r"^## (.+?)\s*$", text[title_match.end():], flags=re.M)
    intro, sections = parts[0].strip(), {}
    for heading, body in zip(parts[1::2], parts[2::2]):
        sections[heading.strip()] = body.strip()
    return title_match.group(1).strip(), intro, sections


def _section(sections: dict, heading: str) -> str:
    if heading not in sections:
        raise KeyError(f"README.md has no section '## {heading}' (the site shows it; headings: "
                       f"{', '.join(sections)})")
    return sections[heading]


def chapter_table(sections: dict, pages: dict[str, str]) -> str:
    """The README's table of chapters, with a link to each chapter's page (``pages``: chapter folder -> title);
    a chapter that has a notebook but no row yet is listed too."""
    rows, listed = [], set()
    for line in _section(sections, README_CHAPTERS).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].isdigit():
            continue
        number, topic = int(cells[0]), cells[1]
        found = [name for name in pages if name.startswith(f"{number:02d}_")]
        if found:
            listed.add(found[0])
            page = f"[{pages[found[0]]}]({found[0]}/{found[0]}.ipynb)"
        else:
            page = "in preparation"
        rows.append(f"| {number} | {topic} | {page} |")
    for name in pages:
        if name not in listed:
            rows.append(f"| {int(name.split('_')[0])} | {pages[name]} | [{pages[name]}]({name}/{name}.ipynb) |")
    return "| chapter | topic | page |\n|---|---|---|\n" + "\n".join(rows)


def home_page(pages: dict[str, str], solutions: bool) -> str:
    title, intro, sections = readme_sections()
    edition = ("Each chapter below is its notebook run top to bottom, with every figure and widget. "
               + (f"The solution of each exercise is folded away: **{SHOW_SOLUTION}** under the exercise unfolds it."
                  if solutions else "This edition leaves the solutions out: each exercise shows its statement and "
                  "the stub you complete.")
               + " The widgets show the state the notebook left them in; to move their sliders and see the picture "
               "change, run the notebook (see *Quick start*).")
    toc = "\n".join(f"{name}/{name}" for name in pages)
    parts = [f"# {title}", intro, edition, "## Chapters", chapter_table(sections, pages)]
    parts += [f"## {heading}\n\n{_section(sections, heading)}" for heading in README_HOME]
    parts.append("## For instructors\n\nHow the course is released, graded in a sandbox and configured, and how to "
                 "grade a class: [](instructors.md).")
    parts.append(f"```{{toctree}}\n:hidden:\n:caption: Chapters\n\n{toc}\n```")
    parts.append("```{toctree}\n:hidden:\n:caption: Teaching\n\ninstructors\n```")
    parts.append("```{toctree}\n:hidden:\n:caption: Reference\n\napi/index\n```")
    return "\n\n".join(parts) + "\n"


def instructors_page() -> str:
    _, _, sections = readme_sections()
    first, *rest = README_INSTRUCTORS
    parts = [f"# {first}", _section(sections, first)]
    parts += [f"## {heading}\n\n{_section(sections, heading)}" for heading in rest]
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# API reference


def modules() -> tuple[list[str], list[str]]:
    """``coursekit``'s modules: the public ones, and the private ones (a name part starting with an underscore:
    the speed-ups and argument checks that the public functions call, which their docstrings point to)."""
    import coursekit

    names = ["coursekit"] + [info.name for info in pkgutil.walk_packages(coursekit.__path__, "coursekit.")]
    private = [name for name in names if any(part.startswith("_") for part in name.split("."))]
    return sorted(set(names) - set(private)), sorted(private)


def api_pages() -> dict[str, str]:
    public, private = modules()
    pages = {"api/index.md": "# API reference\n\nThe `coursekit` package that every notebook imports: the "
             "reference implementations (read them when an exercise gets stuck), the data, the figures, the "
             "widgets and the grader. Generated from the docstrings.\n\n```{toctree}\n:maxdepth: 1\n\n"
             + "\n".join(public) + "\n```\n\nWhat the public functions call to be fast, and the checks of their "
             "arguments (private modules: read them, but import the public ones):\n\n```{toctree}\n:maxdepth: 1\n\n"
             + "\n".join(private) + "\n```\n"}
    for name in public + private:
        underline = "=" * len(name)
        # each name where it is defined: a package's re-exports are documented in their own module
        pages[f"api/{name}.rst"] = f"{name}\n{underline}\n\n.. automodule:: {name}\n   :members:\n" \
                                   "   :ignore-module-all:\n"
    return pages


# ---------------------------------------------------------------------------------------------------------------
# assets from npm


def _copy_matching(package: Path, pattern: str, strip: str, target: Path) -> int:
    count = 0
    for path in sorted(package.glob(pattern)):
        relative = str(path.relative_to(package))
        relative = relative[len(strip):] if relative.startswith(strip) else relative
        destination = target / relative
        if path.is_dir():
            shutil.copytree(path, destination, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        count += 1
    if not count:
        raise FileNotFoundError(f"{pattern} is not in the npm package unpacked in {package}")
    return count


def _sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def npm_assets() -> Path:
    """The site's JavaScript from npm (``NPM_PACKAGES``), unpacked once into build/site-assets/static/."""
    static = ASSETS / "static"
    stamp = ASSETS / "packages.json"
    wanted = json.dumps(NPM_PACKAGES, sort_keys=True)
    if stamp.is_file() and stamp.read_text() == wanted and static.is_dir():
        return static
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("site: npm is needed once to fetch MathJax and the widget embedder (install Node.js with "
                         "npm, e.g. `sudo apt-get install npm`)")
    shutil.rmtree(ASSETS, ignore_errors=True)
    tarballs = ASSETS / "npm"
    tarballs.mkdir(parents=True)
    for name, spec in NPM_PACKAGES.items():
        log(f"fetching {name}@{spec['version']} with npm pack")
        done = subprocess.run([npm, "pack", "--json", "--pack-destination", str(tarballs),
                               f"{name}@{spec['version']}"], cwd=tarballs, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"site: `npm pack {name}@{spec['version']}` failed:\n{done.stderr.strip()}")
        filename = json.loads(done.stdout)[0]["filename"]
        tarball = tarballs / filename
        if _sha512(tarball) != spec["integrity"]:
            raise SystemExit(f"site: {filename} does not have the pinned sha512 of {name}@{spec['version']}")
        unpacked = ASSETS / "unpacked" / spec["target"]
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        for pattern in spec["copy"]:
            _copy_matching(unpacked / "package", pattern, spec["strip"], static / spec["target"])
    shutil.rmtree(ASSETS / "unpacked")
    stamp.write_text(wanted)
    return static


# ---------------------------------------------------------------------------------------------------------------
# the build


def stage(source: Path, names: list[str], executed: dict[str, Path], solutions: bool) -> dict:
    """Write Sphinx's source folder: the chapters as the site shows them, the home, instructors' and API pages.
    Returns what each chapter page holds (title, figures, widgets), which build/site-work/ keeps for the tests."""
    import nbformat

    wanted, manifest = {}, {}
    for name in names:
        nb = site_notebook(executed[name], solutions)
        wanted[f"{name}/{name}.ipynb"] = nbformat.writes(nb).encode()
        manifest[name] = {"title": title_of(nb), "page": f"{name}/{name}.html", "figures": figure_count(nb),
                          "widgets": widget_count(nb), "executed": str(executed[name].relative_to(REPO)),
                          "executed_seconds": seconds_of(executed[name])}
    pages = {name: manifest[name]["title"] for name in names}
    wanted["index.md"] = home_page(pages, solutions).encode()
    wanted["instructors.md"] = instructors_page().encode()
    wanted.update({path: text.encode() for path, text in api_pages().items()})
    shutil.rmtree(source, ignore_errors=True)
    for relative, content in wanted.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(content)
    return manifest


def source_digest(source: Path, static: Path, solutions: bool) -> str:
    """Everything a build of the site depends on: the pages written for Sphinx, this folder (configuration, style,
    this script), the npm assets, coursekit's sources and the pinned environment (the API reference)."""
    parts = [b"solutions" if solutions else b"no solutions", code_digest().encode(),
             (static.parent / "packages.json").read_bytes()]
    for folder in (source, DOCS):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            parts += [str(path.relative_to(folder)).encode(), path.read_bytes()]
    return _digest(*parts)


def jupyter_environment() -> None:
    """Jupyter, IPython and matplotlib state inside the repository (as the Makefile sets it), never in $HOME."""
    state = REPO / ".jupyter"
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")):
        os.environ.setdefault(var, str(state / sub))
        Path(os.environ[var]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # the notebooks import the coursekit of this checkout, whichever checkout the environment was installed from
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(REPO) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, paths)])
    # the kernel is this environment's python (nbclient starts `python` from PATH through the kernelspec)
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def build(solutions: bool = True, out: Path = BUILD / "site", jobs: int = 2, only: list[str] | None = None) -> dict:
    """Build the site into ``out``; returns the manifest (chapters and what their pages hold). ``only``: a preview
    of some chapters (while writing one), the others left out."""
    jupyter_environment()
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    started = time.monotonic()
    out = Path(out).resolve()
    work = WORK / out.name
    static = npm_assets()
    names = chapters()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SystemExit(f"site: no chapter {', '.join(unknown)} in solutions/ (chapters: {', '.join(names)})")
        names = [name for name in names if name in only]
    if not names:
        raise SystemExit("site: no chapter notebook in solutions/")
    executed = executed_notebooks(names, jobs)
    executed_at = time.monotonic()
    manifest = stage(work / "src", names, executed, solutions)
    digest = source_digest(work / "src", static, solutions)
    previous = work / "manifest.json"
    if (out / "index.html").is_file() and previous.is_file() and json.loads(previous.read_text()).get("digest") == digest:
        log(f"{out}/index.html is up to date")
        return json.loads(previous.read_text())
    from sphinx.cmd.build import build_main

    log(f"Sphinx: {len(names)} chapters, solutions {'folded' if solutions else 'left out'}, into {out}")
    os.environ["COURSEKIT_SITE_STATIC"] = str(static)
    previous.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)  # nothing of an earlier build (of the other edition) stays
    # -E: every page read afresh, so that every warning of every page shows on every build (-W: and fails it)
    status = build_main(["-b", "html", "-E", "-W", "--keep-going", "-n", "-q", "-c", str(DOCS),
                         "-d", str(work / "doctrees"), str(work / "src"), str(out)])
    if status != 0:
        raise SystemExit(f"site: Sphinx failed (status {status}): see the warnings above")
    record = {"solutions": solutions, "out": str(out), "digest": digest, "chapters": manifest,
              "seconds": {"execute": round(executed_at - started, 1),
                          "total": round(time.monotonic() - started, 1)}}
    (work / "manifest.json").write_text(json.dumps(record, indent=2) + "\n")
    log(f"built {out}/index.html in {record['seconds']['total']:.0f} s "
        f"(notebooks {record['seconds']['execute']:.0f} s)")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", choices=("0", "1"), default="1",
                        help="1 (default): solutions folded behind 'Show solution'; 0: left out")
    parser.add_argument("--out", type=Path, default=BUILD / "site", help="output folder (default build/site)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--only", nargs="+", metavar="CHAPTER",
                        help="preview these chapters only (folder names, e.g. 06_metrics), e.g. while writing one")
    args = parser.parse_args(argv)
    build(args.solutions == "1", args.out, args.jobs, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
