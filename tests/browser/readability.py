"""What a student reads in JupyterLab, measured in the page: figures at the size they are shown, widget labels shown
whole, long lines wrapped.

A figure's text is as large on screen as its points times the screen pixels a point takes: the picture's dots per
inch (its PNG's ``pHYs``; an explorer's pictures are 72 dots an inch) over 72, times the width the picture is shown
at over its own width (JupyterLab shrinks a picture wider than the notebook). The course's titles are 13 points
(coursekit.viz.style), so 0.85 screen pixels a point keeps them at 11 pixels or more. A figure fills the notebook's
width when it is shown at least 60 % as wide as the output (or as the course's full width, 864 pixels, where the
output is wider). The checks run on a laptop's screen, 1280 pixels wide, with JupyterLab's file browser open.
"""

from __future__ import annotations

LAPTOP = {"width": 1280, "height": 800}
MIN_PIXELS_PER_POINT = 0.85
MIN_FILL = 0.6
FULL_WIDTH_PX = 864

# Every picture of the notebook's outputs: its own width, the width it is shown at, the output's width, its dots per
# inch (None when its PNG does not say), and whether an explorer (a widget) shows it.
_PICTURES = """
async () => {
  const dpiOf = async (img) => {
    try {
      const b = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
      const u32 = (i) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
      for (let i = 8; i + 12 <= b.length; i += 12 + u32(i)) {
        const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
        if (type === 'pHYs' && b[i + 16] === 1) return u32(i + 8) * 0.0254;
        if (type === 'IDAT') return null;
      }
    } catch (e) { /* judged without it */ }
    return null;
  };
  const out = [];
  const images = Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output img'));
  for (const [n, img] of images.entries()) {
    try { await img.decode(); } catch (e) { /* judged by its natural width */ }
    img.setAttribute('data-coursekit-picture', String(n));
    const cell = img.closest('.jp-CodeCell');
    const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
    out.push({n, natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
              output: img.closest('.jp-OutputArea-output').getBoundingClientRect().width,
              widget: !!img.closest('.jupyter-widgets'), dpi: await dpiOf(img), cell: cells.indexOf(cell)});
  }
  return out;
}
"""

# Every widget's description and readout whose text is cut (wider than its box): "bandwidt..." for "bandwidth h".
_CUT_LABELS = """
() => Array.from(document.querySelectorAll('.jp-Notebook .widget-label, .jp-Notebook .widget-readout'))
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => ({text: e.textContent.trim(), box: e.clientWidth, needs: e.scrollWidth}))
"""

# Every <pre> under ``selector`` whose lines run past its box (or past the page), and the page's own overflow.
OVERFLOWING_PRE = """
(selector) => {
  const root = document.querySelector(selector) || document.body;
  const pres = Array.from(root.querySelectorAll('pre')).filter(p => p.offsetParent !== null);
  const page = document.scrollingElement;
  return {count: pres.length, pageOverflow: page.scrollWidth - page.clientWidth,
          overflowing: pres.filter(p => p.scrollWidth > p.clientWidth + 1 || p.getBoundingClientRect().right >
                                   root.getBoundingClientRect().right + 1)
                           .map(p => ({text: p.textContent.slice(0, 80), box: p.clientWidth, needs: p.scrollWidth}))};
}
"""


def pictures(page) -> list[dict]:
    """Every picture of the open notebook's outputs, measured (and tagged ``data-coursekit-picture``)."""
    return page.evaluate(_PICTURES)


def pixels_per_point(picture: dict) -> float:
    """Screen pixels one point of the figure takes."""
    dpi = 72.0 if picture["widget"] or not picture["dpi"] else picture["dpi"]
    return dpi / 72.0 * picture["shown"] / picture["natural"]


def unreadable(pictures_: list[dict]) -> list[str]:
    """The pictures whose text is too small, or that leave much of the notebook's width empty."""
    problems = []
    for p in pictures_:
        where = f"picture {p['n']} (code cell {p['cell']}{', a widget' if p['widget'] else ''})"
        if not p["natural"]:
            problems.append(f"{where}: did not load")
            continue
        ppp = pixels_per_point(p)
        if ppp < MIN_PIXELS_PER_POINT:
            problems.append(f"{where}: {p['natural']} px wide at {p['dpi'] or 72:.0f} dpi, shown {p['shown']:.0f} px "
                            f"wide: {ppp:.2f} screen pixels a point (a 13-point title is {13 * ppp:.1f} px)")
        wanted = MIN_FILL * min(p["output"], FULL_WIDTH_PX)
        if p["shown"] < wanted - 1:
            problems.append(f"{where}: shown {p['shown']:.0f} px wide in an output {p['output']:.0f} px wide "
                            f"(at least {wanted:.0f} px)")
    return problems


def cut_labels(page) -> list[dict]:
    """The widget descriptions and readouts of the open notebook whose text does not fit their box."""
    return page.evaluate(_CUT_LABELS)
