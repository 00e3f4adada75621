"""Colour measurements that keep a variant from clashing with the product.

Measured in CIELAB (OpenCV's float conversion: L 0..100, a/b roughly -128..127), where hue is the
angle of (a, b) and chroma its length. A backdrop pixel clashes with a product when both are
coloured and their hues are within `HUE_CLASH_DEG` at a similar lightness (the product dissolves
into it), or when the colours are simply too close (`MIN_SEPARATION`, CIE76 delta E; a white
product on a white sweep). A backdrop clashes when more than `MAX_CLASH_SHARE` of its pixels
around the product do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

HUE_CLASH_DEG = 20.0  # hues closer than this read as "the same colour"
LIGHTNESS_CLASH = 20.0  # ... unless their L* differ by at least this
CHROMATIC = 12.0  # below this chroma a colour reads as neutral and has no hue to clash
MIN_SEPARATION = 14.0  # delta E76 between product and backdrop averages, below it the product dissolves
# A backdrop clashes when more than this share of its pixels around the product clash one by one: an
# average alone would call a coral-and-teal duotone "brown" and let a red product sit on the coral.
MAX_CLASH_SHARE = 0.25


@dataclass(frozen=True)
class LabStats:
    """Average L*, a*, b* of a region; `hue` in degrees 0..360, `chroma` sqrt(a^2 + b^2)."""

    lightness: float
    a: float
    b: float

    @property
    def chroma(self) -> float:
        return math.hypot(self.a, self.b)

    @property
    def hue(self) -> float:
        return math.degrees(math.atan2(self.b, self.a)) % 360.0


def lab_pixels(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 (N, 3) Lab, one row per pixel."""
    return cv2.cvtColor(rgb.astype(np.float32) * np.float32(1.0 / 255.0), cv2.COLOR_RGB2LAB).reshape(-1, 3)


def clash_share(product: LabStats, backdrop_rgb: np.ndarray) -> float:
    """Share of the backdrop's pixels that clash with the product's average colour (see the module
    docstring for the rule)."""
    lab = lab_pixels(backdrop_rgb)
    if not len(lab):
        return 0.0
    dl = lab[:, 0] - product.lightness
    da, db = lab[:, 1] - product.a, lab[:, 2] - product.b
    close = np.sqrt(dl * dl + da * da + db * db) < MIN_SEPARATION
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
    dh = np.abs(hue - product.hue) % 360.0
    dh = np.minimum(dh, 360.0 - dh)
    same_hue = (
        (chroma >= CHROMATIC)
        & (product.chroma >= CHROMATIC)
        & (dh < HUE_CLASH_DEG)
        & (np.abs(dl) < LIGHTNESS_CLASH)
    )
    return float((close | same_hue).mean())


def lab_stats(rgb: np.ndarray, weight: np.ndarray | None = None) -> LabStats:
    """Weighted mean Lab of uint8 RGB pixels (weight: e.g. the product's alpha)."""
    lab = lab_pixels(rgb)
    if weight is None:
        mean = lab.mean(axis=0)
    else:
        w = weight.reshape(-1).astype(np.float64)
        total = float(w.sum())
        mean = lab.mean(axis=0) if total <= 0 else (lab * w[:, None]).sum(axis=0) / total
    return LabStats(float(mean[0]), float(mean[1]), float(mean[2]))
