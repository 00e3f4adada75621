"""The driver test_autoscaling runs in its own process against the fake autoscaling cluster.

`batch`: a batch through the project's Ray Data pipeline (`data_jobs.pipeline.build_dataset`: CPU tasks
and the network's actor pool, reading and writing blob storage), planned from the worker groups' declared
maximum. `actor`: one actor with the given options (a Serve deployment's `ray_actor_options`).
Both then wait for the idle nodes to go. One JSON line per event, so the test can assert on what
happened; the driver never decides pass or fail itself.

    python autoscale_driver.py batch ADDRESS BLOB_DIR IMAGES RESOURCES_JSON METHOD IDLE_WAIT_S
    python autoscale_driver.py actor ADDRESS OPTIONS_JSON IDLE_WAIT_S
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time


def workers(ray) -> list[dict[str, float]]:
    """The resources of each worker node alive now (the head declares no CPU, like the manifests')."""
    return [dict(n["Resources"]) for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0) > 0]


def emit(event: str, **data) -> None:
    print(json.dumps({"event": event, "t": round(time.monotonic(), 2), **data}), flush=True)


class PeakWatch:
    """The most worker nodes seen alive at once while something runs: in all, with GPUs, without."""

    def __init__(self, ray) -> None:
        self.ray, self._stop = ray, threading.Event()
        self.peak = self.gpu_peak = self.cpu_peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = workers(self.ray)
        gpu = sum(1 for w in now if w.get("GPU", 0) > 0)
        self.peak = max(self.peak, len(now))
        self.gpu_peak = max(self.gpu_peak, gpu)
        self.cpu_peak = max(self.cpu_peak, len(now) - gpu)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.5)

    def __enter__(self) -> PeakWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        # A node that came up and served within the last half second would be missed otherwise (CI saw a
        # GPU node place the probe between two samples); idle nodes outlive this by the idle timeout.
        self._sample()


def connect(address: str):
    import ray

    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    emit("connected", workers=len(workers(ray)), resources=ray.cluster_resources())
    return ray


def wait_idle(ray, seconds: float) -> None:
    deadline, last = time.monotonic() + seconds, -1
    while time.monotonic() < deadline:
        now = len(workers(ray))
        if now != last:
            emit("workers", workers=now)
            last = now
        if now == 0:
            break
        time.sleep(1)
    emit("end", workers=len(workers(ray)))


def batch(address: str, blob_dir: str, images: str, resources: str, method: str, idle_wait: str) -> None:
    from cluster.settings import Settings
    from data_jobs.pipeline import ImageRef, build_dataset, plan_actor_pool
    from data_jobs.runner import planning_resources
    from engine.templates import resolve

    ray = connect(address)
    grows_to = json.loads(resources)
    settings = Settings.from_env(
        env={},
        data_dir=blob_dir,
        blob_dir=blob_dir,
        batch_cluster_cpus=int(grows_to["CPU"]),
        batch_cluster_gpus=int(grows_to["GPU"]),
    )
    refs = [ImageRef(f"im{i:02d}", f"in/{i:02d}.jpg", f"out/{i:02d}") for i in range(int(images))]
    # as run_job plans: from what the worker groups may grow to (the settings the overlays set), not
    # from what the cluster has now (nothing)
    now = ray.cluster_resources()
    plan = plan_actor_pool(planning_resources(now, settings), images=len(refs), reserve_cpus=0)
    emit("resources", cpus_now=float(now.get("CPU", 0)), gpus_now=float(now.get("GPU", 0)))
    emit("plan", max_size=plan.max_size, num_cpus=plan.num_cpus, num_gpus=plan.num_gpus)
    with PeakWatch(ray) as watch:
        dataset = build_dataset(
            refs,
            settings=settings,
            recipe={"method": method, "size": 400},
            template=resolve("#f4f4f4"),
            plan=plan,
        )
        rows = [
            {
                "image_id": r["image_id"],
                "status": r["status"],
                "output_key": r["output_key"],
                "error": r["error"],
            }
            for r in dataset.take_all()
        ]
    del dataset
    emit(
        "batch",
        rows=rows,
        peak_workers=watch.peak,
        gpu_peak=watch.gpu_peak,
        cpu_peak=watch.cpu_peak,
        workers=len(workers(ray)),
    )
    wait_idle(ray, float(idle_wait))


def actor(address: str, options: str, idle_wait: str) -> None:
    ray = connect(address)

    @ray.remote
    class Probe:
        def node(self) -> dict[str, float]:
            ctx = ray.get_runtime_context()
            return {"node_id": ctx.get_node_id(), "gpu_ids": len(ray.get_gpu_ids())}

    with PeakWatch(ray) as watch:
        probe = Probe.options(**json.loads(options)).remote()
        placed = ray.get(probe.node.remote(), timeout=180)
        hosts = [dict(n["Resources"]) for n in ray.nodes() if n["NodeID"] == placed["node_id"]]
        ray.kill(probe)
    emit("actor", host=hosts[0], gpu_ids=placed["gpu_ids"], peak_workers=watch.peak)
    wait_idle(ray, float(idle_wait))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"batch": batch, "actor": actor}[mode](*args)
    sys.exit(0)
