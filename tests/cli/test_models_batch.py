"""`drisya models batch` through the real CLI entry point, on small graphs built here: a copy that
keeps images apart is installed (once), a graph whose batch mixes images is refused, a copy whose bytes
changed is refused by `--check` and by the engine, and rebuilt by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from drisya.cli.main import main
from drisya.cli.model_batch import BatchGraphError, make_batch_capable
from engine.matting.model import ModelSession, batch_copy_paths

SIDE = 32


def _save(path: Path, nodes: list, weights: list, outputs: list[tuple[str, list[int]]]) -> Path:
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in outputs],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _isnet_like(path: Path) -> Path:
    """ISNet's export in small: fp16 weights between Casts (listed last, out of order, as the fp16
    export does), a Resize whose sizes come from the input's shape, a side output nobody reads."""
    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float16), "w1"),
        numpy_helper.from_array(rng.normal(0, 0.5, (1, 4, 3, 3)).astype(np.float16), "w2"),
        numpy_helper.from_array(np.array([SIDE, SIDE], np.int64), "hw"),
        numpy_helper.from_array(np.array([0], np.int64), "zero"),
        numpy_helper.from_array(np.array([2], np.int64), "two"),
    ]
    nodes = [
        helper.make_node("Conv", ["x16", "w1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Cast", ["c2"], ["c2f"], to=TensorProto.FLOAT),
        helper.make_node("Shape", ["c2f"], ["shape"]),
        helper.make_node("Slice", ["shape", "zero", "two", "zero"], ["nc"]),
        helper.make_node("Concat", ["nc", "hw"], ["sizes"], axis=0),
        helper.make_node("Resize", ["c2f", "", "", "sizes"], ["up"], mode="linear"),
        helper.make_node("Sigmoid", ["up"], ["output"]),
        helper.make_node("Sigmoid", ["c2f"], ["side"]),
        helper.make_node("Cast", ["input"], ["x16"], to=TensorProto.FLOAT16),  # last, as exported
    ]
    return _save(
        path, nodes, weights, [("output", [1, 1, SIDE, SIDE]), ("side", [1, 1, SIDE // 2, SIDE // 2])]
    )


def _mixing(path: Path) -> Path:
    """A graph that is right for one image and wrong for a batch: it averages over the batch axis."""
    weights = [numpy_helper.from_array(np.array([4.0], np.float32), "gain")]
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["own"], axes=[1], keepdims=1),
        helper.make_node("ReduceMean", ["input"], ["everyone"], axes=[0, 1], keepdims=1),
        helper.make_node("Add", ["own", "everyone"], ["sum"]),  # (N,1,H,W) + (1,1,H,W): still N
        helper.make_node("Mul", ["sum", "gain"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["output"]),
    ]
    return _save(path, nodes, weights, [("output", [1, 1, SIDE, SIDE])])


def _run(monkeypatch, model: Path, *args: str) -> int:
    monkeypatch.setenv("DRISYA_MODEL_PATH", str(model))
    monkeypatch.delenv("DRISYA_MODEL_FAMILY", raising=False)
    return main(["models", "batch", *args])


def test_installs_a_verified_copy_once(tmp_path: Path, monkeypatch, capsys) -> None:
    model = _isnet_like(tmp_path / "tiny.onnx")
    copy, manifest = batch_copy_paths(model)

    assert _run(monkeypatch, model) == 0
    out = capsys.readouterr().out
    assert "written and verified" in out and "max abs difference" in out
    recorded = json.loads(manifest.read_text())
    assert recorded["outputs"] == ["output"] and recorded["verified"]["images"] == 3
    assert recorded["verified"]["max_abs_diff"] <= recorded["verified"]["tolerance"]

    graph = onnx.load(str(copy)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [o.name for o in graph.output] == ["output"]
    assert {t.name: t.data_type for t in graph.initializer}["w1"] == TensorProto.FLOAT16  # fp16 kept
    assert "side" not in {name for node in graph.node for name in node.output}  # unread output dropped

    stamp = copy.stat().st_mtime_ns
    assert _run(monkeypatch, model) == 0  # idempotent: the intact copy is kept
    assert "already verified" in capsys.readouterr().out and copy.stat().st_mtime_ns == stamp
    assert _run(monkeypatch, model, "--check") == 0
    assert "intact" in capsys.readouterr().out
    assert ModelSession(model).uses_batch_copy
    assert main(["models", "check"]) == 0
    assert "batch copy: installed and intact" in capsys.readouterr().out


def test_a_corrupted_copy_is_refused_and_rebuilt(tmp_path: Path, monkeypatch, capsys) -> None:
    model = _isnet_like(tmp_path / "tiny.onnx")
    copy, manifest = batch_copy_paths(model)
    assert _run(monkeypatch, model) == 0
    capsys.readouterr()
    data = bytearray(copy.read_bytes())
    data[-20] ^= 0xFF  # one byte changes
    copy.write_bytes(bytes(data))

    assert not ModelSession(model).uses_batch_copy  # the engine runs images one by one instead
    assert _run(monkeypatch, model, "--check") == 1
    err = capsys.readouterr().err
    assert "sha256" in err and "drisya models batch" in err and "Traceback" not in err

    assert _run(monkeypatch, model) == 0
    captured = capsys.readouterr()
    assert "removing it" in captured.out and "written and verified" in captured.out
    assert ModelSession(model).uses_batch_copy


def test_a_graph_whose_batch_mixes_images_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    model = _mixing(tmp_path / "mixing.onnx")
    copy, manifest = batch_copy_paths(model)

    assert _run(monkeypatch, model) == 1
    err = capsys.readouterr().err
    assert "differs from per-image runs of the original" in err and "not installed" in err
    assert not copy.exists() and not manifest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixing.onnx"]  # no part file left
    assert not ModelSession(model).uses_batch_copy


def test_a_constant_reshape_to_one_image_is_refused(tmp_path: Path) -> None:
    weights = [numpy_helper.from_array(np.array([1, 1, SIDE, SIDE], np.int64), "shape")]
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Reshape", ["mean", "shape"], ["output"]),
    ]
    model = onnx.load(str(_save(tmp_path / "pinned.onnx", nodes, weights, [("output", [1, 1, SIDE, SIDE])])))
    with pytest.raises(BatchGraphError, match="fixes the batch at 1"):
        make_batch_capable(model)


def test_a_batch_of_one_is_not_a_check(tmp_path: Path, monkeypatch, capsys) -> None:
    model = _isnet_like(tmp_path / "tiny.onnx")
    assert _run(monkeypatch, model, "--images", "1") == 2
    assert "at least 2" in capsys.readouterr().err
    assert not batch_copy_paths(model)[0].exists()
