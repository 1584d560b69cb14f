"""The course's style sheet for JupyterLab: what JupyterLab shows of the course that the notebooks cannot style.

nbgrader's Validate dialog shows the cells that failed and their errors in ``<pre>`` blocks that do not wrap: a long
line of a check's message or of a traceback ran past the dialog's edge and was cut. :data:`CSS` wraps them.
JupyterLab loads ``<config dir>/custom/custom.css`` when it is started with :data:`OPTION` (its ``LabApp.custom_css``;
JupyterLab reads it from the command line, not from a configuration folder's ``.d`` files); :func:`enable` writes the
style sheet. ``coursekit lab`` does both, and so does the browser tests' server.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["CSS", "OPTION", "enable"]

#: The style sheet: the Validate dialog's code and errors wrap (at spaces; a word longer than the line anywhere).
CSS = """#validation-message pre {
  white-space: pre-wrap;
  word-break: normal;
  overflow-wrap: anywhere;
}
"""

#: JupyterLab's command-line option that loads the style sheet.
OPTION = "--LabApp.custom_css=True"

_BEGIN, _END = "/* coursekit: begin */", "/* coursekit: end */"


def enable(config_dir: Path) -> Path:
    """Write :data:`CSS` into ``config_dir/custom/custom.css`` (between markers: the file's other rules are kept), the
    style sheet of a JupyterLab that reads ``config_dir`` (``JUPYTER_CONFIG_DIR``) and is started with :data:`OPTION`;
    returns its path.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> enable(folder).relative_to(folder).as_posix()
    'custom/custom.css'
    >>> enable(folder).read_text().count("#validation-message pre")
    1
    """
    config_dir = Path(config_dir)
    sheet = config_dir / "custom" / "custom.css"
    sheet.parent.mkdir(parents=True, exist_ok=True)
    other = sheet.read_text() if sheet.is_file() else ""
    other = re.sub(re.escape(_BEGIN) + r".*?" + re.escape(_END) + r"\n?", "", other, flags=re.S)
    sheet.write_text(other + f"{_BEGIN}\n{CSS}{_END}\n")
    return sheet
