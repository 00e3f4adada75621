"""A job that stops (stalled, cancelled) stops its Ray Data execution too: no actor keeps retrying a
crashing worker and no thread stays blocked on the results, in a process that lives on."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

import pytest

from data_jobs.jobs import add_zip, cancel_job, create_job, submit_job
from data_jobs.runner import PUMP_THREAD_PREFIX, JobStalled, run_job
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo
from tests.data_jobs.crashing_limits import WorkerKillingLimits

pytestmark = pytest.mark.ray

FAST = {"method": "fast", "size": 400}


def _live_actor_ids() -> set[str]:
    """Processes of the job's stages still running, by their process title ("ray::MapWorker(..." or
    "ray::...MapBatches(finish_stage)"; Ray sets it with setproctitle). Read from /proc: Ray's public state API
    needs the dashboard, which is off in tests, and its private GCS view is not ours to import."""
    alive = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:  # ended while we looked
            continue
        if title.startswith("ray::") and ("MapWorker" in title or "MapBatches" in title):
            alive.add(proc.name)
    return alive


async def _all_dead(actor_ids: set[str], *, wait: float = 30.0) -> set[str]:
    """The actors among `actor_ids` still not dead after `wait` seconds (a kill is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        left = actor_ids & _live_actor_ids()
        if not left or loop.time() > deadline:
            return left
        await asyncio.sleep(0.2)


def _pump_threads(job_id: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(f"{PUMP_THREAD_PREFIX}-{job_id}")]


async def _crashing_job(repos, blobs, settings, user, images: int = 3):
    await Ledger(repos.db).credit(user, 10, "grant", f"grant:{user}")
    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe=FAST)
    photos = {f"p{i}.jpg": product_photo(200, seed=i) for i in range(images)}
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    return job, settings.with_(limits=WorkerKillingLimits())


async def test_a_stalled_job_stops_its_crashing_workers(ray_session, repos, blobs, settings, user):
    settings = settings.with_(blob_dir=str(blobs.root))
    job, crashing = await _crashing_job(repos, blobs, settings, user)
    before = _live_actor_ids()

    with pytest.raises(JobStalled):
        await run_job(repos, crashing, job.id, stall_timeout=4.0, max_actors=1)

    final = await repos.jobs.get(job.id)
    assert final.status == "failed" and "no image finished" in (final.error or "")
    assert (final.coins.held, final.coins.charged, final.coins.released) == (0, 0, 3)
    assert await Ledger(repos.db).balance(user) == 10
    assert _pump_threads(job.id) == []
    started = _live_actor_ids() - before  # the job's actors, if any is still up
    assert await _all_dead(started) == set()


async def test_cancelling_a_job_whose_workers_crash_stops_them(ray_session, repos, blobs, settings, user):
    from data_jobs.resume import start_job_in_background

    settings = settings.with_(blob_dir=str(blobs.root))
    job, crashing = await _crashing_job(repos, blobs, settings, user)
    before = _live_actor_ids()
    task = start_job_in_background(
        repos, crashing, job.id, stall_timeout=3600, heartbeat_interval=0.2, max_actors=1
    )
    while not _live_actor_ids() - before:  # the pool is up and crashing on its first batch
        await asyncio.sleep(0.1)
    started = _live_actor_ids() - before

    await cancel_job(repos, job.id)
    summary = await asyncio.wait_for(task, timeout=120)

    assert summary is not None and summary.status == "cancelled"
    final = await repos.jobs.get(job.id)
    assert (final.coins.held, final.coins.charged, final.coins.released) == (0, 0, 3)
    assert {im.status for im in await repos.images.list_for_job(job.id)} == {"cancelled"}
    assert _pump_threads(job.id) == []
    assert await _all_dead(started | (_live_actor_ids() - before)) == set()
