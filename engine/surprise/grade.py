"""A backdrop's colour grade: warmth, saturation, contrast, brightness, a light wash and a vignette.

Only the backdrop is graded, never the product (a seller's product must keep its true colour); the
composition's own light match then pulls the product gently toward the graded tone. The light wash
brightens the side the template's light comes from, so the grade agrees with the shadow direction
composition draws from the same angle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class GradeParams:
    warmth: float = 0.0
    saturation: float = 1.0
    contrast: float = 1.0
    brightness: float = 0.0
    vignette: float = 0.0
    light_wash: float = 0.0
    light_direction: float = 90.0  # degrees the light comes FROM: 0 = right, 90 = top (counter-clockwise)


def grade(rgb: np.ndarray, p: GradeParams) -> np.ndarray:
    """uint8 RGB -> graded uint8 RGB of the same size (pure, deterministic)."""
    h, w = rgb.shape[:2]
    x = rgb.astype(np.float32) * np.float32(1.0 / 255.0)
    grey = x @ np.array([0.299, 0.587, 0.114], np.float32)
    x = grey[..., None] + (x - grey[..., None]) * np.float32(p.saturation)
    x = (x - 0.5) * np.float32(p.contrast) + np.float32(0.5 + p.brightness)
    x *= np.array([1.0 + p.warmth, 1.0 + 0.3 * p.warmth, 1.0 - p.warmth], np.float32)
    x *= _light_field(h, w, p)[..., None]
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _light_field(h: int, w: int, p: GradeParams) -> np.ndarray:
    """Multiplier per pixel: the directional wash times the vignette, computed small and resized."""
    sh, sw = max(2, round(64 * h / max(h, w))), max(2, round(64 * w / max(h, w)))
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    u = (xs + 0.5) / sw - 0.5  # -0.5 .. 0.5, right positive
    v = 0.5 - (ys + 0.5) / sh  # -0.5 .. 0.5, up positive
    angle = math.radians(p.light_direction)
    toward = u * math.cos(angle) + v * math.sin(angle)  # +0.5 at the light's side
    field = 1.0 + np.float32(p.light_wash) * toward * 2.0
    r2 = (u * u + v * v) / 0.5
    field *= 1.0 - np.float32(p.vignette) * r2 * r2
    return cv2.resize(field.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
