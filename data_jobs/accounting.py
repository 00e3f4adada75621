"""Coins for a batch, as job submission, cancel and the runner spend them.

The rules (keys, quote, capture and release steps) live in `store.job_coins`; this adds the runner's
policy. The runner holds the job's lease, so a capture of one of its images still pending after the
ledger's wait can only be a leftover of an earlier runner of the job (killed, or alive but paused):
it is taken over (safe even against a paused owner: the ledger's takeovers are fenced) and replayed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from store import job_coins
from store.documents import Job
from store.job_coins import capture_key, quote, release_key, reserve_key
from store.ledger import Ledger
from store.repositories import Repositories

# The key formats and the quote, re-exported for callers of this module; they are defined once, in store.
__all__ = [
    "capture_images",
    "capture_key",
    "quote",
    "release_held",
    "release_key",
    "reserve_key",
    "reserve_quote",
]


async def reserve_quote(repos: Repositories, job: Job) -> int:
    """Hold images x price on the job; raises store.ledger.InsufficientCoins before any work."""
    return await job_coins.reserve_quote(Ledger(repos.db), job)


async def capture_images(repos: Repositories, job: Job, image_ids: Sequence[str]) -> list[str]:
    """Charge each image once and flag it charged. Returns the ids flagged; an image whose hold is gone
    (cancelled) stays free, one still in flight after a takeover is left for reconciliation."""
    ledger = Ledger(repos.db)
    captures = await job_coins.capture_images(
        repos, ledger, job, image_ids, take_over_after=dt.timedelta(seconds=ledger.pending_wait)
    )
    return captures.charged


async def release_held(repos: Repositories, job_id: str, *, reason: str = "end") -> int:
    """Give back whatever the job still holds (failures, cancellations). Returns coins released."""
    return await job_coins.release_held(repos, Ledger(repos.db), job_id, reason)
