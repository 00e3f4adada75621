"""The API process itself picks up a job nobody runs: queued at start, or whose runner died later."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from data_jobs.progress import watch_job
from serve_apps.app import create_app
from store.documents import utcnow
from store.ledger import Ledger
from tests.data_jobs.test_resume import _queued_job
from tests.foundation.test_app import served

pytestmark = pytest.mark.ray


async def _finished(repos, job_id: str, timeout: float = 240.0):
    async def wait():
        async for progress in watch_job(repos, job_id, interval=0.5):
            if progress.status in ("done", "failed", "cancelled"):
                return progress
        return None

    return await asyncio.wait_for(wait(), timeout)


async def test_api_start_runs_a_queued_job_and_charges_once(
    ray_session, repos, blobs, settings, mongo_uri, user
):
    settings = settings.with_(blob_dir=str(blobs.root), mongodb_uri=mongo_uri, mongodb_db=repos.db.name)
    job = await _queued_job(repos, blobs, settings, user, 3)

    with served(create_app(settings)):
        progress = await _finished(repos, job.id)

    assert progress is not None and (progress.status, progress.done, progress.failed) == ("done", 3, 0)
    final = await repos.jobs.get(job.id)
    assert final.coins.charged == 3 * job.price_per_image and final.coins.held == 0
    ledger = Ledger(repos.db)
    assert await ledger.ledger_sum(user) == await ledger.balance(user) == 1000 - 3 * job.price_per_image


async def test_api_resumes_a_job_whose_runner_died(ray_session, repos, blobs, settings, mongo_uri, user):
    settings = settings.with_(blob_dir=str(blobs.root), mongodb_uri=mongo_uri, mongodb_db=repos.db.name)
    job = await _queued_job(repos, blobs, settings, user, 2)
    assert await repos.jobs.claim(job.id, "dead-runner", stale_after=dt.timedelta(seconds=30))
    await repos.jobs.col.update_one(
        {"_id": job.id}, {"$set": {"heartbeat": utcnow() - dt.timedelta(hours=1)}}
    )

    with served(create_app(settings)):
        progress = await _finished(repos, job.id)

    assert progress is not None and (progress.status, progress.done) == ("done", 2)
    assert (await repos.jobs.get(job.id)).coins.charged == 2 * job.price_per_image
