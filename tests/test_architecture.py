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
