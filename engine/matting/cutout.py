"""RGBA cut-outs with colour decontamination at the edges.

An edge pixel of a photo on white is a mix of product and background colour. Keeping that colour in a
cut-out leaves a pale fringe (a "white halo") as soon as the product is placed on a dark template. We
solve the compositing equation I = a*F + (1-a)*B for the product colour F, with B taken from nearby
background pixels, and fall back to the nearest solid product colour where alpha is too small for the
solve to be stable.
"""

from __future__ import annotations

import cv2
import numpy as np


def _fill(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    wsum = cv2.GaussianBlur(weight, (0, 0), sigma)
    num = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
    return num / np.maximum(wsum, 1e-6)[..., None]


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Product colour (uint8 RGB) with the background's contribution removed on the soft edge."""
    edge = (alpha > 0.0) & (alpha < 0.98)
    if not edge.any():
        return rgb
    ys, xs = np.nonzero(edge)
    pad = 24
    y0, y1 = max(0, ys.min() - pad), min(rgb.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(rgb.shape[1], xs.max() + pad + 1)
    img = rgb[y0:y1, x0:x1].astype(np.float32) / 255.0
    a = alpha[y0:y1, x0:x1].astype(np.float32)
    scale = max(1.0, max(img.shape[:2]) / 1500.0)  # blur radii grow with the image
    bg = _fill(img, (a < 0.02).astype(np.float32), 6.0 * scale)
    solid = _fill(img, (a > 0.97).astype(np.float32), 3.0 * scale)
    solved = (img - (1.0 - a[..., None]) * bg) / np.maximum(a[..., None], 1e-3)
    solved = np.clip(solved, 0.0, 1.0)
    w = np.clip((a - 0.1) / 0.4, 0.0, 1.0)[..., None]
    fg = w * solved + (1.0 - w) * solid
    out = rgb.copy()
    sub = out[y0:y1, x0:x1]
    e = edge[y0:y1, x0:x1]
    sub[e] = np.clip(np.rint(fg[e] * 255.0), 0, 255).astype(np.uint8)
    return out


def cutout(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """RGBA uint8 (straight alpha) from an image and its matte, edges decontaminated."""
    if rgb.shape[:2] != alpha.shape:
        raise ValueError(f"alpha {alpha.shape} does not match the image {rgb.shape[:2]}")
    colour = decontaminate(rgb, alpha)
    a8 = np.clip(np.rint(alpha * 255.0), 0, 255).astype(np.uint8)
    return np.dstack([colour, a8])
