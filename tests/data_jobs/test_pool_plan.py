"""Sizing the actor pool from the cluster's resources (pure: no Ray needed)."""

from __future__ import annotations

from data_jobs.pipeline import plan_actor_pool


def test_cpu_only_leaves_room_for_serve_and_reads() -> None:
    plan = plan_actor_pool({"CPU": 8.0}, images=1000)
    assert (plan.max_size, plan.num_cpus, plan.num_gpus) == (7, 1.0, 0.0)
    assert plan_actor_pool({"CPU": 2.0}, images=1000).max_size == 1
    assert plan_actor_pool({"CPU": 2.0}, images=1000, reserve_cpus=0).max_size == 2  # CLI: no server


def test_gpus_do_not_cap_the_cpu_workers() -> None:
    """Only the network stage's actors hold the GPUs: a 16-CPU, 1-GPU node keeps 15 CPU slots (it
    was 8, one per GPU share, which left half an H100 node's cores idle)."""
    plan = plan_actor_pool({"CPU": 16.0, "GPU": 1.0}, images=1000)
    assert (plan.max_size, plan.limited_by, plan.gpus, plan.batch_size) == (15, "cpu", 1.0, 8)
    plan = plan_actor_pool({"CPU": 4.0, "GPU": 2.0}, images=1000)
    assert plan.max_size == 3 and plan.gpus == 2.0 and plan.num_gpus * plan.max_size <= 2.0
    plan = plan_actor_pool({"CPU": 64.0, "GPU": 4.0}, images=1000, max_actors=2)
    assert plan.max_size == 2 and plan.num_gpus == 1.0


def test_never_more_actors_than_batches() -> None:
    assert plan_actor_pool({"CPU": 32.0}, images=5).max_size == 2
    assert plan_actor_pool({"CPU": 32.0}, images=0).max_size == 1


GIB = 1024**3


def test_memory_caps_the_pool_and_at_least_one_actor_runs() -> None:
    plan = plan_actor_pool({"CPU": 16.0, "memory": 8 * GIB}, images=1000, worker_bytes=int(2.5 * GIB))
    assert (plan.max_size, plan.limited_by, plan.worker_bytes) == (3, "memory", int(2.5 * GIB))
    plan = plan_actor_pool({"CPU": 16.0, "memory": 1 * GIB}, images=1000, worker_bytes=3 * GIB)
    assert plan.max_size == 1 and plan.limited_by == "memory"
    plenty = plan_actor_pool({"CPU": 8.0, "memory": 512 * GIB}, images=1000, worker_bytes=3 * GIB)
    assert plenty.max_size == 7 and plenty.limited_by == "cpu"
    unknown = plan_actor_pool({"CPU": 8.0}, images=1000, worker_bytes=3 * GIB)  # no memory resource
    assert unknown.max_size == 7


def test_memory_caps_the_cpu_workers_on_a_gpu_node_too() -> None:
    plan = plan_actor_pool({"CPU": 16.0, "GPU": 1.0, "memory": 4 * GIB}, images=1000, worker_bytes=GIB)
    assert plan.max_size == 4 and plan.gpus == 1.0 and plan.limited_by == "memory"


def test_worker_memory_is_estimated_from_the_recipe_and_the_limits() -> None:
    from cluster.settings import Limits
    from data_jobs.pipeline import MODEL_SESSION_BYTES, estimate_worker_bytes

    limits = Limits()
    amazon_fast = estimate_worker_bytes({"preset": "amazon", "method": "fast"}, limits)
    amazon_auto = estimate_worker_bytes({"preset": "amazon"}, limits)
    small_fast = estimate_worker_bytes({"size": 500, "method": "fast"}, limits)
    assert amazon_auto == amazon_fast + MODEL_SESSION_BYTES  # auto may load the network
    assert small_fast < amazon_fast < 1.5 * GIB  # decoded reduced: bounded by the output, not the camera
    bigger_limit = Limits(max_image_pixels=400_000_000)
    assert estimate_worker_bytes({"size": 500, "method": "fast"}, bigger_limit) > small_fast


def test_an_autoscaling_cluster_at_zero_workers_is_planned_for_what_it_may_grow_to() -> None:
    from cluster.settings import Settings
    from data_jobs.runner import planning_resources
    from data_jobs.stages import auto_network_first, plan_stages

    head_only = {"memory": 3.0 * GIB, "object_store_memory": 1.0 * GIB}  # num-cpus 0, minReplicas 0
    assert (
        plan_actor_pool(planning_resources(head_only, Settings()), images=1000).max_size == 1
    )  # unset: as now
    grows_to = Settings(batch_cluster_cpus=224, batch_cluster_gpus=4)
    resources = planning_resources(head_only, grows_to)
    assert resources["CPU"] == 224 and resources["GPU"] == 4
    assert "memory" not in resources  # the head's memory says nothing of the workers to come
    assert resources["object_store_memory"] == 1.0 * GIB
    plan = plan_actor_pool(resources, images=1000, worker_bytes=2 * GIB)
    # 1000 images in batches of 8 keep 125 CPU workers busy, not 1 on the head's 3 GiB
    assert (plan.max_size, plan.limited_by, plan.gpus) == (125, "images", 4.0)
    stages = plan_stages(plan)
    assert (stages.network_actors, stages.network_gpus, stages.cpu_tasks) == (8, 0.5, 117)
    assert auto_network_first(resources) == "network-first"  # the GPU group counts before its first pod


def test_a_cluster_larger_than_the_settings_is_planned_as_it_is() -> None:
    from cluster.settings import Settings
    from data_jobs.runner import planning_resources

    now = {"CPU": 64.0, "GPU": 8.0, "memory": 256.0 * GIB}
    assert planning_resources(now, Settings(batch_cluster_cpus=16, batch_cluster_gpus=0)) == now
    raised_gpus = planning_resources(now, Settings(batch_cluster_gpus=16))
    assert raised_gpus == {"CPU": 64.0, "GPU": 16.0, "memory": 256.0 * GIB}
