"""Measure what a photo needs before changing it.

Statistics come from a thumbnail, and each from the right pixels: the colour cast and the exposure
from the white backdrop the product was shot on (it is the one thing in the frame whose true colour
we know), tone and colour from the product only, so a sea of white does not skew them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from engine.compose.linear import REC709_LUMA, to_linear
from engine.retouch.params import RetouchParams

_THUMB_SIDE = 640
_LUMA = REC709_LUMA.astype(np.float32)
_LUMA_ROW = _LUMA.reshape(1, 3)
MAX_WB_GAIN = 1.25  # off the daylight-tungsten line, a cast beyond this is a coloured backdrop: leave it
# Casts of the light itself lie on one line in log-ratio space (blackbody light, 2800-12000 K, seen
# by a camera balanced for D65): v = ln(G / sqrt(R B)) ~= LIGHT_LINE_SLOPE * u, u = ln(R / B).
# A backdrop whose cast lies on that line is read as a white sweep under warm or cool light and is
# corrected fully up to about 4100 K on the warm side and 9500 K on the cool side, fading to none by
# about 3500 K and 13000 K; that keeps a batch shot under mixed light on one white point. The price:
# a sand or beige sweep looks exactly like white under warm light, and is neutralised too.
LIGHT_LINE_SLOPE = 0.125
LIGHT_LINE_TOLERANCE = 0.05  # |v - slope * u| allowed, plus 8 % of |u|
CLIPPED = 0.97  # linear level above which a backdrop channel may be clipped
LIGHT_U_WARM = (0.9, 1.3)  # u where the warm correction starts to fade, and where it is gone
LIGHT_U_COOL = (0.45, 0.7)  # the same for -u, on the cool (blue) side
MAX_EXPOSURE_GAIN = 1.8  # about +0.85 EV
BACKDROP_TARGET = 0.92  # linear luminance a white backdrop should reach (sRGB ~246)


@dataclass(frozen=True)
class RetouchPlan:
    wb_gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # linear, luminance-preserving
    exposure_gain: float = 1.0  # linear
    black_point: float = 0.0  # perceptual (sRGB-like) luminance mapped to 0
    midtone: float = 0.5  # perceptual luminance the contrast curve pivots on
    contrast: float = 0.0
    vibrance: float = 0.0
    denoise: float = 0.0
    sharpen: float = 0.0


def analyse(rgb: np.ndarray, alpha: np.ndarray | None, params: RetouchParams) -> RetouchPlan:
    """A plan of bounded corrections for this photo; identity where a strength is 0."""
    if params.is_off:
        return RetouchPlan()
    rgb, alpha = _thumbnail(rgb, alpha)
    # float32 throughout: statistics of a thumbnail need no more, and it halves the memory traffic
    lin = to_linear(rgb).reshape(-1, 3).astype(np.float32, copy=False)
    a = (
        np.ones(lin.shape[0], np.float32)
        if alpha is None
        else alpha.reshape(-1).astype(np.float32, copy=False)
    )
    product = _rows(lin, a > 0.9)
    if product.shape[0] < 16:
        product = _rows(lin, a > 0.5) if (a > 0.5).sum() >= 16 else lin
    backdrop = _backdrop(lin, a)

    wb = np.ones(3, np.float32)
    if params.white_balance > 0 and backdrop is not None:
        wb = _white_balance(backdrop, params.white_balance, lambda: _unclipped(lin, a, backdrop))
    gain = 1.0
    if params.exposure > 0:
        gain = _exposure(product * wb, None if backdrop is None else backdrop * wb, params.exposure)

    balanced = np.clip(product * wb * gain, 0.0, 1.0)
    y = np.sqrt(np.clip(_luma(balanced), 0.0, 1.0))  # perceptual-ish
    black, mid, contrast = 0.0, 0.5, 0.0
    if params.contrast > 0 and y.size:
        lo = float(np.percentile(y, 0.5))
        black = min(0.06, max(0.0, lo - 0.02)) * params.contrast  # haze lifts the blacks
        mid = float(np.clip(np.median(y), 0.2, 0.8))
        contrast = params.contrast
    vibrance = 0.0
    if params.colour > 0 and balanced.shape[0]:
        mx, mn = _channel_max(balanced), _channel_min(balanced)
        sat = np.where(mx > 1e-3, (mx - mn) / np.maximum(mx, 1e-3), 0.0)
        washed = np.clip((0.45 - float(np.mean(sat))) / 0.45, 0.0, 1.0)
        vibrance = 0.35 * washed * params.colour
    return RetouchPlan(
        wb_gains=tuple(float(g) for g in wb),
        exposure_gain=float(gain),
        black_point=float(black),
        midtone=mid,
        contrast=float(contrast),
        vibrance=float(vibrance),
        denoise=float(params.denoise),
        sharpen=float(params.sharpen),
    )


def _rows(pixels: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """`pixels[keep]` for (N, 3) pixels and a bool (N,) mask: the same rows, several times faster
    than boolean indexing of a 2-D array (issue 12)."""
    return np.compress(keep, pixels, axis=0)


def _channel_max(pixels: np.ndarray) -> np.ndarray:
    """The largest channel of each of (N, 3) pixels, (N,): `pixels.max(axis=1)`, from two
    element-wise maxima of the columns, which numpy runs some thirty times faster than a
    reduction along an axis of three (issue 12)."""
    return np.maximum(np.maximum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])


def _channel_min(pixels: np.ndarray) -> np.ndarray:
    """The smallest channel of each of (N, 3) pixels: `pixels.min(axis=1)`, as `_channel_max`."""
    return np.minimum(np.minimum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])


def _luma(pixels: np.ndarray) -> np.ndarray:
    """Rec.709 luminance of (N, 3) linear pixels, (N,) float32: one OpenCV pass, several times
    faster than a numpy product with a 3-vector and the same values."""
    if pixels.shape[0] == 0:
        return np.zeros(0, np.float32)
    flat = np.ascontiguousarray(pixels, dtype=np.float32).reshape(-1, 1, 3)
    return cv2.transform(flat, _LUMA_ROW).reshape(-1)


def _thumbnail(rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The photo and its matte reduced by a whole factor to at most _THUMB_SIDE on the longer side.

    A whole factor makes INTER_AREA a plain k x k box average, three to four times cheaper than an
    arbitrary ratio (issue 12); the at most k - 1 rows and columns beyond a multiple of k are left
    out, which no statistic of a whole frame notices."""
    h, w = rgb.shape[:2]
    k = -(-max(h, w) // _THUMB_SIDE)
    if k <= 1:
        return rgb, alpha
    hh, ww = h - h % k, w - w % k
    if hh == 0 or ww == 0:  # a sliver thinner than the factor: reduce it as it is
        hh, ww = h, w
    size = (max(1, ww // k), max(1, hh // k))
    small = cv2.resize(rgb[:hh, :ww], size, interpolation=cv2.INTER_AREA)
    if alpha is not None:
        alpha = cv2.resize(alpha[:hh, :ww], size, interpolation=cv2.INTER_AREA)
    return small, alpha


def _backdrop(lin: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    """The bright half of the background pixels (the backdrop, not the floor shadow), or None."""
    bg = _rows(lin, a < 0.02)
    if bg.shape[0] < 64:
        return None
    y = _luma(bg)
    lit = y >= np.percentile(y, 50)
    # a backdrop darker than mid-grey is not a white backdrop we can use as a reference
    if float(np.median(np.compress(lit, y))) < 0.25:
        return None
    return _rows(bg, lit)


def _unclipped(lin: np.ndarray, a: np.ndarray, bright: np.ndarray) -> np.ndarray | None:
    """The lit backdrop without clipped pixels, or None when the backdrop has none clipped.

    A strong cast clips one channel of a bright backdrop first (red under warm light) and a clipped
    channel understates the cast; the light's cast is a ratio, the same in a dimmer part of the
    sweep, so the unclipped part of the bright half (or, when all of it is clipped, of the whole
    backdrop down to a quarter of the bright level) measures it."""
    brightest = _channel_max(bright)
    if float((brightest >= CLIPPED).mean()) < 0.01:
        return None
    unclipped = _rows(bright, brightest < CLIPPED)
    if unclipped.shape[0] >= max(64, 0.1 * bright.shape[0]):
        return unclipped
    bg = _rows(lin, a < 0.02)
    level = float(np.median(_luma(bright)))
    lit = _rows(bg, (_channel_max(bg) < CLIPPED) & (_luma(bg) >= 0.25 * level))
    return lit if lit.shape[0] >= 64 else None


def _white_balance(
    backdrop: np.ndarray, strength: float, unclipped: Callable[[], np.ndarray | None]
) -> np.ndarray:
    """Gains that take the backdrop to neutral grey: the one white point every photo of a batch is
    corrected toward, so products shot under different light end up on one page as one shoot.

    The cast is measured on the bright backdrop; only when that reading is not fully corrected (a
    strong cast) and the backdrop is clipped is it measured again without the clipped pixels. A
    milder cast keeps the bright reading: its slight under-correction spares highlights the light
    clipped in the product as well (a white print under cool light turns yellow when its clipped
    blue channel is scaled down by the full correction)."""
    best: tuple[float, np.ndarray] | None = None
    for pixels in (backdrop, None):
        if pixels is None:
            pixels = unclipped()
            if pixels is None:
                break
        ref = np.maximum(np.median(pixels, axis=0), 1e-4)
        reach = _cast_reach(ref)
        if best is None or reach > best[0]:
            best = (reach, ref)
        if reach >= 1.0:
            break
    assert best is not None
    reach, ref = best
    if reach <= 0.0:
        return np.ones(3, np.float32)  # a deliberately coloured backdrop
    gains = float(ref @ _LUMA) / ref
    gains = 1.0 + (strength * reach) * (gains - 1.0)
    return (gains / float(gains @ _LUMA)).astype(np.float32)


def _cast_reach(ref: np.ndarray) -> float:
    """How much of this backdrop's cast to correct, 0..1.

    Any cast whose gains all stay within MAX_WB_GAIN is corrected fully (as it always was). Beyond
    that, a cast on the daylight-tungsten line is still the light: corrected fully up to the first
    bound of LIGHT_U_WARM / LIGHT_U_COOL, fading out by the second. Any other strong cast is a
    coloured backdrop (pink paper, a saturated blue sweep) and is left alone. Before, MAX_WB_GAIN
    alone decided, so in one batch a photo at 5300 K was neutralised and one at 4500 K kept its whole
    cast."""
    gains = float(ref @ _LUMA) / ref
    within = gains.max() <= MAX_WB_GAIN and gains.min() >= 1 / MAX_WB_GAIN
    r, g, b = (float(c) for c in ref)
    u = float(np.log(r / b))
    v = float(np.log(g / np.sqrt(r * b)))
    light = 0.0
    if abs(v - LIGHT_LINE_SLOPE * u) <= LIGHT_LINE_TOLERANCE + 0.08 * abs(u):
        full, none = LIGHT_U_WARM if u >= 0 else LIGHT_U_COOL
        light = float(np.clip((none - abs(u)) / (none - full), 0.0, 1.0))
    return max(1.0 if within else 0.0, light)


def _exposure(product: np.ndarray, backdrop: np.ndarray | None, strength: float) -> float:
    if product.shape[0] == 0:
        return 1.0
    py = _luma(product)
    if backdrop is not None:
        level = float(np.median(_luma(backdrop)))
        gain = BACKDROP_TARGET / max(level, 1e-3)
    else:
        # no backdrop to trust: only rescue clearly dark products
        top = float(np.percentile(py, 99))
        gain = 0.6 / max(top, 1e-3) if top < 0.45 else 1.0
    gain = float(np.clip(gain, 1.0, MAX_EXPOSURE_GAIN))
    # never push the product's highlights into clipping
    hi = float(np.percentile(py, 99.5))
    if hi > 0:
        gain = min(gain, max(1.0, 0.98 / hi))
    return float(np.exp(strength * np.log(gain)))
