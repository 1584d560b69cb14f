"""Driving JupyterLab 4 the way a student does: open a notebook, Run > Run All Cells, wait for the kernel to be idle
by the status bar's text, find each slider by its label and move it with the keyboard.

A slider move is timed in the page: from the key press (the keydown event's ``timeStamp``) to the moment the
widget's output shows the new state (every picture loaded with a new source and the text changed), by
``performance.now()``. The kernel's own time for the slider's message (the callback's compute, plus ipykernel's
dispatch) is read from the kernel's timestamps of its busy and idle status messages for that ``comm_msg``, which the
page sees through ``window.jupyterapp`` (the server runs with ``expose_app_in_browser``).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

# What each known slider's value looks like in its widget's text (the explorers of coursekit.widgets): the new
# value must appear there after a move. A slider of a new chapter that is not listed is still moved, and its
# picture and text must still change.
_FORMULA = r"\(\d+ − 1\)·(?P<s>\d+) − 2·(?P<p>\d+) \+ (?P<k>\d+) \+ (?P<a>\d+) ="
VALUE_IN_TEXT = {
    "threshold": (r"t = ([\d.]+)", 1),
    "k": (r"k = (\d+),", 1),
    "position λ": (r"λ = ([\d.]+)", 1),
    "bandwidth h": (r"h = ([\d.]+)", 1),
    "scale σ": (r"σ = ([\d.]+)", 1),
    "stride s": (_FORMULA, "s"),
    "padding p": (_FORMULA, "p"),
    "kernel k": (_FORMULA, "k"),
    "output_padding a": (_FORMULA, "a"),
    "dilation 1": (r"dilations \((\d+)", 1),
    "dilation 2": (r"dilations \(\d+, (\d+)", 1),
    "dilation 3": (r"dilations \(\d+, \d+, (\d+)", 1),
    "tension α": (r"α = ([\d.]+)", 1),
    "curvature β": (r"β = ([\d.]+)", 1),
    "edges γ": (r"γ = ([\d.]+)", 1),
    "centre x": (r"\(x, y\) = \((\d+)", 1),
    "centre y": (r"\(x, y\) = \(\d+, (\d+)", 1),
    "radius r": (r", r = (\d+)", 1),
}

# The keys of one slider's walk: it ends one step from where it began, so "after" differs from "before".
WALK = ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft", "ArrowRight")

_NOTEBOOK_PANEL = """
const notebookPanel = () => {
  const app = window.jupyterapp;
  if (!app) return null;
  const current = app.shell.currentWidget;
  if (current && current.sessionContext && current.content && current.content.model) return current;
  for (const widget of app.shell.widgets('main')) {
    if (widget.sessionContext && widget.content && widget.content.model) return widget;
  }
  return null;
};
"""

_IDLE = """
() => {
  const status = Array.from(document.querySelectorAll('.jp-StatusBar-Widget')).map(e => e.textContent).join(' ');
  const queued = Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt'))
    .some(e => e.textContent.includes('*'));
  return /\\|\\s*Idle/.test(status) && !queued;
}
"""

_STARTED = """
() => {
  const prompt = document.querySelector('.jp-Notebook .jp-CodeCell .jp-InputPrompt');
  return !!prompt && /\\[(\\*|\\d+)\\]/.test(prompt.textContent);
}
"""

_CELLS = "() => {" + _NOTEBOOK_PANEL + """
const panel = notebookPanel();
const cells = panel.content.model.cells;
const out = [];
for (let i = 0; i < cells.length; i++) {
  const cell = cells.get(i);
  const entry = {type: cell.type, source: cell.sharedModel.getSource(), count: null, errors: [],
                 nbgrader: (cell.getMetadata && cell.getMetadata('nbgrader')) || null};
  if (cell.type === 'code') {
    entry.count = cell.executionCount;
    for (let j = 0; j < cell.outputs.length; j++) {
      const output = cell.outputs.get(j).toJSON();
      if (output.output_type === 'error') entry.errors.push(output.ename + ': ' + output.evalue);
    }
  }
  out.push(entry);
}
return out;
}"""

# Everything a move is judged by, and its probe. Text is every text node of the widget's output outside the sliders.
_PROBE = "(handle) => {" + _NOTEBOOK_PANEL + """
const slider = handle.closest('.widget-slider');
const area = slider.closest('.jp-OutputArea-output') || slider.parentElement;
const outside = node => !node.parentElement || !node.parentElement.closest('.widget-slider');
const snapshot = () => {
  const images = Array.from(area.querySelectorAll('img')).filter(outside);
  const walker = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if (outside(node)) parts.push(node.textContent);
  const readout = slider.querySelector('.widget-readout');
  return {srcs: images.map(i => i.src), loaded: images.every(i => i.complete && i.naturalWidth > 0),
          text: parts.join('').replace(/\\s+/g, ' ').trim(), value: handle.getAttribute('aria-valuenow'),
          min: handle.getAttribute('aria-valuemin'), max: handle.getAttribute('aria-valuemax'),
          readout: readout ? readout.textContent.trim() : null};
};
const kernelTime = iso => {
  const fraction = (iso.match(/\\.(\\d+)/) || [null, '0'])[1];
  return Date.parse(iso.replace(/\\.\\d+/, '')) + Number('0.' + fraction) * 1000;
};
const before = snapshot();
const probe = {before, t0: null, tOutput: null, done: false, busy: {}, kernel: []};
const settled = () => {
  const started = Object.keys(probe.busy).length;
  return !probe.watchKernel || (started > 0 && probe.kernel.length === started);
};
const check = () => {
  if (probe.done || probe.t0 === null) return;
  if (probe.tOutput === null) {
    const now = snapshot();
    const picture = before.srcs.length === 0 ||
      (now.loaded && now.srcs.length > 0 && now.srcs.join(' ') !== before.srcs.join(' '));
    const text = before.text === '' || now.text !== before.text;
    if (picture && text) probe.tOutput = performance.now();
  }
  if (probe.tOutput !== null && settled()) {
    probe.done = true;
    probe.cleanup();
  }
};
const observer = new MutationObserver(check);
observer.observe(area, {subtree: true, childList: true, attributes: true, characterData: true});
const onLoad = () => check();
area.addEventListener('load', onLoad, true);
const onKey = event => {
  if (probe.t0 !== null) return;
  const now = performance.now();
  probe.t0 = event.timeStamp > 0 && event.timeStamp <= now ? event.timeStamp : now;
};
handle.addEventListener('keydown', onKey, true);
const panel = notebookPanel();
const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
probe.watchKernel = !!kernel;
const onMessage = (_, msg) => {
  if (msg.header.msg_type !== 'status' || !msg.parent_header || msg.parent_header.msg_type !== 'comm_msg') return;
  if (probe.t0 === null) return;
  const id = msg.parent_header.msg_id, at = kernelTime(msg.header.date);
  if (msg.content.execution_state === 'busy') probe.busy[id] = at;
  else if (msg.content.execution_state === 'idle' && id in probe.busy) probe.kernel.push(at - probe.busy[id]);
  check();
};
if (kernel) kernel.iopubMessage.connect(onMessage);
probe.cleanup = () => {
  observer.disconnect();
  area.removeEventListener('load', onLoad, true);
  handle.removeEventListener('keydown', onKey, true);
  if (kernel) kernel.iopubMessage.disconnect(onMessage);
  probe.after = snapshot();
};
window.__coursekitProbe = probe;
return before;
}"""

# SHA-256 of every picture of the widget's output (blob: and data: URLs alike), to compare the figure itself.
_DIGESTS = """
async (handle) => {
  const area = handle.closest('.widget-slider').closest('.jp-OutputArea-output');
  const images = Array.from(area.querySelectorAll('img')).filter(i => !i.closest('.widget-slider'));
  const out = [];
  for (const image of images) {
    const bytes = await (await fetch(image.src)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    out.push(Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join(''));
  }
  return out;
}
"""


@dataclass
class Move:
    """One key press on a slider: what the widget showed before and after, and how long it took."""

    label: str
    key: str
    before: dict
    after: dict
    digests_before: list
    digests_after: list
    latency_ms: float
    kernel_ms: float | None


@dataclass
class Slider:
    label: str
    widget: int             # which widget (output area) of the notebook it belongs to, counted from 0
    handle: object          # Playwright locator of its .noUi-handle[role=slider]
    area: object            # locator of the output area that holds the widget: sliders, text, picture
    moves: list = field(default_factory=list)


# Tags every slider and the output area that holds it with its number, in document order.
_TAG_SLIDERS = """
() => {
  const areas = [];
  return Array.from(document.querySelectorAll('.jp-Notebook .widget-slider')).map((slider, n) => {
    const area = slider.closest('.jp-OutputArea-output');
    if (!areas.includes(area)) areas.push(area);
    area.setAttribute('data-coursekit-widget', String(areas.indexOf(area)));
    slider.setAttribute('data-coursekit-slider', String(n));
    const label = slider.querySelector('.widget-label');
    return {label: label ? label.textContent.trim() : '', widget: areas.indexOf(area),
            handles: slider.querySelectorAll('.noUi-handle[role=slider]').length};
  });
}
"""


def open_notebook(page, lab, path: str, timeout_s: float = 120) -> None:
    """Open ``path`` (relative to the server's root) in a fresh workspace and wait for its kernel to be idle."""
    page.goto(f"{lab.url}/lab/tree/{path}?reset")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout_s * 1000)
    wait_until_idle(page, timeout_s)


def wait_until_idle(page, timeout_s: float) -> float:
    """Wait until the status bar says the kernel is Idle and no cell is queued (``[*]``), twice half a second
    apart; returns the seconds waited."""
    start = time.monotonic()
    while True:
        left = timeout_s - (time.monotonic() - start)
        if left <= 0:
            raise TimeoutError(f"the kernel was not idle after {timeout_s:.0f} s")
        page.wait_for_function(_IDLE, timeout=left * 1000, polling=250)
        time.sleep(0.5)
        if page.evaluate(_IDLE):
            return time.monotonic() - start


def run_all(page, timeout_s: float) -> float:
    """Run > Run All Cells from the menu bar (JupyterLab 4.6 has no default shortcut for it); returns the seconds
    until the kernel was idle again."""
    start = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # the run has begun once the first code cell is queued, running or done ([*] or [1])
    page.wait_for_function(_STARTED, timeout=30_000, polling=100)
    wait_until_idle(page, timeout_s - (time.monotonic() - start))
    return time.monotonic() - start


def cells(page) -> list[dict]:
    """Every cell of the open notebook from its model: type, source, execution count, error outputs, nbgrader
    metadata."""
    return page.evaluate(_CELLS)


def sliders(page) -> list[Slider]:
    """The notebook's sliders in document order, each with its label (a range slider, with two handles, is left
    out: the course has none)."""
    found = []
    for n, info in enumerate(page.evaluate(_TAG_SLIDERS)):
        if info["handles"] != 1:
            continue
        area = page.locator(f'[data-coursekit-widget="{info["widget"]}"]')
        label = json.dumps(info["label"], ensure_ascii=False)
        slider = area.locator(".widget-slider").filter(has=page.locator(f".widget-label:text-is({label})"))
        found.append(Slider(info["label"], info["widget"], slider.locator(".noUi-handle[role=slider]"), area))
    return found


def digests(handle) -> list[str]:
    return handle.evaluate(_DIGESTS)


def press(page, slider: Slider, key: str, timeout_s: float = 60) -> Move:
    """Press ``key`` on the slider's handle and wait until its widget shows the new state (and the kernel has
    finished the message); the move is recorded in ``slider.moves``."""
    before_digests = digests(slider.handle)
    before = slider.handle.evaluate(_PROBE)
    slider.handle.press(key)
    page.wait_for_function("() => window.__coursekitProbe && window.__coursekitProbe.done",
                           timeout=timeout_s * 1000)
    probe = page.evaluate("() => { const p = window.__coursekitProbe; return {after: p.after, t0: p.t0, "
                          "tOutput: p.tOutput, kernel: p.kernel, watch: p.watchKernel}; }")
    move = Move(label=slider.label, key=key, before=before, after=probe["after"], digests_before=before_digests,
                digests_after=digests(slider.handle), latency_ms=probe["tOutput"] - probe["t0"],
                kernel_ms=sum(probe["kernel"]) if probe["watch"] else None)
    slider.moves.append(move)
    return move


def next_key(state: dict, wanted: str) -> str:
    """``wanted``, unless the slider is at that end of its range: then the other arrow."""
    value, low, high = (float(state[k]) for k in ("value", "min", "max"))
    if wanted == "ArrowRight" and value >= high:
        return "ArrowLeft"
    if wanted == "ArrowLeft" and value <= low:
        return "ArrowRight"
    return wanted


def slider_state(slider: Slider) -> dict:
    return slider.handle.evaluate("h => ({value: h.getAttribute('aria-valuenow'), min: h.getAttribute("
                                  "'aria-valuemin'), max: h.getAttribute('aria-valuemax')})")


def position(state: dict) -> float:
    """Where a slider stands: its readout when that is a number (``aria-valuenow`` is rounded to one decimal),
    else ``aria-valuenow`` (a selection slider's index)."""
    try:
        return float(state["readout"])
    except (TypeError, ValueError):
        return float(state["value"])


def value_in_text(label: str, text: str) -> float | None:
    """The slider's value as the widget's text states it (None for a slider this table does not know)."""
    if label not in VALUE_IN_TEXT:
        return None
    pattern, group = VALUE_IN_TEXT[label]
    match = re.search(pattern, text)
    return float(match.group(group)) if match else float("nan")
