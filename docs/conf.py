"""Sphinx configuration of the course's website. `make site` (docs/build_site.py) writes the pages into
build/site-work/ and runs Sphinx with this folder as its configuration; see that script for the steps."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the site's own copies of MathJax and of ipywidgets' embedder, fetched from npm by build_site.py
STATIC = os.environ.get("COURSEKIT_SITE_STATIC", str(HERE.parent / "build" / "site-assets" / "static"))

project = "Image segmentation"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
html_title = "Image segmentation"

extensions = [
    "myst_nb",               # executed notebooks and Markdown pages
    "sphinx.ext.autodoc",    # the API reference from coursekit's docstrings ...
    "numpydoc",              # ... written in numpydoc style
    "sphinx.ext.mathjax",
]

# The notebooks arrive executed (build_site.py caches them): myst-nb only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
# ipywidgets rendered from the saved state by the embedder in the site's _static/ (no RequireJS, no CDN)
nb_ipywidgets_js = {"widgets/embed.js": {}}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# MathJax from the site's own files (Sphinx's default is a CDN)
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

# API reference
autodoc_member_order = "bysource"
autodoc_typehints = "none"   # numpydoc's Parameters section states the types, in the lecture's words
numpydoc_show_class_members = False
numpydoc_validation_checks = set()

# Every cross-reference must resolve (build_site.py runs Sphinx with -W -n). The only exceptions are the functions
# and modules of the course's dependencies that docstrings name (``scipy.sparse.linalg.eigsh``): their documentation
# is not part of this site, and fetching its inventory (intersphinx) would need the network at build time.
nitpicky = True
DEPENDENCIES = r"(numpy|scipy|skimage|sklearn|matplotlib|torch|ipywidgets|nbformat|nbclient|nbgrader)"
nitpick_ignore_regex = [
    (r"py:.*", DEPENDENCIES + r"(\..*)?"),
]
# numpydoc turns a docstring's References section into citations; a docstring need not cite each of them inline
suppress_warnings = ["ref.citation"]

html_theme = "sphinx_book_theme"
html_static_path = ["_static", STATIC]
html_favicon = "_static/favicon.svg"
html_css_files = ["course.css"]
# after MathJax (priority 500), before the widgets are drawn
html_js_files = [("widgets-mathjax.js", {"defer": "defer", "priority": 900})]
html_copy_source = False      # the pages only: no notebook sources (and so no solution) beside them
html_show_sourcelink = False
html_search_scorer = str(HERE / "search_scorer.js")  # a chapter's page ahead of the API reference for the same words
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
# light by default: the figures are drawn on white (the reader can switch to dark)
html_context = {"default_mode": "light"}
exclude_patterns = ["doctrees", "jupyter_execute"]


def _link_existing_names(app, env, node, contnode):
    """A reference to a name of coursekit that exists but has no docstring of its own (a module's constant, such as
    a registry of adapters) links to its module's page. A name that does not exist stays a broken reference."""
    import importlib

    from sphinx.util.nodes import make_refnode

    target = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    if not target.startswith("coursekit.") and node.get("py:module"):  # a name relative to the current module
        target = f"{node['py:module']}.{target}"
    if not target.startswith("coursekit."):
        return None
    module_name, _, name = target.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    docname = f"api/{module_name}"
    if not hasattr(module, name) or docname not in env.all_docs:
        return None
    return make_refnode(app.builder, node["refdoc"], docname, f"module-{module_name}", contnode, target)


def _skip_other_packages(app, what, name, obj, skip, options):
    """A module's members imported from other packages (``scipy.spatial.cKDTree``, ...) are not documented here."""
    module = getattr(obj, "__module__", None)
    if what == "module" and isinstance(module, str) and not module.startswith("coursekit"):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _link_existing_names)
    app.connect("autodoc-skip-member", _skip_other_packages)
