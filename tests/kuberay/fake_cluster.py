"""A real autoscaling Ray cluster on one machine: Ray's fake multi-node provider with autoscaler v2.

`ray.cluster_utils.AutoscalingCluster` (Ray 2.60) is what Ray's own tests use for this, but here it
cannot run: it reads `autoscaler/_private/fake_multi_node/example.yaml`, which the 2.60.0 wheel does not
ship (FileNotFoundError on construction), and its `start()` runs `ray stop --force`, which kills every
Ray process on the machine, other people's included. This does what it does with the public CLI
(`RAY_FAKE_CLUSTER=1 ray start --head --autoscaling-config=...`, Ray's documented way to test
autoscaling locally; the provider is named as an "external" class, because the `fake_multinode` type
makes the autoscaler itself read the missing example.yaml), on free ports and a private temp dir, and stops only the processes it started:
the `ray start --block` process, its descendants, and any process whose command line names the
private temp dir (the fake worker nodes are started by the autoscaler, not by `ray start`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.process_tree import descendants, kill_at_once, naming

# The head's instance id the fake provider expects under autoscaler v2 (the value AutoscalingCluster
# uses; Ray's python/ray/autoscaler/_private/fake_multi_node/node_provider.py FAKE_HEAD_NODE_ID).
FAKE_HEAD_ID = "fffffffffffffffffffffffffffffffffffffffffffffffffff00000"
HEAD_TYPE = "ray.head.default"
FAKE_PROVIDER = "ray.autoscaler._private.fake_multi_node.node_provider.FakeMultiNodeProvider"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def cluster_config(
    worker_types: dict[str, Any], *, idle_timeout_s: float, gcs_address: str
) -> dict[str, Any]:
    """The autoscaling config `ray start --autoscaling-config` reads, fake provider, v2 launch style."""
    return {
        "cluster_name": "drisya-fake",
        "max_workers": sum(t["max_workers"] for t in worker_types.values()),
        "provider": {
            # "external" + the class: the `fake_multinode` type would load defaults from example.yaml
            "type": "external",
            "module": FAKE_PROVIDER,
            "use_node_id_as_ip": True,
            "disable_node_updaters": True,
            "disable_launch_config_check": True,
            "launch_multiple": True,
            "head_node_id": FAKE_HEAD_ID,
            "gcs_address": gcs_address,
        },
        "available_node_types": {
            **worker_types,
            HEAD_TYPE: {"resources": {}, "node_config": {}, "max_workers": 0},
        },
        "head_node_type": HEAD_TYPE,
        "upscaling_speed": 1.0,
        "idle_timeout_minutes": idle_timeout_s / 60,
        "auth": {},
        "docker": {},
        "initialization_commands": [],
        "setup_commands": [],
        "head_setup_commands": [],
        "worker_setup_commands": [],
        "head_start_ray_commands": [],
        "worker_start_ray_commands": [],
        "file_mounts": {},
        "cluster_synced_files": [],
        "file_mounts_sync_continuously": False,
        "rsync_exclude": [],
        "rsync_filter": [],
    }


@contextlib.contextmanager
def fake_autoscaling_cluster(
    worker_types: dict[str, Any], *, idle_timeout_s: float
) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the head (no CPUs, like the manifests) with its autoscaler; yield the GCS address and
    the environment a driver needs to join it (`ray start` turns token authentication on: the
    cluster gets a token of its own, never the user's ~/.ray/auth_token)."""
    import ray.util

    temp_dir = Path(tempfile.mkdtemp(prefix="drisya-as-", dir="/tmp"))
    port = free_port()
    address = f"{ray.util.get_node_ip_address()}:{port}"
    config_path = temp_dir / "autoscaling.json"
    config_path.write_text(
        json.dumps(cluster_config(worker_types, idle_timeout_s=idle_timeout_s, gcs_address=address))
    )
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = {
        **os.environ,
        **auth,
        "RAY_FAKE_CLUSTER": "1",
        "AUTOSCALER_UPDATE_INTERVAL_S": "1",
        "RAY_enable_autoscaler_v2": "1",
        "RAY_CLOUD_INSTANCE_ID": FAKE_HEAD_ID,
        "RAY_OVERRIDE_NODE_ID_FOR_TESTING": FAKE_HEAD_ID,
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    ray_cli = str(Path(sys.executable).with_name("ray"))
    log = (temp_dir / "head.log").open("wb")
    head = subprocess.Popen(
        [
            ray_cli,
            "start",
            "--head",
            "--block",
            f"--port={port}",
            f"--ray-client-server-port={free_port()}",
            "--dashboard-agent-listen-port=0",
            "--include-dashboard=false",
            f"--dashboard-port={free_port()}",  # a head still starts a minimal dashboard, on 8265 by default
            "--num-cpus=0",
            "--object-store-memory=100000000",
            f"--temp-dir={temp_dir}",
            f"--autoscaling-config={config_path}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            if head.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the fake cluster's head did not start: {(temp_dir / 'head.log').read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield address, {**os.environ, **auth}
    finally:
        started = descendants(head.pid) | naming(str(temp_dir))
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops its own processes on SIGTERM
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait(timeout=10)
        time.sleep(1)
        kill_at_once({pid for pid in started | naming(str(temp_dir)) if Path(f"/proc/{pid}").exists()})
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0 or _listening_any(port)


def _listening_any(port: int) -> bool:
    import ray.util

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((ray.util.get_node_ip_address(), port)) == 0
