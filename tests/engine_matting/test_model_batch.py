"""The batch-capable copy of the real ISNet graph (`drisya models batch`): what the rewrite frees and
keeps, batched and single mattes of the copy equal to per-image runs of the ORIGINAL graph, the
per-image fallback without a copy, and a copy that no longer matches its manifest or its model is not
used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest

from benchmarks.datasets import synthetic
from cluster.model_store import RECOMMENDED_MODEL, model_file
from cluster.settings import Settings
from drisya.cli.model_batch import TOLERANCE, Installed, install_batch_copy, make_batch_capable
from engine.matting.model import ModelSession, batch_copy_paths, batch_copy_problem

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cached model, linked into a folder of its own: no copy there, and the cache is not touched."""
    source = model_file(RECOMMENDED_MODEL, Settings.from_env({}).model_cache_dir)
    link = tmp_path_factory.mktemp("original") / "isnet.onnx"
    link.symlink_to(source.resolve())
    return link


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Installed:
    link = tmp_path_factory.mktemp("batched") / "isnet.onnx"
    link.symlink_to(original.resolve())
    return install_batch_copy(link, "isnet", images=2, log=lambda _: None)


def _photos() -> list[np.ndarray]:
    """Three different real-looking shots at different sizes (the network sees each at 1024 px)."""
    return [
        synthetic.scene("mug", size=(480, 640), seed=1).rgb,
        synthetic.scene("plant", size=(700, 500), seed=2).rgb,
        synthetic.scene("grey_bottle", size=(600, 600), seed=3).rgb,
    ]


def test_the_rewrite_frees_the_batch_and_keeps_the_weights(original: Path) -> None:
    model = onnx.load(str(original))
    copy = make_batch_capable(model)

    dims = copy.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [3, 1024, 1024]
    assert [o.name for o in copy.graph.output] == [model.graph.output[0].name]
    assert copy.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    weights = {t.name: t for t in model.graph.initializer}
    for t in copy.graph.initializer:  # fp16 stays fp16: the same tensors, byte for byte
        assert t.data_type == weights[t.name].data_type and t.raw_data == weights[t.name].raw_data
    onnx.checker.check_model(copy)  # the original fails this: its fp16 Casts come after their users


def test_batched_mattes_equal_per_image_runs_of_the_original(original: Path, installed: Installed) -> None:
    # the installer's own check: the copy's raw batched output against the original, photo by photo
    verified = json.loads(installed.manifest.read_text())["verified"]
    assert verified["images"] == 2 and verified["max_abs_diff"] <= TOLERANCE == verified["tolerance"]

    photos = _photos()
    # the copy's graph against the original's, in the runtime that verified it (OpenVINO's bfloat16
    # adds its own few levels on top: tests/engine_matting/test_runtimes.py)
    alone = ModelSession(original, "isnet", runtime="onnxruntime")
    batched = ModelSession(installed.copy.with_name("isnet.onnx"), "isnet", runtime="onnxruntime")
    assert batched.uses_batch_copy and not alone.uses_batch_copy
    singles = [alone.predict_u8(rgb) for rgb in photos]  # the original, one image per run
    assert min(_max_diff(singles[i], singles[j]) for i, j in ((0, 1), (0, 2), (1, 2))) > 100

    mattes = batched.predict_batch(photos)  # the copy, one run of three
    assert len(mattes) == 3
    for matte, single in zip(mattes, singles, strict=True):
        assert matte.dtype == np.uint8 and matte.shape == single.shape == (1024, 1024)
        assert _max_diff(matte, single) <= 1

    # single-image calls run the copy too (the original is never loaded beside it), within a level
    assert batched.graph_path == installed.copy and alone.graph_path == original
    for rgb, single in zip(photos, singles, strict=True):
        assert _max_diff(batched.predict_u8(rgb), single) <= 1
    assert np.array_equal(batched.predict_batch(photos[:1])[0], batched.predict_u8(photos[0]))

    # without a copy: one run of the original per image, exactly `predict_u8`
    fallback = alone.predict_batch(photos[:2])
    assert all(np.array_equal(m, s) for m, s in zip(fallback, singles[:2], strict=True))


def _max_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


def test_a_copy_that_changed_or_whose_model_changed_is_not_used(tmp_path: Path, installed: Installed) -> None:
    model = tmp_path / "isnet.onnx"
    model.symlink_to(installed.copy.with_name("isnet.onnx").resolve())
    copy, manifest = batch_copy_paths(model)
    shutil.copy(installed.copy, copy)
    shutil.copy(installed.manifest, manifest)
    assert batch_copy_problem(model) is None and ModelSession(model).uses_batch_copy

    with open(copy, "r+b") as fh:  # one byte of the copy changes
        fh.seek(copy.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert "sha256" in str(batch_copy_problem(model))
    assert not ModelSession(model).uses_batch_copy

    shutil.copy(installed.copy, copy)  # the copy is whole again, but the model is another file
    model.unlink()
    shutil.copy(installed.copy, model)
    assert "changed since" in str(batch_copy_problem(model))
    assert not ModelSession(model).uses_batch_copy
