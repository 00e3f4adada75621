"""Nudge the product's light toward the template's tone, so a product on a warm backdrop is not lit
by a colder light than everything around it. Bounded: a product's colour is what the customer buys,
so the shift never exceeds a few percent per channel, and a neutral tone changes nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.compose.linear import REC709_LUMA, srgb_float_to_linear, to_linear, to_srgb

MAX_CHROMA_SHIFT = 0.08  # per-channel gain bound at strength 1
MAX_LUMA_SHIFT = 0.05


def tone_gains(tone: tuple[int, int, int], strength: float) -> np.ndarray:
    """Per-channel linear gains (3,) that move the product's light toward `tone` by `strength`."""
    if strength <= 0:
        return np.ones(3, np.float32)
    lin = srgb_float_to_linear(np.asarray(tone, np.float64) / 255.0)
    y = float(lin @ REC709_LUMA.astype(np.float64))
    if y <= 1e-4:
        return np.ones(3, np.float32)
    chroma = lin / y  # the tone's colour at equal luminance; (1, 1, 1) for any grey
    gains = 1.0 + strength * (chroma - 1.0) * 0.5
    gains = np.clip(gains, 1.0 - MAX_CHROMA_SHIFT * strength, 1.0 + MAX_CHROMA_SHIFT * strength)
    gains /= float(gains @ REC709_LUMA.astype(np.float64))  # keep the product's brightness
    # dark backdrops dim the product a little, bright ones leave it alone
    luma = 1.0 - MAX_LUMA_SHIFT * strength * (1.0 - min(1.0, np.sqrt(y) / 0.6))
    return (gains * luma).astype(np.float32)


def match_light(premul: np.ndarray, tone: tuple[int, int, int], strength: float) -> np.ndarray:
    """Apply `tone_gains` to a premultiplied linear layer (alpha is unaffected by a gain)."""
    gains = tone_gains(tone, strength)
    if np.allclose(gains, 1.0):
        return premul
    return premul * gains


def match_light_srgb(rgb: np.ndarray, tone: tuple[int, int, int], strength: float) -> np.ndarray:
    """`match_light` for straight uint8 sRGB colour: a gain per channel in linear light is a fixed
    map of each 8-bit code, so it runs as one 256-entry table per channel (alpha is unaffected)."""
    gains = tone_gains(tone, strength)
    if np.allclose(gains, 1.0):
        return rgb
    return apply_gains_srgb(rgb, gains)


def apply_gains_srgb(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Linear-light gains (3,) on uint8 sRGB, through one 256-entry table per channel."""
    codes = to_linear(np.arange(256, dtype=np.uint8))
    table = np.stack([to_srgb(codes * g) for g in gains], axis=-1).reshape(1, 256, 3)
    return cv2.LUT(np.ascontiguousarray(rgb), table)
