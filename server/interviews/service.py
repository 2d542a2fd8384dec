"""Employer interview rules on the database: invitations and their status pipeline, question
sets, one-way answers, reviews (ratings, time-pinned comments), explanation requests,
scorecards and the calendar file.

Object checks live here: an employer reaches only their company's invitations, a seeker
only their own; anything else looks like it does not exist (404), so ids reveal nothing.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.answers.consent import ConsentTerms
from server.core.db import utcnow
from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.i18n import translate
from server.core.limits import Id
from server.models.accounts import Role, User
from server.models.careers import ConsultantAssignment, JobApplication, JobPostingRow
from server.models.interviews import (
    AnswerRating,
    ExplanationRequest,
    InterviewAnswer,
    InterviewComment,
    InterviewInvitation,
    InterviewQuestionSet,
    InterviewRubric,
    InterviewScorecard,
    InterviewSetQuestion,
    InvitationEvent,
)
from server.notifications.calendar import CalendarEntry, Method, calendar_file
from server.notifications.service import Attachment, notify, notify_with

# Recording an interview answer shares it with the employer: its own consent, separate from practice.
CONSENT = ConsentTerms(purpose="interview_recording", version="2026-11-v1")
RETENTION_DAYS = 365

DEFAULT_RUBRIC = ("communication", "job_fit", "problem_solving", "collaboration", "motivation")
MIN_CRITERIA, MAX_CRITERIA, MAX_CRITERION_CHARS = 1, 10, 80
DEFAULT_TIME_ZONE = "Asia/Seoul"

# Who may move an invitation from which status to which. "system" moves happen as a side
# effect (the first recorded answer, joining a live room); decisions are always a person's.
SEEKER_MOVES: dict[str, set[str]] = {
    "invited": {"accepted", "declined", "reschedule_requested"},
    "reschedule_requested": {"accepted", "declined"},
    "accepted": {"declined", "reschedule_requested"},
}
EMPLOYER_MOVES: dict[str, set[str]] = {
    "reschedule_requested": {"invited"},
    "in_progress": {"held"},
    "accepted": {"held"},
    "submitted": {"under_review"},
    "held": {"under_review"},
    "under_review": {"decided"},
}
STATUSES = (
    "invited",
    "accepted",
    "declined",
    "reschedule_requested",
    "in_progress",
    "submitted",
    "held",
    "under_review",
    "decided",
)


# ------------------------------------------------------------------ payloads


class QuestionIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    think_time_s: int = Field(default=30, ge=0, le=300)
    answer_limit_s: int = Field(default=90, ge=15, le=600)
    max_retakes: int = Field(default=1, ge=0, le=5)


class QuestionSetCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    language: Literal["ko", "en"] = "ko"
    intro_message: str = Field(default="", max_length=2000)
    closing_message: str = Field(default="", max_length=2000)
    questions: list[QuestionIn] = Field(min_length=1, max_length=20)


class InvitationDetails(BaseModel):
    """An interview invitation without whom it is for (the careers pipeline names the seeker by id)."""

    kind: Literal["live", "recorded"]
    posting_id: Id | None = None
    title: str = Field(default="", max_length=200)
    message: str = Field(default="", max_length=2000)
    # Naive local times are read in `time_zone` (Asia/Seoul by default).
    scheduled_at: datetime | None = None
    duration_min: int = Field(default=30, ge=10, le=240)
    deadline_at: datetime | None = None
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    question_set_id: Id | None = None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value


class InvitationCreate(InvitationDetails):
    seeker_email: str = Field(min_length=3, max_length=320)


class SeekerResponse(BaseModel):
    action: Literal["accept", "decline", "reschedule"]
    note: str = Field(default="", max_length=1000)
    companion: bool = False


class EmployerStatusChange(BaseModel):
    status: Literal["invited", "held", "under_review", "decided"]
    decision: Literal["pass", "hold", "reject"] | None = None
    note: str = Field(default="", max_length=1000)
    scheduled_at: datetime | None = None  # a new time when answering a reschedule request
    deadline_at: datetime | None = None


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class CommentIn(BaseModel):
    at_s: float = Field(ge=0, le=36_000)
    text: str = Field(min_length=1, max_length=2000)


class ExplanationIn(BaseModel):
    kind: Literal["explanation", "human_review"]
    message: str = Field(default="", max_length=2000)


class ExplanationAnswerIn(BaseModel):
    response: str = Field(min_length=1, max_length=4000)


class RubricIn(BaseModel):
    # The rubric's own rules (1–10, non-blank, 80 characters, no duplicates) are checked in
    # `clean_rubric`, so each problem gets its own error code.
    criteria: list[str]


class ScorecardIn(BaseModel):
    scores: dict[str, int] = Field(default_factory=dict)
    notes: str = Field(default="", max_length=20_000)

    @field_validator("scores")
    @classmethod
    def _range(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 1 <= v <= 5 for v in value.values()):
            raise ValueError("scores are 1 to 5")
        return value


# ------------------------------------------------------------------ ownership


def employer_company_id(user: User) -> int:
    if user.role is not Role.EMPLOYER or user.company_id is None:
        raise NotFound("interview_not_found")
    return user.company_id


def company_invitation(db: Session, user: User, invitation_id: int) -> InterviewInvitation:
    invitation = db.get(InterviewInvitation, invitation_id)
    if invitation is None or invitation.company_id != employer_company_id(user):
        raise NotFound("interview_not_found")
    return invitation


def seeker_invitation(db: Session, user: User, invitation_id: int) -> InterviewInvitation:
    invitation = db.get(InterviewInvitation, invitation_id)
    if invitation is None or invitation.seeker_id != user.id:
        raise NotFound("interview_not_found")
    return invitation


def companion_invitation(db: Session, user: User, invitation_id: int) -> InterviewInvitation:
    """A live invitation whose seeker asked for a companion and is followed by this consultant."""
    invitation = db.get(InterviewInvitation, invitation_id)
    assignment = db.get(ConsultantAssignment, invitation.seeker_id) if invitation else None
    if (
        invitation is None
        or user.role is not Role.CONSULTANT
        or assignment is None
        or assignment.consultant_id != user.id
        or not invitation.companion_requested
    ):
        raise NotFound("interview_not_found")
    return invitation


def visible_invitation(db: Session, user: User, invitation_id: int) -> InterviewInvitation:
    if user.role is Role.CONSULTANT:
        return companion_invitation(db, user, invitation_id)
    if user.role is Role.EMPLOYER:
        return company_invitation(db, user, invitation_id)
    if user.role is Role.SEEKER:
        return seeker_invitation(db, user, invitation_id)
    raise NotFound("interview_not_found")


def company_question_set(db: Session, user: User, set_id: int) -> InterviewQuestionSet:
    question_set = db.get(InterviewQuestionSet, set_id)
    if question_set is None or question_set.company_id != employer_company_id(user):
        raise NotFound("question_set_not_found")
    return question_set


def viewable_question_set(db: Session, user: User, set_id: int) -> InterviewQuestionSet:
    """Employers see their company's sets; a seeker sees a set they were invited to answer."""
    if user.role is Role.EMPLOYER:
        return company_question_set(db, user, set_id)
    question_set = db.get(InterviewQuestionSet, set_id)
    invited = user.role is Role.SEEKER and db.scalar(
        select(func.count())
        .select_from(InterviewInvitation)
        .where(InterviewInvitation.question_set_id == set_id, InterviewInvitation.seeker_id == user.id)
    )
    if question_set is None or not invited:
        raise NotFound("question_set_not_found")
    return question_set


def company_answer(db: Session, user: User, answer_id: int) -> InterviewAnswer:
    answer = db.get(InterviewAnswer, answer_id)
    if answer is None or answer.invitation.company_id != employer_company_id(user):
        raise NotFound("answer_not_found")
    return answer


def seeker_answer(db: Session, user: User, answer_id: int) -> InterviewAnswer:
    answer = db.get(InterviewAnswer, answer_id)
    if answer is None or answer.invitation.seeker_id != user.id:
        raise NotFound("answer_not_found")
    return answer


def visible_answer(db: Session, user: User, answer_id: int) -> InterviewAnswer:
    if user.role is Role.EMPLOYER:
        return company_answer(db, user, answer_id)
    if user.role is Role.SEEKER:
        return seeker_answer(db, user, answer_id)
    raise NotFound("answer_not_found")


# ------------------------------------------------------------------ question sets


def create_question_set(db: Session, user: User, data: QuestionSetCreate) -> InterviewQuestionSet:
    question_set = InterviewQuestionSet(
        company_id=employer_company_id(user),
        created_by=user.id,
        title=data.title.strip(),
        language=data.language,
        intro_message=data.intro_message.strip(),
        closing_message=data.closing_message.strip(),
        questions=[
            InterviewSetQuestion(
                position=i,
                text=q.text.strip(),
                think_time_s=q.think_time_s,
                answer_limit_s=q.answer_limit_s,
                max_retakes=q.max_retakes,
            )
            for i, q in enumerate(data.questions)
        ],
    )
    db.add(question_set)
    db.flush()
    return question_set


# ------------------------------------------------------------------ invitations


def as_utc(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(ZoneInfo("UTC"))


def record_event(
    db: Session, invitation: InterviewInvitation, actor: User | None, to_status: str, note: str = ""
) -> None:
    event = InvitationEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "system",
        from_status=invitation.status if invitation.id else None,
        to_status=to_status,
        note=note,
    )
    invitation.events.append(event)
    invitation.status = to_status
    invitation.updated_at = utcnow()


def event_note_for(event: InvitationEvent, invitation: InterviewInvitation, viewer: User | None) -> str:
    """The seeker sees only the notes they wrote themselves: an employer's status-change note
    ("메모") is the company's own (the invitation message is shown on its own)."""
    if viewer is not None and viewer.id == invitation.seeker_id and event.actor_id != viewer.id:
        return ""
    return event.note


def create_invitation(
    db: Session, employer: User, data: InvitationCreate, *, base_url: str
) -> InterviewInvitation:
    """Invite a seeker by email; they are notified (in-app, and by their channels: email with the .ics)."""
    seeker = db.scalar(select(User).where(func.lower(User.email) == data.seeker_email.strip().lower()))
    if seeker is None or seeker.role is not Role.SEEKER:
        raise InvalidInput("seeker_not_found")
    return invite_to_interview(db, employer, seeker, data, base_url=base_url)


def invite_to_interview(
    db: Session, employer: User, seeker: User, data: InvitationDetails, *, base_url: str
) -> InterviewInvitation:
    """Invite a seeker the caller has already found (by email above, by id from the careers
    pipeline); the one path that creates invitations and notifies the seeker."""
    company_id = employer_company_id(employer)
    if seeker.role is not Role.SEEKER:
        raise InvalidInput("seeker_not_found")
    if data.posting_id is not None:
        posting = db.get(JobPostingRow, data.posting_id)
        if posting is None or posting.company_id != company_id:
            raise InvalidInput("posting_not_found")
    now = utcnow()
    invitation = InterviewInvitation(
        company_id=company_id,
        posting_id=data.posting_id,
        seeker_id=seeker.id,
        created_by=employer.id,
        kind=data.kind,
        title=data.title.strip(),
        message=data.message.strip(),
        duration_min=data.duration_min,
        time_zone=data.time_zone,
        status="invited",
    )
    if data.kind == "live":
        if data.scheduled_at is None:
            raise InvalidInput("schedule_required")
        invitation.scheduled_at = as_utc(data.scheduled_at, data.time_zone)
    else:
        if data.deadline_at is None or data.question_set_id is None:
            raise InvalidInput("deadline_and_set_required")
        invitation.deadline_at = as_utc(data.deadline_at, data.time_zone)
        if invitation.deadline_at <= now:
            raise InvalidInput("deadline_in_past")
        invitation.question_set_id = company_question_set(db, employer, data.question_set_id).id
    if not invitation.title:
        posting = db.get(JobPostingRow, data.posting_id) if data.posting_id else None
        invitation.title = posting.title if posting else (employer.company.name if employer.company else "")
    db.add(invitation)
    record_event(db, invitation, employer, "invited", data.message.strip()[:200])
    db.flush()
    _notify_seeker(db, invitation, f"interview_invited_{invitation.kind}", base_url=base_url)
    return invitation


def _notify_seeker(db: Session, invitation: InterviewInvitation, kind: str, *, base_url: str) -> None:
    """The seeker hears of a new invitation or a new time; a live interview's email carries the
    calendar entry (METHOD:REQUEST, same UID, the current SEQUENCE)."""
    company = invitation.company.name if invitation.company else ""
    link = f"/interviews/{invitation.id}"
    params = {"company": company, "title": invitation.title, "duration": str(invitation.duration_min),
              "message": invitation.message}
    attachments: tuple[Attachment, ...] = ()
    if invitation.kind == "live":
        assert invitation.scheduled_at is not None
        params["starts_at"] = params["when_at"] = invitation.scheduled_at.isoformat()
        organizer = db.get(User, invitation.created_by) if invitation.created_by else None
        entry = invitation_calendar_entry(
            invitation, company, base_url.rstrip("/") + link, calendar_host(base_url), organizer=organizer
        )
        attachments = (
            Attachment(f"interview-{invitation.id}.ics", "text/calendar", calendar_file(entry, method="REQUEST"),
                       method="REQUEST"),
        )
    else:
        assert invitation.deadline_at is not None
        params["deadline_at"] = params["when_at"] = invitation.deadline_at.isoformat()
    notify_with(db, invitation.seeker_id, kind, link=link, params=params, attachments=attachments)


def _notify_company(db: Session, invitation: InterviewInvitation, kind: str, seeker: User, note: str = "") -> None:
    """The employer who sent the invitation hears the seeker's answer."""
    if invitation.created_by is None:
        return
    notify(
        db, invitation.created_by, kind, link=f"/interviews/{invitation.id}",
        seeker=seeker.display_name, title=invitation.title, note=note,
    )


def respond_as_seeker(db: Session, seeker: User, invitation: InterviewInvitation, data: SeekerResponse) -> None:
    target = {"accept": "accepted", "decline": "declined", "reschedule": "reschedule_requested"}[data.action]
    if target not in SEEKER_MOVES.get(invitation.status, set()):
        raise Conflict("invalid_transition")
    if data.action == "reschedule" and not data.note.strip():
        raise InvalidInput("reschedule_note_required")
    if data.action == "reschedule":
        invitation.seeker_note = data.note.strip()
    if data.action == "accept":
        invitation.companion_requested = data.companion and invitation.kind == "live"
    if data.action == "decline":
        invitation.calendar_sequence += 1  # the calendar entry becomes CANCELLED
    record_event(db, invitation, seeker, target, data.note.strip())
    notice = {"accept": "interview_accepted", "decline": "interview_declined",
              "reschedule": "interview_reschedule_requested"}[data.action]
    _notify_company(db, invitation, notice, seeker, data.note.strip())


def change_as_employer(
    db: Session, employer: User, invitation: InterviewInvitation, data: EmployerStatusChange, *, base_url: str
) -> None:
    if data.status not in EMPLOYER_MOVES.get(invitation.status, set()):
        raise Conflict("invalid_transition")
    if data.status == "decided":
        if data.decision is None:
            raise InvalidInput("decision_required")
        invitation.decision = data.decision
    if data.status == "invited":  # answering a request for another time
        if invitation.kind == "live":
            if data.scheduled_at is None:
                raise InvalidInput("schedule_required")
            invitation.scheduled_at = as_utc(data.scheduled_at, invitation.time_zone)
        else:
            if data.deadline_at is None:
                raise InvalidInput("deadline_and_set_required")
            invitation.deadline_at = as_utc(data.deadline_at, invitation.time_zone)
        invitation.calendar_sequence += 1  # calendars replace the entry with the same UID
    note = data.note.strip() or (data.decision or "")
    record_event(db, invitation, employer, data.status, note)
    if data.status == "decided":
        _application_follows(db, invitation)
    if data.status == "invited":
        _notify_seeker(db, invitation, "interview_rescheduled", base_url=base_url)


def _application_follows(db: Session, invitation: InterviewInvitation) -> None:
    """A decision on an interview for a posting moves the seeker's application to it the same way
    wherever it is made (the review page or the pipeline): 불합격 → rejected, 합격/보류 →
    interview. Only the employer's 입사 confirmation makes it hired, and a hire stays."""
    if invitation.posting_id is None:
        return
    application = db.scalar(
        select(JobApplication).where(
            JobApplication.posting_id == invitation.posting_id, JobApplication.seeker_id == invitation.seeker_id
        )
    )
    if application is None or application.status == "hired":
        return
    if invitation.decision == "reject":
        application.status = "rejected"
    elif application.status in ("applied", "reviewing"):
        application.status = "interview"


def mark_started(db: Session, actor: User, invitation: InterviewInvitation) -> None:
    if invitation.status == "accepted":
        record_event(db, invitation, actor, "in_progress")


def company_invitations(db: Session, employer: User) -> list[InterviewInvitation]:
    return list(
        db.scalars(
            select(InterviewInvitation)
            .where(InterviewInvitation.company_id == employer_company_id(employer))
            .order_by(InterviewInvitation.id.desc())
        )
    )


def seeker_invitations(db: Session, seeker: User) -> list[InterviewInvitation]:
    return list(
        db.scalars(
            select(InterviewInvitation)
            .where(InterviewInvitation.seeker_id == seeker.id)
            .order_by(InterviewInvitation.id.desc())
        )
    )


# ------------------------------------------------------------------ calendar


def calendar_host(base_url: str) -> str:
    """The host part of the UIDs: invitations keep one UID per deployment."""
    return base_url.split("://", 1)[-1].split("/", 1)[0]


def invitation_calendar_entry(
    invitation: InterviewInvitation,
    company_name: str,
    url: str,
    host: str,
    *,
    organizer: User | None = None,
) -> CalendarEntry:
    """The invitation as a calendar entry: the live interview's slot, or the half hour before a
    recorded interview's deadline. UID is stable per invitation; SEQUENCE rises on each new time."""
    if invitation.kind == "live":
        assert invitation.scheduled_at is not None
        start = invitation.scheduled_at
        end = start + timedelta(minutes=invitation.duration_min)
        summary = f"{company_name} 화상 면접 · {invitation.title}"
    else:
        assert invitation.deadline_at is not None
        end = invitation.deadline_at
        start = end - timedelta(minutes=30)
        summary = f"{company_name} 녹화 면접 마감 · {invitation.title}"
    seeker = invitation.seeker
    return CalendarEntry(
        uid=f"interview-{invitation.id}@{host}",
        sequence=invitation.calendar_sequence,
        start=start,
        end=end,
        summary=summary,
        description=(invitation.message + "\n" + url).strip(),
        url=url,
        organizer_email=organizer.email if organizer is not None else "",
        organizer_name=company_name,
        attendee_email=seeker.email if seeker is not None else "",
        attendee_name=seeker.display_name if seeker is not None else "",
        cancelled=invitation.status == "declined",
        last_modified=invitation.updated_at,
    )


def invitation_ics(
    invitation: InterviewInvitation, company_name: str, url: str, host: str, *, method: Method = "PUBLISH"
) -> str:
    """The downloadable .ics (PUBLISH); the invitation email sends the same entry as a REQUEST."""
    return calendar_file(invitation_calendar_entry(invitation, company_name, url, host), method=method)


# ------------------------------------------------------------------ one-way answers


def answer_file(recordings_dir: Path, answer: InterviewAnswer) -> Path:
    invitation = answer.invitation
    return recordings_dir / "interviews" / str(invitation.company_id) / str(invitation.id) / f"answer-{answer.id}.webm"


def can_answer(invitation: InterviewInvitation) -> str | None:
    """Why the seeker may not record now, as an error code; None when they may."""
    if invitation.kind != "recorded" or invitation.question_set is None:
        return "not_a_recorded_interview"
    if invitation.status not in ("accepted", "in_progress"):
        return "interview_not_open"
    if invitation.deadline_at is not None and invitation.deadline_at <= utcnow():
        return "deadline_passed"
    return None


def latest_answers(invitation: InterviewInvitation) -> dict[int, InterviewAnswer]:
    """The answer that counts per question: the latest attempt that was not a failure."""
    latest: dict[int, InterviewAnswer] = {}
    for answer in invitation.answers:
        if answer.status == "failed":
            continue
        current = latest.get(answer.question_id)
        if current is None or answer.attempt > current.attempt:
            latest[answer.question_id] = answer
    return latest


def submit_answers(db: Session, seeker: User, invitation: InterviewInvitation) -> None:
    problem = can_answer(invitation)
    if problem:
        raise Conflict(problem)
    assert invitation.question_set is not None
    answered = latest_answers(invitation)
    if any(q.id not in answered for q in invitation.question_set.questions):
        raise Conflict("answers_missing")
    if invitation.status == "accepted":
        record_event(db, invitation, seeker, "in_progress")
    record_event(db, invitation, seeker, "submitted")


# ------------------------------------------------------------------ reviews


def rate_answer(db: Session, reviewer: User, answer: InterviewAnswer, data: RatingIn) -> AnswerRating:
    rating = db.scalar(
        select(AnswerRating).where(AnswerRating.answer_id == answer.id, AnswerRating.reviewer_id == reviewer.id)
    )
    if rating is None:
        rating = AnswerRating(answer_id=answer.id, reviewer_id=reviewer.id, score=data.score)
        db.add(rating)
    rating.score = data.score
    rating.comment = data.comment.strip()
    rating.updated_at = utcnow()
    db.flush()
    return rating


def answer_ratings(db: Session, answer_id: int) -> list[AnswerRating]:
    return list(db.scalars(select(AnswerRating).where(AnswerRating.answer_id == answer_id).order_by(AnswerRating.id)))


def aggregate(scores: list[int]) -> dict[str, float | int | None]:
    if not scores:
        return {"count": 0, "mean": None, "min": None, "max": None, "spread": None}
    return {
        "count": len(scores),
        "mean": round(statistics.fmean(scores), 2),
        "min": min(scores),
        "max": max(scores),
        "spread": round(statistics.pstdev(scores), 2),
    }


def add_comment(db: Session, author: User, answer: InterviewAnswer, data: CommentIn) -> InterviewComment:
    if answer.duration_s is not None and data.at_s > answer.duration_s + 1:
        raise InvalidInput("comment_time_out_of_range")
    comment = InterviewComment(
        answer_id=answer.id, author_id=author.id, author_name=author.display_name, at_s=data.at_s,
        text=data.text.strip(),
    )
    db.add(comment)
    db.flush()
    return comment


def answer_comments(db: Session, answer_id: int) -> list[InterviewComment]:
    return list(
        db.scalars(
            select(InterviewComment).where(InterviewComment.answer_id == answer_id).order_by(InterviewComment.at_s)
        )
    )


def request_explanation(db: Session, seeker: User, answer: InterviewAnswer, data: ExplanationIn) -> ExplanationRequest:
    if answer.report is None:
        raise Conflict("report_not_ready")
    request = ExplanationRequest(
        answer_id=answer.id, seeker_id=seeker.id, kind=data.kind, message=data.message.strip()
    )
    db.add(request)
    db.flush()
    return request


def answer_explanation(
    db: Session, employer: User, request: ExplanationRequest, data: ExplanationAnswerIn
) -> None:
    request.response = data.response.strip()
    request.status = "answered"
    request.responded_by = employer.id
    request.responded_at = utcnow()


def explanation_requests(db: Session, answer_ids: list[int]) -> list[ExplanationRequest]:
    if not answer_ids:
        return []
    return list(
        db.scalars(
            select(ExplanationRequest)
            .where(ExplanationRequest.answer_id.in_(answer_ids))
            .order_by(ExplanationRequest.id)
        )
    )


# ------------------------------------------------------------------ scorecards and notes


def company_rubric(db: Session, company_id: int) -> list[str]:
    rubric = db.get(InterviewRubric, company_id)
    return list(rubric.criteria) if rubric and rubric.criteria else list(DEFAULT_RUBRIC)


def criterion_label(locale: str, criterion: str) -> str:
    """The default criteria are keys with a label in each language; a company's own criteria
    are shown as the company wrote them."""
    if criterion in DEFAULT_RUBRIC:
        return translate(locale, f"interviews.criterion_{criterion}")
    return criterion


def _criterion_names(criterion: str) -> set[str]:
    names = {criterion.casefold()}
    if criterion in DEFAULT_RUBRIC:
        names |= {criterion_label(locale, criterion).casefold() for locale in ("ko", "en")}
    return names


def clean_rubric(criteria: list[str]) -> list[str]:
    """1–10 criteria, each non-blank and at most 80 characters, no two alike (ignoring case,
    and a default criterion's Korean or English label counts as the criterion)."""
    if not MIN_CRITERIA <= len(criteria) <= MAX_CRITERIA:
        raise InvalidInput(
            "rubric_size",
            detail={"min": MIN_CRITERIA, "max": MAX_CRITERIA},
            min=MIN_CRITERIA,
            max=MAX_CRITERIA,
        )
    cleaned: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(criteria):
        criterion = raw.strip()
        if not criterion:
            raise InvalidInput("criterion_blank", detail={"index": index}, n=index + 1)
        if len(criterion) > MAX_CRITERION_CHARS:
            raise InvalidInput(
                "criterion_too_long", detail={"index": index}, n=index + 1, max=MAX_CRITERION_CHARS
            )
        names = _criterion_names(criterion)
        if names & seen:
            raise InvalidInput(
                "criterion_duplicate", detail={"index": index, "criterion": criterion}, criterion=criterion
            )
        seen |= names
        cleaned.append(criterion)
    return cleaned


def save_company_rubric(db: Session, employer: User, data: RubricIn) -> tuple[list[str], list[str]]:
    """Replace the company's criteria; returns (before, after). Scorecards are not touched:
    scores for a removed or renamed criterion stay stored (see `scorecard_summary`)."""
    company_id = employer_company_id(employer)
    criteria = clean_rubric(data.criteria)
    before = company_rubric(db, company_id)
    rubric = db.get(InterviewRubric, company_id)
    if rubric is None:
        rubric = InterviewRubric(company_id=company_id)
        db.add(rubric)
    rubric.criteria = criteria
    rubric.updated_at = utcnow()
    db.flush()
    return before, criteria


def rubric_public(db: Session, company_id: int, locale: str) -> dict[str, object]:
    rubric = db.get(InterviewRubric, company_id)
    criteria = company_rubric(db, company_id)
    return {
        "criteria": criteria,
        "labels": {c: criterion_label(locale, c) for c in criteria},
        "default": rubric is None or not rubric.criteria,
        "updated_at": rubric.updated_at.isoformat() if rubric and rubric.criteria else None,
        "limits": {
            "min_criteria": MIN_CRITERIA,
            "max_criteria": MAX_CRITERIA,
            "max_chars": MAX_CRITERION_CHARS,
        },
    }


def save_scorecard(
    db: Session, reviewer: User, invitation: InterviewInvitation, data: ScorecardIn
) -> InterviewScorecard:
    criteria = set(company_rubric(db, invitation.company_id))
    unknown = set(data.scores) - criteria
    if unknown:
        raise InvalidInput("unknown_criterion")
    card = db.scalar(
        select(InterviewScorecard).where(
            InterviewScorecard.invitation_id == invitation.id, InterviewScorecard.reviewer_id == reviewer.id
        )
    )
    if card is None:
        card = InterviewScorecard(invitation_id=invitation.id, reviewer_id=reviewer.id)
        db.add(card)
    # Scores for criteria the company has since removed or renamed are kept as they were.
    retired = {k: v for k, v in (card.scores or {}).items() if k not in criteria}
    card.scores = {**retired, **data.scores}
    card.notes = data.notes
    card.updated_at = utcnow()
    db.flush()
    return card


def scorecards(db: Session, invitation_id: int) -> list[InterviewScorecard]:
    return list(
        db.scalars(
            select(InterviewScorecard)
            .where(InterviewScorecard.invitation_id == invitation_id)
            .order_by(InterviewScorecard.id)
        )
    )


def scorecard_summary(
    db: Session, invitation: InterviewInvitation
) -> dict[str, dict[str, float | int | bool | None]]:
    """Each current criterion's aggregate, in the rubric's order, then each criterion that is
    no longer on the rubric but was scored for this invitation (marked ``retired``), so
    removing or renaming a criterion never hides scores already given."""
    cards = scorecards(db, invitation.id)
    current = company_rubric(db, invitation.company_id)
    retired: list[str] = []
    for card in cards:
        retired += [k for k in card.scores if k not in current and k not in retired]
    summary: dict[str, dict[str, float | int | bool | None]] = {}
    for criterion in [*current, *retired]:
        summary[criterion] = {
            **aggregate([c.scores[criterion] for c in cards if criterion in c.scores]),
            "retired": criterion not in current,
        }
    return summary
