"""Server-rendered SVG charts for practice reports: text stays real text, so Korean labels
render with the page's fonts and screen readers can read them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from analysis.report import LOW_CONFIDENCE_WORD_PROBABILITY

Translate = Callable[[str], str]

SERIES_COLOURS = {"overall": "#1f5eff", "delivery": "#0b8a6b", "gaze": "#b25b00", "content": "#8a3ffc"}
MARKER_COLOURS = {"away": "#d9480f", "pause": "#5c7cfa", "filler": "#c2255c"}


@dataclass(frozen=True)
class ProgressPoint:
    label: str
    scores: dict[str, float | None]


def progress_chart(
    points: Sequence[ProgressPoint], t: Translate, *, width: int = 720, height: int = 280
) -> Markup:
    """Line chart of scores (0–100) over sessions, with a legend."""
    left, right, top, bottom = 44, 16, 36, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    parts = [
        f'<svg class="chart progress-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(t("practice.chart_progress_label"))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 8}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v}</text>'
        )
    for i, point in enumerate(points):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 20}" class="axis" text-anchor="middle">{escape(point.label)}</text>'
        )
    legend_x = left
    for key, colour in SERIES_COLOURS.items():
        coords = [(x(i), y(float(s))) for i, p in enumerate(points) if (s := p.scores.get(key)) is not None]
        if coords:
            path = " ".join(f"{'M' if j == 0 else 'L'}{cx:.1f},{cy:.1f}" for j, (cx, cy) in enumerate(coords))
            width_px = 3 if key == "overall" else 2
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width_px}" data-series="{key}"/>'
            )
            for cx, cy in coords:
                parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>')
        name = escape(t(f"practice.score_{key}"))
        parts.append(
            f'<rect x="{legend_x}" y="10" width="12" height="12" rx="2" fill="{colour}"/>'
            f'<text x="{legend_x + 18}" y="20" class="legend">{name}</text>'
        )
        legend_x += 24 + 14 * len(name) + 20
    parts.append("</svg>")
    return Markup("".join(parts))


def score_bars(scores: dict[str, Any], t: Translate, *, width: int = 520) -> Markup:
    """Horizontal bars for the four scores with their values."""
    keys = [k for k in ("overall", "delivery", "gaze", "content") if k in scores]
    row_h, label_w = 34, 120
    height = row_h * len(keys) + 8
    bar_w = width - label_w - 56
    parts = [
        f'<svg class="chart score-bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(t("practice.chart_scores_label"))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, key in enumerate(keys):
        value = scores[key].get("score") if isinstance(scores[key], dict) else scores[key]
        y = 4 + i * row_h
        parts.append(f'<text x="0" y="{y + 21}" class="label">{escape(t(f"practice.score_{key}"))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 6}" width="{bar_w}" height="18" rx="4" class="track"/>')
        if value is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 6}" width="{bar_w * float(value) / 100:.1f}" height="18" rx="4" '
                f'fill="{SERIES_COLOURS[key]}"/>'
                f'<text x="{label_w + bar_w + 8}" y="{y + 21}" class="value">{int(value)}</text>'
            )
        else:
            parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 21}" class="value">–</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def answer_timeline(report: dict[str, Any], t: Translate, *, width: int = 900) -> Markup:
    """Three lanes (looking away, pauses, fillers) over the answer's duration. Every marker is a
    focusable button that seeks the video to its moment (wired up by report.js)."""
    duration = max(float(report.get("duration_s") or 0), 1.0)
    left, right, lane_h, top = 110, 12, 30, 8
    plot_w = width - left - right
    lanes = [
        ("away", [(e["start_s"], e["end_s"]) for e in report["gaze"].get("away_episodes", [])]),
        ("pause", [(p["start_s"], p["end_s"]) for p in report["pauses"].get("items", [])]),
        ("filler", [(f["start_s"], f["start_s"]) for f in report["fillers"].get("items", [])]),
    ]
    height = top + lane_h * len(lanes) + 28

    def x(seconds: float) -> float:
        return left + plot_w * min(max(seconds, 0.0), duration) / duration

    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(t("practice.chart_timeline_label"))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for row, (kind, spans) in enumerate(lanes):
        y = top + row * lane_h
        parts.append(f'<text x="0" y="{y + 19}" class="label">{escape(t(f"practice.lane_{kind}"))}</text>')
        parts.append(f'<rect x="{left}" y="{y + 6}" width="{plot_w}" height="18" rx="3" class="track"/>')
        for start, end in spans:
            x0 = x(float(start))
            w = max(x(float(end)) - x0, 6.0)
            label = escape(t(f"practice.marker_{kind}").format(t=f"{float(start):.1f}"))
            parts.append(
                f'<rect class="marker marker-{kind}" x="{x0:.1f}" y="{y + 4}" width="{w:.1f}" height="22" rx="3" '
                f'fill="{MARKER_COLOURS[kind]}" data-seek="{float(start):.2f}" tabindex="0" role="button" '
                f'aria-label="{label}"><title>{label}</title></rect>'
            )
    axis_y = top + lane_h * len(lanes) + 18
    steps = 6
    for i in range(steps + 1):
        seconds = duration * i / steps
        parts.append(
            f'<text x="{x(seconds):.1f}" y="{axis_y}" class="axis" text-anchor="middle">{seconds:.0f}s</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def transcript_html(report: dict[str, Any], t: Translate) -> Markup:
    """The transcript as seekable words: fillers highlighted, and words Whisper was unsure of
    (probability below :data:`analysis.report.LOW_CONFIDENCE_WORD_PROBABILITY`) underlined with
    dots, with the confidence in their title. Used by the report, the consultant's review
    workspace and the employer's review page."""
    filler_starts = {round(float(f["start_s"]), 2) for f in report["fillers"].get("items", [])}
    words = report["transcript"].get("words", [])
    if not words:
        return Markup(f'<p class="muted">{escape(t("practice.no_transcript"))}</p>')
    out = []
    uncertain_count = 0
    for word in words:
        start = float(word["start_s"])
        is_filler = round(start, 2) in filler_starts
        prob = word.get("probability")
        uncertain = prob is not None and float(prob) < LOW_CONFIDENCE_WORD_PROBABILITY
        classes = ["word"] + (["filler"] if is_filler else []) + (["uncertain"] if uncertain else [])
        titles = [t("practice.filler_title")] if is_filler else []
        if uncertain:
            uncertain_count += 1
            titles.append(t("practice.uncertain_title").format(p=round(float(prob) * 100)))
        title = f' title="{escape(" · ".join(titles))}"' if titles else ""
        out.append(
            f'<button type="button" class="{" ".join(classes)}" data-seek="{start:.2f}"{title}>'
            f"{escape(word['word'].strip())}</button>"
        )
    hint = (
        f'<p class="muted small uncertain-hint" data-testid="uncertain-hint">{escape(t("practice.uncertain_hint"))}</p>'
        if uncertain_count
        else ""
    )
    return Markup('<p class="transcript">' + " ".join(out) + "</p>" + hint)
