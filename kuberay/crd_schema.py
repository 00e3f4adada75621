"""A CRD's openAPIV3Schema as a strict JSON Schema, so a typo in a manifest fails here, not in the cluster.

The API server prunes fields a structural schema does not list (a misspelt `idleTimeoutSecond` is
dropped without a word and the default applies), so "unknown field" is made an error: every object
gets `additionalProperties: false` unless the CRD says `x-kubernetes-preserve-unknown-fields`.
Kubernetes' own extensions are translated: `x-kubernetes-int-or-string` (resource quantities such as
`cpu: 500m` or `cpu: 2`) becomes integer-or-string, `nullable` admits null, and an embedded resource
admits apiVersion, kind and metadata. The root's `metadata` is checked as a small ObjectMeta.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

OBJECT_META: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def strict(node: Any) -> Any:
    """The JSON Schema for one openAPIV3Schema node (recursively)."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: strict(sub) for name, sub in value.items()}
        else:
            out[key] = strict(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if (
        out.get("type") == "object"
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@functools.cache
def crd_schema(crd_path: Path, version: str = "v1") -> dict[str, Any]:
    """The strict schema of one served version of the CRD in `crd_path` (cached: it is 1 MB of YAML;
    treat the result as read-only)."""
    crd = yaml.load(crd_path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version:
            schema = strict(entry["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = OBJECT_META
            group = crd["spec"]["group"]
            schema["properties"]["apiVersion"] = {"const": f"{group}/{version}"}
            schema["properties"]["kind"] = {"const": crd["spec"]["names"]["kind"]}
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
            return schema
    raise ValueError(f"{crd_path}: no version {version!r}")


CONFIG_MAP: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "data"],
    "properties": {
        "apiVersion": {"const": "v1"},
        "kind": {"const": "ConfigMap"},
        "metadata": OBJECT_META,
        "data": {
            "type": "object",
            "propertyNames": {"pattern": "^[-._a-zA-Z0-9]+$"},
            "additionalProperties": {"type": "string"},
        },
        "immutable": {"type": "boolean"},
    },
}


def errors(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every violation, each as `path: message`, sorted so a report is stable."""
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for error in validator.iter_errors(document):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{where}: {error.message}")
    return sorted(found)
