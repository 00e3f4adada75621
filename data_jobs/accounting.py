"""Coins for a batch: reserve the quote, capture per successful image, release the rest.

Every ledger call carries a key derived from the job (and image), so a runner that dies and is
resumed replays the same keys: an image can be captured at most once, a job released at most once,
whatever happens in between. A price of 0 (a free module) charges nothing but goes through the
same bookkeeping (images still get `charged=True`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence

from store.documents import Job
from store.ledger import Ledger, LedgerBusy, ReservationExceeded
from store.repositories import Repositories

log = logging.getLogger(__name__)

CAPTURE_CONCURRENCY = 16  # ledger round trips in flight at once per flush


def reserve_key(job_id: str) -> str:
    return f"reserve:{job_id}"


def capture_key(job_id: str, image_id: str) -> str:
    return f"capture:{job_id}:{image_id}"


def release_key(job_id: str, reason: str) -> str:
    return f"release:{job_id}:{reason}"


def quote(job: Job) -> int:
    return job.counters.total * job.price_per_image


async def reserve_quote(repos: Repositories, job: Job) -> int:
    """Hold images x price on the job; raises store.ledger.InsufficientCoins before any work."""
    amount = quote(job)
    if amount > 0:
        await Ledger(repos.db).reserve(job.owner, job.id, amount, reserve_key(job.id))
    return amount


async def capture_images(repos: Repositories, job: Job, image_ids: Sequence[str]) -> list[str]:
    """Charge each image once (idempotent per image) and flag it charged. Returns the ids flagged.

    If the hold is gone (the job was cancelled while this image finished), the image stays free
    rather than charging coins the user was already given back."""
    if not image_ids:
        return []
    ledger = Ledger(repos.db)
    gate = asyncio.Semaphore(CAPTURE_CONCURRENCY)

    async def capture(image_id: str) -> str | None:
        if job.price_per_image <= 0:
            return image_id
        key = capture_key(job.id, image_id)
        async with gate:
            try:
                try:
                    await ledger.capture(job.owner, job.id, job.price_per_image, key)
                except LedgerBusy:
                    # A runner killed in the middle of this very capture left it pending. We hold the
                    # job's lease, so nobody else captures for it: finish or discard the orphan (the
                    # ledger already waited `pending_wait` for it) and replay the key.
                    await ledger.sweep(older_than=dt.timedelta(seconds=ledger.pending_wait))
                    await ledger.capture(job.owner, job.id, job.price_per_image, key)
            except ReservationExceeded:
                log.info(
                    "job %s: no coins held for image %s any more (cancelled); not charged", job.id, image_id
                )
                return None
            except LedgerBusy:
                log.warning(
                    "job %s: capture of image %s still pending; left for reconciliation", job.id, image_id
                )
                return None
        return image_id

    # Captures are independent conditional updates, so they may overlap; each still applies once.
    results = await asyncio.gather(*(capture(i) for i in image_ids))
    charged = [i for i in results if i is not None]
    await repos.images.mark_charged(charged)
    return charged


async def release_held(repos: Repositories, job_id: str, *, reason: str = "end") -> int:
    """Give back whatever the job still holds (failures, cancellations). Returns coins released."""
    job = await repos.jobs.get(job_id)
    tx = await Ledger(repos.db).release_remaining(job.owner, job_id, release_key(job_id, reason))
    return tx.amount if tx is not None else 0
