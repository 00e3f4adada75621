"""The CPU stages' workers keep freed memory for the next image (issue 12): each stage task applies
glibc's MALLOC_TRIM_THRESHOLD / MALLOC_TOP_PAD to its worker with `mallopt` (`tune_malloc`), and a
process so tuned faults in a tiny share of the pages an untuned one does for the same images."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from data_jobs.pipeline import PoolPlan
from data_jobs.stages import (
    CPU_WORKER_ENV,
    MALLOC_TOP_PAD,
    MALLOC_TRIM_THRESHOLD,
    cpu_stage_args,
    plan_stages,
)

ROOT = Path(__file__).resolve().parents[2]

# three amazon-preset images in a fresh process (after one to warm up): page faults per image
FAULTS = """
import resource, sys
import cv2
cv2.setNumThreads(1)
if sys.argv[1] == "tuned":
    from data_jobs.stages import tune_malloc
    assert tune_malloc()
from engine.pipeline import parse_recipe, process_image
from engine.templates.catalog import resolve
from tests.data_jobs.conftest import product_photo
recipe, template = parse_recipe({"preset": "amazon", "method": "fast"}), resolve("#ffffff")
photo = product_photo(1000, seed=3)
process_image(photo, recipe, template)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    process_image(photo, recipe, template)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3)
"""


def _faults(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout.strip().splitlines()[-1])


def test_a_cpu_stage_task_tunes_its_worker(ray_session) -> None:
    ray = ray_session

    def _tuned(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from data_jobs import stages

        stages._one_cpu()  # what prepare_stage and finish_stage do first
        return {"tuned": np.array([stages.tune_malloc()] * len(batch["id"]))}

    plan = plan_stages(PoolPlan(min_size=1, max_size=2, num_cpus=1.0, num_gpus=0.0, batch_size=2))
    args = cpu_stage_args(plan)
    assert "runtime_env" not in args  # workers of their own never got a CPU beside Ray Serve
    rows = ray.data.range(4, override_num_blocks=2).map_batches(_tuned, **args).take_all()
    assert [r["tuned"] for r in rows] == [True] * 4


def test_a_tuned_process_keeps_its_pages_between_images() -> None:
    plain, tuned = _faults("plain"), _faults("tuned")
    assert tuned * 10 < plain, (plain, tuned)  # measured: ~20 000 vs ~245 page faults per image


def test_the_environment_spelling_is_the_same_settings() -> None:
    """benchmarks.throughput starts its measuring processes with these; glibc ignores a value it
    cannot parse, silently, so each must be a plain positive integer equal to what mallopt applies."""
    assert CPU_WORKER_ENV == {
        "MALLOC_TRIM_THRESHOLD_": str(MALLOC_TRIM_THRESHOLD),
        "MALLOC_TOP_PAD_": str(MALLOC_TOP_PAD),
    }
    assert all(v.isdigit() and int(v) > 0 for v in CPU_WORKER_ENV.values())
