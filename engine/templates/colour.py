"""Colour arithmetic the renderers share: hex parsing, perceptual ramps, dominant colours, families.

Gradients are mixed in OKLab rather than sRGB because sRGB interpolation between two saturated colours
passes through a muddy grey midpoint, which is the first thing that makes a background look cheap.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_hex(value: str) -> str:
    """Normalise "#ABC", "abc", "#aabbcc" to "#aabbcc"; raise ValueError for anything else."""
    m = _HEX.match(value.strip())
    if not m:
        raise ValueError(f"not a hex colour: {value!r} (expected #RRGGBB)")
    digits = m.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def rgb(value: str) -> np.ndarray:
    """A hex colour as float32 sRGB in 0..1, shape (3,)."""
    h = parse_hex(value)
    return np.array([int(h[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32) / 255.0


def to_hex(c: np.ndarray | tuple[float, float, float]) -> str:
    a = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return "#" + "".join(f"{int(round(x * 255)):02x}" for x in a)


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, None)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)


_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def to_oklab(c: np.ndarray) -> np.ndarray:
    lms = _srgb_to_linear(np.asarray(c, dtype=np.float64)) @ _M1.T
    return np.cbrt(lms) @ _M2.T


def from_oklab(lab: np.ndarray) -> np.ndarray:
    lms = (np.asarray(lab, dtype=np.float64) @ np.linalg.inv(_M2).T) ** 3
    return np.clip(_linear_to_srgb(lms @ np.linalg.inv(_M1).T), 0.0, 1.0)


def ramp(stops: list[str] | list[tuple[float, str]], n: int = 1024) -> np.ndarray:
    """A (n, 3) float32 lookup table through the colour stops, interpolated in OKLab.

    Stops are hex strings spaced evenly, or (position, hex) pairs with positions in 0..1.
    """
    if stops and isinstance(stops[0], str):
        k = len(stops)
        pairs = [(i / max(k - 1, 1), s) for i, s in enumerate(stops)]
    else:
        pairs = list(stops)  # type: ignore[arg-type]
    pos = np.array([p for p, _ in pairs], dtype=np.float64)
    labs = np.stack([to_oklab(rgb(h)) for _, h in pairs])
    t = np.linspace(0.0, 1.0, n)
    out = np.stack([np.interp(t, pos, labs[:, i]) for i in range(3)], axis=1)
    return from_oklab(out).astype(np.float32)


def apply_ramp(t: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Map a scalar field in 0..1 through a ramp LUT to an (H, W, 3) float32 image."""
    n = lut.shape[0]
    idx = np.clip(t * (n - 1) + 0.5, 0, n - 1).astype(np.int32)
    return lut[idx]


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a + (b - a) * t with t a scalar field broadcast over channels."""
    return a + (b - a) * t[..., None]


def shade(value: str, amount: float) -> str:
    """Lighten (amount > 0) or darken (< 0) a colour in OKLab lightness, keeping its hue."""
    lab = to_oklab(rgb(value))
    lab[0] = float(np.clip(lab[0] + amount, 0.0, 1.0))
    if amount < 0:
        lab[1:] *= 1.0 + 0.3 * amount
    return to_hex(from_oklab(lab))


def dominant_colours(img: np.ndarray, k: int = 4) -> tuple[str, ...]:
    """The k most common colours of a (small) uint8 RGB render, most dominant first, near-duplicates merged."""
    pixels = img.reshape(-1, 3).astype(np.float32)
    k = max(1, min(k, len(pixels)))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(7)
    _, labels, centres = cv2.kmeans(pixels, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    out: list[np.ndarray] = []
    for i in np.argsort(-counts):
        c = centres[i] / 255.0
        if counts[i] == 0 or any(np.abs(c - o).max() < 0.06 for o in out):
            continue
        out.append(c)
    return tuple(to_hex(c) for c in out)


def colour_family(value: str) -> str:
    """A coarse family name for search ("blue", "pink", "beige" ...), from hue, saturation and lightness."""
    r, g, b = rgb(value)
    hsv = cv2.cvtColor(np.array([[[r, g, b]]], dtype=np.float32), cv2.COLOR_RGB2HSV)[0, 0]
    hue, sat, val = float(hsv[0]), float(hsv[1]), float(hsv[2])
    if val < 0.16:
        return "black"
    if sat < 0.12:
        return "white" if val > 0.9 else "grey" if val > 0.3 else "black"
    if sat < 0.3 and 20 <= hue < 60 and val > 0.6:
        return "beige"
    if hue < 15 or hue >= 345:
        return "pink" if val > 0.75 and sat < 0.5 else "red"
    if hue < 40:
        return "brown" if val < 0.6 else ("beige" if sat < 0.35 else "orange")
    if hue < 70:
        return "gold" if val < 0.8 and sat > 0.4 else "yellow"
    if hue < 160:
        return "green"
    if hue < 195:
        return "teal"
    if hue < 250:
        return "blue"
    if hue < 290:
        return "purple"
    return "pink"
