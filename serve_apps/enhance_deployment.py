"""The Serve deployment that does the pixels of `POST /v1/enhance` and `POST /v1/preview`.

Its own deployment, so decoding, matting and composing never run in the ingress (which only waits on
I/O), and it scales on its own: `num_replicas="auto"` lets Serve add replicas as requests queue up,
up to the cluster's size. Each replica loads the matting model once, at construction. On a cluster
with GPUs a replica also reserves a fraction of one, so onnxruntime can place the model there and
several replicas share a card; on a CPU-only cluster it asks for none (a GPU request would never be
scheduled there).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve
from ray.serve import Application

from cluster.settings import Settings
from data_jobs.stages import batch_floor_cpus
from serve_apps.enhance_service import Enhancer

GPU_FRACTION = 0.25  # four replicas share one GPU: the network is a small part of an image's time
MAX_ONGOING = 4  # requests one replica accepts at once (each runs in a thread)


@serve.deployment(name="enhance", max_ongoing_requests=MAX_ONGOING, ray_actor_options={"num_cpus": 1})
class EnhanceDeployment:
    def __init__(self, settings: Settings) -> None:
        import os

        import cv2

        # a replica holds `num_cpus` CPUs (Ray sets OMP_NUM_THREADS to that): OpenCV's default pool of
        # every core would make the replicas on one node fight over them
        cv2.setNumThreads(max(1, int(os.environ.get("OMP_NUM_THREADS") or 1)))
        self._enhancer = Enhancer(settings)
        self._enhancer.warm()

    async def enhance(
        self,
        image_id: str,
        input_key: str,
        output_stem: str,
        recipe: dict[str, Any],
        template: dict[str, Any],
    ) -> dict[str, Any]:
        return await asyncio.to_thread(
            self._enhancer.enhance, image_id, input_key, output_stem, recipe, template
        )

    async def preview(self, data: bytes, recipe: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self._enhancer.preview, data, recipe, template)


def cluster_resources() -> dict[str, float]:
    """CPUs and GPUs of the cluster this process is connected to (empty when Ray is not started)."""
    import ray

    return dict(ray.cluster_resources()) if ray.is_initialized() else {}


def enhance_options(
    resources: dict[str, float], *, num_cpus: float = 1.0, max_replicas: int | None = None
) -> dict[str, Any]:
    """Deployment options for a cluster with `resources`: autoscaling from one replica up to one per
    CPU a running batch can spare (or `max_replicas`), and a GPU fraction only where there are GPUs.

    The CPUs a batch needs to move (`batch_floor_cpus`) are left out of the ceiling: on a 2-core
    `make up`, one replica per CPU meant two under `/v1/enhance` load, and a batch running then waited
    for a CPU until Serve scaled back down (JobStalled at 900 s). Such a cluster now keeps one replica;
    a 16-CPU one 13. An autoscaling cluster's ceiling comes from its declared shape (`serve_config`)."""
    cpus = max(1.0, float(resources.get("CPU", 1.0)))
    spare = cpus - batch_floor_cpus(cpus)
    top = max_replicas if max_replicas is not None else max(1, int(spare // max(num_cpus, 0.01)))
    actor: dict[str, Any] = {"num_cpus": num_cpus}
    if resources.get("GPU", 0) > 0:
        actor["num_gpus"] = GPU_FRACTION
    return {
        "num_replicas": "auto",
        "autoscaling_config": {
            "min_replicas": 1,
            "initial_replicas": 1,
            "max_replicas": max(1, top),
            "target_ongoing_requests": 2,
        },
        "ray_actor_options": actor,
    }


def build_enhance(
    settings: Settings, *, num_cpus: float = 1.0, max_replicas: int | None = None
) -> Application:
    return EnhanceDeployment.options(
        **enhance_options(cluster_resources(), num_cpus=num_cpus, max_replicas=max_replicas)
    ).bind(settings)
