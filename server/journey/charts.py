"""Server-rendered SVG charts for the journey (same style as server/practice/charts.py):
real text for labels, so Korean renders with the page's fonts and screen readers can read it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PRIMARY = "#1f5eff"
SECONDARY = "#0b8a6b"
BAND_COLOURS = {"needs_support": "#d9480f", "developing": "#b26a00", "ready": "#1b7f3b"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0..max_value
    colour: str = PRIMARY
    value_text: str | None = None


def radar_chart(
    labels: Sequence[str], values: Sequence[float], aria_label: str, *, size: int = 420
) -> Markup:
    """A hexagon profile (0-100 per axis), the usual picture of an RIASEC result."""
    n = len(labels)
    # Wider than tall: the labels left and right of the hexagon need room.
    width = size + 160
    cx, cy = width / 2, size / 2
    radius = size / 2 - 75

    def point(i: int, v: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * v / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts = [
        f'<svg class="chart radar-chart" viewBox="0 0 {width} {size}" role="img" '
        f'aria-label="{escape(aria_label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for level in (25, 50, 75, 100):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))
        parts.append(f'<polygon points="{ring}" class="grid" fill="none"/>')
    for i in range(n):
        x, y = point(i, 100)
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" class="grid"/>')
    shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values)))
    parts.append(
        f'<polygon points="{shape}" fill="{PRIMARY}" fill-opacity="0.22" stroke="{PRIMARY}" stroke-width="2.5"/>'
    )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = point(i, value)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PRIMARY}"/>')
        lx, ly = point(i, 118)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" class="label radar-label" text-anchor="{anchor}">{escape(label)}</text>'
            f'<text x="{lx:.1f}" y="{ly + 24:.1f}" class="value radar-label" text-anchor="{anchor}">{value:.0f}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[Bar], aria_label: str, *, width: int = 860, label_width: int = 200, max_value: float = 100
) -> Markup:
    """Horizontal bars with their values; `max_value` sets the full width."""
    row_h = 32
    height = row_h * len(bars) + 8
    bar_w = width - label_width - 64
    parts = [
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(aria_label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        share = 0.0 if max_value <= 0 else max(0.0, min(1.0, bar.value / max_value))
        text = bar.value_text if bar.value_text is not None else f"{bar.value:.0f}"
        parts.append(
            f'<text x="0" y="{y + 20}" class="label">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y + 6}" width="{bar_w}" height="18" rx="4" class="track"/>'
            f'<rect x="{label_width}" y="{y + 6}" width="{bar_w * share:.1f}" height="18" rx="4" fill="{bar.colour}"/>'
            f'<text x="{label_width + bar_w + 8}" y="{y + 20}" class="value">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart(
    rows: Sequence[tuple[str, int, int]],
    total: int,
    legend: tuple[str, str],
    aria_label: str,
    *,
    width: int = 900,
) -> Markup:
    """Per journey step: started (light) and finished (dark) out of all seekers."""
    row_h, label_width = 34, 190
    top = 30
    height = top + row_h * len(rows) + 8
    bar_w = width - label_width - 90
    parts = [
        f'<svg class="chart funnel-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(aria_label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{label_width}" y="6" width="12" height="12" rx="2" fill="#9db5ff"/>'
        f'<text x="{label_width + 18}" y="16" class="legend">{escape(legend[0])}</text>'
        f'<rect x="{label_width + 130}" y="6" width="12" height="12" rx="2" fill="{PRIMARY}"/>'
        f'<text x="{label_width + 148}" y="16" class="legend">{escape(legend[1])}</text>',
    ]
    for i, (label, started, finished) in enumerate(rows):
        y = top + i * row_h
        scale = bar_w / total if total else 0.0
        parts.append(
            f'<text x="0" y="{y + 20}" class="label">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 6}" width="{bar_w}" height="18" rx="4" class="track"/>'
            f'<rect x="{label_width}" y="{y + 6}" width="{started * scale:.1f}" height="18" rx="4" fill="#9db5ff"/>'
            f'<rect x="{label_width}" y="{y + 6}" width="{finished * scale:.1f}" height="18" rx="4" fill="{PRIMARY}"/>'
            f'<text x="{label_width + bar_w + 8}" y="{y + 20}" class="value">{finished} / {started}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
