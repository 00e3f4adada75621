"""Decontamination solved only on the edge pixels, with the background's wide blur at half size
(issue 12), gives the cut-out the old whole-box, full-size solve gave within the project's rule for
CPU cuts, "no visible change": at most 2/255 from the old path on any channel of any pixel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import emoji, studio
from engine.matting.cutout import cutout, decontaminate

MAX_DIFF = 2  # uint8 levels: the project's rule for CPU cuts


def visible_change(new: np.ndarray, ref: np.ndarray) -> int:
    """The largest difference of any channel of any pixel, in uint8 levels."""
    return int(np.abs(new.astype(np.int16) - ref.astype(np.int16)).max())


def ref_decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The code before the change: the compositing equation solved over the whole product box."""

    def fill(values, weight, sigma):
        wsum = cv2.GaussianBlur(weight, (0, 0), sigma)
        num = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
        return num / np.maximum(wsum, 1e-6)[..., None]

    edge = (alpha > 0.0) & (alpha < 0.98)
    if not edge.any():
        return rgb
    ys, xs = np.nonzero(edge)
    pad = 24
    y0, y1 = max(0, ys.min() - pad), min(rgb.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(rgb.shape[1], xs.max() + pad + 1)
    img = rgb[y0:y1, x0:x1].astype(np.float32) / 255.0
    a = alpha[y0:y1, x0:x1].astype(np.float32)
    scale = max(1.0, max(img.shape[:2]) / 1500.0)
    bg = fill(img, (a < 0.02).astype(np.float32), 6.0 * scale)
    solid = fill(img, (a > 0.97).astype(np.float32), 3.0 * scale)
    solved = np.clip((img - (1.0 - a[..., None]) * bg) / np.maximum(a[..., None], 1e-3), 0.0, 1.0)
    w = np.clip((a - 0.1) / 0.4, 0.0, 1.0)[..., None]
    fg = w * solved + (1.0 - w) * solid
    out = rgb.copy()
    sub = out[y0:y1, x0:x1]
    e = edge[y0:y1, x0:x1]
    sub[e] = np.clip(np.rint(fg[e] * 255.0), 0, 255).astype(np.uint8)
    return out


@pytest.mark.parametrize("size", [501, 700, 1600, 2400])  # odd boxes; 2400: blur radii grow (scale > 1)
def test_the_cut_out_stays_within_the_rule_of_the_whole_box_full_size_solve(size):
    for i, path in enumerate(emoji.pick("test", 3)):
        shot = studio.compose_shot(emoji.load_rgba(path), size=size, seed=700 + i)
        new = decontaminate(shot.rgb, shot.alpha)
        assert visible_change(new, ref_decontaminate(shot.rgb, shot.alpha)) <= MAX_DIFF
        assert not np.array_equal(new, shot.rgb), "the edge must have been decontaminated"


def test_the_background_colour_is_still_removed_from_the_edge():
    """A red disc with a soft rim on a blue backdrop: the rim's blue is solved away (the half-size
    background fill must still see the backdrop's colour, not a mix with the product)."""
    h = w = 301
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(yy - 150, xx - 150)
    alpha = np.clip((100.0 - r) / 8.0, 0.0, 1.0).astype(np.float32)  # an 8 px soft rim
    red, blue = np.array([220, 20, 20], np.float32), np.array([10, 30, 230], np.float32)
    rgb = np.rint(alpha[..., None] * red + (1 - alpha[..., None]) * blue).astype(np.uint8)
    new = decontaminate(rgb, alpha)
    rim = (alpha > 0.3) & (alpha < 0.9)
    assert np.abs(new[rim].astype(np.float32) - red).max() <= 6  # the mix was up to 150 levels off
    assert visible_change(new, ref_decontaminate(rgb, alpha)) <= MAX_DIFF


def test_a_matte_without_a_soft_edge_leaves_the_colours_alone():
    rgb = np.full((40, 50, 3), 200, np.uint8)
    alpha = np.zeros((40, 50), np.float32)
    alpha[10:30, 10:40] = 1.0
    assert decontaminate(rgb, alpha) is rgb
    rgba = cutout(rgb, alpha)
    assert np.array_equal(rgba[..., :3], rgb) and np.array_equal(rgba[..., 3], (alpha * 255).astype(np.uint8))


def test_a_product_touching_the_frame_edge():
    """The box padding is clipped by the frame; the reads stay inside it."""
    shot = studio.compose_shot(emoji.load_rgba(emoji.pick("test", 1)[0]), size=500, seed=9)
    rgb, alpha = shot.rgb[40:-40, 60:], shot.alpha[40:-40, 60:]  # cut through the product
    rgb, alpha = np.ascontiguousarray(rgb), np.ascontiguousarray(alpha)
    assert visible_change(decontaminate(rgb, alpha), ref_decontaminate(rgb, alpha)) <= MAX_DIFF


def ref_cutout(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """`cutout` before it was built in place: a decontaminated copy split and merged with the alpha."""
    a8 = np.clip(np.rint(alpha * 255.0), 0, 255).astype(np.uint8)
    return cv2.merge([*cv2.split(np.ascontiguousarray(decontaminate(rgb, alpha))), a8])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_cut_out_built_in_place_equals_the_split_and_merge(dtype):
    shot = studio.compose_shot(emoji.load_rgba(emoji.pick("test", 1)[0]), size=600, seed=5)
    alpha = shot.alpha.astype(dtype)
    # the rounding's hard cases: exact halves (half to even), just below them, out of range
    k = np.arange(256, dtype=dtype)
    alpha[0, :256] = (k + 0.5) / dtype(255.0)
    alpha[1, :256] = np.nextafter((k + 0.5) / dtype(255.0), dtype(0.0))
    alpha[2, :8] = [-0.3, -1e-9, 1.0 + 1e-6, 1.7, 0.0, 1.0, 0.5, 254.5 / 255]
    got = cutout(shot.rgb, alpha)
    assert got.dtype == np.uint8 and got.shape == shot.rgb.shape[:2] + (4,)
    assert np.array_equal(got, ref_cutout(shot.rgb, alpha))
