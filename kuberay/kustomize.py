"""The part of Kustomize that kuberay/ uses, so `make test` can render the overlays without the binary.

Supported, with Kustomize's meaning: `resources` (files and directories holding a kustomization.yaml),
`patches` with a `path` to either a strategic-merge patch (a whole object, matched by kind and name) or
a JSON 6902 op list (add / replace / remove, with a `target` kind and name), `namespace`, and `images`
(`name` -> `newName` / `newTag`). Anything else in a kustomization.yaml is refused, so an overlay cannot
use a feature that this renderer would silently skip while `kubectl apply -k` honours it.

Strategic merge of custom resources (no patch-merge keys in a CRD) follows kustomize's kyaml: maps merge,
`null` deletes a key, a list whose items all carry `name` merges item by item on it, any other list is
replaced whole (so worker groups, keyed by `groupName`, are changed with JSON 6902 ops instead).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "patches", "namespace", "images"}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


class KustomizeError(ValueError):
    """A kustomization this renderer cannot honour faithfully, with the file and what to change."""


def load_documents(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc is not None]


def build(directory: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build directory` would print, in order."""
    kfile = directory / "kustomization.yaml"
    if not kfile.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    spec = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(spec) - SUPPORTED_KEYS
    if unknown:
        raise KustomizeError(
            f"{kfile}: unsupported fields {sorted(unknown)}; extend kuberay/kustomize.py first"
        )
    objects: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        target = (directory / entry).resolve()
        objects += build(target) if target.is_dir() else load_documents(target)
    for patch in spec.get("patches", []):
        _apply_patch(objects, directory, patch, kfile)
    for image in spec.get("images", []):
        for obj in objects:
            _set_images(obj, image)
    if "namespace" in spec:
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return objects


def _apply_patch(objects: list[dict[str, Any]], directory: Path, patch: dict[str, Any], kfile: Path) -> None:
    if set(patch) - {"path", "target"} or "path" not in patch:
        raise KustomizeError(f"{kfile}: a patch needs `path` (and optionally `target`), got {sorted(patch)}")
    body = yaml.safe_load((directory / patch["path"]).read_text())
    if isinstance(body, list):  # JSON 6902
        target = patch.get("target") or {}
        if not {"kind", "name"} <= set(target):
            raise KustomizeError(f"{kfile}: JSON 6902 patch {patch['path']} needs a target kind and name")
        obj = _find(objects, target["kind"], target["name"], kfile)
        for op in body:
            json6902(obj, op)
        return
    obj = _find(objects, body["kind"], body["metadata"]["name"], kfile)
    merged = strategic_merge(obj, body)
    obj.clear()
    obj.update(merged)


def _find(objects: list[dict[str, Any]], kind: str, name: str, kfile: Path) -> dict[str, Any]:
    for obj in objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return obj
    raise KustomizeError(f"{kfile}: a patch targets {kind}/{name}, which no resource defines")


def strategic_merge(base: Any, patch: Any) -> Any:
    """`patch` merged into a copy of `base` (see the module docstring for the list rule)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = strategic_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        out = copy.deepcopy(base)
        index = {item["name"]: i for i, item in enumerate(out)}
        for item in patch:
            if item["name"] in index:
                out[index[item["name"]]] = strategic_merge(out[index[item["name"]]], item)
            else:
                out.append(copy.deepcopy(item))
        return out
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def json6902(obj: dict[str, Any], op: dict[str, Any]) -> None:
    """Apply one RFC 6902 `add`, `replace` or `remove` in place; a missing path is an error."""
    kind = op.get("op")
    if kind not in ("add", "replace", "remove"):
        raise KustomizeError(f"JSON 6902 op {kind!r} is not supported (add, replace, remove)")
    *parents, last = _pointer(op["path"])
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        if kind == "add":
            node.insert(len(node) if last == "-" else int(last), copy.deepcopy(op["value"]))
            return
        index = int(last)
        if not 0 <= index < len(node):
            raise KustomizeError(f"JSON 6902 {kind} {op['path']}: no such item")
        if kind == "remove":
            del node[index]
        else:
            node[index] = copy.deepcopy(op["value"])
        return
    if kind != "add" and last not in node:
        raise KustomizeError(f"JSON 6902 {kind} {op['path']}: no such field")
    if kind == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(op["value"])


def _set_images(node: Any, image: dict[str, str]) -> None:
    """Kustomize's `images` transformer on every `image:` of containers, initContainers included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    container["image"] = _retag(container.get("image", ""), image)
            else:
                _set_images(value, image)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, image)


def _retag(ref: str, image: dict[str, str]) -> str:
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    if name != image["name"]:
        return ref
    new_name = image.get("newName", name)
    new_tag = image.get("newTag", tag)
    return f"{new_name}:{new_tag}" if new_tag else new_name
