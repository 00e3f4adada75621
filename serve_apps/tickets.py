"""Short-lived, single-use tickets that open a job's event WebSocket.

Browsers cannot set headers on a WebSocket, and a long-lived token in a URL ends up in proxy logs and
browser history. A ticket is random, valid for `TICKET_TTL` seconds, good for one job and one
connection; only its digest is stored (on the job, through `JobsRepo`), so every API replica can
redeem a ticket another replica issued, and a leaked log line is worthless once it was used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from serve_apps.state import AppState
from store.documents import Job

TICKET_TTL = dt.timedelta(seconds=60)
MAX_TICKET_LENGTH = 128


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ticket(state: AppState, job: Job) -> tuple[str, int]:
    """A new ticket for `job` (whose owner the caller has checked) and its lifetime in seconds."""
    ticket = "wst_" + secrets.token_urlsafe(24)
    expires = dt.datetime.now(dt.UTC) + TICKET_TTL
    await state.repos.jobs.add_events_ticket(job.id, _digest(ticket), expires)
    return ticket, int(TICKET_TTL.total_seconds())


async def redeem_ticket(state: AppState, job_id: str, ticket: str) -> Job | None:
    """The job when `ticket` was issued for it, is unexpired and unused (it is used up now); else None."""
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        return None
    return await state.repos.jobs.consume_events_ticket(job_id, _digest(ticket))
