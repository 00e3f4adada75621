"""One error shape for every HTTP response: `{"error": code, "detail": message}` with the right status.

Routers raise `ApiError` (or let store/engine errors propagate); FastAPI's own 404/405/422 and any
unexpected exception are rewritten into the same shape, so clients never parse HTML or tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data_jobs.errors import IntakeRefused, JobError
from engine.errors import CorruptImage, ImageError, ImageTooLarge, RecipeError, UnsupportedFormat
from engine.templates.catalog import UnknownTemplate
from store.blobs import BlobNotFound, InvalidBlobKey
from store.errors import Conflict, InvalidValue, NotFound, StoreError
from store.ledger import InsufficientCoins, LedgerBusy, ReservationExceeded
from store.passwords import WeakPassword
from store.retry import DatabaseUnavailable

log = logging.getLogger("drisya.api")

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    402: "insufficient_coins",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    501: "not_implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a route to answer `status` with `{"error": code, "detail": detail}` (+ `extra` keys)."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.detail = detail
        self.headers = headers
        self.extra = extra


def error_response(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


# (exception class, status) - the first match wins, so subclasses come before their bases.
_MAPPED: tuple[tuple[type[Exception], int], ...] = (
    (DatabaseUnavailable, 503),
    (ConnectionFailure, 503),  # the database did not answer this request: try again, not a bug
    (InsufficientCoins, 402),
    (ReservationExceeded, 409),
    (LedgerBusy, 409),
    (NotFound, 404),
    (BlobNotFound, 404),
    (Conflict, 409),
    (WeakPassword, 422),
    (InvalidValue, 422),
    (InvalidBlobKey, 422),
    (UnsupportedFormat, 415),
    (ImageTooLarge, 413),
    (CorruptImage, 422),
    (ImageError, 422),
    (RecipeError, 422),
    (UnknownTemplate, 404),
)


def _job_error_response(exc: JobError) -> JSONResponse:
    """Job errors carry their own status (404 unknown job, 409 wrong state, 413/415/422 refused upload)
    and a stable code; a refused upload also says which entries were refused and why."""
    extra: dict[str, Any] = {}
    report = getattr(exc, "report", None)
    if isinstance(exc, IntakeRefused) and report is not None:
        extra["rejected"] = [
            {"name": r.name, "reason": r.detail, "code": r.code} for r in getattr(report, "rejected", [])
        ][:200]
    return error_response(int(exc.http_status), exc.code, str(exc), **extra)


def _detail(exc: Exception) -> str:
    # KeyError's str() is the repr of its key; subclasses with their own __str__ wrote a sentence
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and exc.args:
        return str(exc.args[0])
    return str(exc)


def response_for(exc: Exception) -> JSONResponse | None:
    """The JSON error for a known domain exception, or None."""
    if isinstance(exc, JobError):
        return _job_error_response(exc)
    for cls, status in _MAPPED:
        if isinstance(exc, cls):
            code = getattr(exc, "code", None) or STATUS_CODES[status]
            extra: dict[str, Any] = {}
            if isinstance(exc, InsufficientCoins):
                extra = {"shortfall": exc.shortfall, "balance": exc.balance}
            detail = _detail(exc)
            if isinstance(exc, BlobNotFound):
                detail, code = str(exc), "not_found"
            if isinstance(exc, ConnectionFailure):
                code, detail = "database_unavailable", "the database is not answering; try again shortly"
            return error_response(status, code, detail, **extra)
    return None


def install_error_handlers(
    app: FastAPI, *, fallback_404: Callable[[Request], Response | None] | None = None
) -> None:
    """Install the JSON error shape; `fallback_404` may answer unmatched paths first (the dashboard)."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":  # no route matched
            if fallback_404 is not None and (page := fallback_404(request)) is not None:
                return page
            detail = "no such endpoint"
        return error_response(exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid", _validation_message(exc))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        return response_for(exc) or await _unexpected(request, exc)

    for cls in (
        BlobNotFound,
        InvalidBlobKey,
        WeakPassword,
        ImageError,
        RecipeError,
        JobError,
        UnknownTemplate,
        ConnectionFailure,
    ):

        @app.exception_handler(cls)
        async def _domain(request: Request, exc: Exception) -> JSONResponse:
            return response_for(exc) or await _unexpected(request, exc)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _internal_error()

    app.add_middleware(CatchAllMiddleware)


def _internal_error() -> JSONResponse:
    return error_response(500, "internal", "internal error; the server log has the details")


class CatchAllMiddleware:
    """Turn an unexpected exception into the JSON 500 and keep it from reaching the server.

    Starlette's own handler for `Exception` answers and then re-raises, which makes uvicorn (and the Serve
    proxy) drop the keep-alive connection; answering here keeps the connection usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for a clean error; the connection is closed by the server
                raise
            await _internal_error()(scope, receive, send)
