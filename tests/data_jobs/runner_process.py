"""A job's runner in a process of its own, on a local Ray of its own under a private temp dir: what
the tests that lose a Ray cluster mid-job need before they kill it (the runner survives its cluster
in tests/data_jobs/test_cluster_lost.py; both die in tests/kuberay/test_cluster_replaced.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from data_jobs.progress import watch_job
from tests.process_tree import descendants, kill_at_once, naming

ROOT = Path(__file__).resolve().parents[2]

# Images in a job that must still be mid-way when its 3rd image is done. Images finish in blocks of
# 4, and on 2 CPUs up to 4 blocks are in flight at once (fractional CPUs per task since the
# small-cluster plan), so a whole first wave can land in one write: 12 images once finished before
# the kill did (CI of stop 21). 40 leaves at least two more waves (~1 s) after the first.
MID_JOB_IMAGES = 40


def own_ray_env(settings, ray_tmp: str) -> dict[str, str]:
    """A child's environment: the test's settings and a local Ray of its own under `ray_tmp` (never
    the test process's Ray, whose address RAY_ADDRESS would hand it)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return {
        **env,
        **settings.as_env(),
        "DRISYA_RAY_NUM_CPUS": "2",
        "RAY_TMPDIR": ray_tmp,
        "PYTHONPATH": str(ROOT),
    }


@dataclass
class RunnerOnOwnRay:
    process: subprocess.Popen
    ray_tmp: str

    def cluster(self) -> set[int]:
        """The runner's Ray: its children and every process naming its temp dir, not the runner."""
        return (descendants(self.process.pid) | naming(self.ray_tmp)) - {self.process.pid}


@contextlib.asynccontextmanager
async def runner_on_own_ray(repos, settings, job_id: str, mongo_uri: str) -> AsyncIterator[RunnerOnOwnRay]:
    """`python -m data_jobs.runner JOB` on a Ray of its own (stderr piped). On the way out whatever
    is left of the runner and its Ray is killed and the temp dir removed."""
    ray_tmp = tempfile.mkdtemp(prefix="drisya-runner-", dir="/tmp")
    process = subprocess.Popen(
        [sys.executable, "-m", "data_jobs.runner", job_id, "--mongodb-uri", mongo_uri, "--db", repos.db.name],
        cwd=ROOT,
        env=own_ray_env(settings, ray_tmp),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield RunnerOnOwnRay(process, ray_tmp)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stderr.close()
        kill_at_once(naming(ray_tmp))
        time.sleep(0.5)
        shutil.rmtree(ray_tmp, ignore_errors=True)


async def until_done(repos, runner: RunnerOnOwnRay, job_id: str, count: int, timeout: float = 240) -> None:
    """Wait until `count` of the job's images are done, failing with the runner's stderr if it ends."""
    async with asyncio.timeout(timeout):
        async for progress in watch_job(repos, job_id, interval=0.05):
            if progress.done >= count:
                return
            assert runner.process.poll() is None, runner.process.stderr.read().decode()[-2000:]
