"""The finish stage mattes with the network's matte from the model stage (`NetworkMatte`), which
needs only the working size's shape: `matte` asks it for the matte at that size (`at`) instead of
resizing the full photo (issue 12). The matte, method and quality are those of the resized photo
with the code before the change (the matte widened, resized, clipped) as the reference."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import emoji, studio
from engine.matting import MatteOptions, _model_only_quality, matte
from engine.matting.model import NetworkMatte
from engine.matting.refine import upsample_alpha


def ref_predict(matte_u8: np.ndarray, height: int, width: int) -> np.ndarray:
    """`NetworkMatte.predict` before `at`: widened by astype and a multiply, resized even to its own
    size, clipped."""
    pred = matte_u8.astype(np.float32) * np.float32(1.0 / 255.0)
    return np.clip(cv2.resize(pred, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def ref_model_matte(rgb: np.ndarray, session: NetworkMatte, working_size: int) -> tuple[np.ndarray, float]:
    """`matte(..., "model")` before the change: the photo resized to the working size first."""
    h, w = rgb.shape[:2]
    scale = working_size / max(h, w)
    work = rgb
    if scale < 1.0:
        work = cv2.resize(
            rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
    alpha = ref_predict(session.matte, work.shape[0], work.shape[1])
    quality = _model_only_quality(alpha)
    return (upsample_alpha(alpha, rgb) if work.shape[:2] != rgb.shape[:2] else alpha), quality


@pytest.mark.parametrize(("size", "working_size"), [(1600, 1024), (900, 1024), (1300, 640)])
def test_a_given_network_matte_gives_the_matte_of_the_resized_photo(size, working_size) -> None:
    for i, path in enumerate(emoji.pick("test", 2)):
        shot = studio.compose_shot(emoji.load_rgba(path), size=size, seed=40 + i)
        # the network's matte as the model stage hands it over: uint8 at the network's own size
        net = np.clip(cv2.resize(shot.alpha, (320, 320), interpolation=cv2.INTER_AREA) * 255 + 0.5, 0, 255)
        session = NetworkMatte(net.astype(np.uint8))
        got = matte(shot.rgb, "model", session=session, options=MatteOptions(working_size=working_size))
        want, quality = ref_model_matte(shot.rgb, session, working_size)
        assert got.method == "model" and got.alpha.dtype == np.float32
        assert got.alpha.shape == shot.rgb.shape[:2]
        assert np.array_equal(got.alpha, want)
        assert got.quality == quality


@pytest.mark.parametrize(("height", "width"), [(320, 320), (1024, 683), (91, 1400), (2000, 2000)])
def test_at_gives_the_old_predict_bit_for_bit(height, width) -> None:
    """Including the network's own size, where the resize is skipped, and a matte touching 0 and 1."""
    rng = np.random.default_rng(height + width)
    matte_u8 = rng.integers(0, 256, (320, 320), dtype=np.uint8)
    matte_u8[:40] = 255
    matte_u8[-40:] = 0
    session = NetworkMatte(matte_u8)
    got = session.at(height, width)
    want = ref_predict(matte_u8, height, width)
    assert got.dtype == np.float32 and got.shape == (height, width)
    assert np.array_equal(got, want)
    assert got.min() == 0.0 and got.max() == 1.0
    assert np.array_equal(session.predict(np.zeros((height, width, 3), np.uint8)), want)
