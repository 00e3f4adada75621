"""Autoscaling for real on one machine: a batch that needs more workers than the cluster has makes
the autoscaler (v2, as in the manifests) add nodes of the CPU worker group's shape, the batch completes
with every image's output written, and the nodes go away once idle.

The worker group comes from the rendered dev overlay, scaled down to this 2-core machine shared with
others: each node declares 1 CPU instead of 2, the group may grow to 2 nodes instead of 3, the head
declares no CPU (as `num-cpus: "0"` does), and the idle timeout is 5 s instead of 120 s.
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
from store.blobs import LocalBlobStore
from tests.data_jobs.conftest import product_photo
from tests.kuberay.fake_cluster import fake_autoscaling_cluster

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
IMAGES = 12
NODE_CPUS = 1  # the dev group's 2, halved
MAX_NODES = 2  # the dev group's 3, less one
IDLE_TIMEOUT_S = 5.0


def dev_cpu_group() -> dict:
    service = next(o for o in render.render("dev") if o["kind"] == "RayService")
    (group,) = service["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    return group


def test_a_batch_scales_the_cpu_group_out_completes_and_the_nodes_go_when_idle(tmp_path: Path) -> None:
    group = dev_cpu_group()
    assert group["minReplicas"] == 0 and quantity(group["rayStartParams"]["num-cpus"]) == 2 * NODE_CPUS
    worker_types = {
        group["groupName"]: {
            "resources": {"CPU": NODE_CPUS, "object_store_memory": 80 * 1024 * 1024},
            "node_config": {},
            "min_workers": group["minReplicas"],
            "max_workers": MAX_NODES,
        }
    }
    blobs = LocalBlobStore(tmp_path / "blobs")
    for i in range(IMAGES):
        blobs.put_bytes(f"in/{i:02d}.jpg", product_photo(320, seed=i))

    with fake_autoscaling_cluster(worker_types, idle_timeout_s=IDLE_TIMEOUT_S) as (address, env):
        driver = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("autoscale_driver.py")),
                address,
                str(blobs.root),
                str(IMAGES),
                str(NODE_CPUS),
                str(MAX_NODES),
                "120",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
    assert driver.returncode == 0, driver.stderr[-3000:]
    events = {e["event"]: e for e in map(json.loads, driver.stdout.splitlines())}
    print(driver.stdout)  # the timeline, shown by pytest when an assertion below fails

    assert events["connected"]["workers"] == 0  # minReplicas 0: nothing runs before there is work
    assert (events["plan"]["min_size"], events["plan"]["max_size"]) == (MAX_NODES, MAX_NODES)
    batch = events["batch"]
    assert batch["peak_workers"] == MAX_NODES  # one 1-CPU node per actor, added by the autoscaler
    assert sorted(r["image_id"] for r in batch["rows"]) == [f"im{i:02d}" for i in range(IMAGES)]
    assert all(r["status"] == "done" for r in batch["rows"]), batch["rows"]
    for row in batch["rows"]:
        with Image.open(io.BytesIO(blobs.get_bytes(row["output_key"]))) as out:
            assert out.size == (400, 400)
    assert events["end"]["workers"] == 0  # idle nodes were removed
