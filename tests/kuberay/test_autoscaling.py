"""Autoscaling for real on one machine, with the manifests' worker group shapes (scaled down).

A batch needs workers of both groups (the head has no CPU; the network stage's actor holds a GPU share
and the CPU stages run as CPU tasks): the autoscaler (v2, as in the manifests) adds a node of each, the
batch completes with every image's output written, and the nodes go once idle. The enhance deployment's
GPU share brings up a node of the GPU group, and no CPU node, from zero. Scaled to this 2-core machine shared with others: a CPU node declares 1 CPU instead of 2
(dev) or 8 (prod), a group grows to at most 2 nodes, the head declares no CPU (as `num-cpus: "0"`
does), and the idle timeout is 5 s instead of 120 s. GPUs are logical here: the scheduling and the
scaling are real, the device is not.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from kuberay import render
from kuberay.checks import quantity
from serve_apps.serve_config import serve_config
from store.blobs import LocalBlobStore
from tests.data_jobs.conftest import product_photo
from tests.kuberay.fake_cluster import fake_autoscaling_cluster

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("autoscale_driver.py")
IMAGES = 2  # ISNet runs on this machine's CPU: keep the network's work small
MAX_NODES = 2
IDLE_TIMEOUT_S = 5.0
OBJECT_STORE = 80 * 1024 * 1024


def groups(overlay: str) -> dict[str, dict]:
    service = next(o for o in render.render(overlay) if o["kind"] == "RayService")
    return {g["groupName"]: g for g in service["spec"]["rayClusterConfig"]["workerGroupSpecs"]}


def node_type(group: dict, *, cpus: float, max_nodes: int) -> dict:
    """The fake provider's node type for a worker group: its GPUs as declared, fewer CPUs, fewer nodes."""
    resources = {"CPU": cpus, "object_store_memory": OBJECT_STORE}
    gpus = quantity(group["rayStartParams"].get("num-gpus", 0))
    if gpus:
        resources["GPU"] = gpus
    return {
        "resources": resources,
        "node_config": {},
        "min_workers": group["minReplicas"],
        "max_workers": max_nodes,
    }


def run_driver(args: list[str], worker_types: dict) -> dict[str, dict]:
    with fake_autoscaling_cluster(worker_types, idle_timeout_s=IDLE_TIMEOUT_S) as (address, env):
        driver = subprocess.run(
            [sys.executable, str(DRIVER), args[0], address, *args[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
    assert driver.returncode == 0, driver.stderr[-3000:]
    print(driver.stdout)  # the timeline, shown by pytest when an assertion fails
    lines = [line for line in driver.stdout.splitlines() if line.startswith('{"event"')]  # not library output
    return {e["event"]: e for e in map(json.loads, lines)}


@pytest.mark.model
def test_a_batch_scales_both_groups_from_zero_completes_and_the_nodes_go_when_idle(tmp_path: Path) -> None:
    """The network stage's actor holds a GPU node's only CPU, so the CPU stages need a CPU node too."""
    prod = groups("prod")
    types = {
        name: node_type(g, cpus=1, max_nodes=MAX_NODES if name == "cpu" else 1) for name, g in prod.items()
    }
    declared = {  # what the groups may grow to
        "CPU": sum(t["resources"]["CPU"] * t["max_workers"] for t in types.values()),
        "GPU": sum(t["resources"].get("GPU", 0) * t["max_workers"] for t in types.values()),
    }
    blobs = LocalBlobStore(tmp_path / "blobs")
    for i in range(IMAGES):
        blobs.put_bytes(f"in/{i:02d}.jpg", product_photo(320, seed=i))

    events = run_driver(["batch", str(blobs.root), str(IMAGES), json.dumps(declared), "model", "120"], types)

    assert events["connected"]["workers"] == 0  # minReplicas 0: nothing runs before there is work
    assert (events["resources"]["cpus_now"], events["resources"]["gpus_now"]) == (0.0, 0.0)
    assert events["plan"]["num_gpus"] > 0  # planned for the GPU group before it has a pod
    batch = events["batch"]
    assert (batch["gpu_peak"], batch["cpu_peak"]) >= (1, 1), batch  # one of each group was added
    assert sorted(r["image_id"] for r in batch["rows"]) == [f"im{i:02d}" for i in range(IMAGES)]
    assert all(r["status"] == "done" for r in batch["rows"]), batch["rows"]
    for row in batch["rows"]:
        with Image.open(io.BytesIO(blobs.get_bytes(row["output_key"]))) as out:
            assert out.size == (400, 400)
    assert events["end"]["workers"] == 0  # idle nodes were removed


def test_the_enhance_gpu_share_brings_up_the_gpu_group_from_zero() -> None:
    prod = groups("prod")
    assert {name: g["minReplicas"] for name, g in prod.items()} == {"cpu": 0, "gpu": 0}
    (app,) = serve_config("prod")["applications"]
    enhance = next(d for d in app["deployments"] if d["name"] == "enhance")["ray_actor_options"]
    assert enhance["num_gpus"] > 0

    events = run_driver(
        ["actor", json.dumps(enhance), "120"],
        {name: node_type(g, cpus=1, max_nodes=1) for name, g in prod.items()},
    )

    assert events["connected"]["workers"] == 0
    placed = events["actor"]
    assert placed["host"]["GPU"] == 1 and placed["gpu_ids"] == 1  # on a GPU node, holding a GPU share
    assert placed["peak_workers"] == 1  # the GPU group alone scaled; no CPU node was started for it
    assert events["end"]["workers"] == 0
