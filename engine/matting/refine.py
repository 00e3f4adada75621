"""Edge refinement shared by every matting method: hard mask -> soft alpha, low-res alpha -> full res.

Segmentation (by colour or by a network) decides *where* the product is; the exact alpha of the one or
two pixels at its edge is decided here from the image itself. Where the local foreground and background
colours are known and differ, the compositing equation I = a*F + (1-a)*B gives alpha directly (this is
what keeps anti-aliased edges and hair-thin parts right); where they are too alike to tell, a guided
filter aligns the mask with the image's edges instead.
"""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np

_U8_UNIT = np.arange(256, dtype=np.float32) / np.float32(255.0)  # uint8 -> 0..1 float32, a cv2.LUT table
# the float32 neighbours of 0.02 and 0.98 inside (0.02, 0.98): cv2.compare's strict tests against a
# float32 image (its scalar made float32) as cv2.inRange's inclusive bounds (tested, NaN included)
_OVER_002 = float(np.nextafter(np.float32(0.02), np.float32(1.0)))
_UNDER_098 = float(np.nextafter(np.float32(0.98), np.float32(0.0)))


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), normalize=True, borderType=cv2.BORDER_REFLECT)


def _guided_coefficients(
    guide: np.ndarray, src: np.ndarray, r: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's local linear model src ~ a * guide + b, box-averaged (He et al.)."""
    mean_i = _box(guide, r)
    mean_p = _box(src, r)
    cov_ip = _box(guide * src, r) - mean_i * mean_p
    var_i = _box(guide * guide, r) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return _box(a, r), _box(b, r)


def guided_filter(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a gray guide: edge-preserving smoothing of `src` along `guide`."""
    guide = guide.astype(np.float32)
    a, b = _guided_coefficients(guide, src.astype(np.float32), r, eps)
    return a * guide + b


def gray(rgb01: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb01.astype(np.float32), cv2.COLOR_RGB2GRAY)


def guided_upsample(
    alpha_lo: np.ndarray, guide_hi: np.ndarray, r_lo: int = 2, eps: float = 1e-3
) -> np.ndarray:
    """Upsample a low-res alpha to the guide's size so that its edges follow the full-res image.

    This is the "fast guided filter": the linear coefficients are fitted at low resolution (cheap) and
    applied to the full-resolution guide, which restores edge detail the low-res mask never had.
    """
    h, w = guide_hi.shape[:2]
    lo_h, lo_w = alpha_lo.shape
    guide_lo = cv2.resize(guide_hi, (lo_w, lo_h), interpolation=cv2.INTER_AREA)
    a, b = _guided_coefficients(guide_lo, alpha_lo, r_lo, eps)
    a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(a * guide_hi + b, 0.0, 1.0)


def upsample_alpha(alpha: np.ndarray, rgb_hi: np.ndarray) -> np.ndarray:
    """Bring a working-size alpha to the full-res image's size with edge-aware refinement.

    The guided filter's coefficients are fitted at the working size as in `guided_upsample`, but
    interpolated and applied only at the pixels of the edge band, the only ones that keep the
    guided result: two full-size resizes and a full-size multiply-add fewer (issue 12). The guide is
    the photo's 8-bit grey shrunk to the working size, and read in float only at the band's pixels:
    no full-size float image is made. Only the band's box of that guide is made where the shrink's
    scale allows it bit for bit (`_grey_area`), the coefficients are fitted by OpenCV passes without
    numpy temporaries (`_band_coefficients`) and the band's pixels are read through flat indices
    (`_bilinear_at`, `_grey_at`): the same values, about half the CPU (issue 12)."""
    h, w = rgb_hi.shape[:2]
    if alpha.shape == (h, w):
        return alpha
    scale = max(h / alpha.shape[0], w / alpha.shape[1])
    alpha = alpha.astype(np.float32, copy=False)
    smooth = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    # The guided result only matters on the edge band; the smooth upsample stays elsewhere so flat
    # interiors cannot pick up texture from the guide.
    soft = cv2.inRange(smooth, _OVER_002, _UNDER_098)  # 0.02 < smooth < 0.98, one pass
    band = cv2.dilate(soft, None, iterations=max(1, int(scale)))
    points = cv2.findNonZero(band)
    if points is not None:
        points = points.reshape(-1, 2)  # OpenCV 4 gives (N, 1, 2), OpenCV 5 (N, 2)
        xs, ys = points[:, 0], points[:, 1]
        lo_h, lo_w = alpha.shape
        # the coefficients only around the band: its box at the working size, with a margin wider
        # than the two box filters' reach so the values read are those of the whole frame's fit
        m = 8
        y0, y1 = max(0, int(ys.min() * lo_h / h) - m), min(lo_h, int(ys.max() * lo_h / h) + m + 2)
        x0, x1 = max(0, int(xs.min() * lo_w / w) - m), min(lo_w, int(xs.max() * lo_w / w) + m + 2)
        # the guide at the working size from the 8-bit grey, shrunk as 8 bits: no full-size float
        # image at all (its rounding moves the fitted alpha by far less than a uint8 step)
        guide_lo = cv2.LUT(_grey_area(rgb_hi, (lo_h, lo_w), (y0, y1, x0, x1)), _U8_UNIT)
        a, b = _band_coefficients(guide_lo, np.ascontiguousarray(alpha[y0:y1, x0:x1]), 2, 2e-3)
        ab = _bilinear_at(cv2.merge([a, b]), ys, xs, (h, w), (lo_h, lo_w), (y0, x0))
        refined = ab[:, 0] * _grey_at(rgb_hi, ys, xs) + ab[:, 1]
        np.clip(refined, 0.0, 1.0, out=refined)
        smooth.reshape(-1)[ys.astype(np.intp) * w + xs] = refined
    np.clip(smooth, 0.0, 1.0, out=smooth)
    return smooth


def _band_coefficients(
    guide: np.ndarray, src: np.ndarray, r: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """`_guided_coefficients` bit for bit, by OpenCV passes into reused buffers instead of numpy
    expressions that allocate a temporary per operation (each operation is the same IEEE float32
    one, in the same order)."""
    mean_i = _box(guide, r)
    mean_p = _box(src, r)
    t = cv2.multiply(guide, src)
    cov_ip = _box(t, r)
    cv2.subtract(cov_ip, cv2.multiply(mean_i, mean_p, dst=t), dst=cov_ip)
    cv2.multiply(guide, guide, dst=t)
    var_i = _box(t, r)
    cv2.subtract(var_i, cv2.multiply(mean_i, mean_i, dst=t), dst=var_i)
    cv2.add(var_i, float(np.float32(eps)), dst=var_i)  # float32(eps), as numpy adds a Python float
    a = cv2.divide(cov_ip, var_i, dst=cov_ip)
    b = cv2.subtract(mean_p, cv2.multiply(a, mean_i, dst=t), dst=mean_p)
    return _box(a, r), _box(b, r)


def _area_span(src: int, dst: int, d0: int, d1: int) -> tuple[int, int, int, int] | None:
    """For `cv2.resize(..., INTER_AREA)` of `src` pixels to `dst` along one axis: a span of output
    pixels (a0, a1) covering [d0, d1) and the source span (s0, s1) that gives exactly them when
    resized alone, or None where no such span is sure to. OpenCV's scale is 1 / (dst / src) in
    double; where that is exactly src / dst, every output pixel's source cells and weights only
    shift with a crop that starts and ends at a whole period (p output pixels = q source pixels)."""
    if src <= dst:
        return None
    scale = 1.0 / (dst / src)
    if scale != src / dst or Fraction(scale) != Fraction(src, dst):
        return None
    g = math.gcd(src, dst)
    p, q = dst // g, src // g
    a0, a1 = d0 // p * p, min(dst, -(-d1 // p) * p)
    return a0, a1, a0 // p * q, a1 // p * q


def _grey_area(rgb: np.ndarray, size: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    """`cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), size[::-1], interpolation=cv2.INTER_AREA)`
    [y0:y1, x0:x1] for box (y0, y1, x0, x1), made from only the part of the photo it reads along
    each axis whose scale allows it (`_area_span`), uint8."""
    (h, w), (lo_h, lo_w) = rgb.shape[:2], size
    y0, y1, x0, x1 = box
    span_y = _area_span(h, lo_h, y0, y1) or (0, lo_h, 0, h)
    span_x = _area_span(w, lo_w, x0, x1) or (0, lo_w, 0, w)
    grey = cv2.cvtColor(rgb[span_y[2] : span_y[3], span_x[2] : span_x[3]], cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (span_x[1] - span_x[0], span_y[1] - span_y[0]), interpolation=cv2.INTER_AREA)
    return small[y0 - span_y[0] : y1 - span_y[0], x0 - span_x[0] : x1 - span_x[0]]


def _grey_at(rgb: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The float grey (0..1) of uint8 RGB at the pixels (ys, xs) only, as a full-size float
    cvtColor would give it there, (N,) float32."""
    flat = ys.astype(np.intp) * rgb.shape[1] + xs
    picked = cv2.LUT(np.ascontiguousarray(rgb).reshape(-1, 3).take(flat, axis=0), _U8_UNIT)
    return cv2.cvtColor(picked.reshape(-1, 1, 3), cv2.COLOR_RGB2GRAY).reshape(-1)


def _bilinear_at(
    img: np.ndarray,
    ys: np.ndarray,
    xs: np.ndarray,
    size: tuple[int, int],
    full: tuple[int, int],
    origin: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """`cv2.resize(whole, size[::-1], interpolation=cv2.INTER_LINEAR)` read only at (ys, xs), where
    `img` is the part of `whole` (of shape `full`) from `origin` on that those reads need: the same
    pixel-centre mapping and edge clamping, (N, channels) float32. Each axis's neighbours and
    weights are worked out once per output row or column and looked up per point, and the four
    neighbours read through flat indices (one `take` each, not a two-array fancy index)."""
    lo_h, lo_w = full
    width = img.shape[1]
    y0, y1, ty = _axis(lo_h, size[0])
    x0, x1, tx = _axis(lo_w, size[1])
    # row offsets into the flattened part, and columns within it, per output row / column
    r0 = ((y0 - origin[0]) * width).take(ys)
    r1 = ((y1 - origin[0]) * width).take(ys)
    c0, c1 = (x0 - origin[1]).take(xs), (x1 - origin[1]).take(xs)
    wy, wx = ty.take(ys)[:, None], tx.take(xs)[:, None]
    flat = np.ascontiguousarray(img).reshape(width * img.shape[0], -1)
    ux = 1.0 - wx
    top = flat.take(r0 + c0, axis=0) * ux + flat.take(r0 + c1, axis=0) * wx
    bottom = flat.take(r1 + c0, axis=0) * ux + flat.take(r1 + c1, axis=0) * wx
    return top * (1.0 - wy) + bottom * wy


def _axis(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """INTER_LINEAR's mapping of `dst` output positions onto `src` input ones: for each output
    position the two input neighbours (clamped, intp) and the second one's weight (float32)."""
    pos = np.arange(dst)
    f = (pos.astype(np.float32) + np.float32(0.5)) * np.float32(src / dst) - np.float32(0.5)
    i0 = np.floor(f).astype(np.intp)
    t = f - i0
    t[i0 < 0] = 0.0
    t[i0 >= src - 1] = 0.0
    i0 = np.clip(i0, 0, src - 1)
    return i0, np.minimum(i0 + 1, src - 1), t


def _normalised_fill(values: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Propagate `values` known where `weight`>0 into their neighbourhood (normalised convolution)."""
    k = int(3 * sigma) | 1
    wsum = cv2.GaussianBlur(weight, (k, k), sigma)
    if values.ndim == 3:
        num = cv2.GaussianBlur(values * weight[..., None], (k, k), sigma)
        return num / np.maximum(wsum, 1e-6)[..., None], wsum
    num = cv2.GaussianBlur(values * weight, (k, k), sigma)
    return num / np.maximum(wsum, 1e-6), wsum


def soft_alpha_from_mask(
    img: np.ndarray, hard: np.ndarray, *, band: int = 3, contrast_floor: float = 0.12
) -> tuple[np.ndarray, np.ndarray]:
    """Soft alpha for a hard mask: compositing-equation alpha on the edge band, guided filter as fallback.

    `img` is float32 RGB 0..1, `hard` a bool mask. Returns (alpha, edge_contrast) where edge_contrast is
    |F - B| per pixel on the band (used by callers to judge how trustworthy the edge is).
    """
    ys, xs = np.nonzero(hard)
    if ys.size == 0 or ys.size == hard.size:
        return hard.astype(np.float32), np.zeros(hard.shape, np.float32)
    # Only the neighbourhood of the outline matters: work on its bounding box (plus blur support).
    pad = 8 * band + 4
    y0, y1 = max(0, ys.min() - pad), min(hard.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(hard.shape[1], xs.max() + pad + 1)
    alpha_full = np.zeros(hard.shape, np.float32)
    contrast_full = np.zeros(hard.shape, np.float32)
    a, c = _soft_alpha_box(img[y0:y1, x0:x1], hard[y0:y1, x0:x1], band, contrast_floor)
    alpha_full[y0:y1, x0:x1] = a
    contrast_full[y0:y1, x0:x1] = c
    return alpha_full, contrast_full


def _soft_alpha_box(
    img: np.ndarray, hard: np.ndarray, band: int, contrast_floor: float
) -> tuple[np.ndarray, np.ndarray]:
    hard_u8 = hard.astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    inner = cv2.erode(hard_u8, kernel)
    outer = 1 - cv2.dilate(hard_u8, kernel)
    on_band = (inner == 0) & (outer == 0)

    fg, fg_w = _normalised_fill(img, inner.astype(np.float32), sigma=2.0 * band)
    bg, bg_w = _normalised_fill(img, outer.astype(np.float32), sigma=2.0 * band)
    diff = fg - bg
    denom = np.sum(diff * diff, axis=2)
    alpha_eq = np.sum((img - bg) * diff, axis=2) / np.maximum(denom, 1e-6)
    alpha_eq = np.clip(alpha_eq, 0.0, 1.0)
    contrast = np.sqrt(denom)
    known = (fg_w > 1e-3) & (bg_w > 1e-3)
    trust = np.clip((contrast - contrast_floor * 0.5) / (contrast_floor * 0.5), 0.0, 1.0) * known

    guided = np.clip(guided_filter(gray(img), hard.astype(np.float32), r=band, eps=1e-3), 0.0, 1.0)
    band_alpha = trust * alpha_eq + (1.0 - trust) * guided
    alpha = np.where(inner > 0, 1.0, np.where(outer > 0, 0.0, band_alpha)).astype(np.float32)
    contrast = np.where(on_band, contrast, 0.0).astype(np.float32)
    return alpha, contrast
