"""The Ray cluster under a running job dies while its runner lives on: the job is left to be resumed,
not failed, and a runner on a new cluster finishes it with every image charged once. A job whose runs
are cut short too often fails with a reason the seller can read and gives the rest of its coins back.

tests/kuberay/test_cluster_replaced.py kills the runner together with its cluster; here the runner's
process survives its raylet, GCS and workers and sees Ray's errors, which must not read as its
images failing.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from data_jobs.resume import resume_job, resume_stale_jobs
from data_jobs.runner import EXIT_RESUMABLE
from store.job_coins import capture_key
from store.ledger import Ledger
from tests.data_jobs.conftest import until_runner_is_dead
from tests.data_jobs.runner_process import MID_JOB_IMAGES, runner_on_own_ray, until_done
from tests.data_jobs.test_resume import _queued_job
from tests.process_tree import kill_at_once

pytestmark = pytest.mark.ray
IMAGES = MID_JOB_IMAGES
STALE = dt.timedelta(seconds=1)


async def _lose_the_cluster_mid_job(repos, blobs, settings, user, mongo_uri):
    """Run the job in a runner process on a local Ray of its own, kill that Ray (GCS, raylet, every
    worker; all frozen first, then killed) once 3 images are done, and let the runner see it.
    Returns (job, images before, runner's stderr, runner's exit code)."""
    job = await _queued_job(repos, blobs, settings, user, IMAGES)
    async with runner_on_own_ray(repos, settings, job.id, mongo_uri) as runner:
        await until_done(repos, runner, job.id, 3)
        cluster = runner.cluster()
        assert len(cluster) >= 2, "the runner should have started a Ray of its own"
        kill_at_once(cluster)
        assert runner.process.poll() is None, "only the cluster was killed"
        # the runner notices, records what came back and ends (Ray ends a driver whose GCS stays
        # unreachable for a minute: the job's state must be right before that)
        _, err = await asyncio.to_thread(runner.process.communicate, timeout=180)
    stderr = err.decode(errors="replace")
    before = {im.id: im for im in await repos.images.list_for_job(job.id)}
    return job, before, stderr, runner.process.returncode


def _assert_left_resumable(job, before, stderr: str, current) -> None:
    statuses = sorted({im.status for im in before.values()})
    assert current.status == "running", (current.status, current.error, stderr[-2000:])
    assert "left to be resumed" in stderr, stderr[-2000:]
    assert statuses in (["done", "running"], ["done", "queued", "running"]), statuses
    done = [im for im in before.values() if im.status == "done"]
    assert 3 <= len(done) < IMAGES and all(im.charged for im in done)
    assert current.counters.failed == 0
    # the unfinished images still hold their coins: nothing released that a resume will charge
    assert current.coins.charged == len(done) * job.price_per_image
    assert current.coins.released == 0
    assert current.coins.held == (IMAGES - len(done)) * job.price_per_image


async def _assert_books(repos, user: str, job_id: str, charged_images: set[str]) -> None:
    """Ledger sum == balance, every entry applied, one capture per charged image and none other."""
    ledger = Ledger(repos.db)
    assert await ledger.ledger_sum(user) == await ledger.balance(user)
    entries = await repos.db["transactions"].find({"user": user}).to_list()
    assert [e["key"] for e in entries if e["state"] != "applied"] == []
    captures = [e["key"] for e in entries if e["kind"] == "capture" and e.get("job") == job_id]
    assert sorted(captures) == sorted(capture_key(job_id, i) for i in charged_images)


async def test_a_lost_cluster_leaves_the_job_to_be_resumed_on_a_new_one(
    ray_session, repos, blobs, settings, user, mongo_uri
):
    settings = settings.with_(blob_dir=str(blobs.root), mongodb_uri=mongo_uri, mongodb_db=repos.db.name)
    job, before, stderr, returncode = await _lose_the_cluster_mid_job(repos, blobs, settings, user, mongo_uri)
    _assert_left_resumable(job, before, stderr, await repos.jobs.get(job.id))
    assert returncode in (EXIT_RESUMABLE, -6), (returncode, stderr[-2000:])  # -6: Ray's own abort
    done_before = {i for i, im in before.items() if im.status == "done"}
    await _assert_books(repos, user, job.id, done_before)

    # a new cluster (this process's Ray) picks it up, as the API's resume watch does
    await until_runner_is_dead(repos, job.id, STALE)
    assert await resume_stale_jobs(repos, settings, stale_after=STALE, wait=True) == [job.id]

    final = await repos.jobs.get(job.id)
    after = {im.id: im for im in await repos.images.list_for_job(job.id)}
    assert (final.status, final.counters.done, final.counters.failed) == ("done", IMAGES, 0)
    assert all(im.status == "done" and im.charged for im in after.values())
    for image_id in done_before:  # finished before the loss: never run again
        assert after[image_id].attempts == 1 and after[image_id].updated == before[image_id].updated
    for image_id in set(after) - done_before:  # started on the lost cluster, then on the new one
        assert after[image_id].attempts == 2
    assert final.coins.charged == IMAGES * job.price_per_image and final.coins.held == 0
    await _assert_books(repos, user, job.id, set(after))
    assert await Ledger(repos.db).balance(user) == 1000 - IMAGES * job.price_per_image


async def test_a_job_interrupted_too_often_fails_and_returns_the_rest(
    ray_session, repos, blobs, settings, user, mongo_uri
):
    settings = settings.with_(blob_dir=str(blobs.root), mongodb_uri=mongo_uri, mongodb_db=repos.db.name)
    job, before, stderr, _ = await _lose_the_cluster_mid_job(repos, blobs, settings, user, mongo_uri)
    _assert_left_resumable(job, before, stderr, await repos.jobs.get(job.id))
    done_before = {i for i, im in before.items() if im.status == "done"}

    await until_runner_is_dead(repos, job.id, STALE)
    once = settings.with_(job_max_runs=1)  # DRISYA_JOB_MAX_RUNS=1: the one lost run was the last allowed
    summary = await resume_job(repos, once, job.id, stale_after=STALE)

    final = await repos.jobs.get(job.id)
    unfinished = IMAGES - len(done_before)
    assert (summary.status, summary.processed_now) == ("failed", 0)
    assert final.status == "failed"
    assert final.error.startswith(
        f"processing was interrupted once (the compute cluster or its runner stopped) before {unfinished} images finished"
    )
    after = {im.id: im for im in await repos.images.list_for_job(job.id)}
    for image_id, image in after.items():
        if image_id in done_before:
            assert image.status == "done" and image.charged and image.updated == before[image_id].updated
        else:  # not started again: failed with the job's reason, free
            assert image.status == "failed" and image.attempts == 1 and not image.charged
            assert final.error in image.error
    assert (final.counters.done, final.counters.failed) == (len(done_before), unfinished)
    assert final.coins.charged == len(done_before) * job.price_per_image
    assert final.coins.released == unfinished * job.price_per_image and final.coins.held == 0
    await _assert_books(repos, user, job.id, done_before)
    assert await Ledger(repos.db).balance(user) == 1000 - len(done_before) * job.price_per_image
