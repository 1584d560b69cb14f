"""A Jupyter server extension that keeps students' scripts out of the instructor's formgrader.

The formgrader shows an autograded notebook as a page of the instructor's own Jupyter server: a ``<script>`` in a
student's markdown cell, an ``onerror`` attribute, or an HTML or JavaScript output would run there with the
instructor's rights (the page may call the Jupyter API, which can run any code). Two defences, each enough on its
own for what is known today:

1. the course's nbgrader configuration sanitizes the notebook's HTML when the formgrader or the feedback renders it
   (``HTMLExporter.sanitize_html``: markdown's HTML and HTML outputs are cleaned, JavaScript outputs dropped);
2. this extension gives every formgrader submission page a Content-Security-Policy that allows only the scripts of
   the formgrader's own template: its script files (``'self'``) and its inline scripts and handlers, by their
   SHA-256 hashes, taken from the part of the page *before* the notebook. Nothing the notebook holds can match them.

Enable it with ``jupyter server extension enable coursekit.grading.webguard`` (``coursekit lab`` does it for its
own configuration folder, see :func:`enable`). Feedback pages carry a policy of their own that allows no script at
all (``autograder/templates``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from jinja2 import pass_context
from tornado.web import OutputTransform

__all__ = ["SubmissionPolicy", "policy_for", "enable", "sanitize", "markdown2html", "EXTENSION"]

EXTENSION = "coursekit.grading.webguard"

_GUARDED = re.compile(r"/formgrader/submissions/[^/]+/?$")
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
_HANDLER = re.compile(rb"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_NOTEBOOK = b'id="notebook-container"'


def _hash(source: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source).digest()).decode() + "'"


def policy_for(html: bytes) -> str:
    """The Content-Security-Policy of a formgrader page: scripts of the template only (see the module's docstring)."""
    template = html.split(_NOTEBOOK, 1)[0]
    scripts = sorted({_hash(m.group(1)) for m in _INLINE_SCRIPT.finditer(template)})
    handlers = sorted({_hash(m.group(1) or m.group(2) or b"") for m in _HANDLER.finditer(template)})
    script_src = " ".join(["'self'", *scripts, *(["'unsafe-hashes'", *handlers] if handlers else [])])
    return ("default-src 'self'; script-src " + script_src + "; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "font-src 'self' data:; connect-src 'self'")


class SubmissionPolicy(OutputTransform):
    """Sets :func:`policy_for` on the formgrader's submission pages (the only pages that show students' work)."""

    def __init__(self, request):
        super().__init__(request)
        self.guarded = bool(_GUARDED.search(request.path))

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if self.guarded:
            # a page sent in pieces cannot be read whole: then no inline script at all
            headers["Content-Security-Policy"] = policy_for(chunk if finishing else b"")
        return status_code, headers, chunk


# -------------------------------------------------------------------------------------------------------------
# sanitized markdown: nbgrader's formgrade and feedback templates render markdown cells with the `markdown2html`
# filter and bypass nbconvert's own sanitizing branch; the course's configuration replaces the filter with this one

_TAGS = frozenset("""a abbr b blockquote br caption center code col colgroup dd del details div dl dt em figcaption
    figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li ol p pre q s samp small span strike strong sub summary sup table
    tbody td tfoot th thead tr tt u ul var""".split())
_COMMON = {"class", "id", "title", "align", "style"}


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON:
        return True
    if tag == "a":
        return name in ("name", "target") or (name == "href" and not re.match(r"\s*(data|javascript|vbscript):",
                                                                                 value, re.I))
    if tag == "img":
        return name in ("alt", "width", "height") or (
            name == "src" and (value.startswith("data:image/") and not value.startswith("data:image/svg")
                               or not re.match(r"\s*[a-z][a-z0-9+.-]*:", value, re.I)))
    if tag in ("td", "th", "col", "colgroup"):
        return name in ("colspan", "rowspan", "span", "width")
    return False


def sanitize(html: str) -> str:
    """``html`` with every script, event handler, frame, form, object and ``javascript:`` link removed (bleach,
    with an allow-list of formatting tags)."""
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return bleach.clean(html, tags=_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
                        strip=True, strip_comments=True, css_sanitizer=CSSSanitizer())


@pass_context
def markdown2html(context, source: str) -> str:
    """nbconvert's markdown filter (math kept for MathJax, attachments embedded), its HTML sanitized."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    cell = context.get("cell", {})
    renderer = IPythonRenderer(escape=False, attachments=cell.get("attachments", {}), anchor_link_text="¶",
                               path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    return sanitize(MarkdownWithMath(renderer=renderer).render(source))


def _jupyter_server_extension_points():
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(serverapp):
    serverapp.web_app.add_transform(SubmissionPolicy)
    serverapp.log.info("coursekit: formgrader submission pages get a content security policy")


def enable(config_dir: Path) -> Path:
    """Enable the extension for a Jupyter server that reads ``config_dir`` (``JUPYTER_CONFIG_DIR``)."""
    path = Path(config_dir) / "jupyter_server_config.d" / "coursekit-webguard.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {EXTENSION: True}}}, indent=2))
    return path
