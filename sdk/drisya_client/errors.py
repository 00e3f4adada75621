"""Typed errors: one class per cause a caller can act on, all under `DrisyaError`.

The server answers every failure as `{"error": code, "detail": message, ...}` with an HTTP status;
`error_for()` turns that into the class below, so callers write `except InsufficientCoins as e:
top_up(e.shortfall)` instead of parsing status codes.
"""

from __future__ import annotations

import re
from typing import Any


class DrisyaError(Exception):
    """Base class. `status` is the HTTP status (None when no answer came), `code` the server's stable
    error code, `detail` its sentence for people, `body` the whole decoded error body."""

    def __init__(
        self, detail: str, *, status: int | None = None, code: str | None = None, body: Any = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
        self.body = body if body is not None else {}
        self.job: Any = None
        """The job a failed `jobs.submit()` had created (e.g. waiting for coins), when there is one."""

    def __str__(self) -> str:
        return f"{self.detail} (HTTP {self.status})" if self.status else self.detail


class BadCredentials(DrisyaError):
    """401: wrong e-mail or password, or an API key / token that is unknown, expired or revoked."""


class PermissionDenied(DrisyaError):
    """403: the account is blocked, or the route needs another role."""


class InsufficientCoins(DrisyaError):
    """402: the wallet does not cover the job's quote; `shortfall` coins are missing."""

    def __init__(self, detail: str, *, shortfall: int = 0, balance: int | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.shortfall = shortfall
        self.balance = balance


class ValidationError(DrisyaError):
    """400/413/415/422: the request was refused as sent. `field` names the offending field when the
    server said which one; `rejected` lists refused upload entries as `{name, reason, code}`."""

    def __init__(self, detail: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.field = field
        self.rejected: list[dict[str, Any]] = list((kw.get("body") or {}).get("rejected") or [])


class NotFound(DrisyaError):
    """404: no such job, image or template (another user's job is also "not found")."""


class Conflict(DrisyaError):
    """409: the job is not in a state that allows this (e.g. downloading before it finished)."""


class RateLimited(DrisyaError):
    """429: too many requests; try again after `retry_after` seconds."""

    def __init__(self, detail: str, *, retry_after: float = 1.0, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after


class ServerError(DrisyaError):
    """5xx: the server failed (idempotent calls were already retried with backoff)."""


class ConnectionFailed(DrisyaError):
    """The server could not be reached, or the connection broke (after the retries allowed)."""


_BY_STATUS: dict[int, type[DrisyaError]] = {
    400: ValidationError,
    401: BadCredentials,
    402: InsufficientCoins,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimited,
}
# FastAPI's validation message: "template_id: String should have ..." or "query.page_size: ..."
_FIELD = re.compile(r"^([A-Za-z_][\w.]*): ")


def _field(detail: str) -> str | None:
    match = _FIELD.match(detail)
    if match is None or match.group(1) == "request":
        return None
    return match.group(1).rsplit(".", 1)[-1]


def _retry_after(headers: Any, body: dict[str, Any]) -> float:
    for value in (headers.get("retry-after") if headers is not None else None, body.get("retry_after")):
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return 1.0


def error_for(status: int, body: Any, headers: Any = None, *, text: str = "") -> DrisyaError:
    """The typed error for an HTTP error answer (`body` is its decoded JSON, or anything else)."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    detail = str(data.get("detail") or text.strip()[:300] or f"HTTP {status}")
    code = str(data.get("error")) if data.get("error") else None
    common: dict[str, Any] = {"status": status, "code": code, "body": data}
    if status >= 500:
        return ServerError(detail, **common)
    cls = _BY_STATUS.get(status, DrisyaError)
    if cls is InsufficientCoins:
        return InsufficientCoins(
            detail, shortfall=int(data.get("shortfall") or 0), balance=data.get("balance"), **common
        )
    if cls is ValidationError:
        return ValidationError(detail, field=data.get("field") or _field(detail), **common)
    if cls is RateLimited:
        return RateLimited(detail, retry_after=_retry_after(headers, data), **common)
    return cls(detail, **common)
