"""Measures and thresholds several looks and rules share: what darkening and tint a shadow has,
how far outlines of two answers may disagree (`RIM`), the smallest body a look may add, and the
network's undecided share. One home, so a shadow means the same thing to every rule."""

from __future__ import annotations

import cv2
import numpy as np

RIM = 3  # px around the network's outline where the colour model's outline is no better than its own


def undecided_share(model_alpha: np.ndarray) -> float:
    """Pixels the network left between 0.15 and 0.85, as a share of what it called product.

    A network that sees the product answers near 0 or 1 except on a thin outline (a few percent); on a
    white body against a white sweep it answers 0.1-0.5 over the whole body (shares of 1-15 measured).
    """
    hard = np.count_nonzero(model_alpha > 0.5)
    undecided = np.count_nonzero((model_alpha > 0.15) & (model_alpha < 0.85))
    return float(undecided) / max(float(hard), 1.0)


FLATTEN_MIN_PART = 1e-3  # smallest part (image share) the second look may add: bodies, not specks


SHADOW_DARKENING = 0.06  # a region this much darker than the backdrop (median) may be a shadow


SHADOW_DARKEST = 0.5  # ... and one darker than this is a dark part (a screen, a slot), not a shadow


SHADOW_TINT = 0.02  # colour change (chroma of the ratio to the backdrop) a shadow stays below


def shadow_tint(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Chroma of the photo's ratio to the backdrop, blurred (sigma 2 px) against noise and JPEG.

    A shadow darkens the backdrop and keeps its colour (whites tune: 0.005); a grey or metal part
    seldom matches the backdrop's cast (a bulb's base: 0.03-0.04 where it sits in a shadow)."""
    ratio = cv2.GaussianBlur(rgb.astype(np.float32) * np.float32(1.0 / 255.0), (0, 0), 2.0)
    ratio /= np.maximum(background, 1e-3)
    lum = ratio @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.linalg.norm(ratio - lum[..., None], axis=2)
