"""A job's progress as a stream of `Progress` events, over the WebSocket with polling as the fallback.

The WebSocket is opened with a single-use ticket from `POST /v1/jobs/{id}/events-ticket`, so no
long-lived credential ever appears in a URL. When the socket cannot be opened (a proxy that drops
Upgrade requests, an old server) or breaks before the final event, the stream continues by polling
`GET /v1/jobs/{id}`; either way it ends after exactly one final event.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from drisya_client.errors import DrisyaError
from drisya_client.models import Progress

OPEN_TIMEOUT_S = 10.0


def _ws_url(http: Any, job_id: str) -> str:
    ticket = http.request("POST", f"/v1/jobs/{job_id}/events-ticket", idempotent=True).json()
    return http.ws_url(ticket["url"])


def _decode(message: Any) -> Progress | None:
    try:
        data = json.loads(message)
    except (TypeError, ValueError):
        return None
    return Progress.from_dict(data, "websocket") if isinstance(data, dict) else None


def iter_events(
    http: Any, job_id: str, *, interval: float = 1.0, websocket: bool = True
) -> Iterator[Progress]:
    """Progress of job `job_id` until its final event (see the module docstring)."""
    if websocket:
        try:
            from websockets.sync.client import connect

            with connect(_ws_url(http, job_id), open_timeout=OPEN_TIMEOUT_S) as ws:
                for message in ws:
                    event = _decode(message)
                    if event is None:
                        continue
                    yield event
                    if event.is_final:
                        return
        except DrisyaError as exc:
            if exc.status in (401, 403, 404):
                raise  # the job or the credential is wrong: polling would fail the same way
        except Exception:  # noqa: BLE001 - any socket failure: carry on by polling
            pass
    yield from _poll(http, job_id, interval)


def _poll(http: Any, job_id: str, interval: float) -> Iterator[Progress]:
    while True:
        event = Progress.from_dict(http.request("GET", f"/v1/jobs/{job_id}").json(), "polling")
        yield event
        if event.is_final:
            return
        time.sleep(interval)


async def aiter_events(
    http: Any, job_id: str, *, interval: float = 1.0, websocket: bool = True
) -> AsyncIterator[Progress]:
    """`iter_events()` for asyncio."""
    if websocket:
        try:
            from websockets.asyncio.client import connect

            ticket = (await http.request("POST", f"/v1/jobs/{job_id}/events-ticket", idempotent=True)).json()
            async with connect(http.ws_url(ticket["url"]), open_timeout=OPEN_TIMEOUT_S) as ws:
                async for message in ws:
                    event = _decode(message)
                    if event is None:
                        continue
                    yield event
                    if event.is_final:
                        return
        except DrisyaError as exc:
            if exc.status in (401, 403, 404):
                raise
        except Exception:  # noqa: BLE001 - any socket failure: carry on by polling
            pass
    while True:
        event = Progress.from_dict((await http.request("GET", f"/v1/jobs/{job_id}")).json(), "polling")
        yield event
        if event.is_final:
            return
        await asyncio.sleep(interval)
