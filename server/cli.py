"""The `untact` command: serve, migrate, seed demo data, create an admin, analyze a recording."""

from __future__ import annotations

import argparse
import getpass
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from server.core.config import NODE_ROLES, Settings, load_settings


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app, drain_media_node
    from server.core.db import make_engine, make_sessionmaker, migrate
    from server.core.native_memory import configure_allocator

    configure_allocator()  # before any thread: fixed glibc trim/mmap thresholds (docs/benchmarks.md)
    settings = load_settings(**({"roles": ",".join(args.role)} if args.role else {}))
    if settings.role_set == {"worker"}:  # no HTTP at all: the job worker alone
        return _run_worker(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    settings = settings.model_copy(update={"host": host, "port": port})  # links in emails without a public URL
    if args.seed_demo:
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        _print_demo_logins(make_sessionmaker(engine), host, port)
        engine.dispose()
    app = create_app(settings)
    proxy_headers, forwarded_allow_ips = proxy_options(settings.forwarded_allow_ips)
    # uvicorn shuts down gracefully on SIGTERM (live sessions closed, the in-process worker's job
    # finished or handed back), then re-raises the signal to the handler it found: ours, so a
    # clean `docker stop` exits 0 instead of 143.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        ws_max_size=2 * 1024 * 1024,
    )
    server = _draining_server(config, before_shutdown=lambda: drain_media_node(app))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0 if server.started else 3  # uvicorn's STARTUP_FAILURE when the lifespan failed


def _draining_server(config: Any, *, before_shutdown: Callable[[], Awaitable[None]]) -> Any:
    """uvicorn's server, draining a media node before it closes the connections: with
    placement, the node takes no new rooms and its rooms end after the grace period with
    `room_closed` (reason `node_draining`), so their clients rejoin on another node."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await before_shutdown()
            await super().shutdown(sockets)

    return DrainingServer(config)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def proxy_options(forwarded_allow_ips: str) -> tuple[bool, str | None]:
    """X-Forwarded-For/-Proto are believed only from the proxies in UNTACT_FORWARDED_ALLOW_IPS.

    Unset (the default), no proxy is trusted and the client address is the socket peer: uvicorn
    would otherwise trust loopback, letting anyone on the host pick their own address.
    """
    allowed = forwarded_allow_ips.strip()
    return (True, allowed) if allowed else (False, None)


def _print_demo_logins(factory, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    from server.accounts.seed import seed_demo_accounts

    accounts = seed_demo_accounts(factory)
    print(f"\nUntact: http://{host}:{port}/  (demo accounts)", file=sys.stderr)
    for account in accounts:
        print(f"  {account.role.value:<10} {account.email:<28} {account.password}", file=sys.stderr)
    print(file=sys.stderr, flush=True)


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from server.core.db import make_engine, migrate

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    print(f"database is at the newest schema: {engine.url.render_as_string()}")
    return 0


def _cmd_seed_demo(_args: argparse.Namespace) -> int:
    from server.core.db import make_engine, make_sessionmaker, migrate

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    _print_demo_logins(make_sessionmaker(engine), settings.host, settings.port)
    return 0


def _cmd_create_admin(args: argparse.Namespace) -> int:
    from server.accounts.service import MIN_PASSWORD_LENGTH, ensure_user
    from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
    from server.models import Role

    password = args.password or getpass.getpass("password: ")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"error: the password must be at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return 2
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    with session_scope(make_sessionmaker(engine)) as db:
        _, created = ensure_user(
            db, email=args.email.lower(), password=password, role=Role.ADMIN, display_name=args.name
        )
    print("created" if created else "an account with this email exists already")
    return 0 if created else 1


def _cmd_worker(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.check:
        from server.core.db import database_reachable, make_engine
        from server.core.models_check import model_status

        ok = database_reachable(make_engine(settings.resolved_database_url)) and all(model_status().values())
        print("ok" if ok else "not ready: database unreachable or analysis models missing")
        return 0 if ok else 1
    return _run_worker(settings)


def _run_worker(settings: Settings) -> int:
    import os
    import threading

    from server.core.db import make_engine, make_sessionmaker, migrate
    from server.core.logging_setup import configure_logging
    from server.core.native_memory import configure_allocator
    from server.jobs.handlers import make_notifier, make_worker
    from server.jobs.instances import InstanceHeartbeat

    configure_allocator()  # before the worker's threads (docs/benchmarks.md)
    configure_logging(settings.log_level)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    from server.core.config import make_model_pool
    from server.notifications.service import install_channels

    factory = make_sessionmaker(engine)
    install_channels(factory, email=settings.email_enabled)
    notifier = make_notifier(settings, factory)
    from server.core.storage import make_storage

    storage = make_storage(settings)
    storage.prepare()
    services = {"settings": settings, "model_pool": make_model_pool(settings), "storage": storage}
    worker = make_worker(settings, factory, services)
    heartbeat = InstanceHeartbeat(
        factory, role="worker", interval_s=settings.instance_heartbeat_s, timeout_s=settings.instance_timeout_s
    )
    heartbeat.start()
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if stopping.is_set():  # a second signal: hand the running job back at once
            worker.abort()
            return
        stopping.set()
        worker.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.start()
    print(f"untact worker {worker.name}: waiting for jobs", file=sys.stderr, flush=True)
    while not stopping.wait(1.0):
        pass
    running = worker.current_job_id
    print(
        f"untact worker {worker.name}: stopping"
        + (f", finishing job {running} (grace {settings.job_shutdown_grace_s:g} s)" if running else ""),
        file=sys.stderr, flush=True,
    )
    handed_back = worker.close()
    heartbeat.close()
    notifier.close()
    engine.dispose()
    print(
        f"untact worker {worker.name}: stopped" + (f", job {running} handed back" if handed_back else ""),
        file=sys.stderr, flush=True,
    )
    if handed_back:
        # The handler's thread cannot be interrupted; the job is back in the queue, so leave now
        # rather than wait for it (or for threads it started) at interpreter exit.
        sys.stdout.flush()
        os._exit(0)
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    """``untact analyze`` uses the deployment's Whisper settings (UNTACT_WHISPER_*) unless the
    command line names others."""
    from analysis.cli import run_analyze

    settings = load_settings()
    if args.model is None:
        args.model = settings.whisper_model
    if args.device is None:
        args.device = settings.whisper_device
    if args.compute_type is None:
        args.compute_type = settings.whisper_compute_type
    if args.model_cache is None:
        args.model_cache = str(settings.model_cache_dir)
    return run_analyze(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="untact",
        description="Untact: non-face-to-face hiring service (AI interview practice, interviews, matching).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server (applies migrations first)")
    serve.add_argument("--host", help="address to listen on (default from UNTACT_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default from UNTACT_PORT, 8000)")
    serve.add_argument("--seed-demo", action="store_true", help="create demo accounts and print their logins")
    serve.add_argument(
        "--role", action="append", choices=NODE_ROLES, metavar="ROLE",
        help="run only this role (api, media or worker; repeat for several; default from UNTACT_ROLES, all three)",
    )
    serve.set_defaults(handler=_cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=_cmd_migrate)

    seed = commands.add_parser("seed-demo", help="create demo accounts and print their logins")
    seed.set_defaults(handler=_cmd_seed_demo)

    admin = commands.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("email")
    admin.add_argument("--name", default="관리자")
    admin.add_argument("--password", help="(default: asked on the terminal)")
    admin.set_defaults(handler=_cmd_create_admin)

    worker = commands.add_parser("worker", help="run background jobs (analysis) in this process")
    worker.add_argument("--check", action="store_true", help="exit 0 if the worker could run (healthcheck)")
    worker.set_defaults(handler=_cmd_worker)

    from analysis.cli import add_analyze_arguments

    analyze = commands.add_parser("analyze", help="analyse a recorded answer and print the report")
    add_analyze_arguments(analyze)
    analyze.set_defaults(handler=_cmd_analyze)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, never a traceback, for the person at the terminal
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
