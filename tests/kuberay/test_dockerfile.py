"""kuberay/Dockerfile agrees with the project and the manifests (no Docker here: the file is read, not built).

It must start from the rayproject/ray image of the Ray version pyproject.toml pins and of this Python,
install the project, bake the model in with `drisya models fetch` where the ConfigMap says the model
cache is, and offer the two variants the manifests' image tags name.
"""

from __future__ import annotations

import re
import sys

import ray

from kuberay import render

DOCKERFILE = render.KUBERAY / "Dockerfile"


def _args(text: str) -> dict[str, str]:
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.MULTILINE))


def test_base_image_is_the_pinned_ray_for_this_python() -> None:
    text = DOCKERFILE.read_text()
    args = _args(text)
    pin = re.search(r'"ray\[[^]]*\]==([^"]+)"', (render.ROOT / "pyproject.toml").read_text()).group(1)
    assert args["RAY_VERSION"] == pin == ray.__version__
    assert args["PYTHON_TAG"] == f"py{sys.version_info.major}{sys.version_info.minor}"
    bases = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert bases[-1] == "rayproject/ray:${RAY_VERSION}-${PYTHON_TAG}-${VARIANT}"  # the runtime stage


def test_the_model_is_baked_in_where_the_cluster_looks_for_it() -> None:
    text = DOCKERFILE.read_text()
    assert "drisya models fetch" in text and "drisya models check" in text
    config_map = next(o for o in render.render("prod") if o["kind"] == "ConfigMap")
    cache = config_map["data"]["DRISYA_MODEL_CACHE_DIR"]
    assert f"DRISYA_MODEL_CACHE_DIR={cache}" in text
    assert f"COPY --from=model --chown=ray:users {cache} {cache}" in text


def test_each_image_the_manifests_name_is_a_variant_the_dockerfile_builds() -> None:
    text = DOCKERFILE.read_text()
    images = set()
    for overlay in render.OVERLAYS:
        for obj in render.render(overlay):
            images |= set(re.findall(r"'image': '([^']+)'", repr(obj)))
    variants = {image.rsplit("-", 1)[1] for image in images}
    assert variants == {"cpu", "gpu"}
    assert all(
        image.rsplit(":", 1)[1] == f"{ray.__version__}-{v}"
        for image in images
        for v in [image.rsplit("-", 1)[1]]
    )
    assert 'if [ "$VARIANT" = "gpu" ]' in text and "onnxruntime-gpu" in text


def test_every_pip_install_of_the_project_brings_the_local_client_distribution() -> None:
    """pyproject depends on drisya-client, which lives in sdk/ and not on any index."""
    assert '"drisya-client"' in (render.ROOT / "pyproject.toml").read_text()
    installs = [
        line for line in DOCKERFILE.read_text().splitlines() if "pip install" in line and " ." in line
    ]
    assert installs and all("./sdk" in line for line in installs), installs
    assert "COPY --chown=ray:users sdk sdk" in DOCKERFILE.read_text()
