"""Who may reach which route: the one table, and the dependency that enforces it.

Every route the app serves must have an entry in `ROUTE_ACCESS`, keyed by the route's
name. `create_app` refuses to start if one is missing, and a test walks every route and
every role to prove the table is what the server does. Checks about *which* object a user
may touch (this seeker's own session, this employer's own company) stay in the domain
code; this table decides which roles get in at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, WebSocketException
from fastapi.routing import APIRoute, APIWebSocketRoute
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute

from server.accounts.security import user_for_session
from server.core.audit import record_audit
from server.core.cookies import SESSION_COOKIE
from server.core.deps import get_db
from server.core.errors import Forbidden, NotAuthenticated
from server.models import Role, User


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role]
    public: bool = False
    # A socket a signed room token opens by itself (`?token=`): a media node on another host gets
    # no login cookie, so the route checks the token and the seat instead (docs/scaling.md).
    token: bool = False

    def allows(self, user: User | None) -> bool:
        if self.public:
            return True
        return user is not None and user.role in self.roles


PUBLIC = Policy(frozenset(), public=True)
ANY_USER = Policy(frozenset(Role))


def only(*roles: Role) -> Policy:
    return Policy(frozenset(roles))


def by_token(*roles: Role) -> Policy:
    return Policy(frozenset(roles), token=True)


SEEKER = only(Role.SEEKER)
EMPLOYER = only(Role.EMPLOYER)
CONSULTANT = only(Role.CONSULTANT)
ADMIN = only(Role.ADMIN)
STAFF = only(Role.CONSULTANT, Role.ADMIN)

ROUTE_ACCESS: dict[str, Policy] = {
    # --- foundation: health, auth, shell
    "healthz": PUBLIC,
    "root": PUBLIC,
    "set_locale": PUBLIC,
    "login_page": PUBLIC,
    "login_submit": PUBLIC,
    "signup_page": PUBLIC,
    "signup_submit": PUBLIC,
    "logout_submit": ANY_USER,
    "dashboard": ANY_USER,
    "device_check": ANY_USER,
    "api_signup": PUBLIC,
    "api_login": PUBLIC,
    "api_logout": ANY_USER,
    "api_me": ANY_USER,
    "api_ice_servers": ANY_USER,
    # --- admin
    "admin_consultants_page": ADMIN,
    "admin_create_consultant": ADMIN,
    "admin_audit_page": ADMIN,
    "api_admin_create_consultant": ADMIN,
    "api_admin_users": ADMIN,
    "api_admin_audit": ADMIN,
    # --- employer
    "employer_company_page": EMPLOYER,
    "api_employer_company": EMPLOYER,
    # --- AI interview practice (the seeker's own; object checks in server/practice/service.py)
    "practice_home_page": SEEKER,
    "practice_new_page": SEEKER,
    "practice_run_page": SEEKER,
    "practice_report_page": SEEKER,
    "practice_catalog": SEEKER,
    "practice_posting_preview": SEEKER,
    "practice_consent_status": SEEKER,
    "practice_consent_grant": SEEKER,
    "practice_create": SEEKER,
    "practice_list": SEEKER,
    "practice_detail": SEEKER,
    "practice_delete": SEEKER,
    "practice_answer_delete": SEEKER,
    "practice_answer_report": SEEKER,
    "practice_answer_video": SEEKER,
    "practice_progress": SEEKER,
    "ws_practice": by_token(Role.SEEKER),
    # --- careers and journey (issue 7); object checks in server/careers/*_service.py
    "careers_api_company_get": EMPLOYER,
    "careers_api_company_put": EMPLOYER,
    "careers_api_companies": ANY_USER,
    "careers_api_company_public": ANY_USER,
    "careers_api_company_promising": ADMIN,
    "careers_api_postings_search": ANY_USER,
    "careers_api_posting_create": EMPLOYER,
    "careers_api_posting_get": ANY_USER,
    "careers_api_posting_update": EMPLOYER,
    "careers_api_posting_delete": EMPLOYER,
    "careers_api_employer_postings": EMPLOYER,
    "careers_api_posting_applicants": EMPLOYER,
    "careers_api_posting_talent": EMPLOYER,
    "careers_api_talent_search": EMPLOYER,
    "careers_api_invite": EMPLOYER,
    "careers_api_apply": SEEKER,
    "careers_api_application_status": EMPLOYER,
    "careers_api_my_applications": SEEKER,
    "careers_api_profile_get": SEEKER,
    "careers_api_profile_put": SEEKER,
    "careers_api_recommendations": SEEKER,
    "careers_api_pipeline": EMPLOYER,
    "careers_api_posting_pipeline": EMPLOYER,
    "careers_api_interview_invite": EMPLOYER,
    "careers_api_candidate_decision": EMPLOYER,
    "careers_api_candidate_hire": EMPLOYER,
    "careers_api_candidate_notes": EMPLOYER,
    "careers_api_candidate_note_add": EMPLOYER,
    "journey_api_diagnosis_submit": SEEKER,
    "journey_api_aptitude_submit": SEEKER,
    "journey_api_stress_submit": SEEKER,
    "journey_api_latest_result": SEEKER,
    "journey_api_letter_create": SEEKER,
    "journey_api_letter_get": only(Role.SEEKER, Role.CONSULTANT, Role.ADMIN),
    "journey_api_letter_version": only(Role.SEEKER, Role.CONSULTANT),
    "journey_api_slots": only(Role.SEEKER, Role.CONSULTANT, Role.ADMIN),
    "journey_api_slot_publish": CONSULTANT,
    "journey_api_slot_book": SEEKER,
    "journey_api_slot_cancel": only(Role.SEEKER, Role.CONSULTANT),
    "journey_api_slot_held": CONSULTANT,
    "journey_api_counselling_room_token": only(Role.SEEKER, Role.CONSULTANT),
    "ws_counselling_room": by_token(Role.SEEKER, Role.CONSULTANT),
    "journey_counselling_room_page": only(Role.SEEKER, Role.CONSULTANT),
    "journey_api_mentoring_room_token": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "ws_mentoring_room": by_token(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_mentoring_room_page": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_api_mentor_profile": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_api_mentors": SEEKER,
    "journey_api_mentor_request": SEEKER,
    "journey_api_mentor_thread": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_api_mentor_message": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_api_mentor_status": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_api_hire_create": SEEKER,
    "journey_api_hire_left": SEEKER,
    "journey_api_checkin_answer": SEEKER,
    "journey_api_mine": SEEKER,
    "journey_api_assigned_seekers": STAFF,
    "journey_api_seeker": STAFF,
    "journey_api_note_add": STAFF,
    "journey_api_assign": ADMIN,
    "journey_api_admin_summary": ADMIN,
    "careers_jobs_page": ANY_USER,
    "careers_job_page": ANY_USER,
    "careers_companies_page": ANY_USER,
    "careers_company_page": ANY_USER,
    "careers_company_edit_page": EMPLOYER,
    "careers_employer_postings_page": EMPLOYER,
    "careers_posting_new_page": EMPLOYER,
    "careers_posting_manage_page": EMPLOYER,
    "careers_talent_page": EMPLOYER,
    "careers_pipeline_page": EMPLOYER,
    "careers_posting_pipeline_page": EMPLOYER,
    "careers_employer_seeker_page": EMPLOYER,
    "careers_profile_page": SEEKER,
    "careers_recommendations_page": SEEKER,
    "careers_applications_page": SEEKER,
    "journey_home_page": SEEKER,
    "journey_diagnosis_page": SEEKER,
    "journey_aptitude_page": SEEKER,
    "journey_letters_page": SEEKER,
    "journey_letter_page": only(Role.SEEKER, Role.CONSULTANT, Role.ADMIN),
    "journey_counselling_page": SEEKER,
    "journey_mentoring_page": SEEKER,
    "journey_mentor_page": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_thread_page": only(Role.SEEKER, Role.EMPLOYER, Role.CONSULTANT),
    "journey_followup_page": SEEKER,
    "consultant_seekers_page": CONSULTANT,
    "consultant_seeker_page": STAFF,
    "consultant_seeker_step_page": STAFF,
    "consultant_slots_page": CONSULTANT,
    "admin_journeys_page": ADMIN,
    # --- consultant review (issue 6); which request/session in server/review/service.py
    "review_request_create": SEEKER,
    "review_my_requests": SEEKER,
    "review_withdraw": SEEKER,
    "review_my_shares": SEEKER,
    "review_my_share_revoke": SEEKER,
    "review_reply": SEEKER,
    "review_feedback_page": SEEKER,
    "review_queue": STAFF,
    "review_detail": STAFF,
    "review_session": STAFF,
    "review_answer_report": STAFF,
    "review_answer_video": STAFF,
    "review_seeker_history": STAFF,
    "review_share_create": STAFF,
    "review_share_list": STAFF,
    "review_share_revoke": STAFF,
    "review_queue_page": STAFF,
    "review_workspace_page": STAFF,
    "review_seeker_page": STAFF,
    "review_assign": ADMIN,
    "review_verdicts_export": ADMIN,
    "review_claim": CONSULTANT,
    "review_comment_create": CONSULTANT,
    "review_comment_delete": CONSULTANT,
    "review_verdict_set": CONSULTANT,
    "review_submit": CONSULTANT,
    "review_shared_detail": PUBLIC,
    "review_shared_video": PUBLIC,
    "review_shared_page": PUBLIC,
    # --- notifications: in-app list, channel preferences, unsubscribe from an email (no login)
    "notifications_list": ANY_USER,
    "notifications_read": ANY_USER,
    "notifications_page": ANY_USER,
    "notifications_preferences_get": ANY_USER,
    "notifications_preferences_put": ANY_USER,
    "notifications_settings_page": ANY_USER,
    "notifications_settings_submit": ANY_USER,
    "unsubscribe_page": PUBLIC,
    "unsubscribe_submit": PUBLIC,
    # --- employer interviews (issue 5); which invitation/answer in server/interviews/service.py
    "interviews_home_page": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_detail_page": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_answer_page": SEEKER,
    "interviews_consent_status": SEEKER,
    "interviews_consent_grant": SEEKER,
    "interviews_sets_list": EMPLOYER,
    "interviews_set_create": EMPLOYER,
    "interviews_set_get": EMPLOYER,
    "interviews_set_intro_upload": EMPLOYER,
    "interviews_set_intro_delete": EMPLOYER,
    "interviews_set_intro_video": only(Role.EMPLOYER, Role.SEEKER),  # seekers: sets they were invited to
    "interviews_rubric_get": EMPLOYER,
    "interviews_rubric_put": EMPLOYER,
    "interviews_invitation_create": EMPLOYER,
    "interviews_invitation_list": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_invitation_get": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_invitation_respond": SEEKER,
    "interviews_invitation_status": EMPLOYER,
    "interviews_invitation_submit": SEEKER,
    "interviews_invitation_ics": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_invitation_review": EMPLOYER,
    "interviews_scorecard_get": EMPLOYER,
    "interviews_scorecard_put": EMPLOYER,
    "interviews_answer_video": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_answer_report": only(Role.EMPLOYER, Role.SEEKER),
    "interviews_answer_rate": EMPLOYER,
    "interviews_answer_comment": EMPLOYER,
    "interviews_answer_explanation": SEEKER,
    "interviews_explanation_answer": EMPLOYER,
    "ws_interview_answers": by_token(Role.SEEKER),
    "interviews_room_token": only(Role.EMPLOYER, Role.SEEKER, Role.CONSULTANT),
    "interviews_room_page": only(Role.EMPLOYER, Role.SEEKER, Role.CONSULTANT),
    "ws_interview_room": by_token(Role.EMPLOYER, Role.SEEKER, Role.CONSULTANT),
    "interviews_room_recordings": EMPLOYER,
    "interviews_room_recording_video": EMPLOYER,
    # --- centre events (issue 15); which event/booth/booking in server/events/service.py
    "events_api_list": ANY_USER,
    "events_api_create": STAFF,
    "events_api_company_options": STAFF,
    "events_api_get": ANY_USER,
    "events_api_update": STAFF,
    "events_api_booth_add": STAFF,
    "events_api_booth_delete": STAFF,
    "events_api_slots_generate": STAFF,
    "events_api_booth_bookings": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "events_api_booth_intro_video": ANY_USER,
    "events_api_book": SEEKER,
    "events_api_booking_cancel": only(Role.SEEKER, Role.CONSULTANT, Role.ADMIN),
    "events_api_figures": STAFF,
    "events_list_page": ANY_USER,
    "events_new_page": STAFF,
    "events_event_page": ANY_USER,
    "events_edit_page": STAFF,
    "events_booth_page": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    # --- a booth's day and after the event (server/events/day_api.py, day.py, booth_room.py)
    "events_booth_room_page": ANY_USER,
    "events_api_booth_room_token": ANY_USER,
    "ws_event_booth_room": by_token(*Role),  # hosts, seekers, companions (consultants, admins)
    "events_api_booth_queue": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "events_api_booth_my_turn": SEEKER,
    "events_api_booking_outcome": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "events_api_booking_result": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "events_api_booth_delay": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "events_api_follow_up": STAFF,
    # --- Job To Job Visit and 기업 진단 (issue 15); which company in server/companies/service.py
    "companies_api_register": CONSULTANT,
    "companies_api_registrations": CONSULTANT,
    "companies_api_registration_update": CONSULTANT,
    "companies_api_claim_resend": CONSULTANT,
    "companies_api_claim": EMPLOYER,
    "companies_api_publish": EMPLOYER,
    "companies_api_diagnose": only(Role.EMPLOYER, Role.CONSULTANT),
    "companies_api_diagnoses": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "companies_api_admin_distribution": ADMIN,
    "companies_registered_page": CONSULTANT,
    "companies_new_page": CONSULTANT,
    "companies_edit_page": CONSULTANT,
    # The claim link is for someone without an account yet; the token decides.
    "companies_claim_page": PUBLIC,
    "companies_claim_signup": PUBLIC,
    "companies_review_page": EMPLOYER,
    "companies_diagnosis_page": only(Role.EMPLOYER, Role.CONSULTANT, Role.ADMIN),
    "companies_admin_page": ADMIN,
    # --- outreach programmes for target groups (issue 15 item 4); which programme in
    # server/outreach/service.py (a consultant their own, an admin every one)
    "outreach_api_list": STAFF,
    "outreach_api_create": STAFF,
    "outreach_api_get": STAFF,
    "outreach_api_update": STAFF,
    "outreach_api_suggestions": STAFF,
    "outreach_api_search": STAFF,
    "outreach_api_enrol": STAFF,
    "outreach_api_unenrol": STAFF,
    "outreach_api_item_add": STAFF,
    "outreach_api_item_remove": STAFF,
    "outreach_api_send": STAFF,
    "outreach_api_mine": SEEKER,
    "outreach_api_leave": SEEKER,
    "outreach_api_facts_get": SEEKER,
    "outreach_api_facts_put": SEEKER,
    "outreach_list_page": STAFF,
    "outreach_mine_page": SEEKER,
    "outreach_programme_page": STAFF,
}


@dataclass(frozen=True)
class Viewer:
    """A plain snapshot of the logged-in user for templates: it stays readable after the
    request's DB session rolled back (error pages), unlike the ORM row."""

    id: int
    email: str
    display_name: str
    role: Role
    locale: str
    time_zone: str
    company_id: int | None

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(
            id=user.id, email=user.email, display_name=user.display_name, role=user.role,
            locale=user.locale, time_zone=user.time_zone, company_id=user.company_id,
        )


def current_user(connection: HTTPConnection) -> User | None:
    user: User | None = getattr(connection.state, "user", None)
    return user


def require_user(connection: HTTPConnection) -> User:
    user = current_user(connection)
    if user is None:
        raise NotAuthenticated()
    return user


def _same_origin(connection: HTTPConnection) -> bool:
    """Browsers always send Origin on WebSocket handshakes; cookies alone must not be enough."""
    origin = connection.headers.get("origin")
    host = connection.headers.get("host")
    return origin is None or (host is not None and origin.split("://", 1)[-1] == host)


def enforce_route_access(
    connection: HTTPConnection, db: Annotated[Session, Depends(get_db, scope="function")]
) -> None:
    """App-wide dependency: resolve the login session, then apply the route's policy."""
    route = connection.scope.get("route")
    name = getattr(route, "name", None)
    user = user_for_session(db, connection.cookies.get(SESSION_COOKIE))
    connection.state.user = user
    connection.state.viewer = Viewer.of(user) if user is not None else None
    policy = ROUTE_ACCESS.get(name or "")
    is_websocket = connection.scope["type"] == "websocket"
    # A socket opened by its token: the token, not an ambient cookie, is the credential, so the
    # page's origin (an API node's) may differ from this media node's host.
    token_socket = is_websocket and policy is not None and policy.token and bool(connection.query_params.get("token"))
    if token_socket and user is None:
        return  # the route verifies the token and the seat before accepting
    cross_site = is_websocket and not token_socket and not _same_origin(connection)
    if policy is not None and policy.allows(user) and not cross_site:
        return
    unauthenticated = policy is not None and not policy.public and user is None
    if not unauthenticated:
        record_audit(
            db,
            "access_denied",
            actor=user,
            ip=connection.client.host if connection.client else None,
            path=connection.url.path,
            route=name,
            cross_site=cross_site or None,
        )
        db.commit()
    if is_websocket:
        # Refused before the handshake completes, so no signalling (and no SDP) is processed.
        raise WebSocketException(code=4401 if unauthenticated else 4403)
    if unauthenticated:
        raise NotAuthenticated()
    raise Forbidden()


def iter_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every endpoint route, looking inside included routers (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from iter_routes(nested.routes)
        else:
            yield route


def endpoint_routes(app: FastAPI) -> list[APIRoute | APIWebSocketRoute]:
    return [r for r in iter_routes(app.routes) if isinstance(r, APIRoute | APIWebSocketRoute)]


def routes_without_rules(app: FastAPI) -> list[str]:
    return sorted(route.name for route in endpoint_routes(app) if route.name not in ROUTE_ACCESS)


CurrentUser = Annotated[User, Depends(require_user)]
"""The logged-in person (401 `not_authenticated` else), as a route parameter; their role was
already checked against `ROUTE_ACCESS` before the route runs."""
