"""A job's money rules, in one place: its idempotency keys, its quote, and the capture and release steps.

The batch runner, job submission and cancel (through `data_jobs.accounting`), the start-up reconcile
(`store.reconcile`) and `drisya batch` all charge through these functions, so a key format or the quote
is written out once. The keys are what make a resumed or repeated run safe: an image is captured under
`capture:<job>:<image>` by whoever gets there first (the runner, a resumed runner, the start-up sweep),
and never twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from store.documents import Job
from store.ledger import Ledger, LedgerBusy, ReservationExceeded
from store.repositories import Repositories

log = logging.getLogger(__name__)

CAPTURE_CONCURRENCY = 16  # ledger round trips in flight at once per batch of captures


def reserve_key(job_id: str) -> str:
    return f"reserve:{job_id}"


def capture_key(job_id: str, image_id: str) -> str:
    return f"capture:{job_id}:{image_id}"


def release_key(job_id: str, reason: str) -> str:
    """`reason` names the occasion (end, cancel, submit-refused, settle:<released so far>...), so each
    occasion releases at most once."""
    return f"release:{job_id}:{reason}"


def settle_release_key(job_id: str, released_before: int) -> str:
    """A settle after a crash: keyed by what was released before it, so a second settle of the same
    state replays instead of releasing twice, and a later one (after more captures) is new."""
    return release_key(job_id, f"settle:{released_before}")


def image_price(price_per_output: int, outputs_per_image: int) -> int:
    """What one accepted image costs: the module's price per output (the admin's price table) times
    the outputs it yields (1, or a surprise job's variants plus its video). Fixed on the job when it
    is created (`Job.price_per_image`), so the quote, the reserve, each capture and the release of a
    failed image all move this same amount per image."""
    if price_per_output < 0 or outputs_per_image < 1:
        raise ValueError(f"no price for {outputs_per_image} outputs at {price_per_output} coins each")
    return price_per_output * outputs_per_image


def quote(job: Job) -> int:
    """Coins a job holds before it runs: every image at the price fixed when the job was created."""
    return job.counters.total * job.price_per_image


async def reserve_quote(ledger: Ledger, job: Job) -> int:
    """Hold the quote on the job; raises store.ledger.InsufficientCoins before any work."""
    amount = quote(job)
    if amount > 0:
        await ledger.reserve(job.owner, job.id, amount, reserve_key(job.id))
    return amount


@dataclass
class Captures:
    charged: list[str] = field(default_factory=list)  # charged now or before (flagged `charged`)
    unfunded: list[str] = field(default_factory=list)  # no coins held for them any more: left free
    busy: list[str] = field(default_factory=list)  # a capture still in flight elsewhere: left for later


async def capture_images(
    repos: Repositories,
    ledger: Ledger,
    job: Job,
    image_ids: Sequence[str],
    *,
    take_over_after: dt.timedelta | None = None,
) -> Captures:
    """Charge each image once (idempotent per image) and flag the charged ones `charged`.

    A capture of the same key still pending elsewhere is waited for (`ledger.pending_wait`); with
    `take_over_after`, an entry claimed at least that long ago is then taken over (finished or
    discarded; safe even if its owner is only paused) and the key replayed. If the hold is gone (the
    job was cancelled while these images finished) an image stays free rather than charging coins the
    user was already given back. A free module (price 0) charges nothing but flags all the same."""
    result = Captures()
    if not image_ids:
        return result
    if job.price_per_image <= 0:
        result.charged = list(image_ids)
        await repos.images.mark_charged(result.charged)
        return result
    gate = asyncio.Semaphore(CAPTURE_CONCURRENCY)

    async def capture(image_id: str) -> str:
        key = capture_key(job.id, image_id)
        async with gate:
            try:
                try:
                    await ledger.capture(job.owner, job.id, job.price_per_image, key)
                except LedgerBusy:
                    if take_over_after is None:
                        raise
                    await ledger.take_over(key, older_than=take_over_after)
                    await ledger.capture(job.owner, job.id, job.price_per_image, key)
            except ReservationExceeded:
                log.info("job %s: no coins held for image %s any more; not charged", job.id, image_id)
                return "unfunded"
            except LedgerBusy:
                log.warning("job %s: capture of image %s still in flight; left for later", job.id, image_id)
                return "busy"
        return "charged"

    # Captures are independent conditional updates, so they may overlap; each still applies once.
    outcomes = await asyncio.gather(*(capture(i) for i in image_ids))
    for image_id, outcome in zip(image_ids, outcomes, strict=True):
        getattr(result, outcome).append(image_id)
    await repos.images.mark_charged(result.charged)
    return result


async def release_held(repos: Repositories, ledger: Ledger, job_id: str, reason: str) -> int:
    """Give back whatever the job still holds, once per `reason`. Returns the coins released."""
    job = await repos.jobs.get(job_id)
    tx = await ledger.release_remaining(job.owner, job_id, release_key(job_id, reason))
    return tx.amount if tx is not None else 0


async def settle_release(repos: Repositories, ledger: Ledger, job_id: str) -> int:
    """Release what a finished job still holds after a crash (see `settle_release_key`)."""
    job = await repos.jobs.get(job_id)
    if job.coins.held <= 0:
        return 0
    key = settle_release_key(job.id, job.coins.released)
    tx = await ledger.release_remaining(job.owner, job.id, key)
    return tx.amount if tx is not None else 0
