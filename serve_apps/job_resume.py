"""Keeps jobs moving when their runner dies: at API start and then on a timer.

A runner can die at any moment (a replica restarted, a node lost), not only before a restart, so a
check at start-up alone would leave a job stuck until the next deploy. Every API replica runs the
watch; `JobsRepo.claim` inside the runner makes sure each job still gets exactly one runner.
"""

from __future__ import annotations

import asyncio
import logging

from data_jobs.resume import resume_stale_jobs
from serve_apps.state import AppState

log = logging.getLogger("drisya.resume")


async def resume_on_start(state: AppState) -> None:
    """App start-up hook: resume dead and queued jobs, then keep watching for dead runners.

    Runs in the background so an API whose database is down still starts and says so on /healthz.
    """
    state.extras["resume_watch"] = asyncio.get_running_loop().create_task(
        _watch(state), name="drisya-resume-watch"
    )


async def _watch(state: AppState) -> None:
    interval = state.settings.resume_watch_seconds  # 0: the start-up round only
    first = True
    while True:
        try:
            # Queued jobs only at the first round: later, a queued job may be one a request is starting.
            started = await resume_stale_jobs(state.repos, state.settings, include_queued=first, wait=False)
            first = False
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the watch; the next round retries
            log.exception("resume watch round failed")
        else:
            if started:
                log.warning("resumed %d job(s) nobody was running: %s", len(started), ", ".join(started))
        if interval <= 0:
            return
        await asyncio.sleep(interval)
