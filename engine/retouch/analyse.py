"""Measure what a photo needs before changing it.

Statistics come from a thumbnail, and each from the right pixels: the colour cast and the exposure
from the white backdrop the product was shot on (it is the one thing in the frame whose true colour
we know), tone and colour from the product only, so a sea of white does not skew them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.compose.linear import REC709_LUMA, to_linear
from engine.retouch.params import RetouchParams

_THUMB_SIDE = 640
_LUMA = REC709_LUMA.astype(np.float32)
MAX_WB_GAIN = 1.25  # a colour cast beyond this is a coloured backdrop, not a cast: leave it
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
    h, w = rgb.shape[:2]
    r = min(1.0, _THUMB_SIDE / max(h, w))
    if r < 1.0:
        size = (max(1, round(w * r)), max(1, round(h * r)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        alpha = None if alpha is None else cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    # float32 throughout: statistics of a thumbnail need no more, and it halves the memory traffic
    lin = to_linear(rgb).reshape(-1, 3).astype(np.float32, copy=False)
    a = (
        np.ones(lin.shape[0], np.float32)
        if alpha is None
        else alpha.reshape(-1).astype(np.float32, copy=False)
    )
    product = lin[a > 0.9]
    if product.shape[0] < 16:
        product = lin[a > 0.5] if (a > 0.5).sum() >= 16 else lin
    backdrop = _backdrop(lin, a)

    wb = np.ones(3, np.float32)
    if params.white_balance > 0 and backdrop is not None:
        wb = _white_balance(backdrop, params.white_balance)
    gain = 1.0
    if params.exposure > 0:
        gain = _exposure(product * wb, None if backdrop is None else backdrop * wb, params.exposure)

    balanced = np.clip(product * wb * gain, 0.0, 1.0)
    y = np.sqrt(np.clip(balanced @ _LUMA, 0.0, 1.0))  # perceptual-ish
    black, mid, contrast = 0.0, 0.5, 0.0
    if params.contrast > 0 and y.size:
        lo = float(np.percentile(y, 0.5))
        black = min(0.06, max(0.0, lo - 0.02)) * params.contrast  # haze lifts the blacks
        mid = float(np.clip(np.median(y), 0.2, 0.8))
        contrast = params.contrast
    vibrance = 0.0
    if params.colour > 0 and balanced.shape[0]:
        mx, mn = balanced.max(axis=1), balanced.min(axis=1)
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


def _backdrop(lin: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    """The bright half of the background pixels (the backdrop, not the floor shadow), or None."""
    bg = lin[a < 0.02]
    if bg.shape[0] < 64:
        return None
    y = bg @ _LUMA
    bright = bg[y >= np.percentile(y, 50)]
    # a backdrop darker than mid-grey is not a white backdrop we can use as a reference
    if float(np.median(bright @ _LUMA)) < 0.25:
        return None
    return bright


def _white_balance(backdrop: np.ndarray, strength: float) -> np.ndarray:
    ref = np.median(backdrop, axis=0)
    y = float(ref @ _LUMA)
    gains = y / np.maximum(ref, 1e-4)
    if gains.max() > MAX_WB_GAIN or gains.min() < 1 / MAX_WB_GAIN:
        return np.ones(3, np.float32)  # a deliberately coloured backdrop
    gains = 1.0 + strength * (gains - 1.0)
    return gains / float(gains @ _LUMA)


def _exposure(product: np.ndarray, backdrop: np.ndarray | None, strength: float) -> float:
    if product.shape[0] == 0:
        return 1.0
    py = product @ _LUMA
    if backdrop is not None:
        level = float(np.median(backdrop @ _LUMA))
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
