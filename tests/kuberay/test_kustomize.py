"""The Kustomize subset behind `make test`'s rendering: the semantics the overlays rely on, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kuberay.kustomize import KustomizeError, build, json6902, strategic_merge


def test_maps_merge_named_lists_merge_by_name_other_lists_are_replaced() -> None:
    base = {
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        "args": ["x", "y"],
        "groups": [{"groupName": "cpu", "maxReplicas": 5}, {"groupName": "gpu", "maxReplicas": 2}],
        "keep": {"a": 1, "drop": 2},
    }
    patch = {
        "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
        "args": ["z"],
        "groups": [{"groupName": "cpu", "maxReplicas": 1}],
        "keep": {"drop": None, "b": 2},
    }
    out = strategic_merge(base, patch)
    assert out["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert out["args"] == ["z"]
    assert out["groups"] == [{"groupName": "cpu", "maxReplicas": 1}]  # keyed by groupName: replaced whole
    assert out["keep"] == {"a": 1, "b": 2}
    assert base["env"][1]["value"] == "2"  # the base is not changed in place


def test_json6902_ops_and_a_missing_path_is_an_error() -> None:
    obj = {"spec": {"groups": [{"n": 1}, {"n": 2}], "params": {"num-cpus": "8"}}}
    json6902(obj, {"op": "replace", "path": "/spec/params/num-cpus", "value": "2"})
    json6902(obj, {"op": "remove", "path": "/spec/groups/1"})
    json6902(obj, {"op": "add", "path": "/spec/groups/-", "value": {"n": 3}})
    json6902(obj, {"op": "add", "path": "/spec/a~1b", "value": 1})
    assert obj == {"spec": {"groups": [{"n": 1}, {"n": 3}], "params": {"num-cpus": "2"}, "a/b": 1}}
    with pytest.raises(KustomizeError, match="no such field"):
        json6902(obj, {"op": "replace", "path": "/spec/params/num-gpus", "value": "1"})
    with pytest.raises(KustomizeError, match="no such item"):
        json6902(obj, {"op": "remove", "path": "/spec/groups/5"})
    with pytest.raises(KustomizeError, match="not supported"):
        json6902(obj, {"op": "move", "from": "/spec/a", "path": "/spec/b"})


def _write(directory: Path, files: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_text(content if isinstance(content, str) else yaml.safe_dump(content))


def test_build_applies_resources_patches_images_and_namespace(tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "drisya:1-cpu"}, {"name": "s", "image": "other:2"}]},
    }
    _write(tmp_path / "base", {"kustomization.yaml": {"resources": ["pod.yaml"]}, "pod.yaml": pod})
    overlay = {
        "namespace": "ns",
        "resources": ["../base"],
        "patches": [
            {"path": "merge.yaml"},
            {"path": "ops.yaml", "target": {"kind": "Pod", "name": "p"}},
        ],
        "images": [{"name": "drisya", "newName": "reg.example/drisya"}],
    }
    merge = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"x": "1"}}}
    ops = [{"op": "replace", "path": "/spec/containers/1/image", "value": "other:3"}]
    _write(tmp_path / "overlay", {"kustomization.yaml": overlay, "merge.yaml": merge, "ops.yaml": ops})

    (out,) = build(tmp_path / "overlay")
    assert out["metadata"] == {"name": "p", "labels": {"x": "1"}, "namespace": "ns"}
    assert [c["image"] for c in out["spec"]["containers"]] == ["reg.example/drisya:1-cpu", "other:3"]


def test_unsupported_features_and_dangling_patches_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "a", {"kustomization.yaml": {"resources": [], "configMapGenerator": [{"name": "x"}]}})
    with pytest.raises(KustomizeError, match="unsupported fields \\['configMapGenerator'\\]"):
        build(tmp_path / "a")
    patch = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ghost"}}
    _write(tmp_path / "b", {"kustomization.yaml": {"patches": [{"path": "p.yaml"}]}, "p.yaml": patch})
    with pytest.raises(KustomizeError, match="targets Pod/ghost, which no resource defines"):
        build(tmp_path / "b")
