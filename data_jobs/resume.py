"""Picking up jobs nobody is running: after a crash, a restart of Ray, or a killed process.

A runner that lost its Ray cluster (`execution.ClusterLost`) or its database leaves its job running
with a lease that goes stale; the next round here (on a cluster that answers) resumes it. The runner's
`max_runs` ends a job whose runs are cut short every time.

A running job whose heartbeat is older than `stale_after` has lost its runner; a queued job at
start-up lost the request that was about to start it. `JobsRepo.claim` makes taking one over a single
conditional update, so several API replicas calling this at once still give each job one runner.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from cluster.settings import Settings
from data_jobs.errors import JobStateError
from data_jobs.execution import ClusterLost
from data_jobs.runner import DEFAULT_STALE_AFTER, RunSummary, run_job
from store.documents import JOB_QUEUED
from store.repositories import Repositories
from store.retry import is_transient

log = logging.getLogger(__name__)

# Background runs of this process, kept so the event loop does not drop them (safe to lose).
_RUNNING: dict[str, asyncio.Task] = {}


def start_job_in_background(
    repos: Repositories, settings: Settings, job_id: str, **run_options: Any
) -> asyncio.Task:
    """Run a job on this process's event loop; a second call while it runs returns the same task."""
    task = _RUNNING.get(job_id)
    if task is not None and not task.done():
        return task

    async def guarded() -> RunSummary | None:
        try:
            return await run_job(repos, settings, job_id, **run_options)
        except JobStateError as exc:  # another runner holds it: nothing to do here
            log.info("job %s not started here: %s", job_id, exc)
            return None
        except Exception as exc:
            if is_transient(exc) or isinstance(exc, ClusterLost):
                # the job is still running in the database: resumed once the database, or a Ray
                # cluster, answers again (run_job's `max_runs` ends a job that never gets through)
                log.warning("job %s paused, to be resumed: %s", job_id, exc)
            else:
                log.exception("job %s stopped with an error", job_id)
            return None
        finally:
            _RUNNING.pop(job_id, None)

    task = asyncio.get_running_loop().create_task(guarded(), name=f"drisya-job-{job_id}")
    _RUNNING[job_id] = task
    return task


def running_here() -> list[str]:
    return [job_id for job_id, task in _RUNNING.items() if not task.done()]


async def resume_stale_jobs(
    db_or_repos: Any,
    settings: Settings,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    include_queued: bool = True,
    wait: bool = False,
    **run_options: Any,
) -> list[str]:
    """Start a runner for every job whose runner died (and, by default, every queued job).

    Returns the ids started. With `wait=False` (the start-up hook) the runs continue in the
    background; with `wait=True` this returns when they have all ended.
    """
    repos = db_or_repos if isinstance(db_or_repos, Repositories) else Repositories(db_or_repos)
    candidates = [job.id for job in await repos.jobs.dead_runners(stale_after=stale_after)]
    if include_queued:
        candidates += [job.id for job in await repos.jobs.with_status([JOB_QUEUED])]
    started: list[str] = []
    tasks = []
    for job_id in dict.fromkeys(candidates):
        if job_id in running_here():
            continue
        log.info("resuming job %s", job_id)
        tasks.append(start_job_in_background(repos, settings, job_id, stale_after=stale_after, **run_options))
        started.append(job_id)
    if wait and tasks:
        await asyncio.gather(*tasks)
    return started


async def resume_job(
    repos: Repositories,
    settings: Settings,
    job_id: str,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    **run_options: Any,
) -> RunSummary:
    """Resume one job on demand (admin action, tests); JobStateError if its runner is still alive."""
    return await run_job(repos, settings, job_id, stale_after=stale_after, **run_options)
