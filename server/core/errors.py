"""Typed domain errors and the handlers that turn every error into `{"error": {"code", "message"}}`."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.core.i18n import catalog, translate
from server.core.storage import StorageError
from server.domain.errors import DomainError

log = logging.getLogger("untact.errors")


class AppError(Exception):
    """A domain error with a stable code, an HTTP status and a message key in the catalogs."""

    status_code = 400
    code = "bad_request"
    retryable = False

    def __init__(
        self,
        code: str | None = None,
        *,
        status_code: int | None = None,
        message_key: str | None = None,
        detail: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.message_key = message_key or f"error.{self.code}"
        self.params = params
        self.detail = detail or {}
        self.headers = headers or {}
        super().__init__(self.code)


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"
    retryable = True


class NoMediaNode(AppError):
    """No live media node can take a room or an answer session (all full, draining or gone)."""

    status_code = 503
    code = "no_media_node"
    retryable = True

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


def request_locale(request: Request) -> str:
    return getattr(request.state, "locale", None) or "ko"


def error_body(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail:
        body["detail"] = detail
    return {"error": body}


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    detail: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    from server.core.templating import render, wants_html

    if wants_html(request):
        if status_code == 401:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return render(request, "error.html", {"code": code, "message": message}, status_code=status_code)
    return JSONResponse(error_body(code, message, detail), status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        message = translate(request_locale(request), exc.message_key, **exc.params)
        return error_response(request, exc.status_code, exc.code, message, exc.detail, exc.headers)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        message = translate(request_locale(request), exc.message_key, **exc.params)
        return error_response(request, 422, exc.code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The request middleware's body cap names the route's own code (server/core/middleware.py).
        code = getattr(exc, "error_code", None) or _STATUS_CODES.get(exc.status_code, "http_error")
        message = translate(request_locale(request), f"error.{code}", **getattr(exc, "error_params", {}))
        return error_response(request, exc.status_code, code, message, headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("type")}
            for err in exc.errors()
        ]
        locale = request_locale(request)
        # A problem with its own catalog text ("invalid_money") says what was wrong with the field.
        specific = [f"error.{f['problem']}" for f in fields if f"error.{f['problem']}" in catalog(locale)]
        message = translate(locale, specific[0] if specific else "error.invalid_input")
        return error_response(request, 422, "invalid_input", message, {"fields": fields})

    @app.exception_handler(StorageError)
    async def _storage_error(request: Request, exc: StorageError) -> Response:
        log.warning("object store unavailable", extra={"path": request.url.path, "error": str(exc)})
        message = translate(request_locale(request), "error.storage_unavailable")
        return error_response(request, 503, exc.code, message, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        message = translate(request_locale(request), "error.internal")
        return error_response(request, 500, "internal", message)
