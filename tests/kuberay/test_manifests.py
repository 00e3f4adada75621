"""The KubeRay overlays render, match the Serve config's one source, and pass the v1.7.0 CRD schema.

Each check is also shown to fail: a copy of kuberay/ is edited the way a person might get it wrong
(a misspelt field, a literal secret, a head that takes work, a stale serveConfigV2) and the check
must name the problem.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from kuberay import render
from kuberay.crd_schema import crd_schema, errors
from serve_apps.deployment import ApiIngress, app_builder
from serve_apps.enhance_deployment import GPU_FRACTION, EnhanceDeployment
from serve_apps.serve_config import IMPORT_PATH, serve_config

FIXTURES = Path(__file__).parent / "fixtures"
CRD = FIXTURES / "ray.io_rayservices.yaml"


@pytest.fixture(scope="module")
def schema() -> dict:
    return crd_schema(CRD)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of kuberay/'s YAML to break."""
    dest = tmp_path / "kuberay"
    shutil.copytree(render.KUBERAY, dest, ignore=shutil.ignore_patterns("*.py", "__pycache__", "Dockerfile"))
    return dest


def _edit(path: Path, change) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    change(docs[0])
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


@pytest.mark.parametrize("overlay", render.OVERLAYS)
def test_overlay_passes_every_check(overlay: str) -> None:
    assert render.check(overlay, CRD) == []


@pytest.mark.parametrize("overlay", render.OVERLAYS)
def test_serve_config_v2_is_the_generated_config_and_ray_serve_accepts_it(overlay: str) -> None:
    service = next(o for o in render.render(overlay) if o["kind"] == "RayService")
    config = yaml.safe_load(service["spec"]["serveConfigV2"])
    parsed = ServeDeploySchema.model_validate(config)
    assert config == serve_config(overlay)
    (app,) = parsed.applications
    assert app.import_path == IMPORT_PATH == "serve_apps.deployment:app_builder"
    assert IMPORT_PATH.endswith(app_builder.__name__)
    by_name = {d.name: d for d in app.deployments}
    assert set(by_name) == {ApiIngress.name, EnhanceDeployment.name}
    assert by_name["api"].ray_actor_options.num_cpus == ApiIngress.ray_actor_options["num_cpus"] == 0
    assert by_name["enhance"].ray_actor_options.num_cpus == EnhanceDeployment.ray_actor_options["num_cpus"]
    gpu_share = by_name["enhance"].ray_actor_options.num_gpus or 0
    assert gpu_share == (GPU_FRACTION if overlay == "prod" else 0)


def test_dev_is_cpu_only_and_prod_has_the_gpu_group() -> None:
    def groups(overlay):
        service = next(o for o in render.render(overlay) if o["kind"] == "RayService")
        return {g["groupName"]: g for g in service["spec"]["rayClusterConfig"]["workerGroupSpecs"]}

    dev, prod = groups("dev"), groups("prod")
    assert set(dev) == {"cpu"} and set(prod) == {"cpu", "gpu"}
    gpu = prod["gpu"]
    container = gpu["template"]["spec"]["containers"][0]
    assert (
        container["resources"]["requests"]["nvidia.com/gpu"]
        == container["resources"]["limits"]["nvidia.com/gpu"]
    )
    assert gpu["minReplicas"] == 0
    assert container["image"] == "registry.example.com/drisya:2.60.0-gpu"


def test_a_stale_serve_config_fails_the_check(tree: Path) -> None:
    path = tree / "overlays" / "dev" / "serve-config.yaml"
    path.write_text(path.read_text().replace("max_replicas: 2", "max_replicas: 3"))
    problems = render.check("dev", CRD, tree)
    assert any("serve-config.yaml differs" in p for p in problems)
    assert any("serveConfigV2 differs" in p for p in problems)


def test_the_strict_schema_rejects_unknown_and_misspelt_fields(schema: dict) -> None:
    service = next(o for o in render.render("prod") if o["kind"] == "RayService")
    assert errors(service, schema) == []
    autoscaler = service["spec"]["rayClusterConfig"]["autoscalerOptions"]
    autoscaler["idleTimeoutSecond"] = autoscaler.pop(
        "idleTimeoutSeconds"
    )  # pruned silently by the API server
    service["spec"]["rayClusterConfig"]["workerGroupSpecs"][0].pop("groupName")
    service["spec"]["rayClusterConfig"]["workerGroupSpecs"][1]["maxReplicas"] = "4"
    found = errors(service, schema)
    assert any("idleTimeoutSecond" in e and "not allowed" in e for e in found)
    assert any("'groupName' is a required property" in e for e in found)
    assert any("maxReplicas" in e and "is not of type 'integer'" in e for e in found)


def test_quantities_may_be_numbers_or_strings(schema: dict) -> None:
    service = next(o for o in render.render("dev") if o["kind"] == "RayService")
    resources = service["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0][
        "resources"
    ]
    resources["requests"]["cpu"] = 1
    resources["limits"]["cpu"] = "1000m"
    assert errors(service, schema) == []
    resources["limits"]["cpu"] = 1.5  # a float is not a Kubernetes quantity
    assert errors(service, schema) != []


def test_a_misconfigured_cluster_is_named_field_by_field(tree: Path) -> None:
    def wrong(service):
        cluster = service["spec"]["rayClusterConfig"]
        cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] = "2"
        cluster["autoscalerOptions"]["version"] = "v1"
        gpu = cluster["workerGroupSpecs"][1]
        gpu["template"]["spec"].pop("tolerations")
        gpu["rayStartParams"]["num-cpus"] = "12"
        env = gpu["template"]["spec"]["containers"][0]["env"]
        env[0] = {"name": "DRISYA_MONGODB_URI", "value": "mongodb://user:password@db/"}
        service["spec"].pop("upgradeStrategy")

    _edit(tree / "base" / "rayservice.yaml", wrong)
    problems = "\n".join(render.check("prod", CRD, tree))
    assert 'headGroupSpec.rayStartParams.num-cpus must be "0"' in problems
    assert "autoscalerOptions.version must be v2" in problems
    assert "group gpu: a GPU group needs a toleration for nvidia.com/gpu" in problems
    assert "group gpu: rayStartParams.num-cpus must equal resources.requests.cpu" in problems
    assert "group gpu: DRISYA_MONGODB_URI must come from a Secret" in problems
    assert "spec.upgradeStrategy.type must be chosen" in problems


def test_a_deployment_no_group_can_host_and_a_pod_too_small_for_an_actor_fail(tree: Path) -> None:
    def shrink(service):
        group = service["spec"]["rayClusterConfig"]["workerGroupSpecs"][1]  # the GPU group
        resources = group["template"]["spec"]["containers"][0]["resources"]
        for part in ("requests", "limits"):
            resources[part]["memory"] = "16Gi"  # 1 GiB per CPU: too little for a batch actor
            resources[part]["nvidia.com/gpu"] = "0"
        group["rayStartParams"]["num-gpus"] = "0"

    _edit(tree / "base" / "rayservice.yaml", shrink)
    problems = "\n".join(render.check("prod", CRD, tree))
    assert "deployment enhance needs 1.0 CPU / 0.25 GPU: no worker group has it" in problems
    assert "group gpu: 1.0 GiB per CPU, a batch actor needs up to" in problems


def test_settings_config_map_keys_are_real_settings_and_hold_no_credentials(tree: Path) -> None:
    def wrong(config_map):
        config_map["data"]["DRISYA_S3_BUCKETT"] = "typo"
        config_map["data"]["DRISYA_JWT_SECRET"] = "in-the-clear"
        config_map["data"]["DRISYA_BLOB_BACKEND"] = "nfs"
        config_map["data"]["DRISYA_AUTO_ROUTE"] = "colour"  # a real setting

    _edit(tree / "base" / "configmap.yaml", wrong)
    problems = "\n".join(render.check("dev", CRD, tree))
    assert "DRISYA_S3_BUCKETT is not a Drisya setting" in problems
    assert "DRISYA_JWT_SECRET is a credential, put it in a Secret" in problems
    assert "DRISYA_BLOB_BACKEND must be 'local' or 's3'" in problems
    assert "DRISYA_AUTO_ROUTE" not in problems


def test_the_command_checks_every_overlay(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render.main(["--check"]) == 0
    assert "ok: dev, prod" in capsys.readouterr().out
    assert render.main(["--check", "--crd", str(tree / "missing.yaml")]) == 2
    assert "no CRD at" in capsys.readouterr().err


def test_the_batch_cluster_size_states_what_the_worker_groups_grow_to(tree: Path) -> None:
    from cluster.settings import Settings

    for overlay, (cpus, gpus) in {"dev": (6, 0), "prod": (224, 4)}.items():
        config_map = next(o for o in render.render(overlay) if o["kind"] == "ConfigMap")
        settings = Settings.from_env(env={k: str(v) for k, v in config_map["data"].items()})
        assert (settings.batch_cluster_cpus, settings.batch_cluster_gpus) == (cpus, gpus), overlay

    def grow(service):
        service["spec"]["rayClusterConfig"]["workerGroupSpecs"][1]["maxReplicas"] = 6  # the GPU group

    _edit(tree / "base" / "rayservice.yaml", grow)
    problems = "\n".join(render.check("prod", CRD, tree))
    assert "DRISYA_BATCH_CLUSTER_CPUS is '224', the worker groups grow to 256" in problems
    assert "DRISYA_BATCH_CLUSTER_GPUS is '4', the worker groups grow to 6" in problems
    (tree / "overlays" / "dev" / "settings.yaml").write_text(
        (tree / "overlays" / "dev" / "settings.yaml")
        .read_text()
        .replace('  DRISYA_BATCH_CLUSTER_GPUS: "0"\n', "")
    )
    assert render.check("dev", CRD, tree) == [
        'dev: ConfigMap: DRISYA_BATCH_CLUSTER_GPUS is not set; the worker groups grow to 0: set it to "0"'
    ]
