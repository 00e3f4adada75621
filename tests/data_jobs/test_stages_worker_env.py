"""The CPU stages' tasks run in workers started with `CPU_WORKER_ENV` (glibc keeps freed memory for
the next image, issue 12), set through Ray's public runtime_env; the network stage is not touched."""

from __future__ import annotations

import os

import numpy as np

from data_jobs.pipeline import PoolPlan
from data_jobs.stages import CPU_WORKER_ENV, cpu_stage_args, plan_stages


def test_cpu_stage_workers_start_with_the_malloc_settings(ray_session) -> None:
    ray = ray_session

    # defined here so Ray pickles it by value (the workers cannot import the test module)
    def _worker_env(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What a CPU stage's task sees: its environment and whether glibc read it at process start."""
        names = list(CPU_WORKER_ENV)
        with open(f"/proc/{os.getpid()}/environ", "rb") as f:  # the environment the process started with
            started = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        return {
            "name": np.array(names * len(batch["id"])),
            "now": np.array([os.environ.get(n, "") for n in names] * len(batch["id"])),
            "at_start": np.array([started.get(n.encode(), b"").decode() for n in names] * len(batch["id"])),
        }

    plan = plan_stages(PoolPlan(min_size=1, max_size=2, num_cpus=1.0, num_gpus=0.0, batch_size=2))
    args = cpu_stage_args(plan)
    assert args["runtime_env"] == {"env_vars": CPU_WORKER_ENV}
    rows = ray.data.range(4, override_num_blocks=2).map_batches(_worker_env, **args).take_all()
    assert len(rows) == 4 * len(CPU_WORKER_ENV)
    for row in rows:
        # in the process's own start-up environment, where glibc reads it, not only os.environ
        assert row["now"] == row["at_start"] == CPU_WORKER_ENV[row["name"]]


def test_the_settings_are_glibc_numbers() -> None:
    """glibc ignores a value it cannot parse, silently: each must be a plain positive integer."""
    assert set(CPU_WORKER_ENV) == {"MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}
    assert all(v.isdigit() and int(v) > 0 for v in CPU_WORKER_ENV.values())
