"""Apply a RetouchPlan. Tone and colour work in linear light on luminance ratios, so hues hold."""

from __future__ import annotations

import cv2
import numpy as np

from engine.compose.linear import REC709_LUMA, to_linear, to_srgb
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
    lin = to_linear(out) * gains
    if tone:
        lin = _tone_curve(lin, plan.black_point, plan.midtone, plan.contrast)
    if plan.vibrance > 0:
        lin = _vibrance(lin, plan.vibrance)
    return to_srgb(lin)


def _tone_curve(lin: np.ndarray, black: float, mid: float, strength: float) -> np.ndarray:
    """S-curve on perceptual luminance, pivoting on the product's median, applied as a ratio."""
    y = np.maximum(lin @ REC709_LUMA, 0.0)
    grid = np.linspace(0.0, 1.0, 1025)
    p = np.clip((grid - black) / max(1e-3, 1.0 - black), 0.0, 1.0)
    if strength > 0:
        k = 6.0
        sig = 1.0 / (1.0 + np.exp(-k * (p - mid)))
        lo, hi = 1.0 / (1.0 + np.exp(k * mid)), 1.0 / (1.0 + np.exp(-k * (1.0 - mid)))
        s = (sig - lo) / (hi - lo)
        p = p + 0.5 * strength * (s - p)
    # grid and p are perceptual (sqrt) luminance
    p_in = np.sqrt(np.clip(y, 0.0, 1.0))
    p_out = np.interp(p_in, grid, p).astype(np.float32)
    ratio = np.where(y > 1e-5, (p_out * p_out) / np.maximum(y, 1e-5), 1.0).astype(np.float32)
    return lin * ratio[..., None]


def _vibrance(lin: np.ndarray, amount: float) -> np.ndarray:
    """Raise saturation of muted pixels more than of vivid ones, luminance unchanged."""
    y = (lin @ REC709_LUMA)[..., None]
    mx, mn = lin.max(axis=2, keepdims=True), lin.min(axis=2, keepdims=True)
    sat = np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0)
    gain = 1.0 + amount * (1.0 - sat)
    return np.maximum(y + (lin - y) * gain, 0.0)


def denoise(rgb: np.ndarray, strength: float) -> np.ndarray:
    """Chroma noise is what reads as 'cheap camera'; smooth it hard and luminance only a little."""
    if strength <= 0:
        return rgb
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y, cr, cb = cv2.split(ycc)
    sigma_c = 0.6 + 2.0 * strength
    cr = cv2.GaussianBlur(cr, (0, 0), sigma_c)
    cb = cv2.GaussianBlur(cb, (0, 0), sigma_c)
    y_f = cv2.bilateralFilter(y, d=5, sigmaColor=4.0 + 16.0 * strength, sigmaSpace=2.0)
    y = cv2.addWeighted(y, 1.0 - min(1.0, strength * 1.5), y_f, min(1.0, strength * 1.5), 0.0)
    return cv2.cvtColor(cv2.merge([y, cr, cb]), cv2.COLOR_YCrCb2RGB)


def sharpen(rgb: np.ndarray, alpha: np.ndarray | None, amount: float, radius: float = 1.0) -> np.ndarray:
    """Unsharp mask on luminance only, added equally to R, G and B so colours do not fringe.

    A small threshold keeps flat areas (and any leftover noise) untouched. Where alpha is given,
    only the product changes.
    """
    if amount <= 0:
        return rgb
    # Luminance and its detail in float32; the change itself is the same for R, G and B, so it is
    # rounded once per pixel and added in int16 (a third of the float work on 3 channels).
    y = cv2.transform(rgb.astype(np.float32), _LUMA_ROW).reshape(rgb.shape[:2])
    detail = y - cv2.GaussianBlur(y, (0, 0), radius)
    delta = np.where(np.abs(detail) > 1.5, detail * np.float32(1.2 * amount), np.float32(0.0))
    if alpha is not None:
        delta *= alpha > 0.5
    step = np.rint(delta).astype(np.int16)
    return np.clip(rgb.astype(np.int16) + step[..., None], 0, 255).astype(np.uint8)


_LUMA_ROW = np.array([[0.299, 0.587, 0.114]], np.float32)  # Rec.601 weights, as one cv2.transform row
