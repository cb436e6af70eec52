"""Small charts a person only reads, as inline SVG: bars, lines and heat maps without Plotly.

A page with a Plotly chart makes the browser fetch, compile and start Plotly's 4.7 MB chunk,
then lay out each chart: the β page's eight small charts cost its visit 0.4–0.6 s, Density's
three 0.4 s (issue 28). A chart nobody zooms or selects in is drawn here instead, as a string
the page shows with ``vae.app.charts.svg``. Every mark carries its exact value in a
``<title>``, which the browser shows on hover as Plotly's tooltip did; every text is escaped.

Pure functions of numbers and names: no model, no Streamlit.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Matplotlib's viridis at ten even steps (Plotly's "Viridis"), dark to light.
VIRIDIS = (
    "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
    "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
)  # fmt: skip
TEXT = "#31333f"  # Streamlit's body text
MUTED = "#808495"
GRID = "#e6eaf1"
CHAR_W = 7.0  # a 12 px sans-serif character's usual width, for fitting labels


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def svg_open(width: float, height: float, label: str, kind: str) -> str:
    """The root element: a natural width that shrinks with a narrow column, never grows past it.

    It ends its line: Markdown then takes the drawing (which has no blank line) as one HTML
    block and leaves its texts alone, where on one line it read them as Markdown (a class named
    ``a*b*c`` lost its ``b`` to emphasis, ``[x](y)`` became a link)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" style="max-width:100%;height:auto" role="img" '
        f'aria-label="{esc(label)}" class="vae-{kind}" font-family="sans-serif" '
        f'font-size="12" fill="{TEXT}">\n'
    )


def nice_step(span: float, most: int = 5) -> float:
    """A round step (1, 2 or 5 × 10^k) that cuts ``span`` into at most ``most`` parts."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """Round tick values from 0 up to at least ``top``: the axis of bars that start at 0."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    step = nice_step(top, most)
    return [round(i * step, 12) for i in range(math.ceil(top / step - 1e-9) + 1)]


def ticks_within(lo: float, hi: float, most: int = 6) -> list[float]:
    """The round values between ``lo`` and ``hi``, for an axis that spans exactly [lo, hi]."""
    step = nice_step(hi - lo, most)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 12) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def tick_text(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Frame:
    """A plot area inside an SVG: data ranges [x_lo, x_hi] × [y_lo, y_hi] on pixel margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_lo: float = 0.0
    x_hi: float = 1.0
    y_lo: float = 0.0
    y_hi: float = 1.0

    @property
    def inner_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_h(self) -> float:
        return self.height - self.top - self.bottom

    def x(self, value: float) -> float:
        return self.left + self.inner_w * (value - self.x_lo) / (self.x_hi - self.x_lo)

    def y(self, value: float) -> float:
        return self.top + self.inner_h * (1 - (value - self.y_lo) / (self.y_hi - self.y_lo))


def y_axis(frame: Frame, ticks: Sequence[float], title: str) -> str:
    """Horizontal gridlines at ``ticks``, their values on the left, the title turned upright."""
    parts = []
    for t in ticks:
        y = frame.y(t)
        parts.append(
            f'<line x1="{frame.left:.1f}" y1="{y:.1f}" x2="{frame.width - frame.right:.1f}" '
            f'y2="{y:.1f}" stroke="{GRID}"/><text x="{frame.left - 5:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="{MUTED}">{esc(tick_text(t))}</text>'
        )
    parts.append(
        f'<text transform="translate(12 {frame.top + frame.inner_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="{MUTED}">{esc(title)}</text>'
    )
    return "".join(parts)


def x_axis(frame: Frame, ticks: Sequence[float], title: str) -> str:
    """Vertical gridlines at ``ticks``, their values below the axis line, the title under them."""
    base = frame.top + frame.inner_h
    parts = []
    for t in ticks:
        x = frame.x(t)
        parts.append(
            f'<line x1="{x:.1f}" y1="{frame.top:.1f}" x2="{x:.1f}" y2="{base:.1f}" '
            f'stroke="{GRID}"/><text x="{x:.1f}" y="{base + 16:.1f}" text-anchor="middle" '
            f'fill="{MUTED}">{esc(tick_text(t))}</text>'
        )
    parts.append(
        f'<line x1="{frame.left:.1f}" y1="{base:.1f}" x2="{frame.width - frame.right:.1f}" '
        f'y2="{base:.1f}" stroke="{MUTED}"/><text x="{frame.left + frame.inner_w / 2:.1f}" '
        f'y="{base + 34:.1f}" text-anchor="middle" fill="{MUTED}">{esc(title)}</text>'
    )
    return "".join(parts)


def y_margin(ticks: Sequence[float]) -> float:
    """Room on the left for the title and the longest tick value."""
    return 24 + CHAR_W * max(len(tick_text(t)) for t in ticks)


def legend(
    items: Sequence[tuple[str, str, bool]], left: float, top: float, width: float
) -> tuple[str, float]:
    """Swatches and names, (name, colour, dashed) each, wrapped into rows across ``width``.

    Returns the drawing and its height."""
    parts, x, y = [], left, top + 12
    for name, colour, dashed in items:
        room = 28 + CHAR_W * len(name)
        if x > left and x + room > left + width:
            x, y = left, y + 18
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{esc(colour)}" stroke-width="3"{dash}/>'
            f'<text x="{x + 23:.1f}" y="{y:.1f}" class="legend">{esc(name)}</text>'
        )
        x += room + 14
    return "".join(parts), y - top + 6


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    tooltips: Sequence[str],
    y_title: str,
    *,
    width: int = 480,
    height: int = 220,
    aria: str = "",
) -> str:
    """Vertical bars from 0, one per label, with a y axis of round ticks and a gridline each.

    Labels that would overlap are thinned to every k-th; each bar's tooltip names it anyway.
    Non-finite values draw no bar (their tooltip stays).
    """
    n = len(values)
    ticks = nice_ticks(max([*(v for v in values if math.isfinite(v)), 0.0]))
    frame = Frame(width, height, y_margin(ticks), 8, 8, 22, 0.0, 1.0, 0.0, ticks[-1])
    parts = [svg_open(width, height, aria or y_title, "bars"), y_axis(frame, ticks, y_title)]
    slot = frame.inner_w / max(n, 1)
    longest = max((len(str(label)) for label in labels), default=1)
    every = max(1, math.ceil((longest * CHAR_W + 4) / slot))
    base = frame.y(0.0)
    for i, (label, value, color, tip) in enumerate(
        zip(labels, values, colors, tooltips, strict=True)
    ):
        x = frame.left + i * slot
        top = frame.y(max(value, 0.0)) if math.isfinite(value) else base
        parts.append(
            f'<rect x="{x + 0.15 * slot:.1f}" y="{top:.1f}" width="{0.7 * slot:.1f}" '
            f'height="{base - top:.1f}" fill="{esc(color)}"><title>{esc(tip)}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'class="x-label">{esc(label)}</text>'
            )
    parts.append(
        f'<line x1="{frame.left:.1f}" y1="{base:.1f}" x2="{width - 8}" y2="{base:.1f}" '
        f'stroke="{MUTED}"/></svg>'
    )
    return "".join(parts)


def viridis(value: float, low: float = 0.0, high: float = 1.0) -> str:
    """The viridis colour of ``value`` on [low, high] (clipped), linear between the ten steps."""
    if not math.isfinite(value):
        return "#ffffff"
    t = min(max((value - low) / (high - low), 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    mix = [
        round(int(a[k : k + 2], 16) * (i + 1 - t) + int(b[k : k + 2], 16) * (t - i))
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in mix)


def heatmap(
    matrix: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    tooltips: Sequence[Sequence[str]],
    *,
    low: float = 0.0,
    high: float = 1.0,
    scale_title: str = "",
    width: int = 480,
    row_height: int = 26,
    aria: str = "",
) -> str:
    """A grid of viridis cells, rows top to bottom, with a colour scale on the right.

    Each cell prints its value to two decimals where the cells are wide enough; its tooltip
    always has it.
    """
    rows, cols = len(row_labels), len(col_labels)
    left = 8 + CHAR_W * max((len(str(r)) for r in row_labels), default=1)
    scale_w, top, bottom = 52, 6, 22
    cell_w = (width - left - scale_w - 8) / max(cols, 1)
    height = top + rows * row_height + bottom
    parts = [svg_open(width, height, aria or scale_title, "heatmap")]
    for r, name in enumerate(row_labels):
        y = top + r * row_height
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + row_height / 2 + 4:.1f}" text-anchor="end" '
            f'class="row-label">{esc(name)}</text>'
        )
        for c in range(cols):
            value = float(matrix[r][c])
            x = left + c * cell_w
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{row_height}" '
                f'fill="{viridis(value, low, high)}" stroke="#ffffff" stroke-width="1">'
                f"<title>{esc(tooltips[r][c])}</title></rect>"
            )
            if cell_w >= 30 and math.isfinite(value):  # white on the dark half, dark on the light
                ink = "#ffffff" if (value - low) / (high - low) < 0.55 else TEXT
                parts.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + row_height / 2 + 4:.1f}" '
                    f'text-anchor="middle" font-size="11" pointer-events="none" '
                    f'fill="{ink}">{value:.2f}</text>'
                )
    longest = max((len(str(c)) for c in col_labels), default=1)
    every = max(1, math.ceil((longest * CHAR_W + 4) / cell_w))
    for c, name in enumerate(col_labels):
        if c % every == 0:
            parts.append(
                f'<text x="{left + (c + 0.5) * cell_w:.1f}" y="{height - 6}" text-anchor="middle" '
                f'class="col-label">{esc(name)}</text>'
            )
    parts.append(_scale(width - scale_w + 6, top, rows * row_height, low, high, scale_title))
    parts.append("</svg>")
    return "".join(parts)


def _scale(x: float, top: float, length: float, low: float, high: float, title: str) -> str:
    """A vertical viridis bar, ``high`` at the top, with three labelled values and a title."""
    steps = 24
    parts = []
    for i in range(steps):
        value = high - (high - low) * (i + 0.5) / steps
        parts.append(
            f'<rect x="{x:.1f}" y="{top + length * i / steps:.2f}" width="10" '
            f'height="{length / steps + 0.5:.2f}" fill="{viridis(value, low, high)}"/>'
        )
    for value in (high, (low + high) / 2, low):
        y = top + length * (high - value) / (high - low)
        parts.append(
            f'<text x="{x + 14:.1f}" y="{min(max(y + 4, top + 9), top + length):.1f}" '
            f'font-size="10" fill="{MUTED}">{value:g}</text>'
        )
    if title:
        parts.append(
            f'<text x="{x + 5:.1f}" y="{top + length + 16:.1f}" text-anchor="middle" '
            f'font-size="10" fill="{MUTED}">{esc(title)}</text>'
        )
    return "".join(parts)


def polyline(frame: Frame, xs: Sequence[float], ys: Sequence[float], colour: str,
             tooltip: str, dashed: bool = False, most: int = 400, width: float = 2) -> str:  # fmt: skip
    """A line through (xs, ys), thinned to ``most`` evenly spaced points (in order, ends kept)."""
    n = len(xs)
    keep = range(n) if n <= most else sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})
    points = " ".join(f"{frame.x(xs[i]):.1f},{frame.y(ys[i]):.1f}" for i in keep)
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<polyline points="{points}" fill="none" stroke="{esc(colour)}" stroke-width="{width}"{dash}>'
        f"<title>{esc(tooltip)}</title></polyline>"
    )


def notes_lines(notes: Sequence[str], x: float, top: float) -> str:
    """Lines of small print above a plot (what a Plotly title said: clipped values, cut bars)."""
    return "".join(
        f'<text x="{x:.1f}" y="{top + 14 + 17 * i:.1f}" font-size="12" class="note">{esc(n)}</text>'
        for i, n in enumerate(notes)
    )


def dots(frame: Frame, xs: Sequence[float], ys: Sequence[float], colour: str, tooltip: str,
         size: float = 5.0, opacity: float = 0.7) -> str:  # fmt: skip
    """Many points as one path of round dots (a zero-length stroke each): one element however
    many points, so a map of 2,000 codes costs the browser 1 node, not 2,000."""
    moves = "".join(f"M{frame.x(x):.1f} {frame.y(y):.1f}h0" for x, y in zip(xs, ys, strict=True))
    return (
        f'<path d="{moves}" stroke="{esc(colour)}" stroke-width="{size}" stroke-linecap="round" '
        f'stroke-opacity="{opacity}" fill="none"><title>{esc(tooltip)}</title></path>'
    )


def padded(lo: float, hi: float, share: float = 0.05) -> tuple[float, float]:
    """[lo, hi] widened by ``share`` of its span on each side (a unit around a single value)."""
    span = hi - lo if hi > lo else 1.0
    return lo - share * span, hi + share * span
