"""The FastAPI application: lifespan, middleware, error handlers and routers."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from analysis import ModelPool
from server.accounts import admin_api
from server.accounts import api as auth_api
from server.accounts.access import enforce_route_access, routes_without_rules
from server.accounts.pages import router as pages_router
from server.accounts.session_sockets import (
    SessionSocketRegistry,
    SessionSocketsMiddleware,
    end_ended_sessions,
)
from server.accounts.throttle import AuthThrottler
from server.answers.capacity import LiveCapacity
from server.answers.jobs import recover_answers
from server.answers.live import LiveAnswerServices
from server.answers.recovery import upload_finished_leftovers
from server.careers import api as careers_api
from server.careers import pages as careers_pages
from server.companies import api as companies_api
from server.companies import pages as companies_pages
from server.core import health
from server.core.config import PROJECT_ROOT, Settings, load_settings, make_model_pool
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from server.core.deps import verify_csrf
from server.core.errors import install_error_handlers
from server.core.ice import server_ice_servers
from server.core.logging_setup import configure_logging
from server.core.middleware import RequestGuardMiddleware
from server.core.security_headers import SecurityHeadersMiddleware
from server.core.storage import Storage, make_storage
from server.events import api as events_api
from server.events import day_api as events_day_api
from server.events import pages as events_pages
from server.interviews import api as interviews_api
from server.interviews import pages as interviews_pages
from server.interviews.live_room import RoomRegistry
from server.interviews.oneway import (
    recover_interrupted_room_recordings,
)
from server.jobs.handlers import answer_kinds, make_notifier, make_worker
from server.jobs.instances import InstanceHeartbeat
from server.jobs.kinds import JobKind
from server.jobs.queue import JobWorker, enqueue, enqueue_unless_pending
from server.journey import api as journey_api
from server.journey import pages as journey_pages
from server.notifications import api as notifications_api
from server.notifications import pages as notifications_pages
from server.notifications.service import install_channels
from server.outreach import api as outreach_api
from server.outreach import pages as outreach_pages
from server.practice import api as practice_api
from server.practice import pages as practice_pages
from server.review import api as review_api
from server.review import pages as review_pages

log = logging.getLogger("untact.app")

WEB_DIR = PROJECT_ROOT / "web"


def start_worker(
    settings: Settings, factory: sessionmaker[Session], model_pool: ModelPool, storage: Storage | None = None
) -> JobWorker:
    """The in-process worker of the embedded defaults; `untact worker` runs the same loop alone."""
    services = {"settings": settings, "model_pool": model_pool, "storage": storage or make_storage(settings)}
    worker = make_worker(settings, factory, services)
    with session_scope(factory) as db:
        enqueue(db, JobKind.PURGE_EXPIRED_SESSIONS, {})
        enqueue_unless_pending(db, JobKind.PURGE_EXPIRED_PRACTICE)
    worker.start()
    return worker


def recover_orphaned_answers(
    settings: Settings, factory: sessionmaker[Session], *, at_start: bool, storage: Storage | None = None
) -> None:
    """Re-queue answers whose owning process is gone (at start and on every heartbeat; answers
    with no recorded owner only at start), uploading what they left on local disk."""
    timeout = settings.instance_timeout_s
    for kind in answer_kinds():
        recover_answers(kind, factory, owner_timeout_s=timeout, include_unowned=at_start, storage=storage)
    recover_interrupted_room_recordings(
        factory, owner_timeout_s=timeout, include_unowned=at_start, storage=storage
    )
    if at_start and storage is not None:
        from server.models.interviews import RoomRecording
        from server.models.rooms import LiveRoomRecording

        models = (*(kind.answer_model for kind in answer_kinds()), RoomRecording, LiveRoomRecording)
        upload_finished_leftovers(factory, storage, models)


def _on_heartbeat(app: FastAPI, settings: Settings, factory: sessionmaker[Session]) -> None:
    try:
        recover_orphaned_answers(settings, factory, at_start=False, storage=app.state.storage)
    finally:  # a failed recovery sweep must not keep ended sessions' sockets open
        end_ended_sessions(app.state.session_sockets, factory)  # expired, revoked elsewhere, deactivated


def _prewarm(pool: ModelPool) -> None:
    try:
        pool.get()
    except Exception:
        log.warning("could not preload the Whisper model", exc_info=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    storage = make_storage(settings)
    await run_in_threadpool(storage.prepare)
    app.state.storage = storage
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    install_channels(app.state.sessionmaker, email=settings.email_enabled)  # which channels notify() queues
    app.state.auth_throttle = AuthThrottler(
        app.state.sessionmaker,
        max_failures=settings.login_max_failures,
        window_s=settings.login_failure_window_s,
        max_delay_s=settings.login_max_delay_s,
        max_failures_per_address=settings.login_max_failures_per_address,
        signup_max_per_address=settings.signup_max_per_address,
        signup_window_s=settings.signup_window_s,
    )
    with session_scope(app.state.sessionmaker) as db:
        enqueue_unless_pending(db, JobKind.PURGE_OLD_AUDIT)  # retention; the job re-queues itself daily
        enqueue_unless_pending(db, JobKind.SEND_DUE_REMINDERS)  # interview and check-in reminders; re-queues itself
    model_pool = make_model_pool(settings)
    app.state.model_pool = model_pool
    factory = app.state.sessionmaker
    notifier = make_notifier(settings, factory)  # wakes workers after commits that queue jobs
    heartbeat = InstanceHeartbeat(
        factory, role="serve", interval_s=settings.instance_heartbeat_s, timeout_s=settings.instance_timeout_s,
        on_beat=lambda: _on_heartbeat(app, settings, factory),
    )
    heartbeat.start()
    app.state.instance = heartbeat
    recover_orphaned_answers(settings, factory, at_start=True, storage=storage)
    worker = (
        start_worker(settings, factory, model_pool, storage)
        if settings.analysis_worker == "inprocess"
        else None
    )
    if worker is not None:
        notifier.add_local(worker.kick)
    app.state.worker = worker
    app.state.live_sessions = set()
    live_capacity = LiveCapacity(
        max_live_answers=settings.max_live_answers,
        max_live_analyses=settings.max_live_analyses,
        retry_after_s=settings.live_busy_retry_s,
    )
    app.state.live_capacity = live_capacity
    app.state.live_services = LiveAnswerServices(
        sessionmaker=app.state.sessionmaker,
        recordings_dir=settings.recordings_dir,
        model_pool=model_pool,
        ice_servers=server_ice_servers(settings.ice_servers),
        kick_worker=worker.kick if worker is not None else lambda: None,
        instance_id=heartbeat.instance_id,
        allow_private_candidates=settings.allow_private_ice_candidates,
        capacity=live_capacity,
        storage=storage,
    )
    app.state.interview_rooms = RoomRegistry(app.state.live_services)  # live interview rooms (issue 5)
    if settings.prewarm_models:
        # Load Whisper once in the background so the first answer does not wait for it.
        threading.Thread(
            target=_prewarm, args=(model_pool,), name="prewarm", daemon=True
        ).start()
    log.info(
        "server started",
        extra={"environment": settings.environment, "database": engine.url.render_as_string()},
    )
    try:
        yield
    finally:
        await app.state.interview_rooms.close()
        live = list(app.state.live_sessions)
        await asyncio.gather(*(session.close("server_shutdown") for session in live), return_exceptions=True)
        live_capacity.close()
        if worker is not None:
            await run_in_threadpool(worker.close)  # finishes or hands back the running job
        await run_in_threadpool(heartbeat.close)
        notifier.close()
        engine.dispose()
        log.info("server stopped")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Untact",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf), Depends(enforce_route_access)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_sockets = SessionSocketRegistry()
    install_error_handlers(app)
    app.add_middleware(
        RequestGuardMiddleware,
        max_body_bytes=settings.max_json_body_bytes,
        upload_caps_mb={"max_intro_video_mb": settings.max_intro_video_mb},
        https=settings.https,
        default_locale=settings.default_locale,
    )
    app.add_middleware(SessionSocketsMiddleware)  # logout closes the session's open sockets
    app.add_middleware(SecurityHeadersMiddleware, https=settings.https)  # outermost: every response
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(health.router)
    app.include_router(auth_api.router)
    app.include_router(admin_api.router)
    app.include_router(pages_router)
    app.include_router(practice_api.router)
    app.include_router(practice_api.ws_router)
    app.include_router(practice_pages.router)
    app.include_router(careers_api.router)
    app.include_router(careers_pages.router)
    app.include_router(journey_api.router)
    app.include_router(journey_api.ws_router)
    app.include_router(journey_pages.router)
    app.include_router(review_api.router)
    app.include_router(review_pages.router)
    app.include_router(notifications_api.router)
    app.include_router(notifications_pages.router)
    app.include_router(interviews_api.router)
    app.include_router(interviews_api.ws_router)
    app.include_router(interviews_pages.router)
    app.include_router(events_api.router)
    app.include_router(events_day_api.router)
    app.include_router(events_day_api.ws_router)
    app.include_router(events_pages.router)
    app.include_router(companies_api.router)
    app.include_router(companies_pages.router)
    app.include_router(outreach_api.router)
    app.include_router(outreach_pages.router)

    missing = routes_without_rules(app)
    if missing:
        raise RuntimeError(f"routes without an access rule in server/accounts/access.py: {missing}")
    return app
