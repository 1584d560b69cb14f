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
import functools
import hashlib
import json
import re
from pathlib import Path

from jinja2 import pass_context
from tornado.web import OutputTransform, RequestHandler

__all__ = ["SubmissionPolicy", "policy_for", "enable", "sanitize", "markdown2html", "typeset", "mathml", "EXTENSION"]

EXTENSION = "coursekit.grading.webguard"

_GUARDED = re.compile(r"/formgrader/submissions/[^/]+/?$")
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
_HANDLER = re.compile(rb"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_NOTEBOOK = b'id="notebook-container"'
_MATHJAX = re.compile(rb"<script[^>]*\bsrc=\"[^\"]*mathjax[^\"]*\"[^>]*>\s*</script>|"
                      rb"<script type=\"text/x-mathjax-config\">.*?</script>", re.S | re.I)


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
        self.path = request.path
        self.guarded = bool(_GUARDED.search(request.path))

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if self.guarded:
            if finishing:
                # formulas are MathML already (the course's markdown filter): no MathJax from a CDN, but the
                # formgrader's own script waits for MathJax to finish, so a stand-in of ours says it has
                base = self.path[: self.path.index("/formgrader/")]
                shim = f'<script src="{base}{SHIM_PATH}"></script>'.encode()
                chunk = _MATHJAX.sub(b"", chunk)
                chunk = chunk.replace(b"</head>", shim + b"\n</head>", 1)
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(len(chunk))
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
    """nbconvert's markdown filter (attachments embedded), its HTML sanitized, its formulas typeset as MathML. The
    same markdown (a chapter's text, the same in every student's notebook) is rendered once per process."""
    attachments = context.get("cell", {}).get("attachments") or {}
    return _markdown(source, json.dumps(attachments, sort_keys=True) if attachments else "")


@functools.lru_cache(maxsize=2048)
def _markdown(source: str, attachments: str) -> str:
    """The page's HTML of a markdown cell and its attachments (JSON). nbconvert reads files next to the notebook
    only when it embeds images, which it does not here: nothing else goes into the result."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=json.loads(attachments) if attachments else {},
                               anchor_link_text="¶")
    return typeset(sanitize(MarkdownWithMath(renderer=renderer).render(source)))


# -------------------------------------------------------------------------------------------------------------
# formulas as MathML: typeset when the page is written, so that pages need no script (MathJax) to show them;
# browsers draw MathML themselves

_MATH_TAGS = frozenset("""math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot munder mover
    munderover mtable mtr mtd mstyle mpadded mphantom menclose semantics annotation merror""".split())
_MATH_ATTRIBUTES = frozenset("""display mathvariant stretchy fence separator lspace rspace accent accentunder
    minsize maxsize movablelimits columnalign rowalign rowspacing columnspacing largeop symmetric width height depth
    linethickness scriptlevel displaystyle notation form""".split())
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$<>]*?[^\s\\$])\$(?!\d)", re.S)
_TAG = re.compile(r"(<[^>]*>)")


def mathml(tex: str, display: bool = False) -> str | None:
    """``tex`` as a MathML element (only MathML's presentation elements and layout attributes kept, text
    escaped), or None when it cannot be typeset."""
    import html as htmllib
    import xml.etree.ElementTree as ET

    from latex2mathml.converter import convert_to_element

    try:
        root = convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a formula that cannot be typeset stays as TeX
        return None
    for element in list(root.iter()):
        # the converter writes characters as entities into the text: unescape them, the serializer escapes
        element.text = htmllib.unescape(element.text) if element.text else element.text
        element.tail = htmllib.unescape(element.tail) if element.tail else element.tail
        tag = element.tag.split("}")[-1]
        if tag not in _MATH_TAGS:
            element.tag, element.text = "mtext", ""
            element.attrib.clear()
            element[:] = []
        for name in list(element.attrib):
            if name.split("}")[-1] not in _MATH_ATTRIBUTES:
                del element.attrib[name]
    root.tag = "math"
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def typeset(html: str) -> str:
    """Replace the ``$...$`` and ``$$...$$`` formulas in the text of ``html`` (never inside a tag) by MathML."""
    import html as htmllib

    def replace(match):
        display = match.group(1) is not None
        tex = htmllib.unescape(match.group(1) if display else match.group(2))
        return mathml(tex, display) or match.group(0)

    parts = _TAG.split(html)
    inside_code = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = re.match(r"</?\s*(\w+)", part)
            if name and name.group(1).lower() in ("code", "pre"):
                inside_code += -1 if part.startswith("</") else 1
        elif not inside_code and "$" in part:
            parts[i] = _MATH.sub(replace, part)
    return "".join(parts)


SHIM_PATH = "/coursekit/mathjax-stand-in.js"
SHIM = """// Formulas are typeset as MathML when the page is written (coursekit.grading.webguard); the formgrader's own
// script only waits for MathJax to say it has finished, which this stand-in does at once.
window.MathJax = {Hub: {Queue: function () {}, Typeset: function () {}, Config: function () {},
  Startup: {signal: {Interest: function (callback) { setTimeout(function () { callback("End"); }, 0); }}}}};
"""


class _Shim(RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(SHIM)


def _jupyter_server_extension_points():
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(serverapp):
    from jupyter_server.utils import url_path_join

    serverapp.web_app.add_transform(SubmissionPolicy)
    serverapp.web_app.add_handlers(".*$", [(url_path_join(serverapp.base_url, SHIM_PATH), _Shim)])
    serverapp.log.info("coursekit: formgrader submission pages get a content security policy")


def enable(config_dir: Path) -> Path:
    """Enable the extension for a Jupyter server that reads ``config_dir`` (``JUPYTER_CONFIG_DIR``)."""
    path = Path(config_dir) / "jupyter_server_config.d" / "coursekit-webguard.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {EXTENSION: True}}}, indent=2))
    return path
