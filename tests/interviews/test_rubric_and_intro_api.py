"""The company's scorecard criteria (edit, validate, keep old scores) and question sets' intro
videos (upload, replace, remove, stream, refuse bad files), through the API on SQLite and
PostgreSQL, with the access matrix between two companies and their seekers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from server.accounts.security import open_session
from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import AuditEvent, Role
from server.models.interviews import InterviewQuestionSet, InterviewScorecard
from tests import mediakit

pytestmark = pytest.mark.unit

SET = {
    "title": "백엔드 1차",
    "language": "ko",
    "closing_message": "수고하셨습니다.",
    "questions": [
        {"text": "자기소개를 해 주세요.", "think_time_s": 10, "answer_limit_s": 60, "max_retakes": 1}
    ],
}
DEFAULT = ["communication", "job_fit", "problem_solving", "collaboration", "motivation"]


@pytest.fixture
def people(app_client, make_client):
    employer = app_client
    employer.signup("employer", "boss@a.kr", company_name="에이컴퍼니", name="김면접")
    other = make_client()
    other.signup("employer", "boss@b.kr", company_name="비컴퍼니", name="박경쟁")
    seeker = make_client()
    seeker.signup("seeker", "seeker@x.kr", name="이구직")
    stranger = make_client()
    stranger.signup("seeker", "stranger@x.kr", name="남")
    consultant = make_client()
    with session_scope(app_client.app.state.sessionmaker) as db:
        user, _ = ensure_user(
            db,
            email="consult@x.kr",
            password="consult-pass-1",
            role=Role.CONSULTANT,
            display_name="상담",
            company_name=None,
        )
        consultant.cookies.set("untact_session", open_session(db, user, 3600))
    return {
        "employer": employer,
        "other": other,
        "seeker": seeker,
        "stranger": stranger,
        "consultant": consultant,
    }


def _audit(client, event: str) -> list[AuditEvent]:
    with session_scope(client.app.state.sessionmaker) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)))


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], body
    return body["error"]


def _deadline() -> str:
    return (datetime.now() + timedelta(days=3)).replace(microsecond=0).isoformat()


def _invite(employer, set_id: int, email: str = "seeker@x.kr") -> dict:
    response = employer.send_json(
        "POST",
        "/api/interviews/invitations",
        {
            "seeker_email": email,
            "kind": "recorded",
            "deadline_at": _deadline(),
            "question_set_id": set_id,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


# ------------------------------------------------------------------ rubric


def test_rubric_defaults_edits_and_validation_errors(people) -> None:
    employer = people["employer"]
    first = employer.get("/api/interviews/rubric").json()
    assert first["criteria"] == DEFAULT and first["default"] is True and first["updated_at"] is None
    assert first["labels"]["communication"] == "의사소통"
    assert employer.get("/api/interviews/rubric?lang=en").json()["labels"]["job_fit"] == "Job fit"

    saved = employer.send_json(
        "PUT", "/api/interviews/rubric", {"criteria": [" 리더십 ", "communication", "Technical depth"]}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["criteria"] == ["리더십", "communication", "Technical depth"]
    assert saved.json()["default"] is False and saved.json()["labels"]["리더십"] == "리더십"
    assert employer.get("/api/interviews/rubric").json()["criteria"] == [
        "리더십",
        "communication",
        "Technical depth",
    ]

    too_many = [f"항목 {i}" for i in range(11)]
    _error(employer.send_json("PUT", "/api/interviews/rubric", {"criteria": []}), 422, "rubric_size")
    size = _error(
        employer.send_json("PUT", "/api/interviews/rubric", {"criteria": too_many}), 422, "rubric_size"
    )
    assert size["detail"] == {"min": 1, "max": 10} and "1~10" in size["message"]
    blank = _error(
        employer.send_json("PUT", "/api/interviews/rubric", {"criteria": ["협업", "   "]}),
        422,
        "criterion_blank",
    )
    assert blank["detail"] == {"index": 1} and "2번째" in blank["message"]
    long = _error(
        employer.send_json("PUT", "/api/interviews/rubric", {"criteria": ["가" * 81]}),
        422,
        "criterion_too_long",
    )
    assert long["detail"] == {"index": 0}
    assert employer.send_json("PUT", "/api/interviews/rubric", {"criteria": ["가" * 80]}).status_code == 200
    for pair in (
        ["Leadership", " leadership"],
        ["communication", "의사소통"],
        ["Communication", "communication"],
    ):
        dup = _error(
            employer.send_json("PUT", "/api/interviews/rubric", {"criteria": pair}),
            422,
            "criterion_duplicate",
        )
        assert dup["detail"]["index"] == 1, pair
    english = employer.request(
        "PUT",
        "/api/interviews/rubric?lang=en",
        json={"criteria": ["Grit", "GRIT"]},
        headers={"X-CSRF-Token": employer.csrf()},
    )
    assert english.json()["error"]["message"] == "'GRIT' is on the scorecard twice."
    _error(employer.send_json("PUT", "/api/interviews/rubric", {"criteria": "협업"}), 422, "invalid_input")
    # A refused edit changes nothing; neither does a request without the CSRF header.
    assert employer.get("/api/interviews/rubric").json()["criteria"] == ["가" * 80]
    no_csrf = employer.put("/api/interviews/rubric", json={"criteria": ["해킹"]})
    _error(no_csrf, 403, "csrf_failed")
    assert employer.get("/api/interviews/rubric").json()["criteria"] == ["가" * 80]

    changes = _audit(employer, "interview_rubric_changed")
    assert [e.detail["after"] for e in changes] == [
        ["리더십", "communication", "Technical depth"],
        ["가" * 80],
    ]
    assert changes[0].detail["before"] == DEFAULT and changes[0].actor_email == "boss@a.kr"


def test_rubric_is_per_company_and_employers_only(people) -> None:
    employer, other, seeker = people["employer"], people["other"], people["seeker"]
    assert (
        employer.send_json("PUT", "/api/interviews/rubric", {"criteria": ["리더십", "책임감"]}).status_code
        == 200
    )
    # Company B reads and edits only its own rubric; A's stays as A saved it.
    assert other.get("/api/interviews/rubric").json()["criteria"] == DEFAULT
    assert other.send_json("PUT", "/api/interviews/rubric", {"criteria": ["속도"]}).json()["criteria"] == [
        "속도"
    ]
    assert employer.get("/api/interviews/rubric").json()["criteria"] == ["리더십", "책임감"]
    for client in (seeker, people["consultant"]):
        _error(client.get("/api/interviews/rubric"), 403, "forbidden")
        _error(client.send_json("PUT", "/api/interviews/rubric", {"criteria": ["x"]}), 403, "forbidden")
    anonymous = employer.__class__(employer.app, base_url="http://testserver")
    _error(
        anonymous.send_json("PUT", "/api/interviews/rubric", {"criteria": ["x"]}), 401, "not_authenticated"
    )
    assert employer.get("/api/interviews/rubric").json()["criteria"] == ["리더십", "책임감"]

    # The company page shows the editor with the company's own criteria.
    page = employer.get("/employer/company").text
    assert 'id="rubric-form"' in page and 'value="리더십"' in page and 'value="속도"' not in page


def test_removed_and_renamed_criteria_keep_their_scores(people) -> None:
    employer = people["employer"]
    qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
    inv = _invite(employer, qset["id"])
    url = f"/api/interviews/invitations/{inv['id']}/scorecard"
    assert (
        employer.send_json(
            "PUT", url, {"scores": {"communication": 4, "job_fit": 3}, "notes": "메모"}
        ).status_code
        == 200
    )

    # job_fit is removed; "Leadership" is new; problem_solving is renamed to "문제 해결력".
    rubric = ["communication", "Leadership", "문제 해결력"]
    assert employer.send_json("PUT", "/api/interviews/rubric", {"criteria": rubric}).status_code == 200
    card = employer.get(url).json()
    assert card["criteria"] == rubric and card["scores"] == {"communication": 4, "job_fit": 3}
    summary = card["summary"]
    assert list(summary) == [*rubric, "job_fit"]
    assert summary["job_fit"] == {"count": 1, "mean": 3.0, "min": 3, "max": 3, "spread": 0.0, "retired": True}
    assert summary["communication"]["mean"] == 4.0 and summary["communication"]["retired"] is False
    assert summary["Leadership"]["count"] == 0

    # New scorecards are checked against the current criteria only...
    _error(employer.send_json("PUT", url, {"scores": {"job_fit": 5}}), 422, "unknown_criterion")
    # ...and saving them keeps the stored score of the retired criterion.
    saved = employer.send_json("PUT", url, {"scores": {"Leadership": 5, "communication": 2}, "notes": "메모"})
    assert saved.json()["scores"] == {"job_fit": 3, "Leadership": 5, "communication": 2}
    with session_scope(employer.app.state.sessionmaker) as db:
        stored = db.scalar(select(InterviewScorecard).where(InterviewScorecard.invitation_id == inv["id"]))
        assert stored.scores == {"job_fit": 3, "Leadership": 5, "communication": 2}
    review = employer.get(f"/api/interviews/invitations/{inv['id']}/review").json()
    assert review["scorecard_summary"]["job_fit"]["retired"] is True
    page = employer.get(f"/interviews/{inv['id']}").text
    assert "평가표에서 빠진 항목" in page and "Leadership" in page and "직무 적합성" in page

    # Putting the criterion back brings its earlier score back as a current one.
    employer.send_json("PUT", "/api/interviews/rubric", {"criteria": [*rubric, "job_fit"]})
    back = employer.get(url).json()["summary"]["job_fit"]
    assert back["retired"] is False and back["mean"] == 3.0


# ------------------------------------------------------------------ intro videos


def _video(fmt: str = "webm", seconds: float = 3.0) -> bytes:
    return mediakit.answer_recording(
        "facing", None, fmt=fmt, seconds=seconds, fps=10, size=(320, 240)
    ).read_bytes()


def _upload(client, set_id: int, body, content_type: str = "video/webm"):
    return client.put(
        f"/api/interviews/sets/{set_id}/intro-video",
        content=body,
        headers={"Content-Type": content_type, "X-CSRF-Token": client.csrf()},
    )


def _intro_files(client, company_dir: Path) -> list[str]:
    return sorted(p.name for p in company_dir.glob("*")) if company_dir.exists() else []


def _company_intro_dir(client, set_id: int) -> Path:
    with session_scope(client.app.state.sessionmaker) as db:
        company_id = db.get(InterviewQuestionSet, set_id).company_id
    return client.app.state.settings.recordings_dir / "interviews" / str(company_id) / "intro"


def test_intro_video_upload_stream_replace_and_remove(people) -> None:
    employer, seeker = people["employer"], people["seeker"]
    qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
    assert qset["intro_video_url"] is None
    webm = _video("webm")
    uploaded = _upload(employer, qset["id"], webm)
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert body["intro_video"]["width"] == 320 and 2.5 <= body["intro_video"]["duration_s"] <= 3.5
    url = body["intro_video_url"]
    assert url.startswith(f"/api/interviews/sets/{qset['id']}/intro-video?v=")
    directory = _company_intro_dir(employer, qset["id"])
    [first_name] = _intro_files(employer, directory)
    assert first_name.startswith(f"set-{qset['id']}-") and first_name.endswith(".webm")

    got = employer.get(url)
    assert got.status_code == 200 and got.content == webm and got.headers["content-type"] == "video/webm"
    part = employer.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == webm[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(webm)}"
    assert employer.get(f"/api/interviews/sets/{qset['id']}").json()["intro_video_url"] == url

    # The invited seeker sees it, through the invitation and the answer page.
    inv = _invite(employer, qset["id"])
    assert (
        seeker.get(f"/api/interviews/invitations/{inv['id']}").json()["question_set"]["intro_video_url"]
        == url
    )
    assert seeker.get(url).content == webm
    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    page = seeker.get(f"/interviews/{inv['id']}/answer").text
    assert 'id="intro-video"' in page and f'src="{url}"' in page
    assert "소개 영상 보기" in page and "수고하셨습니다." in page

    # Replacing with an MP4 switches the file; the old one is removed.
    mp4 = _video("mp4")
    replaced = _upload(employer, qset["id"], mp4, "video/mp4")
    assert replaced.status_code == 200, replaced.text
    new_url = replaced.json()["intro_video_url"]
    assert new_url != url
    [second_name] = _intro_files(employer, directory)
    assert second_name.endswith(".mp4") and second_name != first_name
    got = seeker.get(new_url)
    assert got.content == mp4 and got.headers["content-type"] == "video/mp4"

    removed = employer.send_json("DELETE", f"/api/interviews/sets/{qset['id']}/intro-video")
    assert removed.status_code == 200 and removed.json()["intro_video_url"] is None
    assert _intro_files(employer, directory) == []
    _error(seeker.get(new_url), 404, "intro_video_not_found")
    assert "intro-video" not in seeker.get(f"/interviews/{inv['id']}/answer").text
    assert employer.send_json("DELETE", f"/api/interviews/sets/{qset['id']}/intro-video").status_code == 200

    assert [e.detail["replaced"] for e in _audit(employer, "interview_intro_video_set")] == [False, True]
    assert len(_audit(employer, "interview_intro_video_removed")) == 1


def test_bad_intro_uploads_get_typed_errors_and_keep_the_old_video(people) -> None:
    employer = people["employer"]
    qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
    good = _video("webm")
    url = _upload(employer, qset["id"], good).json()["intro_video_url"]
    directory = _company_intro_dir(employer, qset["id"])
    kept = _intro_files(employer, directory)

    tmp = Path(employer.app.state.settings.data_dir) / "bad"
    tmp.mkdir(parents=True, exist_ok=True)
    garbage = mediakit.broken_media("garbage", tmp / "garbage.webm").read_bytes()
    truncated = mediakit.broken_media(
        "truncated",
        tmp / "cut.webm",
        source=mediakit.answer_recording("facing", None, seconds=6, fps=10, size=(320, 240)),
    ).read_bytes()
    audio_only = mediakit.answer_recording(None, mediakit.silence_wav(2.0, noise_dbfs=-50)).read_bytes()
    too_long = mediakit.answer_recording("none", None, seconds=302, fps=1, size=(64, 48)).read_bytes()
    large_garbage = b"\x1aE\xdf\xa3" + bytes(1_500_000)  # past the 1 MB JSON cap: the middleware lets it in
    cases = [
        (garbage, "video/webm", 400, "invalid_media", "unreadable"),
        (truncated, "video/webm", 400, "invalid_media", "truncated"),
        (audio_only, "video/webm", 400, "invalid_media", "no_video_track"),
        (too_long, "video/webm", 400, "invalid_media", "too_long"),
        (large_garbage, "application/octet-stream", 400, "invalid_media", "unreadable"),
        (b"", "video/webm", 400, "invalid_media", "empty"),
    ]
    for data, content_type, status, code, reason in cases:
        error = _error(_upload(employer, qset["id"], data, content_type), status, code)
        assert error["detail"]["reason"] == reason, (reason, error)
        assert "이전 영상은 그대로" in error["message"] or reason == "too_long"
        assert _intro_files(employer, directory) == kept, reason  # no new file, no leftover temp file
        assert employer.get(url).content == good, reason
    assert "5분" in _upload(employer, qset["id"], too_long).json()["error"]["message"]
    _error(_upload(employer, qset["id"], good, "application/json"), 415, "unsupported_media_type")
    no_csrf = employer.put(
        f"/api/interviews/sets/{qset['id']}/intro-video", content=good, headers={"Content-Type": "video/webm"}
    )
    _error(no_csrf, 403, "csrf_failed")
    assert employer.get(f"/api/interviews/sets/{qset['id']}").json()["intro_video_url"] == url
    assert len(_audit(employer, "interview_intro_video_set")) == 1


def test_oversize_intro_uploads_get_413_and_keep_the_old_video(make_settings) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(make_settings(max_intro_video_mb=1))  # type: ignore[arg-type]
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False) as employer:
        employer.signup("employer", "boss@a.kr", company_name="에이컴퍼니")
        qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
        good = _video("webm")
        url = _upload(employer, qset["id"], good).json()["intro_video_url"]
        directory = _company_intro_dir(employer, qset["id"])
        kept = _intro_files(employer, directory)
        oversize = good + bytes(1024 * 1024)

        declared = _error(_upload(employer, qset["id"], oversize), 413, "intro_video_too_large")
        assert "1MB" in declared["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the cap is applied while streaming
            for start in range(0, len(oversize), 64 * 1024):
                yield oversize[start : start + 64 * 1024]

        _error(_upload(employer, qset["id"], chunks()), 413, "intro_video_too_large")
        assert _intro_files(employer, directory) == kept
        assert employer.get(url).content == good
        # Just under the cap is accepted.
        assert _upload(employer, qset["id"], _video("webm", seconds=4)).status_code == 200


def test_intro_video_access_matrix(people) -> None:
    employer, other, seeker, stranger = (
        people["employer"],
        people["other"],
        people["seeker"],
        people["stranger"],
    )
    qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
    good = _video("webm")
    url = _upload(employer, qset["id"], good).json()["intro_video_url"]
    _invite(employer, qset["id"])
    b_set = other.send_json("POST", "/api/interviews/sets", SET).json()

    # Company B cannot see, replace or remove company A's intro video (404: ids reveal nothing).
    _error(other.get(url), 404, "question_set_not_found")
    _error(_upload(other, qset["id"], _video("mp4"), "video/mp4"), 404, "question_set_not_found")
    _error(
        other.send_json("DELETE", f"/api/interviews/sets/{qset['id']}/intro-video"),
        404,
        "question_set_not_found",
    )
    # A seeker who was not invited with this set gets 404; seekers never upload (403 by role).
    _error(stranger.get(url), 404, "question_set_not_found")
    _error(seeker.get(f"/api/interviews/sets/{b_set['id']}/intro-video"), 404, "question_set_not_found")
    _error(_upload(seeker, qset["id"], good), 403, "forbidden")
    _error(seeker.send_json("DELETE", f"/api/interviews/sets/{qset['id']}/intro-video"), 403, "forbidden")
    _error(people["consultant"].get(url), 403, "forbidden")
    # Nothing changed for company A.
    assert seeker.get(url).content == good and employer.get(url).content == good
    directory = _company_intro_dir(employer, qset["id"])
    [stored] = _intro_files(employer, directory)
    with av.open(str(directory / stored)) as container:  # the stored file is the upload, playable
        assert sum(1 for _ in container.decode(video=0)) == 30
