"""A batch job survives losing its whole Ray cluster, as a RayService upgrade (NewCluster) or the loss
of the head node does: the runner, its Ray and every worker of it are killed mid-job, and another
process on another Ray cluster resumes it; every image ends done and is charged exactly once.

tests/data_jobs/test_resume.py already proves the runner's process dying while its Ray lives on, with
the resume on that same Ray; this covers what it leaves out: nothing of the first cluster survives
(no actor, no object, no worker), and the resume comes from a different process and cluster.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from store.ledger import Ledger
from tests.data_jobs.conftest import until_runner_is_dead
from tests.data_jobs.runner_process import MID_JOB_IMAGES, own_ray_env, runner_on_own_ray, until_done
from tests.data_jobs.test_resume import _queued_job
from tests.process_tree import kill_at_once, naming

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
IMAGES = MID_JOB_IMAGES


async def test_a_job_whose_whole_ray_cluster_died_is_resumed_on_another(
    repos, blobs, settings, user, mongo_uri
):
    settings = settings.with_(blob_dir=str(blobs.root), mongodb_uri=mongo_uri, mongodb_db=repos.db.name)
    job = await _queued_job(repos, blobs, settings, user, IMAGES)
    async with runner_on_own_ray(repos, settings, job.id, mongo_uri) as runner:
        await until_done(repos, runner, job.id, 3)
        old_cluster = runner.cluster()
        assert len(old_cluster) >= 2, "the runner should have started a Ray of its own"
        # the whole cluster at once: driver, GCS, raylet, actors
        kill_at_once({runner.process.pid} | old_cluster)
        runner.process.wait(timeout=30)
    assert not naming(runner.ray_tmp), "a process of the old cluster is still running"

    before = {im.id: im for im in await repos.images.list_for_job(job.id)}
    done_before = {i for i, im in before.items() if im.status == "done"}
    assert 3 <= len(done_before) < IMAGES, "the cluster should have died mid-job"
    assert (await repos.jobs.get(job.id)).status == "running"  # nobody told the database

    await until_runner_is_dead(repos, job.id, dt.timedelta(seconds=1))
    new_tmp = tempfile.mkdtemp(prefix="drisya-new-", dir="/tmp")
    try:
        resumer = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(Path(__file__).with_name("resume_driver.py")), mongo_uri, repos.db.name],
            cwd=ROOT,
            env=own_ray_env(settings, new_tmp),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        kill_at_once(naming(new_tmp))
        shutil.rmtree(new_tmp, ignore_errors=True)
    assert resumer.returncode == 0, resumer.stderr[-3000:]
    report = json.loads(resumer.stdout.strip().splitlines()[-1])
    assert report["started"] == [job.id]

    final = await repos.jobs.get(job.id)
    after = {im.id: im for im in await repos.images.list_for_job(job.id)}
    not_done = sorted((im.status, im.error) for im in after.values() if im.status != "done")
    assert (final.status, final.counters.done, final.counters.failed) == ("done", IMAGES, 0), not_done
    assert all(im.status == "done" and im.charged for im in after.values())
    for image_id in done_before:  # finished on the old cluster: never run again
        assert after[image_id].attempts == 1 and after[image_id].updated == before[image_id].updated
    captures = [t for t in await repos.transactions.list_for_job(job.id) if t.kind == "capture"]
    assert sorted(t.key for t in captures) == sorted(f"capture:{job.id}:{i}" for i in after)
    assert final.coins.charged == IMAGES * final.price_per_image and final.coins.held == 0
    ledger = Ledger(repos.db)
    assert (
        await ledger.balance(user) == 1000 - IMAGES * final.price_per_image == await ledger.ledger_sum(user)
    )
