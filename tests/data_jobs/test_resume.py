"""A runner killed mid-job: resuming processes only the unfinished images and charges each once."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.progress import watch_job
from data_jobs.resume import resume_stale_jobs
from store.job_coins import capture_key
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo, until_runner_is_dead

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
IMAGES = 24


async def _queued_job(repos, blobs, settings, user, n: int):
    await Ledger(repos.db).credit(user, 1000, "grant", f"grant:{user}")
    job = await create_job(
        repos, owner=user, module="ready", template="#f4f4f4", recipe={"method": "fast", "size": 900}
    )
    photos = {f"p{i:02d}.jpg": product_photo(700, seed=i) for i in range(n)}
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    return job


async def test_killed_runner_is_resumed_without_double_work_or_charge(
    ray_session, repos, blobs, settings, user, mongo_uri
):
    settings = settings.with_(blob_dir=str(blobs.root))
    job = await _queued_job(repos, blobs, settings, user, IMAGES)
    env = {**os.environ, **settings.as_env(), "PYTHONPATH": str(ROOT)}
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "data_jobs.runner",
            job.id,
            "--mongodb-uri",
            mongo_uri,
            "--db",
            repos.db.name,
            "--ray-address",
            ray_session.get_runtime_context().gcs_address,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(180):
            async for progress in watch_job(repos, job.id, interval=0.05):
                if progress.done >= 4:
                    break
                assert runner.poll() is None, runner.stderr.read().decode()[-2000:]
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
        runner.stderr.close()

    before = {im.id: im for im in await repos.images.list_for_job(job.id)}
    done_before = {i for i, im in before.items() if im.status == "done"}
    assert 4 <= len(done_before) < IMAGES, "the runner should have died mid-job"
    assert (await repos.jobs.get(job.id)).status == "running"  # nobody told the DB it died

    await until_runner_is_dead(repos, job.id, dt.timedelta(seconds=1))
    resumed = await resume_stale_jobs(repos, settings, stale_after=dt.timedelta(seconds=1), wait=True)
    assert resumed == [job.id]

    final = await repos.jobs.get(job.id)
    after = {im.id: im for im in await repos.images.list_for_job(job.id)}
    assert final.status == "done"
    assert (final.counters.total, final.counters.done, final.counters.failed) == (IMAGES, IMAGES, 0)
    assert all(im.status == "done" and im.charged for im in after.values())
    for image_id in done_before:  # finished before the kill: never touched again
        assert after[image_id].attempts == 1
        assert after[image_id].updated == before[image_id].updated
    captures = [t for t in await repos.transactions.list_for_job(job.id) if t.kind == "capture"]
    assert sorted(t.key for t in captures) == sorted(capture_key(job.id, i) for i in after)
    assert final.coins.charged == IMAGES * final.price_per_image
    assert final.coins.held == 0
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == 1000 - IMAGES * final.price_per_image
    assert await ledger.ledger_sum(user) == await ledger.balance(user)


async def test_capture_cut_in_half_by_a_crash_is_finished_once(ray_session, repos, blobs, settings, user):
    """The runner died inside a ledger capture: the entry is pending, the image done but uncharged."""
    from data_jobs.resume import resume_job
    from store.documents import Transaction, utcnow
    from store.ledger import slot_of
    from store.repositories import ImageResult

    settings = settings.with_(blob_dir=str(blobs.root))
    job = await _queued_job(repos, blobs, settings, user, 2)
    assert await repos.jobs.claim(job.id, "dead-runner", stale_after=dt.timedelta(seconds=30))
    await repos.jobs.col.update_one(
        {"_id": job.id}, {"$set": {"heartbeat": utcnow() - dt.timedelta(hours=1)}}
    )
    first, second = await repos.images.list_for_job(job.id)
    await repos.images.record_results([ImageResult(first.id, "done", outputs={"image": first.input_blob})])
    key = capture_key(job.id, first.id)
    orphan = Transaction(key=key, user=user, kind="capture", amount=0, charge=job.price_per_image, job=job.id)
    doc = orphan.to_doc()
    doc.update(state="pending", slot=slot_of(key), open=False, created=utcnow() - dt.timedelta(minutes=1))
    await repos.transactions.col.insert_one(doc)

    summary = await resume_job(repos, settings, job.id, stale_after=dt.timedelta(seconds=1))

    assert (summary.status, summary.done, summary.processed_now) == ("done", 2, 1)
    final = await repos.jobs.get(job.id)
    assert final.coins.charged == 2 * job.price_per_image and final.coins.held == 0
    captures = [t for t in await repos.transactions.list_for_job(job.id) if t.kind == "capture"]
    assert sorted(t.key for t in captures) == sorted([key, capture_key(job.id, second.id)])
    ledger = Ledger(repos.db)
    assert await ledger.ledger_sum(user) == await ledger.balance(user) == 1000 - 2 * job.price_per_image
