"""A batch on the smallest clusters the platform runs on: `make up` on a 2-core machine, where Ray Serve's
enhance replica holds one of the two CPUs.

Ray Data reserves each stage's minimum in pipeline order, upstream first; when the minimums did not all
fit, a stage waited for the ones above it to finish. On 2 CPUs finish ran only after prepare had read the
last image (a 1000-image batch finished nothing for 900 s), and with one CPU held by Serve the network
actor took the last one and prepare never ran again: every batch of more than one block stalled.
"""

from __future__ import annotations

import io

import pytest

from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.pipeline import plan_actor_pool
from data_jobs.runner import run_job
from data_jobs.stages import MIN_WHOLE_CPU_STAGES, plan_stages
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo


@pytest.mark.parametrize("gpus", [0.0, 1.0])
@pytest.mark.parametrize("reserve", [0.0, 1.0])
@pytest.mark.parametrize("cpus", [1.0, 2.0, 3.0, 4.0, 16.0])
def test_one_task_of_every_stage_fits_the_cpus_the_batch_may_hold(cpus, reserve, gpus) -> None:
    resources = {"CPU": cpus, "GPU": gpus} if gpus else {"CPU": cpus}
    plan = plan_stages(plan_actor_pool(resources, images=1000, reserve_cpus=reserve))
    budget = cpus - reserve
    assert plan.cpu_limit == budget  # Ray Data is told of the CPUs kept for Serve
    if budget <= 0:  # nothing left to plan with: whole CPUs, for a cluster that grows to fit them
        assert (plan.network_cpus, plan.task_cpus) == (1.0, 1.0)
        return
    assert plan.network_cpus + 2 * plan.task_cpus <= budget  # one network actor, one prepare, one finish
    whole = budget >= MIN_WHOLE_CPU_STAGES
    assert (plan.network_cpus, plan.task_cpus) == ((1.0, 1.0) if whole else (budget / 2, budget / 4))


def test_an_autoscaling_cluster_at_zero_workers_keeps_whole_cpus() -> None:
    plan = plan_stages(plan_actor_pool({"memory": 3.0 * 2**30}, images=1000))  # the head: no CPU
    assert (plan.network_cpus, plan.task_cpus, plan.cpu_limit) == (1.0, 1.0, 0.0)


@pytest.mark.ray
@pytest.mark.model
async def test_a_batch_of_many_blocks_finishes_while_serve_holds_one_of_two_cpus(
    ray_session, repos, blobs, settings, user
) -> None:
    """24 images in 6 blocks through prepare, the network's actor pool and finish, with 1 CPU free."""
    ray = ray_session
    settings = settings.with_(blob_dir=str(blobs.root))

    @ray.remote(num_cpus=1)
    class ServeReplica:  # what `make up`'s enhance replica holds
        def ready(self) -> bool:
            return True

    held = ServeReplica.remote()
    ray.get(held.ready.remote(), timeout=60)
    try:
        photos = {f"p{i:02d}.jpg": product_photo(240, seed=i) for i in range(24)}
        await Ledger(repos.db).credit(user, 100, "grant", f"grant:{user}")
        job = await create_job(
            repos, owner=user, module="ready", template="#ffffff", recipe={"method": "model", "size": 240}
        )
        await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
        await submit_job(repos, job.id)

        summary = await run_job(repos, settings, job.id, reserve_cpus=1.0, stall_timeout=120.0)
    finally:
        ray.kill(held)

    assert (summary.status, summary.done, summary.failed) == ("done", 24, 0)
