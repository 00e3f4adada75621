"""The enhance deployment's replica ceiling leaves a running batch the CPUs it needs to move.

On a 2-core `make up` the ceiling was one replica per CPU: under `/v1/enhance` load Serve grew to two,
and a batch started then waited in Ray's queue for a CPU until Serve scaled back (JobStalled at 900 s).
"""

from __future__ import annotations

import pytest

from data_jobs.pipeline import SERVE_RESERVE_CPUS, plan_actor_pool
from data_jobs.stages import batch_floor_cpus, plan_stages
from serve_apps.enhance_deployment import enhance_options


def _min_batch_cpus(cpus: float) -> float:
    """What one task of each stage of a batch planned on this cluster holds, as Ray would schedule it."""
    stages = plan_stages(plan_actor_pool({"CPU": cpus}, images=1000))
    return stages.network_cpus + 2 * stages.task_cpus


@pytest.mark.parametrize("cpus", [1, 2, 3, 4, 5, 8, 16, 64])
def test_the_largest_enhance_deployment_leaves_a_batch_room_to_move(cpus):
    options = enhance_options({"CPU": float(cpus)})
    held = options["autoscaling_config"]["max_replicas"] * options["ray_actor_options"]["num_cpus"]
    assert options["autoscaling_config"]["max_replicas"] >= 1
    if cpus >= 2:  # a 1-CPU cluster has no room for both: one replica, and the batch shares its core
        assert held + _min_batch_cpus(cpus) <= cpus, (held, _min_batch_cpus(cpus))


def test_a_two_core_make_up_keeps_one_replica_and_a_sixteen_core_one_thirteen():
    assert enhance_options({"CPU": 2.0})["autoscaling_config"]["max_replicas"] == 1
    assert enhance_options({"CPU": 16.0})["autoscaling_config"]["max_replicas"] == 13
    # half-CPU replicas fit twice as many in what a batch spares
    assert enhance_options({"CPU": 16.0}, num_cpus=0.5)["autoscaling_config"]["max_replicas"] == 26


def test_a_declared_ceiling_wins_over_the_cluster():
    """KubeRay's serveConfigV2 declares the shape (serve_config.PROFILES); nothing is derived then."""
    assert enhance_options({"CPU": 2.0}, max_replicas=16)["autoscaling_config"]["max_replicas"] == 16


def test_the_floor_is_what_the_stage_plan_holds_at_the_least():
    for cpus in (1.5, 2.0, 3.0, 4.0, 8.0, 32.0):
        assert batch_floor_cpus(cpus) == pytest.approx(min(3.0, cpus - SERVE_RESERVE_CPUS))
        assert _min_batch_cpus(cpus) <= batch_floor_cpus(cpus) + 1e-9
