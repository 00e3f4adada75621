"""The network in each runtime (engine.matting.runtimes) on the real model file: OpenVINO in bfloat16
gives onnxruntime's matte within a few levels, runs the batch copy's batches, repeats itself exactly,
and takes the thread budget it is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.datasets import whites
from engine.matting.model import ModelLoadError, ModelSession
from engine.matting.runtimes import choose_runtime


def _photos() -> list[np.ndarray]:
    """Two white-on-white tune shots (a printer, a bulb): the hard case, where the network decides."""
    return [whites.shot(whites.Item(kind, "tune", 0), size=512).rgb for kind in ("white_printer", "bulb")]


@pytest.fixture(scope="module")
def sessions(model_session) -> dict[str, ModelSession]:
    family = model_session.family.name
    return {
        runtime: ModelSession(model_session.path, family, threads=2, runtime=runtime)
        for runtime in ("onnxruntime", "openvino")
    }


@pytest.mark.model
def test_openvino_gives_onnxruntimes_matte_within_a_few_levels(sessions) -> None:
    for rgb in _photos():
        ort_matte = sessions["onnxruntime"].predict(rgb)
        ov_matte = sessions["openvino"].predict(rgb)
        diff = np.abs(ort_matte - ov_matte)
        # measured on tune printers, bulbs, shrubs and phones at 512 and 1024 px: mean 0.00001-0.00024,
        # 99.9th percentile 0.002-0.021, largest 0.03 (single pixels of an edge), pixels changing side of
        # 0.5 at most 0.03 %; a wrong graph, input or output would differ by far more
        assert float(diff.mean()) < 0.001, float(diff.mean())
        assert float(np.percentile(diff, 99.9)) < 0.03
        assert ((ort_matte > 0.5) != (ov_matte > 0.5)).mean() < 0.001


@pytest.mark.model
def test_openvino_repeats_itself_exactly(sessions) -> None:
    rgb = _photos()[0]
    first = sessions["openvino"].predict_u8(rgb)
    again = sessions["openvino"].predict_u8(rgb)
    assert np.array_equal(first, again)


@pytest.mark.model
def test_openvino_runs_a_batch_as_its_images_one_by_one(sessions) -> None:
    session = sessions["openvino"]
    photos = _photos()
    singles = [session.predict_u8(rgb) for rgb in photos]
    together = session.predict_batch(photos)
    for one, batched in zip(singles, together, strict=True):
        # the batch copy runs every call when it is installed; without it the images run one by one
        assert np.abs(one.astype(int) - batched.astype(int)).max() <= 2


@pytest.mark.model
def test_the_thread_budget_reaches_openvino(sessions) -> None:
    assert sessions["openvino"]._graph.compiled.get_property("INFERENCE_NUM_THREADS") == 2
    assert sessions["openvino"].runtime == "openvino" and not sessions["openvino"].uses_gpu


def test_an_unknown_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model runtime"):
        choose_runtime("tensorrt")


def test_a_file_openvino_cannot_read_is_a_model_load_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx graph")
    with pytest.raises(ModelLoadError, match="cannot load the model"):
        ModelSession(bad, "isnet", runtime="openvino")
