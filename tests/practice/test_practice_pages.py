"""Practice pages with real reports: session totals, the progress chart, timeline and transcript."""

from __future__ import annotations

import copy
import re

import pytest

from server.core.db import session_scope
from server.models import PracticeAnswer, PracticeSession

pytestmark = [pytest.mark.unit, pytest.mark.model]


def _add_ready_answer(client, session_id: int, report: dict, overall: int) -> int:
    report = copy.deepcopy(report)
    report["scores"]["overall"]["score"] = overall
    with session_scope(client.app.state.sessionmaker) as db:
        session = db.get(PracticeSession, session_id)
        answer = PracticeAnswer(
            session_id=session_id, question_id=session.questions[0].id, status="ready",
            report=report, overall_score=overall, duration_s=report["duration_s"],
        )
        db.add(answer)
        db.flush()
        return answer.id


def test_progress_chart_and_report_page_show_real_numbers(app_client, real_report) -> None:
    app_client.signup("seeker", "chart@x.kr")
    first = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    second = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "healthcare"}).json()["id"]
    _add_ready_answer(app_client, first, real_report, 55)
    answer_id = _add_ready_answer(app_client, second, real_report, 72)

    home = app_client.get("/practice").text
    assert '<svg class="chart progress-chart"' in home
    chart = home[home.index('<svg class="chart progress-chart"'):home.index("</svg>", home.index("progress-chart"))]
    assert "종합" in chart and "전달력" in chart
    overall_path = re.search(r'<path d="([^"]+)"[^>]*data-series="overall"', chart).group(1)
    ys = [float(p.split(",")[1]) for p in re.findall(r"[ML][\d.]+,[\d.]+", overall_path)]
    assert len(ys) == 2 and ys[1] < ys[0]  # 72 is drawn higher than 55

    page = app_client.get(f"/practice/{second}/report").text
    assert 'data-testid="total-overall">72.0<' in page
    timeline = page[page.index('<svg class="chart timeline"'):]
    pause = real_report["pauses"]["items"]
    assert any(p["duration_s"] > 2.5 for p in pause), "the inserted 3 s pause must be found"
    assert f'data-seek="{pause[0]["start_s"]:.2f}"' in timeline
    words = re.findall(r'<button type="button" class="word[^"]*" data-seek="[\d.]+"[^>]*>([^<]+)</button>', page)
    assert "deadline," in " ".join(words).lower() or "deadline" in " ".join(words).lower()
    assert f"/api/practice/answers/{answer_id}/video" in page
    eye = float(re.search(r'data-measure="eye-contact" data-value="([\d.]+)"', page).group(1))
    assert eye >= 0.8

    app_client.cookies.set("untact_locale", "en")
    english = app_client.get(f"/practice/{second}/report").text
    assert "Practice results · Healthcare" in english and "Scores and why" in english
