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
from server.core.placement import MediaNodeHeartbeat, NodeRegistry
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


async def end_live_sessions(app: FastAPI, reason: str) -> None:
    """End this node's rooms and answer sessions (the node was dropped, or it drains)."""
    if app.state.interview_rooms is not None:
        await app.state.interview_rooms.close(reason)
    live = list(app.state.live_sessions)
    await asyncio.gather(*(session.close(reason) for session in live), return_exceptions=True)


async def drain_media_node(app: FastAPI) -> None:
    """A media node being stopped (SIGTERM, before uvicorn closes the sockets), with placement:
    take no new rooms, tell every room (`room_closing` with `grace_s`), let them end by
    themselves for up to UNTACT_NODE_DRAIN_GRACE_S, then end the rest with `room_closed`
    reason `node_draining`. Without placement there is nowhere to move to: nothing to do."""
    media_node: MediaNodeHeartbeat | None = getattr(app.state, "media_node", None)
    if media_node is None:
        return
    grace_s = app.state.settings.node_drain_grace_s
    rooms = app.state.interview_rooms
    log.info("media node draining", extra={"rooms": len(rooms), "grace_s": grace_s})
    await media_node.drain()
    await rooms.notify_all({"type": "room_closing", "reason": "node_draining", "grace_s": grace_s})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    # Polls two registries that have no shared "empty" event; a few wake-ups during a drain.
    while (len(rooms) or app.state.live_sessions) and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    await end_live_sessions(app, "node_draining")


async def start_placement(
    app: FastAPI, settings: Settings, node_id: str
) -> tuple[NodeRegistry | None, MediaNodeHeartbeat | None]:
    """With UNTACT_PLACEMENT=redis: the registry an API node places rooms with, and a media
    node's own registration (docs/scaling.md). Without: (None, None), sockets stay local paths."""
    if settings.placement != "redis":
        return None, None
    roles = settings.role_set

    def registry() -> NodeRegistry:
        return NodeRegistry(settings.redis_url, prefix=settings.placement_prefix, ttl_s=settings.node_ttl_s)

    nodes = registry() if "api" in roles else None
    media_node = None
    if "media" in roles:
        rooms = app.state.interview_rooms
        own = registry()

        async def release(room: str) -> None:
            await asyncio.to_thread(own.release, room, node_id)

        rooms.on_room_closed = release
        media_node = MediaNodeHeartbeat(
            own, node_id=node_id, ws_url=settings.media_public_url, capacity=settings.media_capacity,
            interval_s=settings.node_heartbeat_s,
            load=lambda: len(rooms) + len(app.state.live_sessions),
            on_lost=lambda: end_live_sessions(app, "node_lost"),
        )
        await media_node.start()
    return nodes, media_node


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
    roles = settings.role_set
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
        if "worker" in roles and settings.analysis_worker == "inprocess"
        else None
    )
    if worker is not None:
        notifier.add_local(worker.kick)
    app.state.worker = worker
    app.state.live_sessions = set()
    # Only a media node holds live sessions: an API-only node starts no recorders, analysis pool or rooms.
    live_capacity: LiveCapacity | None = None
    app.state.live_capacity = None
    app.state.live_services = None
    app.state.interview_rooms = None
    if "media" in roles:
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
    app.state.node_registry, app.state.media_node = await start_placement(app, settings, heartbeat.instance_id)
    if settings.prewarm_models and roles & {"media", "worker"}:
        # Load Whisper once in the background so the first answer does not wait for it.
        threading.Thread(
            target=_prewarm, args=(model_pool,), name="prewarm", daemon=True
        ).start()
    log.info(
        "server started",
        extra={
            "environment": settings.environment, "database": engine.url.render_as_string(),
            "roles": ",".join(sorted(roles)),
        },
    )
    try:
        yield
    finally:
        if app.state.media_node is not None:
            await app.state.media_node.close()  # deregistered: no new rooms come here
        if app.state.node_registry is not None:
            app.state.node_registry.close()
        if app.state.interview_rooms is not None:
            await app.state.interview_rooms.close()
        live = list(app.state.live_sessions)
        await asyncio.gather(*(session.close("server_shutdown") for session in live), return_exceptions=True)
        if live_capacity is not None:
            live_capacity.close()
        if app.state.media_node is not None:
            app.state.media_node.registry.close()
        if worker is not None:
            await run_in_threadpool(worker.close)  # finishes or hands back the running job
        await run_in_threadpool(heartbeat.close)
        notifier.close()
        engine.dispose()
        log.info("server stopped")


def include_routers(app: FastAPI, roles: frozenset[str]) -> None:
    """Health on every node; pages, REST and tokens on an API node; the signalling sockets
    (practice and one-way answers, live rooms) on a media node."""
    app.include_router(health.router)
    if "api" in roles:
        app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
        for router in (
            auth_api.router, admin_api.router, pages_router,
            practice_api.router, practice_pages.router,
            careers_api.router, careers_pages.router,
            journey_api.router, journey_pages.router,
            review_api.router, review_pages.router,
            notifications_api.router, notifications_pages.router,
            interviews_api.router, interviews_pages.router,
            events_api.router, events_day_api.router, events_pages.router,
            companies_api.router, companies_pages.router,
            outreach_api.router, outreach_pages.router,
        ):
            app.include_router(router)
    if "media" in roles:
        for router in (practice_api.ws_router, journey_api.ws_router, interviews_api.ws_router, events_day_api.ws_router):
            app.include_router(router)


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
    app.add_middleware(
        SecurityHeadersMiddleware, https=settings.https, media_sources=settings.media_connect_sources
    )  # outermost: every response
    include_routers(app, settings.role_set)

    missing = routes_without_rules(app)
    if missing:
        raise RuntimeError(f"routes without an access rule in server/accounts/access.py: {missing}")
    return app
