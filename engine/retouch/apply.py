"""Apply a RetouchPlan. Tone and colour work in linear light on luminance ratios, so hues hold."""

from __future__ import annotations

from functools import partial

import cv2
import numpy as np

from engine.compose.linear import REC709_LUMA, to_linear, to_srgb
from engine.compose.stripes import by_bands
from engine.retouch.analyse import RetouchPlan


def apply_plan(rgb: np.ndarray, plan: RetouchPlan) -> np.ndarray:
    """Everything but sharpening (which belongs at the output size): uint8 RGB -> uint8 RGB."""
    out = rgb
    if plan.denoise > 0:
        out = denoise(out, plan.denoise)
    gains = np.asarray(plan.wb_gains, np.float32) * np.float32(plan.exposure_gain)
    tone = plan.contrast > 0 or plan.black_point > 0
    if np.allclose(gains, 1.0) and not tone and plan.vibrance <= 0:
        return out
    # white balance and exposure folded into the sRGB -> linear table: one lookup per channel
    table = (to_linear(np.arange(256, dtype=np.uint8))[:, None] * gains[None, :]).reshape(1, 256, 3)
    grade = partial(
        _grade,
        table=table.astype(np.float32),
        gains=gains,
        curve=_tone_pairs(plan.black_point, plan.midtone, plan.contrast) if tone else None,
        vibrance=plan.vibrance,
    )
    # every step below works pixel by pixel: band by band, its float temporaries stay in cache
    return by_bands(grade, np.ascontiguousarray(out))


def _grade(
    codes: np.ndarray, *, table: np.ndarray, gains: np.ndarray, curve: np.ndarray | None, vibrance: float
) -> np.ndarray:
    """Gains, clipped-highlight rule, tone curve and vibrance on uint8 sRGB -> uint8 sRGB."""
    lin = cv2.LUT(codes, table)
    restore_clipped(lin, codes, gains)
    ratio = _ratio_on(lin, curve) if curve is not None else None
    if vibrance > 0:
        if ratio is not None:
            lin *= ratio[..., None]
            ratio = None
        lin = _vibrance(lin, vibrance)
    return to_srgb(lin, gain=ratio)  # a tone ratio left over is applied in the same pass


CLIP_RAMP = (247, 255)  # sRGB codes over which a channel goes from surely measured to surely clipped
# A clipped channel scaled by at least this loses at most one code (255 -> 254): not a visible tint,
# and the pass over the near-white pixels (the whole backdrop margin of a crop) is skipped.
UNTINTED_GAIN = 0.995
_CLIP_WEIGHT = np.clip(
    (np.arange(256, dtype=np.float32) - np.float32(CLIP_RAMP[0])) / np.float32(CLIP_RAMP[1] - CLIP_RAMP[0]),
    0.0,
    1.0,
).astype(np.float32)  # how clipped each code is


def restore_clipped(lin: np.ndarray, codes: np.ndarray, gains: np.ndarray) -> None:
    """Undo the tint the gains give pixels that were clipped in a channel the gains scale down, in place.

    A clipped channel recorded less light than there was, so scaling it down by the white balance
    leaves it below its true share: a white print under cool light (blue clipped) turns yellow with
    the full correction. Such a channel is pulled toward the pixel's brightest corrected channel
    (capped at white), in proportion to how clipped it was (0 at code CLIP_RAMP[0], fully at 255):
    a clipped white stays a neutral white, while a saturated colour whose clipped channel is its
    brightest keeps its ordinary correction. `lin`: linear RGB after the gains, `codes`: the uint8
    sRGB it came from."""
    down = [c for c in range(3) if gains[c] < UNTINTED_GAIN]
    if not down:
        return
    # dense OpenCV passes over the planes: on a product crop most pixels of the backdrop margin
    # are near white, too many to gather and scatter one by one
    # the planes taken out one by one (a band's float split is three times slower) and only the
    # corrected ones put back
    planes = [cv2.extractChannel(lin, c) for c in range(3)]
    level = cv2.min(cv2.max(cv2.max(planes[0], planes[1]), planes[2]), 1.0)
    for c in down:
        pull = cv2.LUT(cv2.extractChannel(codes, c), _CLIP_WEIGHT)
        gap = cv2.max(cv2.subtract(level, planes[c]), 0.0)
        corrected = cv2.add(planes[c], cv2.multiply(pull, gap))
        if cv2.insertChannel(corrected, lin, c) is not lin:  # a build that allocated instead
            lin[..., c] = corrected.reshape(lin.shape[:-1])


def _tone_curve(lin: np.ndarray, black: float, mid: float, strength: float) -> np.ndarray:
    """S-curve on perceptual luminance, pivoting on the product's median, applied as a ratio."""
    return lin * _tone_ratio(lin, black, mid, strength)[..., None]


def _tone_ratio(lin: np.ndarray, black: float, mid: float, strength: float) -> np.ndarray:
    """The per-pixel factor `_tone_curve` multiplies linear RGB by, (H, W) float32."""
    return _ratio_on(lin, _tone_pairs(black, mid, strength))


def _tone_pairs(black: float, mid: float, strength: float) -> np.ndarray:
    """The S-curve at its 1025 knots in perceptual (sqrt) luminance, as (2, 1024) float32: each
    knot's value and its step to the next, one row each (two 4-byte gathers per pixel are faster
    than one 8-byte gather of both and a split into planes, measured with numpy 2.4)."""
    grid = np.linspace(0.0, 1.0, 1025)
    p = np.clip((grid - black) / max(1e-3, 1.0 - black), 0.0, 1.0)
    if strength > 0:
        k = 6.0
        sig = 1.0 / (1.0 + np.exp(-k * (p - mid)))
        lo, hi = 1.0 / (1.0 + np.exp(k * mid)), 1.0 / (1.0 + np.exp(-k * (1.0 - mid)))
        s = (sig - lo) / (hi - lo)
        p = p + 0.5 * strength * (s - p)
    p32 = p.astype(np.float32)
    return np.stack([p32[:-1], np.diff(p32)])


def _ratio_on(lin: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The tone curve's ratio for linear RGB (H, W, 3) float32 -> (H, W) float32.

    The curve is linear between its knots, so it is read as knot + fraction * step in float32
    (numpy's interp searches and works in float64); the arithmetic is OpenCV's same-shape float32
    passes (issue 12)."""
    y = np.maximum(_luminance(lin), np.float32(0.0))
    pos = cv2.sqrt(np.minimum(y, np.float32(1.0)))
    knots = pairs.shape[1]
    pos *= np.float32(knots)
    knot = np.minimum(pos.astype(np.int32), knots - 1)
    pos = cv2.subtract(pos, knot, dtype=cv2.CV_32F)  # numpy's float32 - int32 goes through float64
    value, step = pairs[0].take(knot), pairs[1].take(knot)
    p_out = cv2.add(value, cv2.multiply(pos, step))
    ratio = cv2.divide(cv2.multiply(p_out, p_out), y)
    np.copyto(ratio, np.float32(1.0), where=y <= np.float32(1e-5))
    return ratio


def _luminance(lin: np.ndarray) -> np.ndarray:
    """Rec.709 Y of linear RGB (H, W, 3) float32 -> (H, W) float32, in one OpenCV pass."""
    return cv2.transform(lin, _REC709_ROW).reshape(lin.shape[:-1])


def _vibrance(lin: np.ndarray, amount: float) -> np.ndarray:
    """Raise saturation of muted pixels more than of vivid ones, luminance unchanged."""
    y = _luminance(lin)[..., None]
    r, g, b = (cv2.extractChannel(lin, c) for c in range(3))
    mx, mn = cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b)
    sat = np.divide(mx - mn, mx, out=np.zeros_like(mx), where=mx > 1e-4)
    gain = (np.float32(1.0) + np.float32(amount) * (np.float32(1.0) - sat))[..., None]
    out = lin - y
    out *= gain
    out += y
    return np.maximum(out, np.float32(0.0), out=out)


def denoise(rgb: np.ndarray, strength: float) -> np.ndarray:
    """Chroma noise is what reads as 'cheap camera'; smooth it hard and luminance only a little."""
    if strength <= 0:
        return rgb
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y = cv2.extractChannel(ycc, 0)
    sigma_c = 0.6 + 2.0 * strength
    # Cr and Cb blurred in one call on the three-channel image (each channel is filtered on its
    # own, so they are the planes blurred one by one) and Y put back into it: no split into
    # planes and no merge, which cost more than the blur (issue 12)
    out = cv2.GaussianBlur(ycc, (0, 0), sigma_c)
    y_f = cv2.bilateralFilter(y, d=5, sigmaColor=4.0 + 16.0 * strength, sigmaSpace=2.0)
    y = cv2.addWeighted(y, 1.0 - min(1.0, strength * 1.5), y_f, min(1.0, strength * 1.5), 0.0)
    cv2.insertChannel(y, out, 0)
    return cv2.cvtColor(out, cv2.COLOR_YCrCb2RGB)


def sharpen(
    rgb: np.ndarray, alpha: np.ndarray | None, amount: float, radius: float = 1.0, *, in_place: bool = False
) -> np.ndarray:
    """Unsharp mask on luminance only, added equally to R, G and B so colours do not fringe.

    A small threshold keeps flat areas (and any leftover noise) untouched. Where alpha is given,
    only the product changes. `in_place`: a C-contiguous `rgb` of the caller's own is changed and
    returned instead of a copy (composition's scaled product: the copy of a 2000 px image cost a
    third of what the sharpening itself does).
    """
    if amount <= 0:
        return rgb
    # Luminance and its detail in float32; the change itself is the same for R, G and B, so it is
    # rounded once per pixel (half to even, as np.rint, and saturated: one convertScaleAbs) and
    # added with saturation. Luminance and the mask of the pixels that change in bands of rows
    # (pixel by pixel, so their temporaries stay in cache); only the blur sees the whole plane.
    y = by_bands(_luma601, rgb)
    blurred = cv2.GaussianBlur(y, (0, 0), radius)
    scale = float(np.float32(1.2 * amount))
    a = None if alpha is None else alpha.astype(np.float32, copy=False)
    # Only detail beyond the threshold changes a pixel: on a product photo scaled up to the output
    # that is well under 1% of the layer (0.1-1% on the benchmark's photos), so those pixels are
    # listed and changed one by one instead of running the change over every pixel (issue 12).
    # A busy texture changes many: past _SPARSE_SHARE the dense passes are cheaper.
    keep = by_bands(_changes, y, blurred) if a is None else by_bands(_changes, y, blurred, a)
    points = cv2.findNonZero(keep)
    owned = in_place and rgb.flags.c_contiguous
    if points is None:
        return rgb if owned else rgb.copy()
    if points.shape[0] > _SPARSE_SHARE * keep.size:
        add = partial(_add_detail, scale=scale)
        return by_bands(add, rgb, y, blurred) if a is None else by_bands(add, rgb, y, blurred, a)
    xs, ys = points.reshape(-1, 2).T  # OpenCV 4: (N, 1, 2), OpenCV 5: (N, 2)
    flat = ys.astype(np.intp) * rgb.shape[1] + xs
    detail = cv2.subtract(y.reshape(-1).take(flat), blurred.reshape(-1).take(flat))
    change = cv2.convertScaleAbs(detail, alpha=scale).reshape(-1).astype(np.int16)
    np.negative(change, out=change, where=(detail <= 0).reshape(-1))
    out = rgb if owned else np.array(rgb, copy=True, order="C")
    pixels = out.reshape(-1, 3)
    changed = pixels.take(flat, axis=0).astype(np.int16)
    changed += change[:, None]
    pixels[flat] = np.clip(changed, 0, 255).astype(np.uint8)
    return out


_SPARSE_SHARE = 1 / 32  # beyond this share of changed pixels the dense path is cheaper (measured)


def _changes(y: np.ndarray, blurred: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """uint8 255 where the unsharp mask changes a pixel: detail beyond +-1.5 (|y - blurred|, the
    same float as the absolute difference), and on the product where alpha is given."""
    keep = cv2.compare(cv2.absdiff(y, blurred), 1.5, cv2.CMP_GT)
    return keep if alpha is None else cv2.bitwise_and(keep, cv2.compare(alpha, 0.5, cv2.CMP_GT))


def _luma601(rgb: np.ndarray) -> np.ndarray:
    # widened by numpy's cast: with numpy 2.4 a third faster than OpenCV's LUT to float, same values
    return cv2.transform(rgb.astype(np.float32), _LUMA_ROW)


def _add_detail(
    rgb: np.ndarray, y: np.ndarray, blurred: np.ndarray, alpha: np.ndarray | None = None, *, scale: float
) -> np.ndarray:
    """The unsharp mask's rounded, thresholded change added to R, G and B alike."""
    detail = cv2.subtract(y, blurred)
    keep = cv2.bitwise_or(cv2.compare(detail, 1.5, cv2.CMP_GT), cv2.compare(detail, -1.5, cv2.CMP_LT))
    if alpha is not None:
        keep = cv2.bitwise_and(keep, cv2.compare(alpha, 0.5, cv2.CMP_GT))
    size = cv2.bitwise_and(cv2.convertScaleAbs(detail, alpha=scale), keep)
    up = cv2.bitwise_and(size, cv2.compare(detail, 0.0, cv2.CMP_GT))
    down = cv2.subtract(size, up)
    return cv2.subtract(cv2.add(rgb, cv2.merge([up, up, up])), cv2.merge([down, down, down]))


_LUMA_ROW = np.array([[0.299, 0.587, 0.114]], np.float32)  # Rec.601 weights, as one cv2.transform row
_REC709_ROW = REC709_LUMA.reshape(1, 3).astype(np.float32)
