"""Liveness and readiness: database reachability and whether analysis models can load."""

from __future__ import annotations

import importlib.util

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from server.core.db import database_reachable

router = APIRouter()


def analysis_models_loadable() -> dict[str, bool]:
    """Checks that the model files are installed, without loading them (that takes seconds)."""
    from server.core.models_check import model_status

    return model_status()


@router.get("/healthz", name="healthz")
async def healthz(request: Request) -> JSONResponse:
    db_ok = await run_in_threadpool(database_reachable, request.app.state.engine)
    models = await run_in_threadpool(analysis_models_loadable)
    ok = db_ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "analysis_models": models,
        "face_mesh": importlib.util.find_spec("mediapipe") is not None,
        "roles": sorted(request.app.state.settings.role_set),  # what this node runs (docs/scaling.md)
    }
    return JSONResponse(body, status_code=200 if ok else 503)
