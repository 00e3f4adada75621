"""The finish stage's third round of CPU cuts (issue 12): the same numbers from cheaper calls.

- a float plane copied to three channels by `cv2.merge` instead of `cvtColor(GRAY2RGB)` (whose
  float32 path is not vectorised);
- table lookups by `take` instead of indexing (twice as fast with numpy 2.4);
- the unsharp mask changed only at the pixels it changes (well under 1% of a scaled product), by a
  list of them, where the dense passes are kept as the reference here;
- the retouch statistics' largest and smallest channel of (N, 3) pixels from column maxima
  instead of a reduction along an axis of three (thirty times slower); the tone curve's value and
  step read by two 4-byte gathers instead of one 8-byte gather and a split;
- the shadow's box measured where the shadow is made (on its few rows) and handed to the blend,
  instead of found again over the whole canvas; the blend's translucent pixels from one range test;
- denoise's chroma blurred on the three-channel image, without splitting and merging planes; the
  grade's planes taken out by extractChannel and put back by insertChannel.
"""

from __future__ import annotations

from functools import partial

import cv2
import numpy as np
import pytest

from engine.compose.blend import _SOLID, _TRANSLUCENT, blend, shadow_box
from engine.compose.layout import Placement
from engine.compose.linear import _ENCODE_LUT, _ENCODE_LUT_U16, _gather, per_channel
from engine.compose.shadow import shadow_density, shadow_density_box
from engine.compose.stripes import by_bands
from engine.retouch.apply import _SPARSE_SHARE, _add_detail, _changes, _luma601, sharpen
from tests.engine_compose.conftest import make_product


def ref_sharpen(rgb, alpha, amount, radius=1.0):
    """sharpen() before this change: the change computed and added over every pixel."""
    y = by_bands(_luma601, rgb)
    blurred = cv2.GaussianBlur(y, (0, 0), radius)
    add = partial(_add_detail, scale=float(np.float32(1.2 * amount)))
    if alpha is None:
        return by_bands(add, rgb, y, blurred)
    return by_bands(add, rgb, y, blurred, alpha.astype(np.float32))


def test_per_channel_copies_the_plane_as_cvtcolor_did():
    rng = np.random.default_rng(3)
    plane = rng.uniform(-1.0, 2.0, (37, 53)).astype(np.float32)
    like = np.zeros((37, 53, 3), np.float32)
    copied = per_channel(plane, like)
    assert copied.shape == (37, 53, 3) and copied.dtype == np.float32
    assert np.array_equal(copied, cv2.cvtColor(plane, cv2.COLOR_GRAY2RGB))
    # a list of N pixels as (N, 1) against (N, 1, 3), as the blend's translucent pixels are mixed
    assert np.array_equal(per_channel(plane[:, :1], like[:, :1]), np.repeat(plane[:, :1, None], 3, axis=2))
    # a non-contiguous plane (a crop) is copied first, other shapes stay a broadcasting view
    assert np.array_equal(per_channel(plane[::2, ::3], like[::2, ::3]), np.dstack([plane[::2, ::3]] * 3))
    assert per_channel(plane, like[..., :2]).shape == (37, 53, 1)


def test_gather_by_take_is_indexing():
    rng = np.random.default_rng(4)
    for shape in [(1000,), (40, 3), (31, 17, 3), (9, 1, 3)]:
        index = rng.integers(0, 1 << 16, shape).astype(np.uint16)
        assert np.array_equal(_gather(_ENCODE_LUT_U16, index), _ENCODE_LUT_U16[index])
        small = (index % _ENCODE_LUT.size).astype(np.uint16)
        assert np.array_equal(_gather(_ENCODE_LUT, small), _ENCODE_LUT[small])


def _scaled_product(seed: int):
    """A product photo scaled up 1.6x as compose scales it (soft, so little detail passes the
    threshold), with a few hard marks (which do)."""
    photo, alpha, _ = make_product(420, 300, seed=seed)
    photo = cv2.GaussianBlur(photo, (0, 0), 2.0)  # a clean shot: its noise below the threshold
    cv2.putText(photo, "DRISYA", (70, 300), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (250, 250, 250), 1)
    big = cv2.resize(photo, (480, 672), interpolation=cv2.INTER_CUBIC)
    return big, cv2.resize(alpha, (480, 672), interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize("amount", [0.35, 1.0])
def test_sharpening_the_listed_pixels_is_the_dense_unsharp_mask(amount):
    for seed in (0, 1):
        rgb, alpha = _scaled_product(seed)
        reference = ref_sharpen(rgb, alpha, amount)
        y = _luma601(rgb)
        listed = cv2.countNonZero(_changes(y, cv2.GaussianBlur(y, (0, 0), 1.0), alpha))
        assert listed <= _SPARSE_SHARE * alpha.size  # the listed pixels' path
        assert np.count_nonzero((reference != rgb).any(axis=2)) > 100  # and it does something
        assert np.array_equal(sharpen(rgb, alpha, amount), reference)
        assert np.array_equal(sharpen(rgb, None, amount), ref_sharpen(rgb, None, amount))
        # saturated codes: the change is clipped at 0 and 255 as OpenCV's saturating adds did
        extreme = np.where(rgb > 127, np.uint8(254), np.uint8(1))
        assert np.array_equal(sharpen(extreme, alpha, amount), ref_sharpen(extreme, alpha, amount))


def test_busy_texture_takes_the_dense_path_with_the_same_result():
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (120, 160, 3)).astype(np.uint8)
    alpha = rng.random((120, 160)).astype(np.float32)
    assert np.array_equal(sharpen(rgb, alpha, 0.35), ref_sharpen(rgb, alpha, 0.35))


def test_sharpen_in_place_changes_only_a_contiguous_image_of_the_callers():
    rgb, alpha = _scaled_product(2)
    reference = ref_sharpen(rgb, alpha, 0.35)
    kept = rgb.copy()
    assert np.array_equal(sharpen(rgb, alpha, 0.35), reference)
    assert np.array_equal(rgb, kept)  # not asked: the input stays as it was
    own = rgb.copy()
    assert sharpen(own, alpha, 0.35, in_place=True) is own and np.array_equal(own, reference)
    view = rgb[:, ::-1]  # not contiguous: a copy even when asked
    out = sharpen(view, alpha[:, ::-1], 0.35, in_place=True)
    assert out is not view and np.array_equal(rgb, kept)
    assert np.array_equal(out, ref_sharpen(np.ascontiguousarray(view), alpha[:, ::-1], 0.35))
    flat = np.full((30, 40, 3), 128, np.uint8)  # nothing to sharpen
    assert sharpen(flat, None, 0.35) is not flat and np.array_equal(sharpen(flat, None, 0.35), flat)


@pytest.mark.parametrize("style", ["contact", "cast", "both", "drop", "none"])
@pytest.mark.parametrize("canvas, size", [((2000, 2000), 1700), ((900, 1200), 300), ((640, 480), 560)])
def test_the_shadows_box_is_the_one_the_blend_measured(style, canvas, size):
    """The box handed over is exactly the blend's `shadow_box` of the density (the plain-backdrop
    test reads it), and the density is `shadow_density`'s; the product small enough that the
    shadow is made at the canvas's own size, too."""
    _, alpha = _scaled_product(3)
    alpha = cv2.resize(alpha, (size * 480 // 672, size), interpolation=cv2.INTER_AREA)
    h, w = alpha.shape
    where = Placement((canvas[0] - w) // 2, canvas[1] - h - 60, w, h, 1.0, True, float(canvas[1] - 60))
    kw = dict(style=style, opacity=0.7, softness=0.4, angle=120.0, length=0.6)
    density, box = shadow_density_box(alpha, where, canvas, **kw)
    expected = shadow_density(alpha, where, canvas, **kw)
    if style == "none":
        assert density is None and box is None and expected is None
        return
    assert np.array_equal(density, expected)
    assert box == shadow_box(density) and box is not None
    colour = np.full((h, w, 3), 90, np.uint8)
    background = np.full((canvas[1], canvas[0], 3), 255, np.uint8)
    background[:, : canvas[0] // 3] = (240, 235, 230)  # plain only in part: the table is not used there
    for bg in (background, np.full_like(background, 255)):
        assert np.array_equal(
            blend(colour, alpha, where, bg, density, density_box=box),
            blend(colour, alpha, where, bg, density),
        )


def test_translucent_pixels_from_one_range_test_are_those_between_nothing_and_solid():
    """0 < a < _SOLID, at the bounds' neighbours too: the pixels mixed in linear light are those
    three compares found before (the blend against its reference: test_finish_cuts)."""
    below = np.nextafter(_SOLID, np.float32(0.0))
    values = np.array([0.0, 1e-30, 1.7e-11, 0.5, below, _SOLID, 1.0, 1e-6], np.float32)
    alpha = np.tile(values, (6, 4)).astype(np.float32)
    found = cv2.inRange(alpha, *_TRANSLUCENT)
    expected = cv2.bitwise_and(
        cv2.compare(alpha, 0.0, cv2.CMP_GT), cv2.bitwise_not(cv2.compare(alpha, float(_SOLID), cv2.CMP_GE))
    )
    assert np.array_equal(found, expected)


def test_channel_extremes_are_the_reductions_along_the_pixel():
    from engine.retouch.analyse import _channel_max, _channel_min

    rng = np.random.default_rng(6)
    pixels = rng.uniform(-0.1, 1.2, (5003, 3)).astype(np.float32)
    pixels[7] = (np.nan, 0.2, 0.1)  # numpy's reductions and maxima both give NaN
    pixels[8] = (0.3, 0.3, 0.3)
    for ours, theirs in ((_channel_max, np.max), (_channel_min, np.min)):
        assert np.array_equal(ours(pixels), theirs(pixels, axis=1), equal_nan=True)
        assert ours(pixels[:0]).shape == (0,)
        assert np.array_equal(ours(pixels[::3]), theirs(pixels[::3], axis=1), equal_nan=True)


def ref_denoise(rgb: np.ndarray, strength: float) -> np.ndarray:
    """denoise() before this change: Y, Cr and Cb split into planes, each filtered, merged."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y, cr, cb = cv2.split(ycc)
    sigma_c = 0.6 + 2.0 * strength
    cr = cv2.GaussianBlur(cr, (0, 0), sigma_c)
    cb = cv2.GaussianBlur(cb, (0, 0), sigma_c)
    y_f = cv2.bilateralFilter(y, d=5, sigmaColor=4.0 + 16.0 * strength, sigmaSpace=2.0)
    y = cv2.addWeighted(y, 1.0 - min(1.0, strength * 1.5), y_f, min(1.0, strength * 1.5), 0.0)
    return cv2.cvtColor(cv2.merge([y, cr, cb]), cv2.COLOR_YCrCb2RGB)


@pytest.mark.parametrize("strength", [0.05, 0.3, 1.0])
def test_denoise_without_splitting_the_planes_is_the_same(strength):
    from engine.retouch.apply import denoise

    rng = np.random.default_rng(7)
    for shape in [(333, 251), (64, 1), (7, 900)]:
        rgb = (_photo_noise(shape, rng)).astype(np.uint8)
        assert np.array_equal(denoise(rgb, strength), ref_denoise(rgb, strength))
    rgb, _ = _scaled_product(4)
    assert np.array_equal(denoise(rgb, strength), ref_denoise(rgb, strength))


def _photo_noise(shape, rng) -> np.ndarray:
    base = np.linspace(0, 255, shape[0] * shape[1] * 3).reshape(*shape, 3)
    return (base + rng.normal(0, 20, base.shape)).clip(0, 255)


def ref_restore_clipped(lin, codes, gains) -> None:
    """restore_clipped() before this change: split into planes, merged back."""
    from engine.retouch.apply import _CLIP_WEIGHT, UNTINTED_GAIN

    down = [c for c in range(3) if gains[c] < UNTINTED_GAIN]
    if not down:
        return
    planes = list(cv2.split(lin))
    level = cv2.min(cv2.max(cv2.max(planes[0], planes[1]), planes[2]), 1.0)
    for c in down:
        pull = cv2.LUT(cv2.extractChannel(codes, c), _CLIP_WEIGHT)
        gap = cv2.max(cv2.subtract(level, planes[c]), 0.0)
        planes[c] = cv2.add(planes[c], cv2.multiply(pull, gap))
    np.copyto(lin, cv2.merge(planes))


def ref_vibrance(lin, amount):
    """_vibrance() before this change: the planes from cv2.split."""
    from engine.retouch.apply import _luminance

    y = _luminance(lin)[..., None]
    r, g, b = cv2.split(lin)
    mx, mn = cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b)
    sat = np.divide(mx - mn, mx, out=np.zeros_like(mx), where=mx > 1e-4)
    gain = (np.float32(1.0) + np.float32(amount) * (np.float32(1.0) - sat))[..., None]
    return np.maximum((lin - y) * gain + y, np.float32(0.0))


def test_planes_taken_out_one_by_one_grade_the_same():
    """restore_clipped and vibrance with extractChannel/insertChannel instead of split/merge, and
    the tone curve's fraction by OpenCV's mixed-type subtraction (its bit-identical test:
    test_finish_cuts), for casts that scale one or two channels down."""
    from engine.compose.linear import to_linear
    from engine.retouch.apply import _vibrance, restore_clipped

    rgb, _ = _scaled_product(5)
    rgb[:40] = 255  # clipped highlights for the clipped-channel rule
    rgb[40:60, :, 2] = 250
    for gains in ((1.1, 1.0, 0.9), (0.9, 0.97, 1.15), (0.99, 0.98, 1.0), (1.0, 1.02, 1.0)):
        g = np.asarray(gains, np.float32)
        ours, theirs = to_linear(rgb) * g, to_linear(rgb) * g
        restore_clipped(ours, rgb, g)
        ref_restore_clipped(theirs, rgb, g)
        assert np.array_equal(ours, theirs)
    lin = to_linear(rgb) * np.float32(0.9)
    assert np.array_equal(_vibrance(lin, 0.3), ref_vibrance(lin, 0.3))
