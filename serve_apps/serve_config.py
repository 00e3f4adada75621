"""The one source of the Serve application config that `serve deploy` and KubeRay's `serveConfigV2` take.

A cluster is not configured by hand-copying YAML: the import path is taken from `app_builder` itself and
each deployment's resources from what its class declares (`ApiIngress`, `EnhanceDeployment`), so renaming
a deployment or changing what it reserves changes the manifests when they are rendered again
(`python -m kuberay.render --write`), and `--check` (run by the tests) fails while they disagree.

The deployment options given here override the code's defaults on a cluster. That matters for the
enhance deployment: in code its GPU share and replica ceiling are derived from the resources the cluster
has when the app is built, which on an autoscaling cluster that starts with no workers is nothing; here
they come from the cluster's declared shape (`ServeShape`) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serve_apps.deployment import APP_NAME, ApiIngress, app_builder
from serve_apps.enhance_deployment import EnhanceDeployment, enhance_options

IMPORT_PATH = f"{app_builder.__module__}:{app_builder.__name__}"
HTTP_PORT = 8000  # the port KubeRay's serve Service targets (its default `serve` container port)


@dataclass(frozen=True)
class ServeShape:
    """What the Serve app may use on one kind of cluster: API replicas and the enhance ceiling."""

    api_replicas: int
    enhance_max_replicas: int
    gpus: bool  # enhance replicas take a GPU share (prod) or none (CPU-only clusters)


PROFILES: dict[str, ServeShape] = {
    "dev": ServeShape(api_replicas=1, enhance_max_replicas=2, gpus=False),
    "prod": ServeShape(api_replicas=2, enhance_max_replicas=16, gpus=True),
}


def _declared(deployment: Any) -> dict[str, Any]:
    """The options a deployment class declares that a config must repeat (config replaces, not merges)."""
    return {
        "name": deployment.name,
        "max_ongoing_requests": deployment.max_ongoing_requests,
        "ray_actor_options": dict(deployment.ray_actor_options or {}),
    }


def deployments(shape: ServeShape) -> list[dict[str, Any]]:
    """The per-deployment options of the Drisya app for a cluster of this shape."""
    api = {**_declared(ApiIngress), "num_replicas": shape.api_replicas}
    enhance_cpus = float(EnhanceDeployment.ray_actor_options.get("num_cpus", 1.0))
    # the same rule the code applies at build time, fed the cluster's declared shape instead of its
    # current (possibly empty) resources
    declared = {"CPU": enhance_cpus * shape.enhance_max_replicas, "GPU": 1.0 if shape.gpus else 0.0}
    options = enhance_options(declared, num_cpus=enhance_cpus, max_replicas=shape.enhance_max_replicas)
    enhance = {**_declared(EnhanceDeployment), **options}
    return [api, enhance]


def serve_config(shape: ServeShape | str) -> dict[str, Any]:
    """The whole config (`ServeDeploySchema`): HTTP on every node, one application at `/`."""
    if isinstance(shape, str):
        shape = PROFILES[shape]
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": HTTP_PORT},
        "applications": [
            {
                "name": APP_NAME,
                "route_prefix": "/",
                "import_path": IMPORT_PATH,
                "args": {"replicas": shape.api_replicas},
                "deployments": deployments(shape),
            }
        ],
    }
