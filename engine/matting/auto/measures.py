"""Measures and thresholds several looks and rules share: what darkening and tint a shadow has,
how far outlines of two answers may disagree (`RIM`), the smallest body a look may add, and the
network's undecided share. One home, so a shadow means the same thing to every rule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from engine.matting.norms import channel_norm
from engine.matting.score import darkening as _darkening

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
    scaled = rgb.astype(np.float32)
    scaled *= np.float32(1.0 / 255.0)
    ratio = cv2.GaussianBlur(scaled, (0, 0), 2.0)
    ratio /= np.maximum(background, 1e-3)
    lum = ratio @ np.array([0.299, 0.587, 0.114], np.float32)
    ratio -= lum[..., None]  # in place, as every step here: the same values as fresh maps, fewer of them
    return channel_norm(ratio, overwrite=True)


def holds_tinted(answer: np.ndarray, tint: np.ndarray, least: float, share: float) -> bool:
    """Whether at least `share` of `answer` (bool; of one pixel where it is empty) is tinted beyond
    `least` (`shadow_tint`): the tint map's one test for "is this a plant?", with each caller's bars
    (`light_parts.plant_alone`: all of it a plant; `shadow_pieces.plant_shadow`: a plant in it)."""
    return np.count_nonzero(answer & (tint > least)) >= share * max(np.count_nonzero(answer), 1)


@dataclass(frozen=True, eq=False)
class Tones:
    """The photo (`rgb`, 0..255) against the colour model's fitted backdrop (`background`, 0..1), as
    the looks and rules measure it: its ratio to the backdrop, its darkening (`score.darkening`), that
    darkening blurred (`dark`) and its tint (`shadow_tint`). One per matte, each map computed on first
    use and shared after: the rules that each made their own paid for the blurred darkening and the
    tint up to three times per matte (`plant_shadow`'s gate, `fuse`, the looks past a part). The maps
    are read, never written."""

    rgb: np.ndarray
    background: np.ndarray

    @cached_property
    def ratio(self) -> np.ndarray:
        """The photo's ratio to the fitted backdrop, per channel."""
        return self.rgb.astype(np.float32) * np.float32(1.0 / 255.0) / np.maximum(self.background, 1e-3)

    @cached_property
    def darkening(self) -> np.ndarray:
        """1 - luminance over the backdrop's (`score.darkening`): a shadow's or a grey part's depth."""
        return _darkening(self.rgb, self.background)

    @cached_property
    def dark(self) -> np.ndarray:
        """`darkening` blurred (sigma 2 px) against noise and JPEG: what the shadow rules compare."""
        return cv2.GaussianBlur(self.darkening, (0, 0), 2.0)

    @cached_property
    def tint(self) -> np.ndarray:
        """`shadow_tint`: the chroma of the ratio to the backdrop, blurred."""
        return shadow_tint(self.rgb, self.background)
