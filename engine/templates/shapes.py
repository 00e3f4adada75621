"""Antialiased soft shapes in frame units: discs (bokeh, confetti), ellipses, polygons, and the
light-style blends that composite them.

Shapes are drawn into 8-bit masks with OpenCV's antialiasing at 1/16 px precision and softened with a
blur sized in frame units, so edges look equally soft at every output size.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from engine.templates.frame import Frame

_SHIFT = 4
_ONE = 1 << _SHIFT


def _pt(fr: Frame, u: float, v: float) -> tuple[int, int]:
    x, y = fr.px(u, v)
    return int(round(x * _ONE)), int(round(y * _ONE))


def soften(mask: np.ndarray, fr: Frame, blur: float) -> np.ndarray:
    """Gaussian-soften a float mask by `blur` frame units; large blurs run on a reduced copy."""
    sigma = blur * fr.s
    if sigma < 0.4:
        return mask
    if sigma > 12:
        f = 6.0 / sigma
        h, w = mask.shape[:2]
        small = cv2.resize(mask, (max(2, int(w * f)), max(2, int(h * f))), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), 6.0, borderType=cv2.BORDER_REFLECT)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(mask, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def discs(fr: Frame, items: Iterable[tuple[float, float, float, float]], blur: float = 0.0) -> np.ndarray:
    """Float mask of filled discs (u, v, radius, intensity 0..1); overlapping discs keep the brighter."""
    m = np.zeros((fr.height, fr.width), np.uint8)
    for u, v, r, a in items:
        rad = int(round(r * fr.s * _ONE))
        if rad < _ONE // 2:
            continue
        cv2.circle(m, _pt(fr, u, v), rad, int(np.clip(a, 0, 1) * 255), -1, cv2.LINE_AA, _SHIFT)
    return soften(m.astype(np.float32) / 255.0, fr, blur)


def ellipse(
    fr: Frame, cu: float, cv: float, ru: float, rv: float, blur: float = 0.0, angle: float = 0.0
) -> np.ndarray:
    m = np.zeros((fr.height, fr.width), np.uint8)
    axes = (max(1, int(round(ru * fr.s * _ONE))), max(1, int(round(rv * fr.s * _ONE))))
    cv2.ellipse(m, _pt(fr, cu, cv), axes, angle, 0, 360, 255, -1, cv2.LINE_AA, _SHIFT)
    return soften(m.astype(np.float32) / 255.0, fr, blur)


def polygons(
    fr: Frame, polys: Iterable[np.ndarray], blur: float = 0.0, values: Iterable[float] | None = None
) -> np.ndarray:
    """Float mask of filled polygons given as (N, 2) arrays of (u, v) frame coordinates."""
    m = np.zeros((fr.height, fr.width), np.uint8)
    vals = list(values) if values is not None else None
    for k, p in enumerate(polys):
        p = np.asarray(p, np.float64)
        pts = np.stack([(p[:, 0] * fr.s + fr.width / 2 - 0.5), (p[:, 1] * fr.s + fr.floor_y - 0.5)], axis=1)
        val = int(255 * (vals[k] if vals is not None else 1.0))
        cv2.fillPoly(m, [np.round(pts * _ONE).astype(np.int32)], val, cv2.LINE_AA, _SHIFT)
    return soften(m.astype(np.float32) / 255.0, fr, blur)


def lines(
    fr: Frame, segs: Iterable[tuple[float, float, float, float]], width: float, blur: float = 0.0
) -> np.ndarray:
    m = np.zeros((fr.height, fr.width), np.uint8)
    t = max(1, int(round(width * fr.s)))
    for u0, v0, u1, v1 in segs:
        cv2.line(m, _pt(fr, u0, v0), _pt(fr, u1, v1), 255, t, cv2.LINE_AA, _SHIFT)
    return soften(m.astype(np.float32) / 255.0, fr, blur)


def star(
    cu: float, cv: float, r: float, points: int = 5, inner: float = 0.45, rot: float = -90.0
) -> np.ndarray:
    k = np.arange(points * 2)
    ang = np.radians(rot) + k * np.pi / points
    rad = np.where(k % 2 == 0, r, r * inner)
    return np.stack([cu + rad * np.cos(ang), cv + rad * np.sin(ang)], axis=1)


def _region(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray):
    """The slice of the image a blend can touch (the bounding box of a non-zero full-frame alpha), so
    small shapes cost small work; None when the blend has to run on the whole array."""
    if alpha.shape != img.shape[:2] or not img.flags.writeable or img.dtype != np.float32:
        return None
    rows = np.flatnonzero(alpha.max(axis=1) > 1e-4)
    if len(rows) == 0:
        return ()
    cols = np.flatnonzero(alpha[rows[0] : rows[-1] + 1].max(axis=0) > 1e-4)
    sl = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    c = np.asarray(colour, np.float32)
    if c.ndim == 3:  # a per-pixel colour, possibly broadcast along an axis of length 1
        c = c[sl[0] if c.shape[0] > 1 else slice(None), sl[1] if c.shape[1] > 1 else slice(None)]
    return sl, c


def _blend(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray, op) -> np.ndarray:
    reg = _region(img, colour, alpha)
    if reg is None:
        return op(img, np.asarray(colour, np.float32), alpha)
    if reg == ():
        return img
    sl, c = reg
    img[sl] = op(img[sl], c, alpha[sl])
    return img


def _over(img: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
    return img + (c - img) * a[..., None]


def _screen(img: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - (1.0 - img) * (1.0 - c * a[..., None])


def _multiply(img: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
    return img * (1.0 - a[..., None] * (1.0 - c))


def over(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Paint `colour` (3,) or (H, W, 3) over img with a float alpha mask (may update img in place)."""
    return _blend(img, colour, alpha, _over)


def screen(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Add light the way a glow does: brightens without clipping to flat white."""
    return _blend(img, colour, alpha, _screen)


def multiply(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Darken by a tint, as a shadow picks up the colour of ambient light."""
    return _blend(img, colour, alpha, _multiply)
