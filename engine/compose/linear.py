"""sRGB <-> linear light conversions.

Light adds up linearly, sRGB code values do not: blending, shadows and exposure done on sRGB values
give dark fringes and muddy shadows. Everything that mixes light converts here first. Lookup tables
keep the conversions cheap enough for 20-megapixel inputs.
"""

from __future__ import annotations

import cv2
import numpy as np

_ENCODE_STEPS = 1 << 14  # linear quantisation fine enough that every sRGB code value is reachable


def _srgb_to_linear_exact(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb_exact(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1 / 2.4) - 0.055)


_DECODE_LUT = _srgb_to_linear_exact(np.arange(256, dtype=np.float64) / 255.0).astype(np.float32)
_ENCODE_LUT = np.round(
    _linear_to_srgb_exact(np.arange(_ENCODE_STEPS + 1, dtype=np.float64) / _ENCODE_STEPS) * 255.0
).astype(np.uint8)


# the table for every uint16 index: OpenCV's saturating conversions give indices up to 65535, and
# everything from _ENCODE_STEPS on is white, so no clip pass is needed before the lookup
_ENCODE_LUT_U16 = np.full(1 << 16, 255, np.uint8)
_ENCODE_LUT_U16[: _ENCODE_STEPS + 1] = _ENCODE_LUT


def to_linear(rgb: np.ndarray) -> np.ndarray:
    """uint8 sRGB -> float32 linear light in 0..1 (same shape).

    OpenCV's LUT takes a float table and runs about 2.5x faster than numpy's fancy indexing, which
    matters at 2000 px canvases; shapes it cannot take (more than 4 channels) use numpy."""
    if rgb.dtype != np.uint8:
        raise TypeError(f"to_linear expects uint8 sRGB, got {rgb.dtype}")
    if rgb.size and (rgb.ndim <= 2 or (rgb.ndim == 3 and rgb.shape[2] <= 4)):
        return cv2.LUT(rgb, _DECODE_LUT).reshape(rgb.shape)
    return _DECODE_LUT[rgb]


def to_srgb(linear: np.ndarray, gain: np.ndarray | None = None) -> np.ndarray:
    """float linear light (any range; clipped to 0..1) -> uint8 sRGB, rounded to the nearest code.

    `gain` (the shape of `linear` without its last axis) multiplies each pixel first, in the same
    pass. Float32 RGB images take one OpenCV pass to a uint16 index (rounded half to even: where
    the scaled value lands exactly on a half, one code from adding 0.5 and flooring) and a table
    lookup; other shapes go in place on one float32 buffer through a uint16 index, the same codes
    as clipping, scaling and indexing with int32."""
    if _is_rgb32(linear) and (gain is None or _planes3(linear, gain)):
        # one OpenCV pass from float to the table's index, rounded (half to even) and saturated
        # (negative -> 0, beyond 1 -> white), instead of numpy's multiply, add, clip and cast
        if gain is None:
            steps = float(_ENCODE_STEPS)
            index = cv2.multiply(linear, (steps, steps, steps, steps), dtype=cv2.CV_16U)
        else:
            index = cv2.multiply(
                linear, per_channel(gain, linear), scale=float(_ENCODE_STEPS), dtype=cv2.CV_16U
            )
        return _gather(_ENCODE_LUT_U16, index)
    # float32 input multiplies straight into a float32 buffer; `dtype=` would send every call
    # through numpy's slower casting loop
    scale = np.float32(_ENCODE_STEPS) if gain is None else (gain * np.float32(_ENCODE_STEPS))[..., None]
    if linear.dtype == np.float32 and scale.dtype == np.float32:
        buf = np.multiply(linear, scale)
    else:
        buf = np.multiply(linear, scale, dtype=np.float32)
    np.add(buf, np.float32(0.5), out=buf)
    np.clip(buf, np.float32(0.0), np.float32(_ENCODE_STEPS), out=buf)
    return _gather(_ENCODE_LUT, buf.astype(np.uint16))


def divided_to_srgb(premul: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Premultiplied float32 linear RGB (H, W, 3) with its alpha divided out -> uint8 sRGB; black
    where alpha is at most 1e-6 (nothing to divide out). The same codes as `to_srgb(premul,
    gain=1 / alpha)` from one OpenCV division straight to the table's index (issue 12)."""
    if not _planes3(premul, alpha):
        inverse = np.divide(np.float32(1.0), alpha, out=np.zeros_like(alpha), where=alpha > 1e-6)
        return to_srgb(premul, gain=inverse)
    # alpha <= 1e-6 -> 0, and OpenCV's division by 0 gives 0: black, as a gain of 0 does
    safe = cv2.threshold(alpha, 1e-6, 0.0, cv2.THRESH_TOZERO)[1]
    index = cv2.divide(premul, per_channel(safe, premul), scale=float(_ENCODE_STEPS), dtype=cv2.CV_16U)
    return _gather(_ENCODE_LUT_U16, index)


def _gather(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """`table[index]` for a 1-D table and an integer index of any shape, by `take`: with numpy
    2.4 it gathers uint8 codes from a uint16 index about twice as fast as indexing does, for flat,
    (N, 3) and (H, W, 3) indices alike (issue 12; an earlier numpy measured the other way round)."""
    return table.take(index)


def _is_rgb32(colour: np.ndarray) -> bool:
    """Float32 (H, W, 3), the shape OpenCV's paths take (a list of N pixels as (N, 1, 3))."""
    return colour.dtype == np.float32 and colour.ndim == 3 and colour.shape[2] == 3 and colour.size > 0


def _planes3(colour: np.ndarray, plane: np.ndarray) -> bool:
    """Float32 (H, W, 3) colour and an (H, W) float32 plane."""
    return _is_rgb32(colour) and plane.dtype == np.float32 and plane.shape == colour.shape[:2]


def per_channel(plane: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A per-pixel factor (H, W) shaped to multiply `like` (H, W, C): for float32 RGB, the plane
    copied to three channels by OpenCV, since numpy multiplies a same-shape array several times
    faster than a broadcast one (the products are the same); otherwise a broadcasting view.

    The copy is `cv2.merge` of the plane three times: the same array as `cvtColor(GRAY2RGB)`, whose
    float32 path is not vectorised and took four times as long (issue 12)."""
    if (
        like.ndim == 3
        and like.shape[2] == 3
        and plane.dtype == np.float32
        and plane.shape == like.shape[:2]
        and plane.size
    ):
        plane = np.ascontiguousarray(plane)
        return cv2.merge((plane, plane, plane))
    return plane[..., None]


def srgb_float_to_linear(v: np.ndarray | float) -> np.ndarray:
    """sRGB in 0..1 floats -> linear, exact (for small arrays such as colours and statistics)."""
    return _srgb_to_linear_exact(np.asarray(v, dtype=np.float64))


REC709_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def luminance(linear_rgb: np.ndarray) -> np.ndarray:
    """Relative luminance Y of linear RGB, (H, W, 3) -> (H, W)."""
    return linear_rgb @ REC709_LUMA
