"""Seeded procedural noise in frame units: value noise, fBm, ridged noise, jittered scatter.

Lattice values come from an integer hash of (cell x, cell y, seed) rather than a random generator, so a
point of the scene gets the same value whatever the canvas size or aspect: a 16:9 render of a marble
template is the 1:1 render with more marble on each side, not a different slab. The lattice is
interpolated with one bicubic `warpAffine`, which keeps an octave at about a millisecond per megapixel.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from engine.templates.frame import Frame


def hash01(ix: np.ndarray, iy: np.ndarray, seed: int) -> np.ndarray:
    """Uniform 0..1 float32 per integer lattice point, stable across platforms."""
    x = ix.astype(np.uint32)
    y = iy.astype(np.uint32)
    h = x * np.uint32(374761393) + y * np.uint32(668265263) + np.uint32((seed * 2654435761) & 0xFFFFFFFF)
    h = (h ^ (h >> np.uint32(13))) * np.uint32(1274126177)
    h = h ^ (h >> np.uint32(16))
    h = (h ^ (h >> np.uint32(7))) * np.uint32(2246822519)
    h = h ^ (h >> np.uint32(15))
    return ((h >> np.uint32(8)).astype(np.float32)) / np.float32(1 << 24)


def value_noise(
    fr: Frame, freq: float, seed: int, *, freq_y: float | None = None, angle: float = 0.0
) -> np.ndarray:
    """Smooth noise in 0..1 with `freq` cells per frame unit (optionally anisotropic and rotated)."""
    fx = float(freq)
    fy = float(freq if freq_y is None else freq_y)
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # Lattice coordinates of a point (u, v): gx = fx*(ca*u + sa*v), gy = fy*(-sa*u + ca*v).
    u0, u1 = fr.u_range
    v0, v1 = fr.v_range
    corners = [(u, v) for u in (u0, u1) for v in (v0, v1)]
    gxs = [fx * (ca * u + sa * v) for u, v in corners]
    gys = [fy * (-sa * u + ca * v) for u, v in corners]
    i0, i1 = math.floor(min(gxs)) - 2, math.ceil(max(gxs)) + 3
    j0, j1 = math.floor(min(gys)) - 2, math.ceil(max(gys)) + 3
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    lattice = hash01(ii, jj, seed)
    # Pixel (x, y) -> frame (u, v) -> lattice array index; warpAffine samples with pixel centres at integers.
    s = fr.s
    ax, bx = 1.0 / s, (0.5 - fr.width / 2) / s  # u = ax*x + bx
    ay, by = 1.0 / s, (0.5 - fr.floor_y) / s  # v = ay*y + by
    m = np.array(
        [
            [fx * ca * ax, fx * sa * ay, fx * (ca * bx + sa * by) - i0],
            [-fy * sa * ax, fy * ca * ay, fy * (-sa * bx + ca * by) - j0],
        ],
        dtype=np.float64,
    )
    # warpAffine quantises source positions to 1/32 px of the lattice; with cells hundreds of pixels wide
    # that is a visible staircase once a vein function sharpens the noise. So large cells are sampled on a
    # coarse grid (about 8 px per cell, where 1/32 is invisible) and brought to size with a float resize,
    # whose coefficients are exact. Pixel centres are composed exactly: x = (x' + 0.5) * k - 0.5.
    # Per axis, since anisotropic noise (wood grain, threads) has long cells one way and short the other.
    # Under rotation the axes mix, so the conservative (shorter) cell decides both.
    cell_x = fr.s / max(fx if angle == 0 else max(fx, fy), 1e-6)
    cell_y = fr.s / max(fy if angle == 0 else max(fx, fy), 1e-6)
    kx = int(cell_x // 8) if cell_x > 16 else 1
    ky = int(cell_y // 8) if cell_y > 16 else 1
    if kx > 1 or ky > 1:
        m = m @ np.array([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5], [0, 0, 1]], dtype=np.float64)
        cw, ch = -(-fr.width // kx) + 2, -(-fr.height // ky) + 2
    else:
        cw, ch = fr.width, fr.height
    out = cv2.warpAffine(
        lattice, m, (cw, ch), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )
    if kx > 1 or ky > 1:
        out = cv2.resize(out, None, fx=kx, fy=ky, interpolation=cv2.INTER_CUBIC)[: fr.height, : fr.width]
    return out


def fbm(
    fr: Frame,
    freq: float,
    seed: int,
    *,
    octaves: int = 5,
    gain: float = 0.5,
    lacunarity: float = 2.0,
    freq_y: float | None = None,
    angle: float = 0.0,
    max_cycles_px: float = 0.12,
) -> np.ndarray:
    """Fractal sum of value-noise octaves, normalised to roughly 0..1 around 0.5.

    Octaves finer than about eight pixels per lattice cell (`max_cycles_px`) are skipped: sharpened by
    a vein or ring function they show up as a pixel checkerboard, and skipping them keeps thumbnails cheap.
    """
    total = np.zeros((fr.height, fr.width), np.float32)
    amp, norm = 1.0, 0.0
    f = freq
    fy = freq_y if freq_y is not None else freq
    for k in range(octaves):
        if max(f, fy) / fr.s > max_cycles_px:
            break
        total += amp * (value_noise(fr, f, seed + 101 * k, freq_y=fy, angle=angle) - 0.5)
        norm += amp
        amp *= gain
        f *= lacunarity
        fy *= lacunarity
    if norm == 0:
        return total + 0.5
    return total / (norm * 0.62) * 0.5 + 0.5


def ridged(fr: Frame, freq: float, seed: int, **kw) -> np.ndarray:
    """1 on thin crests, falling off to 0: veins, cracks and creases."""
    n = fbm(fr, freq, seed, **kw)
    return 1.0 - np.abs(n - 0.5) * 2.0


def scatter(
    fr: Frame, cell: float, seed: int, *, margin: float = 0.2, v_limits: tuple[float, float] | None = None
):
    """Jittered-grid points covering the frame (plus a margin), one per cell of `cell` frame units.

    Returns (u, v, r) where r is an (N, 4) array of per-point uniform randoms for size, colour, etc.
    Points are keyed by their cell, so they stay put when the canvas widens.
    """
    u0, u1 = fr.u_range
    v0, v1 = v_limits if v_limits is not None else fr.v_range
    i = np.arange(math.floor((u0 - margin) / cell), math.ceil((u1 + margin) / cell) + 1)
    j = np.arange(math.floor((v0 - margin) / cell), math.ceil((v1 + margin) / cell) + 1)
    ii, jj = np.meshgrid(i, j)
    ii, jj = ii.ravel(), jj.ravel()
    u = (ii + hash01(ii, jj, seed)) * cell
    v = (jj + hash01(ii, jj, seed + 1)) * cell
    r = np.stack([hash01(ii, jj, seed + 2 + k) for k in range(4)], axis=1)
    keep = (v >= v0 - margin) & (v <= v1 + margin)
    return u[keep], v[keep], r[keep]
