"""Live progress of a job for subscribers (the API's WebSocket, the SDK, the CLI's bar).

The job document is the single source of truth: the runner updates its counters in bulk, and
subscribers poll it. Polling (rather than a change stream) works on MongoDB and on nx-27017
alike, works across processes (the runner may live elsewhere), and costs one indexed read per
subscriber per interval. An event is sent at least every `interval` seconds while the job is not
finished (a heartbeat even when nothing changed), and a last one with the terminal status. A short
database outage delays events rather than ending the subscription (reads are retried, see
`store.retry`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from store.documents import TERMINAL_JOB_STATUSES, Job
from store.repositories import Repositories
from store.retry import RetryPolicy, retry_transient


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    done: int
    failed: int
    total: int
    status: str

    @classmethod
    def from_job(cls, job: Job) -> JobProgress:
        return cls(job.id, job.counters.done, job.counters.failed, job.counters.total, job.status)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "finished": self.finished}

    def describe(self) -> str:
        """What the dashboard and the CLI print, e.g. "Processing 243/1000 (2 failed)"."""
        verb = {"running": "Processing", "queued": "Queued", "created": "Waiting for uploads"}.get(
            self.status, self.status.capitalize()
        )
        failed = f" ({self.failed} failed)" if self.failed else ""
        return f"{verb} {self.finished}/{self.total}{failed}"


async def watch_job(
    repos: Repositories, job_id: str, *, interval: float = 0.5, db_retry: RetryPolicy | None = None
) -> AsyncIterator[JobProgress]:
    """Yield the job's progress every `interval` seconds until it reaches a terminal status.

    Raises store.errors.NotFound if the job does not exist (or disappears), and
    store.retry.DatabaseUnavailable if the database stays away longer than `db_retry` allows."""
    while True:
        job = await retry_transient(f"read job {job_id}", lambda: repos.jobs.get(job_id), policy=db_retry)
        progress = JobProgress.from_job(job)
        yield progress
        if progress.is_terminal:
            return
        await asyncio.sleep(interval)


async def subscribe(
    repos: Repositories,
    job_id: str,
    callback: Callable[[JobProgress], Awaitable[Any] | Any],
    *,
    interval: float = 0.5,
) -> JobProgress:
    """Call `callback` (sync or async) with every progress event; returns the final one."""
    last: JobProgress | None = None
    async for progress in watch_job(repos, job_id, interval=interval):
        result = callback(progress)
        if inspect.isawaitable(result):
            await result
        last = progress
    assert last is not None
    return last
