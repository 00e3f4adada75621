"""The import arrows of DESIGN.md, checked on the source so a wrong import fails CI, not review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cluster", "store", "engine", "data_jobs", "serve_apps", "drisya")

# Which of our own top-level packages each package may import.
ALLOWED = {
    "engine": set(),
    "store": set(),
    "cluster": {"cluster"},
    "data_jobs": {"data_jobs", "engine", "store", "cluster"},
    "serve_apps": {"serve_apps", "data_jobs", "engine", "store", "cluster"},
    "drisya": set(PACKAGES),  # the CLI's local commands import server packages lazily
}
# Third-party modules the pure engine must never touch.
ENGINE_FORBIDDEN = {"ray", "pymongo", "fastapi", "starlette", "httpx", "boto3", "uvicorn"}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level module, line, is it at module level) for every import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name.split(".")[0], node.lineno, id(node) in top_level))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno, id(node) in top_level))
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_arrows(package: str) -> None:
    wrong = []
    for path in _sources(package):
        for module, line, _ in _imports(path):
            if module in PACKAGES and module != package and module not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
            if package == "engine" and module in ENGINE_FORBIDDEN:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module} (engine is pure)")
    assert not wrong, "\n".join(wrong)


def test_cli_imports_server_packages_lazily() -> None:
    """`drisya --help` and the SDK must not pull in Ray, the engine or the store at import time."""
    eager = []
    for path in _sources("drisya"):
        for module, line, at_top in _imports(path):
            if at_top and module in set(PACKAGES) - {"drisya"} | {"ray", "cv2", "onnxruntime", "pymongo"}:
                eager.append(f"{path.relative_to(ROOT)}:{line} imports {module} at module level")
    assert not eager, "\n".join(eager)


# Everything of ours that runs or tests code (the SDK is checked by its own architecture test too).
OUR_TREES = (*PACKAGES, "benchmarks", "kuberay", "sdk", "tests")


def _private_ray_imports(path: Path) -> list[str]:
    """`ray.<...>._internal`, `ray._private` and any other underscored part of Ray imported by `path`:
    Ray keeps no promise about them, so an upgrade may break or silently change them."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "ray" and any(p.startswith("_") and not p.startswith("__") for p in parts[1:]):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} imports {name}")
                break
    return found


def test_only_public_ray_apis_are_imported() -> None:
    wrong = [hit for tree in OUR_TREES for path in _sources(tree) for hit in _private_ray_imports(path)]
    assert not wrong, "private Ray modules imported (use Ray's public API):\n" + "\n".join(wrong)


def test_the_private_ray_import_check_sees_every_form(tmp_path: Path) -> None:
    """The check itself: each way of reaching a private Ray module is caught, public ones are not."""
    sample = tmp_path / "sample.py"
    body = (
        "import ray.data\n"
        "from ray.util import ActorPool\n"
        "import ray._private.state\n"
        "from ray.data._internal.execution import execution_callback\n"
        "from ray.data import _internal\n"
        "def f():\n"
        "    from ray._private import worker\n"
    )
    sample.write_text(body)
    hits = _private_ray_imports(sample)
    assert [h.split(":")[1].split(" ")[0] for h in hits] == ["3", "4", "5", "7"]
