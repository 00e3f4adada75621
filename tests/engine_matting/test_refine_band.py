"""upsample_alpha's band work (issue 12): the box of the guide only, the coefficients by OpenCV
passes, the band read through flat indices. Each against the code it replaced, bit for bit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import emoji, studio
from engine.matting import refine
from engine.matting.refine import (
    _U8_UNIT,
    _area_span,
    _band_coefficients,
    _bilinear_at,
    _grey_area,
    _grey_at,
    _guided_coefficients,
    upsample_alpha,
)


def old_bilinear_at(img, ys, xs, size, full, origin=(0, 0)):
    """`_bilinear_at` before: two-array fancy indexing."""
    lo_h, lo_w = full

    def axis(pos, src, dst):
        f = (pos.astype(np.float32) + np.float32(0.5)) * np.float32(src / dst) - np.float32(0.5)
        i0 = np.floor(f).astype(np.int32)
        t = f - i0
        t[i0 < 0] = 0.0
        t[i0 >= src - 1] = 0.0
        i0 = np.clip(i0, 0, src - 1)
        return i0, np.minimum(i0 + 1, src - 1), t[:, None]

    y0, y1, ty = axis(ys, lo_h, size[0])
    x0, x1, tx = axis(xs, lo_w, size[1])
    y0, y1, x0, x1 = y0 - origin[0], y1 - origin[0], x0 - origin[1], x1 - origin[1]
    top = img[y0, x0] * (1.0 - tx) + img[y0, x1] * tx
    bottom = img[y1, x0] * (1.0 - tx) + img[y1, x1] * tx
    return top * (1.0 - ty) + bottom * ty


def old_grey_at(rgb, ys, xs):
    picked = cv2.LUT(rgb[ys, xs], _U8_UNIT).reshape(-1, 1, 3)
    return cv2.cvtColor(picked, cv2.COLOR_RGB2GRAY).reshape(-1)


def old_upsample_alpha(alpha, rgb_hi):
    """`upsample_alpha` before: the whole frame's grey shrunk, numpy coefficients, fancy indexing."""
    h, w = rgb_hi.shape[:2]
    if alpha.shape == (h, w):
        return alpha
    scale = max(h / alpha.shape[0], w / alpha.shape[1])
    alpha = alpha.astype(np.float32, copy=False)
    smooth = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    soft = cv2.bitwise_and(cv2.compare(smooth, 0.02, cv2.CMP_GT), cv2.compare(smooth, 0.98, cv2.CMP_LT))
    band = cv2.dilate(soft, None, iterations=max(1, int(scale)))
    points = cv2.findNonZero(band)
    if points is not None:
        points = points.reshape(-1, 2)
        xs, ys = points[:, 0], points[:, 1]
        lo_h, lo_w = alpha.shape
        grey = cv2.cvtColor(rgb_hi, cv2.COLOR_RGB2GRAY)
        guide_lo = cv2.LUT(cv2.resize(grey, (lo_w, lo_h), interpolation=cv2.INTER_AREA), _U8_UNIT)
        m = 8
        y0, y1 = max(0, int(ys.min() * lo_h / h) - m), min(lo_h, int(ys.max() * lo_h / h) + m + 2)
        x0, x1 = max(0, int(xs.min() * lo_w / w) - m), min(lo_w, int(xs.max() * lo_w / w) + m + 2)
        a, b = _guided_coefficients(guide_lo[y0:y1, x0:x1], alpha[y0:y1, x0:x1], 2, 2e-3)
        ab = old_bilinear_at(cv2.merge([a, b]), ys, xs, (h, w), (lo_h, lo_w), (y0, x0))
        refined = ab[:, 0] * old_grey_at(rgb_hi, ys, xs) + ab[:, 1]
        smooth[ys, xs] = np.clip(refined, 0.0, 1.0)
    np.clip(smooth, 0.0, 1.0, out=smooth)
    return smooth


def _shot(h: int, w: int, seed: int):
    path = emoji.pick("test", 3)[seed % 3]
    shot = studio.compose_shot(emoji.load_rgba(path), size=max(h, w), seed=seed)
    return np.ascontiguousarray(shot.rgb[:h, :w]), np.ascontiguousarray(shot.alpha[:h, :w])


def _working(alpha: np.ndarray, working_size: int) -> np.ndarray:
    h, w = alpha.shape
    s = working_size / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(alpha, size, interpolation=cv2.INTER_AREA).astype(np.float32)


@pytest.mark.parametrize(
    ("h", "w", "working_size"),
    [
        (1600, 1600, 1024),
        (1600, 1200, 1024),
        (1067, 1600, 1024),
        (1500, 1001, 1024),
        (2400, 1800, 640),
        (1300, 1300, 1024),
        (700, 1500, 512),
    ],
)
def test_upsample_alpha_equals_the_code_it_replaced(h, w, working_size) -> None:
    rgb, alpha = _shot(h, w, h + w)
    lo = _working(alpha, working_size)
    # a rougher matte than the shot's own, so the band is wide and the guide matters
    lo = np.clip(cv2.GaussianBlur(lo, (0, 0), 2.0), 0.0, 1.0)
    assert np.array_equal(upsample_alpha(lo, rgb), old_upsample_alpha(lo, rgb))


def test_upsample_alpha_on_noise_equals_the_code_it_replaced() -> None:
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (1250, 1600, 3), dtype=np.uint8)
    lo = rng.random((800, 1024), dtype=np.float32)
    assert np.array_equal(upsample_alpha(lo, rgb), old_upsample_alpha(lo, rgb))


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (1600, 1024),
        (1200, 768),
        (3000, 1024),
        (1500, 1024),
        (1024, 640),
        (2048, 1024),
        (1601, 1024),
        (1067, 683),
    ],
)
def test_grey_area_is_the_whole_frames_shrink_cropped(src, dst) -> None:
    rng = np.random.default_rng(src + dst)
    h, w = src, (src * 3) // 4
    lo_h, lo_w = dst, max(1, round(w * dst / src))
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    want = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (lo_w, lo_h), interpolation=cv2.INTER_AREA)
    for _ in range(25):
        y0, y1 = sorted(int(v) for v in rng.integers(0, lo_h + 1, 2))
        x0, x1 = sorted(int(v) for v in rng.integers(0, lo_w + 1, 2))
        y1, x1 = max(y1, y0 + 1), max(x1, x0 + 1)
        y1, x1 = min(y1, lo_h), min(x1, lo_w)
        if y0 >= y1 or x0 >= x1:
            continue
        got = _grey_area(rgb, (lo_h, lo_w), (y0, y1, x0, x1))
        assert np.array_equal(got, want[y0:y1, x0:x1]), (y0, y1, x0, x1)


def test_area_span_only_where_the_scale_is_exact() -> None:
    assert _area_span(1600, 1024, 100, 900) == (96, 912, 150, 1425)
    assert _area_span(1600, 1067, 0, 10) is None  # 1 / (1067 / 1600) is not 1600 / 1067 in double
    assert _area_span(900, 1024, 0, 10) is None  # an enlargement
    assert _area_span(1600, 1024, 1000, 1024) == (992, 1024, 1550, 1600)


def test_band_coefficients_equal_the_guided_coefficients() -> None:
    rng = np.random.default_rng(3)
    guide = cv2.LUT(rng.integers(0, 256, (301, 517), dtype=np.uint8), _U8_UNIT)
    src = rng.random((301, 517), dtype=np.float32)
    for r, eps in ((2, 2e-3), (3, 1e-3)):
        got, want = _band_coefficients(guide, src, r, eps), _guided_coefficients(guide, src, r, eps)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_band_reads_equal_fancy_indexing() -> None:
    rng = np.random.default_rng(5)
    img = rng.random((90, 120, 2), dtype=np.float32)
    ys = rng.integers(65, 330, 5000).astype(np.int32)  # reads inside the part given
    xs = rng.integers(100, 460, 5000).astype(np.int32)
    full = (130, 160)
    got = _bilinear_at(img, ys, xs, (400, 500), full, (20, 30))
    assert np.array_equal(
        got, old_bilinear_at(np.pad(img, ((20, 20), (30, 10), (0, 0))), ys, xs, (400, 500), full)
    )
    assert np.array_equal(
        _bilinear_at(img, ys // 4, xs // 4, (100, 125), (90, 120)),
        old_bilinear_at(img, ys // 4, xs // 4, (100, 125), (90, 120)),
    )
    ys, xs = rng.integers(0, 400, 5000), rng.integers(0, 500, 5000)
    rgb = rng.integers(0, 256, (400, 500, 3), dtype=np.uint8)
    assert np.array_equal(_grey_at(rgb, ys, xs), old_grey_at(rgb, ys, xs))


def test_the_band_bounds_are_the_strict_compares() -> None:
    """upsample_alpha's 0.02 < smooth < 0.98 as one inclusive cv2.inRange."""
    rng = np.random.default_rng(11)
    x = rng.random((123, 457), dtype=np.float32)
    f02, f98 = np.float32(0.02), np.float32(0.98)
    special = [f02, np.nextafter(f02, np.float32(1)), np.nextafter(f02, np.float32(0)), f98]
    special += [np.nextafter(f98, np.float32(1)), np.nextafter(f98, np.float32(0)), np.nan, -0.0, 1e-40]
    x.reshape(-1)[: len(special)] = np.array(special, np.float32)
    want = cv2.bitwise_and(cv2.compare(x, 0.02, cv2.CMP_GT), cv2.compare(x, 0.98, cv2.CMP_LT))
    assert np.array_equal(cv2.inRange(x, refine._OVER_002, refine._UNDER_098), want)
