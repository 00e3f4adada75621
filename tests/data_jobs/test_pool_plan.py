"""Sizing the actor pool from the cluster's resources (pure: no Ray needed)."""

from __future__ import annotations

from data_jobs.pipeline import plan_actor_pool


def test_cpu_only_leaves_room_for_serve_and_reads() -> None:
    plan = plan_actor_pool({"CPU": 8.0}, images=1000)
    assert (plan.max_size, plan.num_cpus, plan.num_gpus) == (7, 1.0, 0.0)
    assert plan_actor_pool({"CPU": 2.0}, images=1000).max_size == 1
    assert plan_actor_pool({"CPU": 2.0}, images=1000, reserve_cpus=0).max_size == 2  # CLI: no server


def test_gpus_are_shared_fractionally_by_cpu_fed_actors() -> None:
    plan = plan_actor_pool({"CPU": 16.0, "GPU": 1.0}, images=1000)
    assert plan.max_size == 8 and plan.num_gpus == 0.125
    plan = plan_actor_pool({"CPU": 4.0, "GPU": 2.0}, images=1000)
    assert plan.max_size == 3 and plan.num_gpus * plan.max_size <= 2.0
    plan = plan_actor_pool({"CPU": 64.0, "GPU": 4.0}, images=1000, max_actors=2)
    assert plan.max_size == 2 and plan.num_gpus == 1.0


def test_never_more_actors_than_batches() -> None:
    assert plan_actor_pool({"CPU": 32.0}, images=5).max_size == 2
    assert plan_actor_pool({"CPU": 32.0}, images=0).max_size == 1
