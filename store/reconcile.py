"""Start-up reconciliation: bring coins and jobs back to a consistent state after a crash.

Four kinds of leftovers can exist after a process dies:

1. ledger entries cut in half, or still in flight in a process that is paused (handled by `Ledger.sweep`,
   whose takeovers are fenced so that a late owner can never apply a leg twice);
2. jobs in a terminal state that still hold reserved coins (the runner died between finishing and
   releasing): done images not yet charged are captured, the rest is released (`settle_job`);
3. jobs marked running whose runner stopped beating. By default they are left for the batch runner to
   resume (only unfinished images run again, nothing is charged twice); with `fail_dead_runners=True`
   they are failed instead, their unfinished images marked failed, and then settled like (2);
4. cancelled jobs whose runner died before it stopped: their queued/running images become
   `cancelled` (`close_cancelled_job`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from pymongo.asynchronous.database import AsyncDatabase

from store.documents import (
    IMAGE_DONE,
    IMAGE_FAILED,
    JOB_CANCELLED,
    JOB_FAILED,
    JOB_RUNNING,
    TERMINAL_JOB_STATUSES,
    UNFINISHED_IMAGE_STATUSES,
    utcnow,
)
from store.errors import InvalidTransition
from store.job_coins import capture_images, settle_release
from store.ledger import Ledger, LedgerBusy, SweepReport
from store.repositories import Repositories

log = logging.getLogger(__name__)

RUNNER_STOPPED = "its runner stopped; unused coins were returned"


@dataclass
class SettleResult:
    job: str
    captured: int = 0  # images charged late
    released: int = 0  # coins returned to the balance


@dataclass
class ReconcileReport:
    ledger: SweepReport = field(default_factory=SweepReport)
    failed_jobs: list[str] = field(default_factory=list)
    settled: list[SettleResult] = field(default_factory=list)
    busy_jobs: list[str] = field(default_factory=list)  # an operation still in flight: next sweep
    cancelled_images: int = 0  # images of cancelled jobs left queued/running by a dead runner

    def summary(self) -> str:
        return (
            f"ledger: {len(self.ledger.completed)} completed, {len(self.ledger.discarded)} discarded, "
            f"{self.ledger.markers_cleared} markers cleared; jobs: {len(self.failed_jobs)} failed, "
            f"{len(self.settled)} settled, {len(self.busy_jobs)} left busy; "
            f"{self.cancelled_images} images of cancelled jobs closed"
        )


async def settle_job(
    repos: Repositories, ledger: Ledger, job_id: str, *, take_over_after: dt.timedelta | None = None
) -> SettleResult:
    """Charge done-but-uncharged images, then release whatever the job still holds. Idempotent.

    The capture keys are the batch runner's (`store.job_coins`), so an image charged by the runner is
    never charged again here. A capture still in flight elsewhere (taken over only once claimed at least
    `take_over_after` ago) raises `LedgerBusy` before anything is released: the next sweep settles it.
    """
    job = await repos.jobs.get(job_id)
    uncharged = [image.id for image in await repos.images.done_uncharged(job.id)]
    captures = await capture_images(repos, ledger, job, uncharged, take_over_after=take_over_after)
    if captures.busy:
        raise LedgerBusy(f"job {job.id}: {len(captures.busy)} capture(s) still in flight elsewhere")
    released = await settle_release(repos, ledger, job.id)
    return SettleResult(job=job.id, captured=len(captures.charged), released=released)


CANCELLED_BEFORE_RUN = "the job was cancelled before this image ran"


async def recount(repos: Repositories, job_id: str) -> dict[str, int]:
    """Set the job's counters from its images (total counts every image, cancelled ones included)."""
    counts = await repos.images.count_by_status(job_id)
    await repos.jobs.set_counters(
        job_id, total=sum(counts.values()), done=counts[IMAGE_DONE], failed=counts[IMAGE_FAILED]
    )
    return counts


async def close_cancelled_job(repos: Repositories, job_id: str) -> int:
    """A cancelled job's images that never ran become `cancelled`, as its manifest says. Called once
    nothing runs them any more: by the cancel itself when no runner holds the job, by the runner when
    it stops, by the start-up sweep for a runner that died. Returns how many were cancelled."""
    cancelled = await repos.images.cancel_unfinished(job_id, CANCELLED_BEFORE_RUN)
    if cancelled:
        await recount(repos, job_id)
    return cancelled


def not_processed(reason: str) -> str:
    """The error an unfinished image of a failed job carries: it never ran, and why."""
    return f"not processed: the job failed ({reason})"


async def fail_job(
    repos: Repositories,
    job_id: str,
    reason: str,
    *,
    ledger: Ledger | None = None,
    take_over_after: dt.timedelta | None = None,
) -> SettleResult:
    """The one way a running job fails, whoever notices (its runner, or the start-up sweep for a dead
    runner): unfinished images fail with the reason, counters are recounted, the job becomes
    `failed`, then it is settled (done images charged once, every other held coin released).

    A job cancelled meanwhile stays cancelled, but is settled all the same. A ledger entry another
    process still has in flight (`LedgerBusy`; see `settle_job` for `take_over_after`) leaves the
    settling to the next sweep."""
    ledger = ledger or Ledger(repos.db)
    await repos.images.col.update_many(
        {"job": job_id, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}},
        {"$set": {"status": IMAGE_FAILED, "error": not_processed(reason), "updated": utcnow()}},
    )
    await recount(repos, job_id)
    try:
        await repos.jobs.set_status(job_id, JOB_FAILED, from_statuses=[JOB_RUNNING], error=reason)
    except InvalidTransition:
        log.info("job %s was not running any more; its status stands", job_id)
    try:
        return await settle_job(repos, ledger, job_id, take_over_after=take_over_after)
    except LedgerBusy as exc:
        log.warning("job %s failed but not settled now (%s); the next sweep settles it", job_id, exc)
        return SettleResult(job=job_id)


async def reconcile(
    db: AsyncDatabase,
    *,
    older_than: dt.timedelta = dt.timedelta(minutes=2),
    dead_runner_after: dt.timedelta = dt.timedelta(minutes=2),
    fail_dead_runners: bool = False,
    ledger_wait: float = 10.0,
) -> ReconcileReport:
    """`older_than`: ledger entries claimed at least this long ago are taken over (finished or
    discarded; safe even against a live but paused owner, see store.ledger); younger ones are left to
    their owner. `ledger_wait`: seconds to wait for a ledger operation another process has in flight
    before taking it over (when old enough) or leaving its job to the next sweep."""
    repos = Repositories(db)
    ledger = Ledger(db, pending_wait=ledger_wait)
    report = ReconcileReport(ledger=await ledger.sweep(older_than=older_than))
    if fail_dead_runners:
        for job in await repos.jobs.dead_runners(stale_after=dead_runner_after):
            settled = await fail_job(repos, job.id, RUNNER_STOPPED, ledger=ledger, take_over_after=older_than)
            report.failed_jobs.append(job.id)
            report.settled.append(settled)
    cursor = repos.jobs.col.find(
        {"status": {"$in": list(TERMINAL_JOB_STATUSES)}, "coins.held": {"$gt": 0}}, {"_id": 1}
    )
    for doc in await cursor.to_list():
        try:
            report.settled.append(await settle_job(repos, ledger, doc["_id"], take_over_after=older_than))
        except LedgerBusy as exc:
            log.warning("job %s not settled now (%s); it is settled at the next sweep", doc["_id"], exc)
            report.busy_jobs.append(doc["_id"])
    unfinished = await repos.images.jobs_with_unfinished()
    if unfinished:
        cancelled = repos.jobs.col.find({"_id": {"$in": unfinished}, "status": JOB_CANCELLED}, {"_id": 1})
        for doc in await cancelled.to_list():
            report.cancelled_images += await close_cancelled_job(repos, doc["_id"])
    return report
