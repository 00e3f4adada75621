"""Shadows that make a cut-out look photographed on the template rather than pasted on it.

Two physical cues, after how a studio shot looks:
- contact shadow: where the product meets the floor almost no light reaches, so a thin, dark,
  tight band hugs the base, with a wider, faint ambient-occlusion pool around it. Columns of the
  product that do not reach the floor (a chair's seat between its legs) cast less.
- cast shadow: the silhouette projected onto the floor plane away from the light: sheared sideways
  by the light's horizontal component, foreshortened onto the floor (behind the product when the
  light is in front, in front when it is behind), sharp at the base and blurrier and fainter the
  further it falls from it (the penumbra grows with distance).
A `drop` style is kept for products that float (flat lays): a soft offset silhouette.

Angles follow `TemplateSpec.light_direction`: the direction the light comes FROM, in degrees,
0 = right, 90 = top, counter-clockwise. Shadows are computed at a reduced resolution (they are soft)
and returned as a density map: the fraction of light removed at each canvas pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from engine.compose.layout import Placement
from engine.errors import RecipeError

STYLES = ("auto", "none", "contact", "cast", "both", "drop")
_WORK_SIDE = 420  # the product's longest side at which shadows are computed
_FORESHORTEN = 0.55  # how much depth the floor shows to a camera slightly above it
_MIN_FLOOR_DEPTH = 0.3  # keeps side lights from collapsing the cast shadow onto the floor line
_INVISIBLE = 1.0 / 400  # less light removed than one 8-bit step on white
EDGE_BAND = 0.02  # outer band of the canvas (share of its short side) that no shadow may touch
_SHORTEN_TRIES = 3  # a cast shadow that would be cut by the frame is shortened this often, then faded


def edge_band(canvas: tuple[int, int]) -> int:
    """Width in px of the outer band that stays the pure backdrop: shadows end before it."""
    return max(2, round(EDGE_BAND * min(canvas)))


def inside_weight(h: int, w: int, band: float) -> np.ndarray:
    """0 in the outer `band` px, rising smoothly to 1 one more band inwards (a fade, not a cut)."""
    return _inside_weight(h, w, band, 0, 0, h, w)


def _edge_ramp(n: int, band: float, start: int, stop: int) -> np.ndarray:
    """The fade of `inside_weight` along one axis of length n, for indices start..stop."""
    i = np.arange(start, stop)
    d = np.minimum(i, n - 1 - i).astype(np.float32)
    t = np.clip((d - band) / max(band, 1.0), 0.0, 1.0)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def _inside_weight(h: int, w: int, band: float, y0: int, x0: int, y1: int, x1: int) -> np.ndarray:
    """`inside_weight(h, w, band)[y0:y1, x0:x1]` without the rest. The fade is a monotonic function
    of the distance to the nearest edge, min(row distance, column distance), so it is the smaller
    of a row ramp and a column ramp: two vectors, not a canvas of distances."""
    return np.minimum(_edge_ramp(h, band, y0, y1)[:, None], _edge_ramp(w, band, x0, x1)[None, :])


@dataclass(frozen=True)
class ShadowParams:
    style: str = "auto"  # auto = the template's shadow_style
    opacity: float = 0.5  # 0..1 overall strength; the contact shadow runs darker than the cast one
    softness: float | None = None  # 0 (hard) .. 1 (diffuse); None = the template's light_softness
    angle: float | None = None  # light direction in degrees; None = the template's light_direction
    length: float = 0.55  # cast shadow length as a fraction of the product's height

    def validate(self) -> None:
        if self.style not in STYLES:
            raise RecipeError(f"unknown shadow style {self.style!r}; choose one of {', '.join(STYLES)}")
        if not 0.0 <= self.opacity <= 1.0:
            raise RecipeError(f"shadow opacity must be between 0 and 1, got {self.opacity}")
        if self.softness is not None and not 0.0 <= self.softness <= 1.0:
            raise RecipeError(f"shadow softness must be between 0 and 1, got {self.softness}")
        if self.angle is not None and not -360.0 <= self.angle <= 720.0:
            raise RecipeError(f"shadow angle must be in degrees (0..360), got {self.angle}")
        if not 0.0 <= self.length <= 2.0:
            raise RecipeError(f"shadow length must be between 0 and 2 (x product height), got {self.length}")


def shadow_density(
    product_alpha: np.ndarray, placement: Placement, canvas: tuple[int, int], **shadow: Any
) -> np.ndarray | None:
    """(H, W) float32 in 0..1: how much light the shadows remove; None when there is no shadow.
    `shadow`: the keywords `shadow_density_box` takes (style, opacity, softness, angle, length).

    A shadow never leaves the canvas: a cast shadow the frame would cut is shortened, and whatever
    still reaches the outer band (`edge_band`) fades out before it, so that band stays exactly the
    backdrop's colour (a pure-white preset's frame stays #FFFFFF).
    """
    return shadow_density_box(product_alpha, placement, canvas, **shadow)[0]


def shadow_density_box(
    product_alpha: np.ndarray,
    placement: Placement,
    canvas: tuple[int, int],
    *,
    style: str,
    opacity: float,
    softness: float,
    angle: float,
    length: float,
) -> tuple[np.ndarray | None, tuple[int, int, int, int] | None]:
    """`shadow_density` and the box (x0, y0, x1, y1) of the canvas pixels it darkens at all (None
    when none): measured here on the few rows the shadow reaches, so the blend need not look for
    it again over the whole canvas (issue 12: a compare over 4 megapixels per image)."""
    if style == "none" or opacity <= 0:
        return None, None
    cw, ch = canvas
    ph, pw = product_alpha.shape
    r = min(1.0, _WORK_SIDE / max(pw, ph))
    sw, sh = max(1, round(cw * r)), max(1, round(ch * r))
    spw, sph = max(1, round(pw * r)), max(1, round(ph * r))
    small = cv2.resize(product_alpha.astype(np.float32, copy=False), (spw, sph), interpolation=cv2.INTER_AREA)
    sx, sy = round(placement.x * r), round(placement.y * r)
    floor = placement.floor_y * r
    mask = _paste(small, sx, sy, sw, sh)

    rad = math.radians(angle)
    away = (-math.cos(rad), -math.sin(rad))  # away from the light; y up
    keep = np.ones((sh, sw), np.float32)  # fraction of light that survives
    if style in ("contact", "both"):
        dens = _contact(small, sx, sy, sw, sh, floor, softness)
        keep *= 1.0 - min(1.0, 1.5 * opacity) * dens
    inner = inside_weight(sh, sw, edge_band(canvas) * r)
    if style in ("cast", "both"):
        dens = _cast(mask, sph, sw, sh, floor, away, softness, length)
        for _ in range(_SHORTEN_TRIES):
            total = float(dens.sum())
            if total <= 0 or float((dens * (1.0 - inner)).sum()) < 0.01 * total:
                break
            length *= 0.65
            dens = _cast(mask, sph, sw, sh, floor, away, softness, length)
        keep *= 1.0 - opacity * (1.0 - 0.5 * softness) * dens
    if style == "drop":
        dens = _drop(mask, sph, sw, sh, away, softness)
        keep *= 1.0 - opacity * 0.8 * dens
    density = 1.0 - keep
    origin = (0, 0)
    if (sw, sh) != (cw, ch):
        density, origin = _upscale_shadow(density, (cw, ch))
    # the fade and the cut-off only where the shadow is: most of a large canvas is untouched
    x, y, w, h = cv2.boundingRect(cv2.compare(density[origin[1] :, origin[0] :], 0.0, cv2.CMP_GT))
    if w == 0 or h == 0:
        return density, None
    y0, y1, x0, x1 = y + origin[1], y + h + origin[1], x + origin[0], x + w + origin[0]
    roi = density[y0:y1, x0:x1]
    roi *= _inside_weight(ch, cw, edge_band(canvas), y0, x0, y1, x1)
    # below a visible step the tails end, so a backdrop a rule requires stays exactly that colour
    roi[roi < _INVISIBLE] = 0.0
    np.clip(roi, 0.0, 1.0, out=roi)
    # what is left of it after the cut-off, exactly: the blend's plain-backdrop test reads this box
    x, y, w, h = cv2.boundingRect(cv2.compare(roi, 0.0, cv2.CMP_GT))
    return density, (None if w == 0 or h == 0 else (x0 + x, y0 + y, x0 + x + w, y0 + y + h))


def _upscale_shadow(small: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """`cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)` computed only over the output
    pixels the shadow reaches (elsewhere both sides of the interpolation are 0, and so is the
    result), and the (x, y) from which the rest of the canvas is known to be 0. A contact shadow is
    a band along the floor: most of a 2000 px canvas is never touched (issue 12)."""
    cw, ch = size
    out = np.zeros((ch, cw), np.float32)
    bx, by, bw, bh = cv2.boundingRect(cv2.compare(small, 0.0, cv2.CMP_GT))
    if bw == 0 or bh == 0:
        return out, (0, 0)
    sh, sw = small.shape
    r0, r1, ry, ty = _taps(sh, ch, by, by + bh)
    cx = _taps(sw, cw, bx, bx + bw)[2]
    lo, hi = int(min(r0.min(), r1.min())), int(max(r0.max(), r1.max())) + 1
    # along x: OpenCV's own linear resize of the few source rows involved (the height kept, so
    # the rows pass unchanged); along y: two whole-row taps per output row
    rows = cv2.resize(small[lo:hi], (cw, hi - lo), interpolation=cv2.INTER_LINEAR)[:, cx[0] : cx[1]]
    # the taps' rows gathered by `take` and the sum written straight into the canvas: no
    # temporaries of the band's size beyond the two taps (the same float32 products and sum)
    top = rows.take(r0 - lo, axis=0)
    top *= (np.float32(1.0) - ty)[:, None]
    bottom = rows.take(r1 - lo, axis=0)
    bottom *= ty[:, None]
    np.add(top, bottom, out=out[ry[0] : ry[1], cx[0] : cx[1]])
    return out, (cx[0], ry[0])


def _taps(
    src: int, dst: int, first: int, end: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, int], np.ndarray]:
    """For the output positions of a linear resize src -> dst whose two source taps touch
    [first, end): the taps, the output range (start, stop) and the weight of the second tap, with
    OpenCV's pixel-centre mapping and edge clamping."""
    pos = np.arange(dst, dtype=np.float32)
    f = (pos + np.float32(0.5)) * np.float32(src / dst) - np.float32(0.5)
    i0 = np.floor(f).astype(np.int32)
    t = (f - i0).astype(np.float32)
    t[i0 < 0] = 0.0
    t[i0 >= src - 1] = 0.0
    i0 = np.clip(i0, 0, src - 1)
    i1 = np.minimum(i0 + 1, src - 1)
    touch = np.flatnonzero(((i0 >= first) & (i0 < end)) | ((i1 >= first) & (i1 < end) & (t > 0)))
    a, b = int(touch[0]), int(touch[-1]) + 1
    return i0[a:b], i1[a:b], (a, b), t[a:b]


def _paste(small: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    out = np.zeros((h, w), np.float32)
    sh, sw = small.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + sw, w), min(y + sh, h)
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = small[y0 - y : y1 - y, x0 - x : x1 - x]
    return out


def _contact(small: np.ndarray, x: int, y: int, w: int, h: int, floor: float, softness: float) -> np.ndarray:
    sph, spw = small.shape
    solid = small > 0.3
    has = solid.any(axis=0)
    # lowest solid row of every column, and how far it hovers above the floor
    lowest = np.where(has, sph - 1 - np.argmax(solid[::-1], axis=0), -1)
    gap = floor - (y + lowest + 1)
    touch = np.where(has, np.exp(-np.maximum(gap, 0.0) / max(1.0, 0.03 * sph)), 0.0).astype(np.float32)
    foot = np.zeros(w, np.float32)
    x0, x1 = max(x, 0), min(x + spw, w)
    if x1 <= x0:
        return np.zeros((h, w), np.float32)
    foot[x0:x1] = touch[x0 - x : x1 - x]

    # the footprint as a line on the floor, spread by anisotropic blurs: a tight dark core and a wide
    # soft pool, both with elliptical ends like the shadow of a real base
    line = np.zeros((h, w), np.float32)
    row = int(np.clip(round(floor - 0.5), 0, h - 1))
    line[row] = foot
    tight = _blur_line(line, max(0.8, 0.015 * spw), max(0.7, (0.006 + 0.008 * softness) * sph))
    amb = _blur_line(
        line, max(2.0, (0.05 + 0.06 * softness) * spw), max(1.5, (0.025 + 0.035 * softness) * sph)
    )
    return (1.0 - (1.0 - np.clip(1.15 * tight, 0, 1)) * (1.0 - 0.55 * np.clip(amb, 0, 1))).astype(np.float32)


def _blur_line(line: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray:
    """Blur a one-row footprint; rescaled so a long footprint keeps its value at the centre row."""
    out = _gaussian_of_row(line, sigma_x, sigma_y)
    if out is None:
        out = cv2.GaussianBlur(line, (0, 0), sigmaX=sigma_x, sigmaY=sigma_y, borderType=cv2.BORDER_CONSTANT)
    return out * np.float32(math.sqrt(2 * math.pi) * sigma_y)


def _gaussian_of_row(line: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray | None:
    """`cv2.GaussianBlur(line, (0, 0), sigma_x, sigma_y, borderType=cv2.BORDER_CONSTANT)` of an
    image with one non-zero row: that row blurred along x, times the vertical kernel. The same
    numbers (OpenCV filters rows, then columns, where only this row contributes) without running a
    kernel of up to a few hundred taps down every column (issue 12); None when more rows are set."""
    rows = np.flatnonzero(cv2.reduce(np.abs(line), 1, cv2.REDUCE_MAX).ravel())
    h = line.shape[0]
    out = np.zeros_like(line)
    if rows.size == 0:
        return out
    if rows.size > 1 or line.dtype != np.float32:
        return None
    r = int(rows[0])
    kx = cv2.getGaussianKernel(int(round(sigma_x * 8 + 1)) | 1, sigma_x, cv2.CV_32F)
    ky = cv2.getGaussianKernel(int(round(sigma_y * 8 + 1)) | 1, sigma_y, cv2.CV_32F).ravel()
    blurred = cv2.sepFilter2D(line[r : r + 1], -1, kx, _ONE, borderType=cv2.BORDER_CONSTANT)
    half = ky.size // 2
    y0, y1 = max(0, r - half), min(h, r + half + 1)
    out[y0:y1] = ky[y0 - r + half : y1 - r + half, None] * blurred
    return out


_ONE = np.ones((1, 1), np.float32)  # the identity kernel: sepFilter2D along x only


def _cast(
    mask: np.ndarray,
    sph: int,
    w: int,
    h: int,
    floor: float,
    away: tuple[float, float],
    softness: float,
    length: float,
) -> np.ndarray:
    if length <= 0:
        return np.zeros((h, w), np.float32)
    dx, dy = away
    depth = dy if abs(dy) >= _MIN_FLOOR_DEPTH else math.copysign(_MIN_FLOOR_DEPTH, dy if dy else 1.0)
    k = length * _FORESHORTEN * depth  # >0: the shadow lies on the floor behind the product
    shear = length * dx
    # a point `height` above the floor lands `height*shear` sideways and `height*k` into the floor
    matrix = np.float32([[1.0, -shear, shear * floor], [0.0, k, floor * (1.0 - k)]])
    projected = cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    # keep only what falls on the floor side of the base (a product's own shadow does not rise)
    rows = np.arange(h, dtype=np.float32)[:, None] + 0.5
    extent = max(1.0, abs(k) * sph)
    t = np.clip((floor - rows) / extent if k > 0 else (rows - floor) / extent, 0.0, 1.0)
    near = 0.5 + (0.004 + 0.012 * softness) * sph
    far = near + (0.025 + 0.09 * softness) * sph * (0.5 + length)
    levels = [0.0, 1 / 3, 2 / 3, 1.0]
    blurred = [_blur2d(projected, near + (far - near) * lv) for lv in levels]
    out = np.zeros((h, w), np.float32)
    for i in range(len(levels) - 1):
        lo, hi = levels[i], levels[i + 1]
        wgt = np.clip((t - lo) / (hi - lo), 0.0, 1.0)
        inside = ((t >= lo) & (t <= hi)) if i == 0 else ((t > lo) & (t <= hi))
        out = np.where(inside, blurred[i] * (1 - wgt) + blurred[i + 1] * wgt, out)
    fade = 1.0 - 0.75 * t
    return np.clip(out * fade, 0.0, 1.0).astype(np.float32)


def _drop(
    mask: np.ndarray, sph: int, w: int, h: int, away: tuple[float, float], softness: float
) -> np.ndarray:
    dist = 0.03 * sph
    matrix = np.float32([[1, 0, away[0] * dist], [0, 1, -away[1] * dist]])
    moved = cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(_blur2d(moved, (0.015 + 0.04 * softness) * sph + 0.5), 0.0, 1.0)


def _blur2d(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)
