"""Resolution-independent geometry: every renderer draws in units of the canvas's short side,
measured from the horizontal centre and the floor line.

Because a unit is the short side, a podium or a light is the same shape at 1:1, 4:5 or 16:9; a wider
canvas simply shows more of the scene to the left and right instead of stretching it. Renderers receive a
`Frame` and never look at pixel sizes directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    floor: float = 0.8  # floor line as a fraction of the height
    unit: float | None = None  # pixels per frame unit; default the short side (set for off-screen layers)

    @property
    def s(self) -> float:
        return float(self.unit) if self.unit else float(min(self.width, self.height))

    @property
    def floor_y(self) -> float:
        return self.floor * self.height

    @cached_property
    def u(self) -> np.ndarray:
        """Horizontal coordinate of each pixel column, shape (1, W): 0 at the centre, 1 = one short side."""
        x = np.arange(self.width, dtype=np.float32) + 0.5
        return ((x - self.width / 2) / self.s)[None, :]

    @cached_property
    def v(self) -> np.ndarray:
        """Vertical coordinate of each pixel row, shape (H, 1): 0 at the floor line, positive downwards."""
        y = np.arange(self.height, dtype=np.float32) + 0.5
        return ((y - self.floor_y) / self.s)[:, None]

    @property
    def u_range(self) -> tuple[float, float]:
        half = self.width / 2 / self.s
        return -half, half

    @property
    def v_range(self) -> tuple[float, float]:
        return -self.floor_y / self.s, (self.height - self.floor_y) / self.s

    @property
    def top(self) -> float:
        return self.v_range[0]

    @property
    def bottom(self) -> float:
        return self.v_range[1]

    def px(self, u: float, v: float) -> tuple[float, float]:
        """Pixel coordinates (x, y) of a point in frame units."""
        return u * self.s + self.width / 2 - 0.5, v * self.s + self.floor_y - 0.5

    def length(self, d: float) -> float:
        return d * self.s

    def blank(self, colour: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(colour, np.float32), (self.height, self.width, 3)).copy()


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def gauss(fr: Frame, cu: float, cv: float, rx: float, ry: float | None = None) -> np.ndarray:
    """A soft elliptical light/blob centred at (cu, cv) in frame units, 1 at the centre."""
    ry = rx if ry is None else ry
    return np.exp(-(((fr.u - cu) / rx) ** 2) - ((fr.v - cv) / ry) ** 2).astype(np.float32)


def vignette(fr: Frame, strength: float, cv: float = -0.3, radius: float = 1.1) -> np.ndarray:
    """A multiplicative darkening toward the corners; circular in frame units so wide canvases darken
    their sides the way a real lens would, not by stretching a square vignette."""
    d2 = (fr.u / radius) ** 2 + ((fr.v - cv) / radius) ** 2
    return (1.0 - strength * np.clip(d2, 0.0, 2.5) / 2.5).astype(np.float32)


def span(fr: Frame, angle: float) -> np.ndarray:
    """Gradient coordinate 0..1 across the frame along `angle` (degrees, 90 = bottom to top)."""
    a = math.radians(angle)
    du, dv = math.cos(a), -math.sin(a)
    proj = fr.u * du + fr.v * dv
    u0, u1 = fr.u_range
    v0, v1 = fr.v_range
    corners = [u * du + v * dv for u in (u0, u1) for v in (v0, v1)]
    lo, hi = min(corners), max(corners)
    return (proj - lo) / (hi - lo)
