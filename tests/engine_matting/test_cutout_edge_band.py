"""The cut-out's soft edge found by one cv2.inRange (issue 12): the same pixels as the two strict
cv2.compare tests it replaced, at the thresholds' float32 neighbours, denormals and NaN included."""

from __future__ import annotations

import importlib

import cv2
import numpy as np
import pytest

from engine.compose.masks import compare

cutout_module = importlib.import_module("engine.matting.cutout")


def _matte(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    alpha = rng.random((h, w), dtype=np.float32)
    alpha[rng.random((h, w)) < 0.3] = 0.0
    alpha[rng.random((h, w)) < 0.3] = 1.0
    f98 = np.float32(0.98)
    special = np.array(
        [
            0.0,
            -0.0,
            1.4e-45,
            -1.4e-45,
            1e-40,
            f98,
            np.nextafter(f98, np.float32(0)),
            np.nextafter(f98, np.float32(1)),
            np.nan,
            1.0,
            2.0,
            -1.0,
        ],
        np.float32,
    )
    flat = alpha.reshape(-1)
    flat[: special.size] = special[: flat.size]
    flat[-special.size :] = special[-min(special.size, flat.size) :]
    return alpha


@pytest.mark.parametrize(("h", "w"), [(1, 2), (2, 1), (5, 7), (64, 33), (301, 517)])
def test_edge_pixels_are_those_of_the_strict_compares(h, w) -> None:
    alpha = _matte(h, w, h * w)
    rgb = np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)
    want = cv2.bitwise_and(compare(alpha, 0.0, cv2.CMP_GT), compare(alpha, 0.98, cv2.CMP_LT))
    wy, wx = np.nonzero(want)
    got = cutout_module._edge_colours(rgb, alpha)
    if wy.size == 0:
        assert got is None
        return
    ys, xs, colours = got
    assert np.array_equal(ys, wy) and np.array_equal(xs, wx)
    assert colours.shape == (wy.size, 3) and colours.dtype == np.uint8


def test_a_one_pixel_matte_keeps_the_compare_path() -> None:
    rgb = np.full((1, 1, 3), 200, np.uint8)
    assert cutout_module._edge_colours(rgb, np.array([[0.5]], np.float32)) is not None
    assert cutout_module._edge_colours(rgb, np.array([[0.99]], np.float32)) is None
