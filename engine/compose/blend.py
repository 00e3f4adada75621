"""The scaled product and its shadow laid onto the canvas, in linear light where light mixes.

Light only mixes where the product is translucent (its anti-aliased edge, glass) or a shadow falls:
only those pixels go to linear light and back. A solid product pixel is the product's own sRGB code
and an untouched backdrop pixel stays bit-exact (pure #FFFFFF corners stay #FFFFFF). On a 2000 px
canvas that is a small share of the pixels, which is why the blend costs a fraction of doing the
whole product box in float (issue 12).
"""

from __future__ import annotations

from functools import partial

import cv2
import numpy as np

from engine.compose.layout import Placement
from engine.compose.light_match import apply_gains_srgb
from engine.compose.linear import per_channel, to_linear, to_srgb
from engine.compose.stripes import by_bands

# Alpha at or above this counts as solid: the backdrop's share is below a tenth of an 8-bit step.
_SOLID = np.float32(1.0 - 1.0 / 4096)
_DENSITY_STEPS = 4096  # shadow density levels of a plain backdrop's table
# 0 < a < _SOLID as the inclusive range OpenCV's inRange tests: from the smallest normal float32
# (an alpha below 1e-38 cannot move a code; a denormal one might read as 0 in SIMD code anyway) to
# the float32 just below _SOLID
_TRANSLUCENT = (float(np.finfo(np.float32).tiny), float(np.nextafter(_SOLID, np.float32(0.0))))


def _visible_part(where: Placement, canvas: tuple[int, int]) -> tuple[int, int, int, int, int, int]:
    """(x0, y0, x1, y1) of the product on the canvas, clipped to it, and the offset into the layer."""
    cw, ch = canvas
    x0, y0 = max(where.x, 0), max(where.y, 0)
    x1, y1 = min(where.x + where.width, cw), min(where.y + where.height, ch)
    return x0, y0, max(x0, x1), max(y0, y1), x0 - where.x, y0 - where.y


def blend(
    colour: np.ndarray,
    alpha: np.ndarray,
    where: Placement,
    background: np.ndarray,
    density: np.ndarray | None,
    *,
    gains: np.ndarray | None = None,
    density_box: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """Product (straight uint8 sRGB, float32 alpha, at `where`) over `background` darkened by
    `density` -> uint8 RGB at the background's size.

    Per pixel: sRGB(min(lin(colour) * gains * a, 1) + lin(background) * (1 - density) * (1 - a)),
    computed only where it can differ from the product's own colour (a = 1) or from the backdrop
    (a = 0, no shadow). `gains`: the template's light on the product (`tone_gains`), per channel.
    `density_box`: the box of the pixels `density` darkens (`shadow_density_box`'s), where the
    caller has it; otherwise it is measured here."""
    canvas = (background.shape[1], background.shape[0])
    x0, y0, x1, y1, fx0, fy0 = _visible_part(where, canvas)
    out = background.copy()
    if density is not None:
        _darken(out, background, density, shadow_box(density) if density_box is None else density_box)
    if x1 <= x0 or y1 <= y0:
        return out
    fg = colour[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]
    fa = alpha[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]
    sub = out[y0:y1, x0:x1]
    solid = cv2.compare(fa, float(_SOLID), cv2.CMP_GE)
    cv2.copyTo(fg if gains is None else apply_gains_srgb(fg, gains), solid, sub)  # in place
    # the translucent pixels' coordinates: OpenCV lists them several times faster than np.nonzero,
    # from one range test (three passes before: a > 0, not solid, and)
    points = cv2.findNonZero(cv2.inRange(fa, _TRANSLUCENT[0], _TRANSLUCENT[1]))
    if points is not None:
        xy = points.reshape(-1, 2)  # OpenCV 4: (N, 1, 2), OpenCV 5: (N, 2)
        li, ci = _flat_index(xy, alpha.shape[1], fx0, fy0), _flat_index(xy, background.shape[1], x0, y0)
        _blend_points(out, colour, alpha, background, density, gains, li, ci)
    return out


def _flat_index(xy: np.ndarray, width: int, dx: int, dy: int) -> np.ndarray:
    """Flat indices (y + dy) * width + x + dx of (N, 2) int32 points, as intp, built in place on
    one array (a temporary per step before: several passes over a million points, issue 12)."""
    index = xy[:, 1].astype(np.intp)
    index *= width
    index += xy[:, 0]
    index += dy * width + dx
    return index


def _blend_points(
    out: np.ndarray,
    colour: np.ndarray,
    alpha: np.ndarray,
    background: np.ndarray,
    density: np.ndarray | None,
    gains: np.ndarray | None,
    li: np.ndarray,
    ci: np.ndarray,
) -> None:
    """The linear-light mix at the translucent pixels (flat indices on the layer and on the
    canvas), written into `out`. The pixels are read by flat index (one `take` each) and mixed as
    an (N, 1, 3) image by OpenCV, whose same-shape products are several times faster than numpy's
    broadcasting over (N, 3) by (N, 1); a few ten thousand at a time, so every temporary stays in
    cache. The arithmetic is the same float32 (issue 12). The results are written as 3-byte items
    (a void view of the pixels): a third faster than assigning rows of three."""
    planes = (
        np.ascontiguousarray(alpha).reshape(-1),
        np.ascontiguousarray(colour).reshape(-1, 3),
        np.ascontiguousarray(background).reshape(-1, 3),
        None if density is None else np.ascontiguousarray(density).reshape(-1),
    )
    pixels = out.reshape(-1, 3).view(_PIXEL).reshape(-1)  # `out` is the blend's own contiguous copy
    for start in range(0, li.size, _POINTS_PER_PASS):
        part = slice(start, start + _POINTS_PER_PASS)
        pixels[ci[part]] = _mix(*planes, gains, li[part], ci[part]).view(_PIXEL).reshape(-1)


_POINTS_PER_PASS = 1 << 15  # 32 K pixels: their float RGB temporaries (384 KiB each) stay in cache
_PIXEL = np.dtype("V3")  # one RGB pixel as a single 3-byte item


def _mix(
    alpha: np.ndarray,
    colour: np.ndarray,
    background: np.ndarray,
    density: np.ndarray | None,
    gains: np.ndarray | None,
    li: np.ndarray,
    ci: np.ndarray,
) -> np.ndarray:
    """sRGB(min(lin(colour) * a * gains, 1) + lin(background) * (1 - a) * (1 - density)) at the
    flat layer indices `li` / canvas indices `ci`, (N, 3) uint8."""
    a = alpha.take(li)
    keep = np.float32(1.0) - a
    if density is not None:
        keep *= np.float32(1.0) - density.take(ci)
    n = a.size
    fg = colour.take(li, axis=0).reshape(n, 1, 3)
    bg = background.take(ci, axis=0).reshape(n, 1, 3)
    fg_lin = to_linear(fg)
    product = cv2.multiply(fg_lin, per_channel(a.reshape(n, 1), fg_lin))
    if gains is not None:  # a translucent pixel may take the gain beyond white, as light does
        product = np.minimum(product * np.asarray(gains, np.float32).reshape(3), np.float32(1.0))
    bg_lin = to_linear(bg)
    lit = cv2.multiply(bg_lin, per_channel(keep.reshape(n, 1), bg_lin))
    return to_srgb(cv2.add(product, lit)).reshape(n, 3)


def shadow_box(density: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the pixels a shadow darkens at all, None when none: one pass with
    OpenCV instead of two numpy reductions over a canvas of floats."""
    x, y, w, h = cv2.boundingRect(cv2.compare(density, 0.0, cv2.CMP_GT))
    return None if w == 0 or h == 0 else (x, y, x + w, y + h)


def _darken(
    out: np.ndarray, background: np.ndarray, density: np.ndarray, box: tuple[int, int, int, int] | None
) -> None:
    """The shadow on the backdrop (in linear light), in place, only where it falls (`box`, the
    `shadow_box` of `density`); the product's solid pixels are written afterwards by `blend` and
    overwrite it there."""
    if box is None:
        return
    xs, ys, xe, ye = box
    d = density[ys:ye, xs:xe]
    backdrop = background[ys:ye, xs:xe]
    first = tuple(int(c) for c in backdrop[0, 0])
    if cv2.countNonZero(cv2.inRange(backdrop, first, first)) == d.size:  # one pass, no bool array
        # a plain backdrop (every preset's white): the darkened colour is a function of the density
        # alone, so one table of it replaces the per-pixel linear-light round trip; density steps of
        # 1/4096 move the light by less than a twentieth of an 8-bit step
        levels = np.arange(_DENSITY_STEPS + 1, dtype=np.float32) * np.float32(1.0 / _DENSITY_STEPS)
        table = np.zeros((_DENSITY_STEPS + 1, 4), np.uint8)  # RGB plus a pad byte: one uint32 a level
        table[:, :3] = to_srgb(to_linear(backdrop[0, 0])[None, :] * (1.0 - levels)[:, None])
        # the level rounded and saturated by one OpenCV pass, then one 4-byte gather per pixel
        # instead of a 3-byte row gather, band by band of rows (issue 12)
        out[ys:ye, xs:xe] = by_bands(partial(_shade, table=table.view(np.uint32).reshape(-1)), d)
        return
    rows, cols = np.nonzero(d)
    if rows.size:
        lit = to_linear(background[ys:ye, xs:xe][rows, cols]) * (1.0 - d[rows, cols])[:, None]
        out[ys:ye, xs:xe][rows, cols] = to_srgb(lit)


def _shade(density: np.ndarray, *, table: np.ndarray) -> np.ndarray:
    """A plain backdrop darkened by `density`: its RGB (packed with a pad byte as one uint32 per
    density level in `table`) at the nearest of the _DENSITY_STEPS levels, uint8 (H, W, 3)."""
    index = np.minimum(cv2.multiply(density, float(_DENSITY_STEPS), dtype=cv2.CV_16U), _DENSITY_STEPS)
    lit = table.take(index)  # numpy 2.4's take: twice as fast as indexing (linear._gather)
    return cv2.cvtColor(lit.view(np.uint8).reshape(*lit.shape, 4), cv2.COLOR_RGBA2RGB)


def blend_transparent(
    colour: np.ndarray,
    alpha: np.ndarray,
    where: Placement,
    canvas: tuple[int, int],
    density: np.ndarray | None,
) -> np.ndarray:
    """Product and shadow on transparency -> uint8 RGBA: the shadow is translucent black (alpha,
    no colour), the product over it keeps its colour with the combined coverage."""
    cw, ch = canvas
    out_a = np.zeros((ch, cw), np.float32) if density is None else density.astype(np.float32, copy=True)
    out = np.zeros((ch, cw, 4), np.uint8)
    x0, y0, x1, y1, fx0, fy0 = _visible_part(where, canvas)
    if x1 > x0 and y1 > y0:
        fg = colour[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]
        fa = alpha[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]
        sub_a = out_a[y0:y1, x0:x1]
        combined = fa + sub_a * (1.0 - fa)
        # straight colour = premultiplied product / combined coverage (black shadow adds none)
        share = np.divide(fa, combined, out=np.zeros_like(fa), where=combined > 1e-6)
        sub = out[y0:y1, x0:x1, :3]
        np.copyto(sub, fg, where=(share >= _SOLID)[..., None])
        mixed = (share > 0.0) & (share < _SOLID)
        if mixed.any():
            sub[mixed] = to_srgb(to_linear(fg[mixed]) * share[mixed][:, None])
        out_a[y0:y1, x0:x1] = combined
    out[..., 3] = np.rint(np.clip(out_a, 0.0, 1.0) * np.float32(255.0)).astype(np.uint8)
    return out
