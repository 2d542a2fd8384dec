"""The hiring pipeline on the database: one card per candidate and posting, at the stage
`server/domain/pipeline.py` derives from the rows that already exist (recommendations, offers to
apply, applications, interview invitations), plus the employer's moves on it (interview by seeker
id, decision, hire confirmation) and internal notes.

Object rules: only the posting's company sees its pipeline (another company's posting is 404);
a seeker can be invited by id only when the company may already see them (a discoverable profile,
or they applied to, were offered or were interviewed for one of its postings). Internal notes are
the company's alone and never part of anything the seeker reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.careers.service import (
    _discoverable_profiles,
    employer_company,
    owned_posting,
    seeker_domain_profile,
    stored_features,
    today_kst,
)
from server.core.errors import Conflict, NotFound
from server.core.i18n import translate
from server.core.limits import Id
from server.core.templating import format_when, viewer_zone
from server.domain.matching import SeekerIndex, featurize_seeker
from server.domain.pipeline import (
    STAGES,
    CandidateFacts,
    CandidateStage,
    InterviewFact,
    SeekerStatus,
    candidate_stage,
    current_interview,
    seeker_status,
)
from server.interviews import service as interviews
from server.models import (
    Company,
    JobApplication,
    JobInvitation,
    JobPostingRow,
    PipelineNote,
    Role,
    SeekerProfileRow,
    User,
)
from server.models.careers import Hire
from server.models.interviews import InterviewInvitation

RECOMMENDED_PER_POSTING = 5


@dataclass
class PipelineCard:
    posting_id: int
    posting_title: str
    seeker_id: int
    display_name: str
    headline: str
    stage: CandidateStage
    match_score: float | None = None
    application: JobApplication | None = None
    offer: JobInvitation | None = None
    interviews: list[InterviewInvitation] = field(default_factory=list)  # newest first
    hire_claimed: bool = False
    notes: list[PipelineNote] = field(default_factory=list)


def interview_fact(invitation: InterviewInvitation) -> InterviewFact:
    return InterviewFact(
        invitation_id=invitation.id,
        kind=invitation.kind,
        status=invitation.status,
        decision=invitation.decision,
        scheduled_at=invitation.scheduled_at,
        deadline_at=invitation.deadline_at,
    )


def candidate_facts(
    application: JobApplication | None,
    offer: JobInvitation | None,
    invitations: list[InterviewInvitation],
    *,
    recommended: bool = False,
) -> CandidateFacts:
    return CandidateFacts(
        recommended=recommended,
        offer_status=offer.status if offer else None,
        application_status=application.status if application else None,
        interviews=tuple(interview_fact(i) for i in invitations),
    )


def _recommended(
    db: Session, postings: list[JobPostingRow], taken: set[tuple[int, int]], limit: int
) -> dict[tuple[int, int], float]:
    """Top discoverable matches per open posting that nobody has contacted yet (one index for all)."""
    today = today_kst()
    open_rows = [p for p in postings if p.status == "open" and (p.deadline is None or p.deadline >= today)]
    pairs = _discoverable_profiles(db) if open_rows else []
    if not pairs:
        return {}
    index = SeekerIndex([featurize_seeker(seeker_domain_profile(db, p)) for p, _ in pairs])
    found: dict[tuple[int, int], float] = {}
    for row in open_rows:
        # Rank a few more than shown, so contacted candidates do not leave the column short.
        results = index.rank(stored_features(row.features, row.text_ngrams), limit=limit + len(taken))
        fresh = [r for r in results if (row.id, int(r.seeker_id)) not in taken][:limit]
        for r in fresh:
            found[(row.id, int(r.seeker_id))] = r.score_0_100
    return found


def company_pipeline(
    db: Session, user: User, posting_id: int | None = None, *, recommended_per_posting: int = RECOMMENDED_PER_POSTING
) -> list[PipelineCard]:
    """Every candidate of one posting (or all the company's postings), furthest stage first."""
    company = employer_company(db, user)
    if posting_id is not None:
        postings = [owned_posting(db, user, posting_id)]
    else:
        postings = list(
            db.scalars(
                select(JobPostingRow)
                .where(JobPostingRow.company_id == company.id)
                .order_by(JobPostingRow.id.desc())
            )
        )
    ids = [p.id for p in postings]
    if not ids:
        return []
    titles = {p.id: p.title for p in postings}
    applications = {
        (a.posting_id, a.seeker_id): a
        for a in db.scalars(select(JobApplication).where(JobApplication.posting_id.in_(ids)))
    }
    offers = {
        (o.posting_id, o.seeker_id): o
        for o in db.scalars(select(JobInvitation).where(JobInvitation.posting_id.in_(ids)))
    }
    invitations: dict[tuple[int, int], list[InterviewInvitation]] = defaultdict(list)
    for inv in db.scalars(
        select(InterviewInvitation)
        .where(InterviewInvitation.company_id == company.id, InterviewInvitation.posting_id.in_(ids))
        .order_by(InterviewInvitation.id.desc())
    ):
        assert inv.posting_id is not None
        invitations[(inv.posting_id, inv.seeker_id)].append(inv)
    contacted = set(applications) | set(offers) | set(invitations)
    recommended = _recommended(db, postings, contacted, recommended_per_posting)
    keys = contacted | set(recommended)
    seeker_ids = {sid for _, sid in keys}
    people = {
        u.id: (u, p)
        for u, p in db.execute(
            select(User, SeekerProfileRow)
            .outerjoin(SeekerProfileRow, SeekerProfileRow.user_id == User.id)
            .where(User.id.in_(seeker_ids))
        ).all()
    }
    claims: set[tuple[int | None, int]] = {
        (p, s) for p, s in db.execute(select(Hire.posting_id, Hire.seeker_id).where(Hire.posting_id.in_(ids))).all()
    }
    notes: dict[tuple[int, int], list[PipelineNote]] = defaultdict(list)
    for note in db.scalars(
        select(PipelineNote).where(PipelineNote.posting_id.in_(ids)).order_by(PipelineNote.id.desc())
    ):
        notes[(note.posting_id, note.seeker_id)].append(note)

    cards: list[PipelineCard] = []
    for key in keys:
        pid, sid = key
        application, offer, ivs = applications.get(key), offers.get(key), invitations.get(key, [])
        stage = candidate_stage(candidate_facts(application, offer, ivs, recommended=key in recommended))
        if stage is None or sid not in people:
            continue
        person, profile = people[sid]
        cards.append(
            PipelineCard(
                posting_id=pid,
                posting_title=titles[pid],
                seeker_id=sid,
                display_name=person.display_name,
                headline=profile.headline if profile else "",
                stage=stage,
                match_score=application.match_score if application else recommended.get(key),
                application=application,
                offer=offer,
                interviews=ivs,
                hire_claimed=key in claims,
                notes=notes.get(key, []),
            )
        )
    cards.sort(key=lambda c: (-c.stage.position, -(c.match_score or 0.0), c.posting_id, c.seeker_id))
    return cards


def by_stage(cards: list[PipelineCard]) -> list[tuple[str, list[PipelineCard]]]:
    return [(stage, [c for c in cards if c.stage.stage == stage]) for stage in STAGES]


# --------------------------------------------------------------------------- who the company may see


def company_knows_seeker(db: Session, company_id: int, seeker_id: int) -> bool:
    """The seeker applied to, was offered, or was invited to interview for the company."""
    company_postings = select(JobPostingRow.id).where(JobPostingRow.company_id == company_id)
    applied = db.scalar(
        select(JobApplication.id).where(
            JobApplication.seeker_id == seeker_id, JobApplication.posting_id.in_(company_postings)
        ).limit(1)
    )
    offered = db.scalar(
        select(JobInvitation.id).where(
            JobInvitation.seeker_id == seeker_id, JobInvitation.posting_id.in_(company_postings)
        ).limit(1)
    )
    interviewed = db.scalar(
        select(InterviewInvitation.id).where(
            InterviewInvitation.seeker_id == seeker_id, InterviewInvitation.company_id == company_id
        ).limit(1)
    )
    return any(x is not None for x in (applied, offered, interviewed))


def visible_seeker(db: Session, employer: User, seeker_id: int) -> tuple[User, SeekerProfileRow | None]:
    """A seeker this employer may see: discoverable, or already in touch with the company; else 404."""
    company = employer_company(db, employer)
    seeker = db.get(User, seeker_id)
    if seeker is None or seeker.role is not Role.SEEKER or not seeker.is_active:
        raise NotFound("seeker_not_found")
    profile = db.get(SeekerProfileRow, seeker_id)
    if (profile is None or not profile.discoverable) and not company_knows_seeker(db, company.id, seeker_id):
        raise NotFound("seeker_not_found")
    return seeker, profile


def seeker_cards(db: Session, employer: User, seeker_id: int) -> list[PipelineCard]:
    return [c for c in company_pipeline(db, employer, recommended_per_posting=0) if c.seeker_id == seeker_id]


# --------------------------------------------------------------------------- the employer's moves


class PipelineInterviewIn(interviews.InvitationDetails):
    """A 면접 초대 from the pipeline, a talent card or an applicant row: the seeker by id, never by
    email; the posting comes from the path."""

    seeker_id: Id


def invite_to_interview(
    db: Session, employer: User, posting_id: int, data: PipelineInterviewIn, *, base_url: str
) -> InterviewInvitation:
    row = owned_posting(db, employer, posting_id)
    seeker, _ = visible_seeker(db, employer, data.seeker_id)
    pending = [
        i
        for i in db.scalars(
            select(InterviewInvitation).where(
                InterviewInvitation.posting_id == row.id, InterviewInvitation.seeker_id == seeker.id
            )
        )
        if i.status in ("invited", "accepted", "reschedule_requested", "in_progress")
    ]
    if pending:
        raise Conflict("interview_already_pending")
    details = data.model_copy(update={"posting_id": row.id})
    # The one invitation path: the seeker is notified in the app and by their channels (email + .ics).
    return interviews.invite_to_interview(db, employer, seeker, details, base_url=base_url)


class DecisionIn(BaseModel):
    decision: Literal["pass", "hold", "reject"]


# The employer's moves (interviews.EMPLOYER_MOVES) that take an interview to "decided".
_TOWARDS_DECISION = {"accepted": "held", "in_progress": "held", "submitted": "under_review", "held": "under_review",
                     "under_review": "decided"}


def _candidate_interviews(db: Session, posting_id: int, seeker_id: int) -> list[InterviewInvitation]:
    return list(
        db.scalars(
            select(InterviewInvitation)
            .where(InterviewInvitation.posting_id == posting_id, InterviewInvitation.seeker_id == seeker_id)
            .order_by(InterviewInvitation.id.desc())
        )
    )


def _application(db: Session, posting_id: int, seeker_id: int) -> JobApplication | None:
    return db.scalar(
        select(JobApplication).where(JobApplication.posting_id == posting_id, JobApplication.seeker_id == seeker_id)
    )


def record_decision(
    db: Session, employer: User, posting_id: int, seeker_id: int, data: DecisionIn, *, base_url: str
) -> CandidateStage:
    """결과: the employer's decision on the current interview, through the interview's own status
    moves (held/under review/decided, each in its history), which move the application too (불합격 →
    rejected, 합격/보류 → interview). Without an interview only 불합격 is possible, on the application."""
    row = owned_posting(db, employer, posting_id)
    ivs = _candidate_interviews(db, row.id, seeker_id)
    application = _application(db, row.id, seeker_id)
    current = current_interview(tuple(interview_fact(i) for i in ivs))
    if current is None:
        if application is None:
            raise NotFound("seeker_not_found")
        if data.decision != "reject":
            raise Conflict("no_interview_to_decide")
        if application.status != "hired":
            application.status = "rejected"
    else:  # the interview's decision moves the application (interviews.change_as_employer)
        invitation = next(i for i in ivs if i.id == current.invitation_id)
        if invitation.status == "decided":
            raise Conflict("already_decided")
        # A recorded interview is decided once answers are in; a live one once the seeker accepted.
        not_yet = invitation.kind == "recorded" and invitation.status in ("accepted", "in_progress")
        if invitation.status not in _TOWARDS_DECISION or not_yet:
            raise Conflict("interview_not_held")
        while invitation.status != "decided":
            target = _TOWARDS_DECISION[invitation.status]
            change = interviews.EmployerStatusChange(
                status=target,  # type: ignore[arg-type]
                decision=data.decision if target == "decided" else None,
            )
            interviews.change_as_employer(db, employer, invitation, change, base_url=base_url)
    db.flush()
    stage = candidate_stage(candidate_facts(application, None, _candidate_interviews(db, row.id, seeker_id)))
    assert stage is not None
    return stage


def confirm_hire(db: Session, employer: User, posting_id: int, seeker_id: int) -> JobApplication:
    """입사: only the employer's confirmation moves the stage (a seeker's own hire report does not).
    A candidate interviewed without applying gets the application row the status lives on."""
    row = owned_posting(db, employer, posting_id)
    application = _application(db, row.id, seeker_id)
    if application is None:
        if not _candidate_interviews(db, row.id, seeker_id):
            raise NotFound("seeker_not_found")
        application = JobApplication(posting_id=row.id, seeker_id=seeker_id, invited=True)
        db.add(application)
    application.status = "hired"
    db.flush()
    return application


# --------------------------------------------------------------------------- internal notes


class NoteIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


def candidate_notes(db: Session, employer: User, posting_id: int, seeker_id: int) -> list[PipelineNote]:
    row = owned_posting(db, employer, posting_id)
    return list(
        db.scalars(
            select(PipelineNote)
            .where(PipelineNote.posting_id == row.id, PipelineNote.seeker_id == seeker_id)
            .order_by(PipelineNote.id.desc())
        )
    )


def add_note(db: Session, employer: User, posting_id: int, seeker_id: int, data: NoteIn) -> PipelineNote:
    row = owned_posting(db, employer, posting_id)
    visible_seeker(db, employer, seeker_id)
    note = PipelineNote(
        posting_id=row.id, seeker_id=seeker_id, author_id=employer.id, author_name=employer.display_name,
        body=data.body.strip(),
    )
    db.add(note)
    db.flush()
    return note


# --------------------------------------------------------------------------- the seeker's side


@dataclass(frozen=True)
class SeekerProgress:
    posting: JobPostingRow
    company_name: str
    application: JobApplication | None
    status: SeekerStatus | None
    interview_id: int | None


def seeker_progress(db: Session, seeker: User) -> list[SeekerProgress]:
    """Each posting the seeker applied to or was interviewed for, with the status they are told
    (derived by the same stage function as the employer's board; no notes of any kind)."""
    applications = {
        a.posting_id: a for a in db.scalars(select(JobApplication).where(JobApplication.seeker_id == seeker.id))
    }
    invitations: dict[int, list[InterviewInvitation]] = defaultdict(list)
    for inv in db.scalars(
        select(InterviewInvitation)
        .where(InterviewInvitation.seeker_id == seeker.id, InterviewInvitation.posting_id.is_not(None))
        .order_by(InterviewInvitation.id.desc())
    ):
        assert inv.posting_id is not None
        invitations[inv.posting_id].append(inv)
    ids = set(applications) | set(invitations)
    if not ids:
        return []
    offers = {
        o.posting_id: o
        for o in db.scalars(
            select(JobInvitation).where(JobInvitation.seeker_id == seeker.id, JobInvitation.posting_id.in_(ids))
        )
    }
    rows = db.execute(
        select(JobPostingRow, Company.name)
        .join(Company, Company.id == JobPostingRow.company_id)
        .where(JobPostingRow.id.in_(ids))
        .order_by(JobPostingRow.id.desc())
    ).all()
    out = []
    for posting, name in rows:
        ivs = invitations.get(posting.id, [])
        stage = candidate_stage(candidate_facts(applications.get(posting.id), offers.get(posting.id), ivs))
        out.append(
            SeekerProgress(
                posting=posting,
                company_name=name,
                application=applications.get(posting.id),
                status=seeker_status(stage),
                interview_id=stage.interview.invitation_id if stage and stage.interview else None,
            )
        )
    return out


def seeker_status_text(status: SeekerStatus | None, locale: str, viewer: User | None = None) -> str:
    """The seeker's status as a sentence, e.g. "면접 예정: 3월 5일 (수) 오후 2:00", "결과 안내: 합격"."""
    if status is None:
        return ""
    when = format_when(status.when.astimezone(viewer_zone(viewer)), locale) if status.when else ""
    return translate(locale, f"pipeline.seeker_{status.key}", when=when)
