"""The driver test_autoscaling runs in its own process against the fake autoscaling cluster.

It runs a batch through the project's Ray Data pipeline (`data_jobs.pipeline.build_dataset`, the real
`ImageWorker` actors reading and writing blob storage), with the actor pool sized from the worker
group's declared maximum, then waits for the idle nodes to go. It prints one JSON line per event so the
test can assert on what happened; it never decides pass or fail itself.

    python autoscale_driver.py ADDRESS BLOB_DIR IMAGES NODE_CPUS MAX_NODES IDLE_WAIT_S
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import replace


def alive_workers(ray) -> int:
    """Worker nodes alive now (the head declares no CPU, like the manifests' head)."""
    return sum(1 for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0) > 0)


def emit(event: str, **data) -> None:
    print(json.dumps({"event": event, "t": round(time.monotonic(), 2), **data}), flush=True)


def main(argv: list[str]) -> int:
    address, blob_dir, images, node_cpus, max_nodes, idle_wait = argv
    import logging

    import ray

    from cluster.settings import Settings
    from data_jobs.pipeline import ImageRef, build_dataset, plan_actor_pool
    from engine.templates import resolve

    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    emit("connected", workers=alive_workers(ray), resources=ray.cluster_resources())

    settings = Settings.from_env(env={}, data_dir=blob_dir, blob_dir=blob_dir)
    refs = [ImageRef(f"im{i:02d}", f"in/{i:02d}.jpg", f"out/{i:02d}") for i in range(int(images))]
    # sized from what the worker group may grow to, not from what the cluster has now (nothing)
    declared = {"CPU": float(node_cpus) * int(max_nodes)}
    plan = plan_actor_pool(declared, images=len(refs), reserve_cpus=0)
    plan = replace(plan, min_size=plan.max_size)  # ask for every actor at once: the demand is explicit
    emit("plan", min_size=plan.min_size, max_size=plan.max_size, num_cpus=plan.num_cpus)

    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], alive_workers(ray))
            stop.wait(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    dataset = build_dataset(
        refs,
        settings=settings,
        recipe={"method": "fast", "size": 400},
        template=resolve("#f4f4f4"),
        plan=plan,
    )
    rows = [
        {"image_id": r["image_id"], "status": r["status"], "output_key": r["output_key"], "error": r["error"]}
        for r in dataset.take_all()
    ]
    stop.set()
    watcher.join()
    del dataset
    emit("batch", rows=rows, peak_workers=peak[0], workers=alive_workers(ray))

    deadline = time.monotonic() + float(idle_wait)
    last = -1
    while time.monotonic() < deadline:
        now = alive_workers(ray)
        if now != last:
            emit("workers", workers=now)
            last = now
        if now == 0:
            break
        time.sleep(1)
    emit("end", workers=alive_workers(ray))
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
