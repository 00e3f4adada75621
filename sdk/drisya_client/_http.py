"""The HTTP layer shared by `Client` and `AsyncClient`: auth header, error mapping, retries.

Retry rules (why they differ by call): a connection that could not be opened sent nothing, so any
call may be tried again; a broken connection or a 5xx may have been acted on, so only idempotent calls
(GET/PUT/DELETE, and job creation, which carries an Idempotency-Key) are retried, with exponential
backoff and jitter. Money-moving or body-streaming calls (start, enhance, upload) are never repeated
behind the caller's back.

Resource classes call `http.call(method, path, then=parse)`: the sync transport returns `parse(response)`,
the async one an awaitable of it, so one resource class serves both clients with the same surface.
httpx is imported when a transport is built, not when `drisya_client` is imported.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drisya_client.errors import ConnectionFailed, DrisyaError, error_for

if TYPE_CHECKING:
    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
USER_AGENT = "drisya-client/0.1"


def raise_for(response: httpx.Response) -> httpx.Response:
    """The response when it succeeded, else its typed `DrisyaError` (the body is read if streamed)."""
    if response.status_code < 400:
        return response
    try:
        response.read()
    except Exception:  # noqa: BLE001 - a broken error body still gets its status-typed error
        pass
    try:
        body = response.json()
    except ValueError:
        body = None
    raise error_for(response.status_code, body, response.headers, text=response.text)


async def araise_for(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        await response.aread()
        raise_for(response)
    return response


class _Policy:
    """What both transports share: base URL, credential, and the retry decision."""

    def __init__(
        self,
        base_url: str,
        *,
        credential: str | None,
        timeout: float,
        retries: int,
        backoff: float,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.refresh_token: str | None = None
        """Set by `login()`: an expired access token is then renewed once, transparently."""

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {"User-Agent": USER_AGENT}
        if self.credential:
            out["Authorization"] = f"Bearer {self.credential}"
        if extra:
            out.update(extra)
        return out

    def ws_url(self, path: str) -> str:
        """`path` on this server as a ws:// or wss:// URL."""
        scheme, rest = self.base_url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}"

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, 30.0)
        return min(10.0, self.backoff * (2**attempt)) * (0.5 + random.random() / 2)

    def should_refresh(self, exc: Exception, path: str, refreshed: bool) -> bool:
        """A 401 on a session (not an API key) whose refresh token was not tried yet."""
        return (
            not refreshed
            and self.refresh_token is not None
            and isinstance(exc, DrisyaError)
            and exc.status == 401
            and not path.startswith("/v1/auth/")
        )

    def take_tokens(self, tokens: dict[str, Any]) -> None:
        self.credential = tokens["access_token"]
        self.refresh_token = tokens.get("refresh_token")

    def retryable(self, method: str, idempotent: bool | None, exc: Exception, attempt: int) -> bool:
        """Whether a failed attempt may be repeated (see the module docstring)."""
        import httpx

        if attempt >= self.retries:
            return False
        safe = idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return True  # nothing reached the server
        if isinstance(exc, httpx.TransportError):
            return safe
        if isinstance(exc, DrisyaError) and exc.status in RETRY_STATUSES:
            return safe
        return False


def _failed(exc: Exception, base_url: str) -> Exception:
    import httpx

    if isinstance(exc, httpx.TransportError):
        return ConnectionFailed(f"could not reach {base_url}: {type(exc).__name__}: {exc}".rstrip(": "))
    return exc


class SyncHttp(_Policy):
    """Blocking transport over one pooled `httpx.Client`."""

    def __init__(self, base_url: str, **kw: Any) -> None:
        import httpx

        super().__init__(base_url, **kw)
        self.client = httpx.Client(base_url=self.base_url, timeout=self.timeout, follow_redirects=False)

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        headers: dict | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """One call with the retry rules; returns a successful response or raises a `DrisyaError`."""
        attempt, refreshed = 0, False
        while True:
            try:
                return raise_for(self.client.request(method, path, headers=self.headers(headers), **kw))
            except Exception as exc:  # noqa: BLE001 - classified just below
                if self.should_refresh(exc, path, refreshed) and "content" not in kw:
                    refreshed = True
                    body = {"refresh_token": self.refresh_token}
                    self.take_tokens(
                        self.request("POST", "/v1/auth/refresh", idempotent=False, json=body).json()
                    )
                    continue
                if not self.retryable(method, idempotent, exc, attempt):
                    failure = _failed(exc, self.base_url)
                    if failure is exc:
                        raise
                    raise failure from exc
                time.sleep(self.delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1

    def call(
        self, method: str, path: str, then: Callable[[httpx.Response], Any] | None = None, **kw: Any
    ) -> Any:
        response = self.request(method, path, **kw)
        return then(response) if then else response

    def send_stream(
        self, method: str, path: str, *, headers: dict | None = None, **kw: Any
    ) -> httpx.Response:
        """Open a streamed response (no retry here: the caller resumes, e.g. downloads with Range)."""
        try:
            request = self.client.build_request(method, path, headers=self.headers(headers), **kw)
            return self.client.send(request, stream=True)
        except Exception as exc:  # noqa: BLE001
            failure = _failed(exc, self.base_url)
            if failure is exc:
                raise
            raise failure from exc

    def close(self) -> None:
        self.client.close()


class AsyncHttp(_Policy):
    """Asyncio transport over one pooled `httpx.AsyncClient`."""

    def __init__(self, base_url: str, **kw: Any) -> None:
        import httpx

        super().__init__(base_url, **kw)
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, follow_redirects=False)

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        headers: dict | None = None,
        **kw: Any,
    ) -> httpx.Response:
        attempt, refreshed = 0, False
        while True:
            try:
                response = await self.client.request(method, path, headers=self.headers(headers), **kw)
                return await araise_for(response)
            except Exception as exc:  # noqa: BLE001 - classified just below
                if self.should_refresh(exc, path, refreshed) and "content" not in kw:
                    refreshed = True
                    body = {"refresh_token": self.refresh_token}
                    answer = await self.request("POST", "/v1/auth/refresh", idempotent=False, json=body)
                    self.take_tokens(answer.json())
                    continue
                if not self.retryable(method, idempotent, exc, attempt):
                    failure = _failed(exc, self.base_url)
                    if failure is exc:
                        raise
                    raise failure from exc
                await asyncio.sleep(self.delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1

    def call(
        self, method: str, path: str, then: Callable[[httpx.Response], Any] | None = None, **kw: Any
    ) -> Any:
        async def go() -> Any:
            response = await self.request(method, path, **kw)
            return then(response) if then else response

        return go()

    async def send_stream(
        self, method: str, path: str, *, headers: dict | None = None, **kw: Any
    ) -> httpx.Response:
        try:
            request = self.client.build_request(method, path, headers=self.headers(headers), **kw)
            return await self.client.send(request, stream=True)
        except Exception as exc:  # noqa: BLE001
            failure = _failed(exc, self.base_url)
            if failure is exc:
                raise
            raise failure from exc

    async def close(self) -> None:
        await self.client.aclose()
