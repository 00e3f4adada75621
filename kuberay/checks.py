"""What a rendered overlay must satisfy beyond the CRD schema: that it matches what the code declares.

A manifest can be valid YAML for KubeRay and still be wrong for Drisya: a worker that tells Ray it has
more CPUs than its pod requests, a GPU group without the GPU toleration, a deployment whose GPU share no
worker group can host, a batch actor that does not fit in its share of a pod's memory, a secret written
as a literal, a settings key that `Settings.from_env` ignores because it is misspelt. Each check returns
problems as sentences that name the object and the field to change; an empty list means it passed.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import ray
import yaml
from ray.serve.schema import ServeDeploySchema

from cluster.settings import Limits, Settings
from kuberay.crd_schema import CONFIG_MAP, crd_schema, errors

GPU = "nvidia.com/gpu"
UPGRADE_TYPES = {"NewCluster", "NewClusterWithIncrementalUpgrade", "None"}
# Variables that carry credentials: they must come from a Secret, never a literal or the ConfigMap.
SECRET_ENV = {
    "DRISYA_MONGODB_URI",
    "DRISYA_JWT_SECRET",
    "DRISYA_ADMIN_PASSWORD",
    "DRISYA_RAZORPAY_KEY_ID",
    "DRISYA_RAZORPAY_KEY_SECRET",
    "DRISYA_RAZORPAY_WEBHOOK_SECRET",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}
# DRISYA_* variables read by a module directly rather than through Settings.
REQUIRED_SECRET_ENV = {
    "DRISYA_MONGODB_URI",
    "DRISYA_JWT_SECRET",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def quantity(value: Any) -> float:
    """A Kubernetes quantity (`500m`, `2`, `24Gi`) as a number of units (cores, bytes, devices)."""
    text = str(value)
    match = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?", text)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number, unit = float(match.group(1)), match.group(2)
    if unit == "m":
        return number / 1000
    return number * _UNITS[unit] if unit else number


def _one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [obj for obj in objects if obj.get("kind") == kind]
    if len(found) != 1:
        raise ValueError(f"expected one {kind} in the overlay, found {len(found)}")
    return found[0]


def schema_problems(objects: list[dict[str, Any]], crd_path: Path) -> list[str]:
    """Each RayService against the strict CRD schema, each ConfigMap against ConfigMap's shape."""
    rayservice = crd_schema(crd_path)
    problems = []
    for obj in objects:
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        if obj.get("kind") == "RayService":
            problems += [f"{name}: {e}" for e in errors(obj, rayservice)]
        elif obj.get("kind") == "ConfigMap":
            problems += [f"{name}: {e}" for e in errors(obj, CONFIG_MAP)]
        else:
            problems.append(f"{name}: no schema to check this kind against; add one to kuberay/checks.py")
    return problems


def serve_config_problems(service: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """serveConfigV2 parses with Ray Serve's own schema and is exactly the generated config."""
    text = service["spec"].get("serveConfigV2")
    if not isinstance(text, str):
        return ["RayService: spec.serveConfigV2 is missing (run python -m kuberay.render --write)"]
    config = yaml.safe_load(text)
    try:
        ServeDeploySchema.model_validate(config)
    except Exception as exc:  # pydantic's ValidationError: report it as a problem, not a crash
        return [f"RayService: spec.serveConfigV2 is not a valid Serve config: {exc}"]
    if config != expected:
        return ["RayService: spec.serveConfigV2 differs from serve_apps/serve_config.py (run --write)"]
    return []


def _containers(service: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(group name, group spec, its Ray container) for the head and every worker group."""
    cluster = service["spec"]["rayClusterConfig"]
    groups = [("head", cluster["headGroupSpec"])] + [(g["groupName"], g) for g in cluster["workerGroupSpecs"]]
    return [(name, group, group["template"]["spec"]["containers"][0]) for name, group in groups]


def cluster_problems(service: dict[str, Any]) -> list[str]:
    """Head, autoscaler, worker groups, probes, upgrade strategy and Ray version."""
    spec, cluster = service["spec"], service["spec"]["rayClusterConfig"]
    problems = []
    if spec.get("upgradeStrategy", {}).get("type") not in UPGRADE_TYPES:
        problems.append(
            f"RayService: spec.upgradeStrategy.type must be chosen, one of {sorted(UPGRADE_TYPES)}"
        )
    if cluster.get("rayVersion") != ray.__version__:
        problems.append(
            f"rayClusterConfig.rayVersion is {cluster.get('rayVersion')}, the project pins {ray.__version__}"
        )
    if cluster["headGroupSpec"].get("rayStartParams", {}).get("num-cpus") != "0":
        problems.append('headGroupSpec.rayStartParams.num-cpus must be "0": the head runs no work')
    autoscaler = cluster.get("autoscalerOptions", {})
    if not cluster.get("enableInTreeAutoscaling"):
        problems.append("rayClusterConfig.enableInTreeAutoscaling must be true")
    if autoscaler.get("version") != "v2":
        problems.append("autoscalerOptions.version must be v2 (autoscaler v2, explicit)")
    if not autoscaler.get("idleTimeoutSeconds"):
        problems.append("autoscalerOptions.idleTimeoutSeconds must be set")
    for part in ("requests", "limits"):
        if "cpu" not in autoscaler.get("resources", {}).get(part, {}):
            problems.append(f"autoscalerOptions.resources.{part}.cpu must be set")
    for name, group, container in _containers(service):
        where = f"group {name}"
        resources = container.get("resources", {})
        requests, limits = resources.get("requests", {}), resources.get("limits", {})
        for key in ("cpu", "memory"):
            if key not in requests or quantity(requests[key]) != quantity(limits.get(key, -1)):
                problems.append(f"{where}: resources.requests.{key} must be set and equal its limit")
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in container:
                problems.append(f"{where}: container {container['name']} has no {probe}")
        if not container.get("image", "").split(":")[-1].startswith(ray.__version__):
            problems.append(
                f"{where}: image {container.get('image')} is not tagged for Ray {ray.__version__}"
            )
        if name == "head":
            continue
        params = group.get("rayStartParams", {})
        if group.get("minReplicas") != 0:
            problems.append(f"{where}: minReplicas must be 0 (idle groups cost nothing)")
        if quantity(params.get("num-cpus", -1)) != quantity(requests.get("cpu", -2)):
            problems.append(f"{where}: rayStartParams.num-cpus must equal resources.requests.cpu")
        gpus = quantity(params.get("num-gpus", 0))
        if gpus != quantity(requests.get(GPU, 0)) or gpus != quantity(limits.get(GPU, 0)):
            problems.append(f"{where}: rayStartParams.num-gpus must equal the {GPU} request and limit")
        tolerations = {t.get("key") for t in group["template"]["spec"].get("tolerations", [])}
        if gpus and GPU not in tolerations:
            problems.append(f"{where}: a GPU group needs a toleration for {GPU}")
    return problems


def worker_shapes(service: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each worker group's Ray resources: CPU, GPU and memory (bytes) of one pod."""
    shapes = {}
    for name, group, container in _containers(service):
        if name == "head":
            continue
        params = group.get("rayStartParams", {})
        shapes[name] = {
            "CPU": quantity(params.get("num-cpus", 0)),
            "GPU": quantity(params.get("num-gpus", 0)),
            "memory": quantity(container["resources"]["limits"]["memory"]),
            "max": float(group["maxReplicas"]),
        }
    return shapes


def placement_problems(service: dict[str, Any], serve: dict[str, Any], actor_bytes: int) -> list[str]:
    """Every Serve deployment fits some worker group; a batch actor (1 CPU) fits its share of memory."""
    shapes = worker_shapes(service)
    problems = []
    for app in serve["applications"]:
        for dep in app.get("deployments", []):
            need = dep.get("ray_actor_options", {})
            cpus, gpus = float(need.get("num_cpus", 1)), float(need.get("num_gpus", 0))
            if not any(s["CPU"] >= cpus and s["GPU"] >= gpus for s in shapes.values()):
                problems.append(
                    f"deployment {dep['name']} needs {cpus} CPU / {gpus} GPU: no worker group has it"
                )
    for name, shape in shapes.items():
        if shape["CPU"] and shape["memory"] / shape["CPU"] < actor_bytes:
            problems.append(
                f"group {name}: {shape['memory'] / shape['CPU'] / 2**30:.1f} GiB per CPU, a batch actor "
                f"needs up to {actor_bytes / 2**30:.1f} GiB (data_jobs.pipeline.estimate_worker_bytes)"
            )
    return problems


def env_problems(service: dict[str, Any]) -> list[str]:
    """Credentials from Secrets only; every container reads the settings ConfigMap."""
    problems = []
    for name, _, container in _containers(service):
        env = {item["name"]: item for item in container.get("env", [])}
        for var in SECRET_ENV & set(env):
            if "secretKeyRef" not in env[var].get("valueFrom", {}):
                problems.append(f"group {name}: {var} must come from a Secret (valueFrom.secretKeyRef)")
        for var in REQUIRED_SECRET_ENV - set(env):
            problems.append(f"group {name}: {var} is not set from a Secret")
        refs = {src.get("configMapRef", {}).get("name") for src in container.get("envFrom", [])}
        if "drisya-settings" not in refs:
            problems.append(f"group {name}: envFrom must include configMapRef drisya-settings")
    return problems


def settings_problems(config_map: dict[str, Any]) -> list[str]:
    """The ConfigMap, with the Secrets' variables filled in, gives valid Settings; no key is ignored."""
    known = {f"DRISYA_{f.name.upper()}" for f in (*fields(Settings), *fields(Limits)) if f.name != "limits"}
    data = config_map.get("data", {})
    problems = [
        f"ConfigMap/{config_map['metadata']['name']}: {key} is not a Drisya setting (cluster/settings.py)"
        for key in data
        if key.startswith("DRISYA_") and key not in known
    ]
    problems += [f"ConfigMap: {key} is a credential, put it in a Secret" for key in SECRET_ENV & set(data)]
    env = {**data, **{var: "from-a-secret" for var in SECRET_ENV if var.startswith("DRISYA_")}}
    try:
        Settings.from_env(env=env)
    except ValueError as exc:
        problems.append(f"ConfigMap: the settings it gives are refused: {exc}")
    return problems


def batch_cluster_problems(service: dict[str, Any], config_map: dict[str, Any]) -> list[str]:
    """DRISYA_BATCH_CLUSTER_CPUS / _GPUS state what the worker groups may grow to (maxReplicas x the
    Ray resources of one pod, summed): a batch is planned from them while the groups are at zero
    replicas (data_jobs.runner.planning_resources), so a group resized without them under-plans
    every batch, and one that states more than the groups hold plans work no pod can take."""
    data = config_map.get("data", {})
    shapes = worker_shapes(service).values()
    problems = []
    for resource in ("CPU", "GPU"):
        key = f"DRISYA_BATCH_CLUSTER_{resource}S"
        grows_to = sum(s[resource] * s["max"] for s in shapes)
        want = f"{grows_to:g}"
        if key not in data:
            problems.append(
                f'ConfigMap: {key} is not set; the worker groups grow to {want}: set it to "{want}"'
            )
            continue
        try:
            stated = float(str(data[key]))
        except ValueError:
            stated = None
        if stated != grows_to:
            problems.append(
                f"ConfigMap: {key} is {data[key]!r}, the worker groups grow to {want} "
                f'(maxReplicas x rayStartParams, summed): set it to "{want}"'
            )
    return problems


def overlay_problems(
    objects: list[dict[str, Any]], crd_path: Path, expected_serve: dict[str, Any], actor_bytes: int
) -> list[str]:
    """All of the above for one rendered overlay."""
    service, config_map = _one(objects, "RayService"), _one(objects, "ConfigMap")
    return [
        *schema_problems(objects, crd_path),
        *serve_config_problems(service, expected_serve),
        *cluster_problems(service),
        *placement_problems(service, expected_serve, actor_bytes),
        *env_problems(service),
        *settings_problems(config_map),
        *batch_cluster_problems(service, config_map),
    ]
