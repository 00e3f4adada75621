"""The ISNet model and `auto` on the real model file (fetched by `make setup`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import metrics
from engine.matting import MissingModel, matte
from engine.matting.auto.fusion import fuse
from engine.matting.fast import matte_fast
from engine.matting.model import FAMILIES, ModelSession, get_session


@pytest.mark.model
def test_one_session_per_process_on_the_cpu(model_session) -> None:
    assert get_session(model_session.path, model_session.family.name) is model_session
    assert not model_session.uses_gpu  # this machine has no GPU: OpenVINO or onnxruntime's CPU provider
    assert model_session.runtime in ("openvino", "onnxruntime")
    assert model_session.input_size == 1024


@pytest.mark.model
def test_model_on_a_grey_product(model_session, scenes) -> None:
    sc = scenes["grey_bottle"]
    res = matte(sc.rgb, "model", session=model_session)
    assert res.method == "model" and res.alpha.shape == sc.alpha.shape
    assert metrics.iou(res.alpha, sc.alpha) >= 0.97
    assert 0.0 < res.quality <= 1.0


@pytest.mark.model
def test_auto_routes_doubtful_images_to_the_model(model_session, scenes) -> None:
    sc = scenes["grey_bottle"]
    res = matte(sc.rgb, "auto", session=model_session)
    assert res.method == "auto:model"
    assert metrics.iou(res.alpha, sc.alpha) >= 0.97
    assert metrics.boundary_f(res.alpha, sc.alpha) >= 0.94


def test_auto_does_not_load_the_model_for_clean_shots(scenes) -> None:
    calls = []

    def loader():
        calls.append(1)
        raise AssertionError("the model must not be loaded for a clean studio shot")

    res = matte(scenes["mug"].rgb, "auto", session=loader)
    assert res.method == "auto:fast" and not calls
    assert metrics.iou(res.alpha, scenes["mug"].alpha) >= 0.98


def test_doubtful_image_without_a_model_is_a_clear_error(scenes) -> None:
    with pytest.raises(MissingModel, match="model"):
        matte(scenes["grey_bottle"].rgb, "auto", session=None)
    with pytest.raises(MissingModel):
        matte(scenes["mug"].rgb, "model", session=None)


def test_fusion_restores_flat_interiors_and_thin_parts(scenes) -> None:
    """The two failures users report for salient-object networks, repaired by the colour model."""
    laptop = scenes["laptop"]
    holed = laptop.alpha.copy()
    (y, x), _ = laptop.probes["screen_centre"]
    holed[y - 60 : y + 60, x - 120 : x + 120] = 0.0  # a network that punched out the dark screen
    fused = fuse(laptop.rgb, holed, matte_fast(laptop.rgb))
    assert fused.alpha[y, x] > 0.95
    assert metrics.iou(fused.alpha, laptop.alpha) >= 0.98

    plant = scenes["plant"]
    stemless = plant.alpha.copy()
    (sy, sx), _ = plant.probes["stem"]
    stemless[sy - 40 : sy + 40, sx - 4 : sx + 5] = 0.0  # a network that dropped the thin stem
    fused = fuse(plant.rgb, stemless, matte_fast(plant.rgb))
    assert fused.alpha[sy, sx] > 0.5
    (by, bx), _ = plant.probes["beside_stem"]
    assert fused.alpha[by, bx] < 0.1

    mug = scenes["mug"]
    (hy, hx), _ = mug.probes["handle_hole"]
    filled = mug.alpha.copy()
    filled[hy - 10 : hy + 10, hx - 10 : hx + 10] = 1.0  # a network that filled the handle hole
    fused = fuse(mug.rgb, filled, matte_fast(mug.rgb))
    assert fused.alpha[hy, hx] < 0.1


def test_model_families_are_configurable() -> None:
    assert FAMILIES["isnet"].size == 1024 and FAMILIES["u2net"].size == 320
    assert FAMILIES["birefnet"].activation == "sigmoid"


def _reference_input(rgb: np.ndarray, size: int, family) -> np.ndarray:
    """The network input as preprocessing built it before the per-channel tables: resize, widen,
    divide, normalise, transpose."""
    x = cv2.resize(
        rgb, (size, size), interpolation=cv2.INTER_AREA if max(rgb.shape[:2]) > size else cv2.INTER_LINEAR
    )
    x = x.astype(np.float32) / 255.0
    x = (x - np.array(family.mean, np.float32)) / np.array(family.std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


@pytest.mark.model
@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("shape", [(1024, 1024, 3), (1600, 1203, 3), (301, 700, 3)])
def test_the_network_input_is_bit_for_bit_the_normalised_photo(model_session, family, shape) -> None:
    """Each family's table gives exactly the float32 arithmetic it replaced, at the network's own
    size (no resize) and where the photo is larger or smaller than the network's input."""
    session = ModelSession(model_session.path, family)
    rgb = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    x = session.preprocess(rgb)
    assert x.dtype == np.float32 and x.flags.c_contiguous
    assert np.array_equal(x, _reference_input(rgb, session.input_size, FAMILIES[family]))


@pytest.mark.model
def test_the_network_input_of_a_view_is_that_of_its_copy(model_session) -> None:
    """preprocess reads each channel of a strided view (extractChannel on a contiguous copy) as of
    the same pixels in a plain array."""
    rgb = np.random.default_rng(9).integers(0, 256, (1100, 1200, 3), dtype=np.uint8)
    view = rgb[30:1054, 50:1074]
    assert np.array_equal(model_session.preprocess(view), model_session.preprocess(view.copy()))
    assert np.array_equal(model_session.preprocess(view), _reference_input(view, 1024, model_session.family))
