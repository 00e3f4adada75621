"""Repeating patterns: polka dots, stripes, gingham, grids, waves, chevrons, checks, mosaics.

Patterns are sized in short-side units so a dot is the same size at every aspect, drawn with analytic
antialiasing (edge width = one pixel) so they stay crisp without jaggies, and then lit like a printed
backdrop (a soft light pool and falloff) so they do not look like flat wallpaper clip-art.
"""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, vignette
from engine.templates.noise import hash01
from engine.templates.registry import family


def _aa(fr: Frame, d: np.ndarray) -> np.ndarray:
    """Coverage of a signed distance field (frame units, negative inside) with one-pixel antialiasing."""
    px = 1.0 / fr.s
    return np.clip(0.5 - d / px, 0.0, 1.0)


def _lit(fr: Frame, img: np.ndarray, p: dict) -> np.ndarray:
    light = 1.0 + p.get("light", 0.08) * (gauss(fr, -0.4, -0.5, 0.9) - 0.5)
    return img * (light * vignette(fr, p.get("vignette", 0.12), cv=0.0))[..., None]


def _two(p: dict, cover: np.ndarray) -> np.ndarray:
    a, b = colour.rgb(p["bg"]), colour.rgb(p["fg"])
    return a + (b - a) * cover[..., None]


def _rot(fr: Frame, angle: float) -> tuple[np.ndarray, np.ndarray]:
    a = math.radians(angle)
    return fr.u * math.cos(a) + fr.v * math.sin(a), -fr.u * math.sin(a) + fr.v * math.cos(a)


@family("dots")
def render_dots(fr: Frame, p: dict) -> np.ndarray:
    pitch = p.get("pitch", 0.09)
    x, y = fr.u / pitch, fr.v / pitch
    row = np.floor(y)
    x = x + 0.5 * (np.mod(row, 2))  # staggered rows
    dx, dy = x - np.floor(x) - 0.5, y - row - 0.5
    d = np.sqrt(dx**2 + dy**2) * pitch - p.get("radius", 0.16) * pitch
    return _lit(fr, _two(p, _aa(fr, d)), p)


@family("stripes")
def render_stripes(fr: Frame, p: dict) -> np.ndarray:
    x, _ = _rot(fr, p.get("angle", 0.0))
    period = p.get("period", 0.12)
    f = np.mod(x, period)
    w = p.get("duty", 0.5) * period
    d = np.where(f < w, -np.minimum(f, w - f), np.minimum(f - w, period - f))
    return _lit(fr, _two(p, _aa(fr, d)), p)


@family("gingham")
def render_gingham(fr: Frame, p: dict) -> np.ndarray:
    period = p.get("period", 0.1)

    def band(x: np.ndarray) -> np.ndarray:
        f = np.mod(x, period)
        return _aa(
            fr,
            np.where(f < period / 2, -np.minimum(f, period / 2 - f), np.minimum(f - period / 2, period - f)),
        )

    a, b = band(fr.u), band(fr.v)
    cover = 0.45 * a + 0.45 * b + 0.1 * a * b
    img = _two(p, cover * 1.0)
    thread = 1.0 + 0.03 * np.sin(fr.u * 900) * np.sin(fr.v * 900)
    return _lit(fr, img * thread[..., None], p)


@family("grid")
def render_grid(fr: Frame, p: dict) -> np.ndarray:
    pitch = p.get("pitch", 0.06)
    lw = p.get("line", 0.0025)
    dx = np.abs(np.mod(fr.u + pitch / 2, pitch) - pitch / 2) - lw / 2
    dy = np.abs(np.mod(fr.v + pitch / 2, pitch) - pitch / 2) - lw / 2
    cover = np.maximum(_aa(fr, dx), _aa(fr, dy)) * p.get("alpha", 0.6)
    major = p.get("major")
    if major:
        mx = np.abs(np.mod(fr.u + pitch * major / 2, pitch * major) - pitch * major / 2) - lw
        my = np.abs(np.mod(fr.v + pitch * major / 2, pitch * major) - pitch * major / 2) - lw
        cover = np.maximum(cover, np.maximum(_aa(fr, mx), _aa(fr, my)) * 0.9)
    return _lit(fr, _two(p, cover), p)


@family("waves")
def render_waves(fr: Frame, p: dict) -> np.ndarray:
    period = p.get("period", 0.07)
    y = fr.v + p.get("amp", 0.018) * np.sin(fr.u * 2 * math.pi / p.get("length", 0.3))
    dist = np.abs(np.mod(y + period / 2, period) - period / 2) - p.get("line", 0.006) / 2
    return _lit(fr, _two(p, _aa(fr, dist)), p)


@family("chevron")
def render_chevron(fr: Frame, p: dict) -> np.ndarray:
    period = p.get("period", 0.1)
    zig = np.abs(np.mod(fr.u, period) - period / 2)
    y = fr.v + zig
    f = np.mod(y, period)
    d = np.where(f < period / 2, -np.minimum(f, period / 2 - f), np.minimum(f - period / 2, period - f)) * 0.7
    return _lit(fr, _two(p, _aa(fr, d)), p)


@family("checker")
def render_checker(fr: Frame, p: dict) -> np.ndarray:
    x, y = _rot(fr, p.get("angle", 0.0))
    size = p.get("size", 0.12)
    fx = np.abs(np.mod(x, size) - size / 2) - size / 2
    fy = np.abs(np.mod(y, size) - size / 2) - size / 2
    parity = (np.floor(x / size) + np.floor(y / size)) % 2
    edge = np.clip(np.minimum(-fx, -fy) * fr.s, 0, 1)  # soften only the boundaries
    cover = np.where(parity > 0, 0.5 + 0.5 * edge, 0.5 - 0.5 * edge)
    return _lit(fr, _two(p, cover), p)


@family("mosaic")
def render_mosaic(fr: Frame, p: dict) -> np.ndarray:
    """Low-poly triangles: each cell split on a diagonal, each triangle a slightly different tint of a ramp."""
    size = p.get("size", 0.14)
    x, y = fr.u / size, fr.v / size
    ix, iy = np.floor(x), np.floor(y)
    upper = ((x - ix) + (y - iy)) < 1.0
    ixb = np.broadcast_to(ix, upper.shape).astype(np.int64)
    iyb = np.broadcast_to(iy, upper.shape).astype(np.int64)
    t = hash01(ixb * 2 + upper, iyb, p.get("seed", 5))
    base = 0.5 + 0.35 * (fr.u * 0.6 - fr.v * 0.4)
    lut = colour.ramp(p["stops"])
    img = colour.apply_ramp(np.clip(base + (t - 0.5) * p.get("jitter", 0.25), 0, 1), lut)
    return _lit(fr, img, p)


@family("halftone")
def render_halftone(fr: Frame, p: dict) -> np.ndarray:
    pitch = p.get("pitch", 0.035)
    x, y = _rot(fr, 45.0)
    dx = np.mod(x / pitch, 1.0) - 0.5
    dy = np.mod(y / pitch, 1.0) - 0.5
    grow = smoothstep(-0.6, 0.5, fr.v - 0.3 * fr.u)
    d = (np.sqrt(dx**2 + dy**2) - 0.5 * grow * 0.9) * pitch
    return _lit(fr, _two(p, _aa(fr, d) * smoothstep(0.02, 0.1, grow)), p)
