"""What the review pages show: each answer with its analysis charts and the comments pinned to
its timeline (an SVG lane whose markers seek the video)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from server.models import PracticeAnswer, ReviewComment, ReviewRequest
from server.practice.charts import answer_timeline, score_bars, transcript_html

Translate = Callable[[str], str]

CATEGORY_COLOURS = {"delivery": "#0b8a6b", "content": "#8a3ffc", "gaze": "#b25b00", "structure": "#1f5eff"}


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def comment_lane(
    duration_s: float, comments: Sequence[ReviewComment], t: Translate, *, width: int = 900
) -> Markup:
    """One lane the width of the analysis timeline (same left margin), a marker per comment
    spanning its time range; markers are focusable and carry `data-seek`."""
    duration = max(duration_s, 1.0)
    left, right, top, lane_h = 110, 12, 6, 30
    plot_w = width - left - right
    height = top + lane_h + 22

    def x(seconds: float) -> float:
        return left + plot_w * min(max(seconds, 0.0), duration) / duration

    parts = [
        f'<svg class="chart comment-lane" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(t("review.lane_label"))}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="{top + 19}" class="label">{escape(t("review.lane_comments"))}</text>',
        f'<rect x="{left}" y="{top + 6}" width="{plot_w}" height="18" rx="3" class="track"/>',
    ]
    for number, comment in enumerate(comments, start=1):
        x0 = x(comment.start_s)
        w = max(x(comment.end_s) - x0, 14.0)
        label = escape(
            t("review.marker").format(
                n=number,
                start=clock(comment.start_s),
                end=clock(comment.end_s),
                category=t(f"review.category_{comment.category}"),
            )
        )
        parts.append(
            f'<g class="comment-marker" data-seek="{comment.start_s:.2f}" data-comment-id="{comment.id}" '
            f'tabindex="0" role="button" aria-label="{label}"><title>{label}</title>'
            f'<rect x="{x0:.1f}" y="{top + 3}" width="{w:.1f}" height="24" rx="4" '
            f'fill="{CATEGORY_COLOURS[comment.category]}"/>'
            f'<text x="{x0 + 5:.1f}" y="{top + 20}" class="marker-number">{number}</text></g>'
        )
    for i in range(7):
        seconds = duration * i / 6
        parts.append(
            f'<text x="{x(seconds):.1f}" y="{top + lane_h + 16}" class="axis" text-anchor="middle">{seconds:.0f}s</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def answer_views(
    request: ReviewRequest,
    t: Translate,
    *,
    video_url: Callable[[PracticeAnswer], str],
    include_comments: bool = True,
) -> list[dict[str, Any]]:
    """The session's analysed answers in question order, with charts and their comments."""
    session = request.session
    position = {q.id: q.position for q in session.questions}
    by_answer: dict[int, list[ReviewComment]] = {}
    for comment in request.comments if include_comments else []:
        by_answer.setdefault(comment.answer_id, []).append(comment)
    verdicts = {(v.answer_id, v.score_key): v for v in request.verdicts}
    views = []
    answers = [a for a in session.answers if a.report is not None]
    for answer in sorted(answers, key=lambda a: (position.get(a.question_id, 0), a.attempt)):
        report: dict[str, Any] = answer.report or {}
        comments = sorted(by_answer.get(answer.id, []), key=lambda c: (c.start_s, c.id))
        duration = float(answer.duration_s or report.get("duration_s") or 0)
        views.append(
            {
                "answer": answer,
                "number": position.get(answer.question_id, 0) + 1,
                "report": report,
                "duration_s": duration,
                "scores_svg": score_bars(report["scores"], t),
                "timeline_svg": answer_timeline(report, t),
                "transcript_html": transcript_html(report, t),
                "comments": comments,
                "comment_lane": comment_lane(duration, comments, t),
                "verdicts": {key: verdicts.get((answer.id, key)) for key in ("delivery", "gaze", "content", "overall")},
                "video_url": video_url(answer),
            }
        )
    return views
