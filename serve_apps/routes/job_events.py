"""`WS /v1/jobs/{id}/events`: live progress of one job.

Authentication, without a long-lived token in the URL: either `?ticket=` (single use, one minute,
from `POST /v1/jobs/{id}/events-ticket`) or, with no ticket, a first message `{"token": "<access
token or API key>"}` (or `{"ticket": ...}`) within `AUTH_TIMEOUT_S`. Then a `progress` event at
least every second while the job runs (a heartbeat even when nothing changed) and one `final` event
with the terminal status, after which the server closes with 1000. A connection that fails to
authenticate is closed with 4401 (4404 for a job that is not the caller's: its existence is not
revealed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from data_jobs.progress import JobProgress, watch_job
from serve_apps.errors import ApiError
from serve_apps.state import AppState
from serve_apps.tickets import redeem_ticket
from store.documents import Job
from store.errors import NotFound

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

AUTH_TIMEOUT_S = 10.0
EVENT_INTERVAL_S = 0.5  # well inside the promised "at least once a second"
CLOSE_UNAUTHORIZED = 4401
CLOSE_NOT_FOUND = 4404


def progress_event(progress: JobProgress, job: Job | None = None) -> dict[str, Any]:
    from serve_apps.routes.jobs import eta_seconds

    return {
        "type": "final" if progress.is_terminal else "progress",
        **progress.to_dict(),
        "message": progress.describe(),
        "eta_s": eta_seconds(job) if job is not None else None,
    }


async def _authenticate(websocket: WebSocket, state: AppState, job_id: str) -> Job | None:
    """The job when the caller may watch it; None after closing the socket with the reason."""
    ticket = websocket.query_params.get("ticket")
    if ticket is None:
        try:
            raw = await asyncio.wait_for(websocket.receive_text(), timeout=AUTH_TIMEOUT_S)
            first = json.loads(raw)
        except (TimeoutError, json.JSONDecodeError, UnicodeDecodeError, KeyError, RuntimeError):
            first = None
        if not isinstance(first, dict):
            await _close(websocket, CLOSE_UNAUTHORIZED, 'send {"token": ...} or {"ticket": ...} first')
            return None
        ticket = first.get("ticket")
        token = first.get("token")
        if ticket is None and isinstance(token, str):
            return await _job_for_token(websocket, state, job_id, token)
    if not isinstance(ticket, str) or (job := await redeem_ticket(state, job_id, ticket)) is None:
        await _close(websocket, CLOSE_UNAUTHORIZED, "the ticket is unknown, used or expired")
        return None
    return job


async def _job_for_token(websocket: WebSocket, state: AppState, job_id: str, token: str) -> Job | None:
    from serve_apps.auth.deps import user_for_token

    try:
        user = await user_for_token(state, token)
    except ApiError as exc:
        await _close(websocket, CLOSE_UNAUTHORIZED, exc.detail)
        return None
    try:
        return await state.repos.jobs.get_for_owner(job_id, user.id)
    except NotFound:
        await _close(websocket, CLOSE_NOT_FOUND, f"no job {job_id[:64]}")
        return None


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=code, reason=reason[:120])


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so its close is noticed while we wait between events."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


@router.websocket("/{job_id}/events")
async def job_events(websocket: WebSocket, job_id: str) -> None:
    state: AppState = websocket.app.state.drisya
    await websocket.accept()
    job = await _authenticate(websocket, state, job_id)
    if job is None:
        return
    reader = asyncio.create_task(_drain(websocket))
    try:
        async for progress in watch_job(state.repos, job.id, interval=EVENT_INTERVAL_S):
            if reader.done():  # the client went away
                return
            current = await state.repos.jobs.find(job.id)
            await websocket.send_json(progress_event(progress, current))
        await websocket.close(code=1000)
    except (WebSocketDisconnect, RuntimeError):
        return  # the client closed while we were sending
    except NotFound:
        await _close(websocket, CLOSE_NOT_FOUND, "the job was deleted")
    finally:
        reader.cancel()
