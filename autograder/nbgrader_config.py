"""nbgrader configuration of the course (the course root is this folder).

`coursekit release` copies ../solutions into source/ (nbgrader's source folder) and generates release/, which it
copies to ../notebooks; `coursekit grade` autogrades submitted/ into autograded/ and writes feedback/. Everything in
this folder except this file and README.md is generated (see .gitignore).
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "segmentation"
# The gradebook: SQLite in this folder, or the database COURSEKIT_DB_URL names (several teaching assistants sharing a
# PostgreSQL gradebook: postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME; see README, Grading a class).
c.CourseDirectory.db_url = os.environ.get("COURSEKIT_DB_URL") or "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Solution notebooks import coursekit only; no other file of an assignment folder is released.
c.CourseDirectory.include = ["*.ipynb"]

# The exchange (nbgrader release_assignment / collect) lives inside the course, created by `coursekit release`.
c.Exchange.root = os.path.join(HERE, "exchange")

# Per-cell time limit when autograding: 10 minutes, enough for the training cells of the deep chapters on a CPU.
c.Execute.timeout = 600
c.Execute.interrupt_on_timeout = True

# Test cells that a student deleted are put back from the gradebook, so a deleted check counts as failed.
c.OverwriteCells.add_missing_cells = True
# Test cells are restored from the source; nbgrader warns "checksum has changed" for every test cell with hidden
# tests, an untouched submission's too (students receive them without): RestoreCells warns only about real edits.
# The cells' nbgrader metadata are checked by nbgrader's rules with its schema checked once, not once a cell.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "coursekit.grading.restore.RestoreCells",
    "coursekit.grading.metadata.CheckCellMetadata",
]

# A warning written to stderr in a test cell must not turn a passing check into zero: drop warning lines.
c.IgnorePattern.pattern = r"(?m)^.*(Warning|warnings\.warn).*$"

# Hidden tests stay out of the feedback that students receive: out of the cells, and out of error tracebacks, which
# quote the lines around the failing one (coursekit.grading.feedback).
c.GenerateFeedback.exporter_class = "coursekit.grading.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "coursekit.grading.feedback.ClearHiddenTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Students' notebooks are shown to the instructor (formgrader) and to students (feedback pages) as HTML: sanitize it,
# so that no script of a student's markdown or outputs runs there (markdown's HTML and HTML outputs are cleaned,
# JavaScript outputs dropped). The formgrader's pages also get a content security policy (coursekit.grading.webguard)
# and feedback pages one that allows no script at all (coursekit.grading.feedback.FeedbackExporter).
c.HTMLExporter.sanitize_html = True
# nbgrader's own formgrade and feedback templates render markdown cells past nbconvert's sanitizing: replace their
# markdown filter by one that sanitizes
c.HTMLExporter.filters = {"markdown2html": "coursekit.grading.webguard.markdown2html"}

# Feedback must render offline: templates/base/mathjax.html.j2 replaces nbconvert's MathJax-from-a-CDN macro
# (formulas stay readable as TeX); nbgrader's own feedback templates come after it.
import nbgrader  # noqa: E402

c.HTMLExporter.extra_template_basedirs = [
    os.path.join(HERE, "templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]
