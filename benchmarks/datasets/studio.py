"""Composite a cut-out with true alpha onto a realistic studio background, keeping the true alpha.

Real product shots on white are not #FFFFFF: the sweep has a light gradient, vignetting, a colour cast,
a soft floor shadow under the product, sensor noise and JPEG compression. Each of those is drawn here
from a seeded generator, so a benchmark image is reproducible from (object, seed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class StudioShot:
    rgb: np.ndarray  # uint8 (H, W, 3), JPEG-compressed like a camera file
    alpha: np.ndarray  # float32 (H, W) true alpha
    params: dict


def _resize_rgba(rgba: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Resize premultiplied, so the edge colours do not pick up the transparent pixels' colour."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    pre = rgba[..., :3].astype(np.float32) / 255.0 * a
    h, w = rgba.shape[:2]
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    pre = cv2.resize(pre, (nw, nh), interpolation=cv2.INTER_CUBIC)
    a = np.clip(cv2.resize(a, (nw, nh), interpolation=cv2.INTER_CUBIC), 0, 1)
    col = np.clip(pre / np.maximum(a[..., None], 1e-4), 0, 1)
    return col, a


def studio_background(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    base = rng.uniform(0.86, 0.99)
    cast = 1.0 + rng.normal(0, 0.018, 3)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    grad_strength = rng.uniform(0.0, 0.12)
    g = (np.cos(angle) * (xs / w - 0.5) + np.sin(angle) * (ys / h - 0.5)) * grad_strength
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.3, 0.6)
    r2 = ((xs - cx) / w) ** 2 + ((ys - cy) / h) ** 2
    vignette = rng.uniform(0.0, 0.35)
    lum = base * (1 - g) * (1 - vignette * r2)
    bg = np.clip(lum[..., None] * cast[None, None, :], 0, 1)
    return bg.astype(np.float32), {"base": base, "gradient": grad_strength, "vignette": vignette}


def compose_shot(rgba: np.ndarray, *, size: int = 1024, seed: int = 0) -> StudioShot:
    rng = np.random.default_rng(seed)
    h = w = size
    bg, params = studio_background(h, w, rng)
    obj_size = int(size * rng.uniform(0.45, 0.8))
    col, a = _resize_rgba(rgba, obj_size)
    oh, ow = a.shape
    x0 = int((w - ow) * rng.uniform(0.3, 0.7))
    y0 = int((h - oh) * rng.uniform(0.3, 0.75))
    alpha = np.zeros((h, w), np.float32)
    alpha[y0 : y0 + oh, x0 : x0 + ow] = a
    fg = np.zeros((h, w, 3), np.float32)
    fg[y0 : y0 + oh, x0 : x0 + ow] = col

    shadow_kind = rng.choice(["none", "floor", "drop"], p=[0.2, 0.5, 0.3])
    shade = np.zeros((h, w), np.float32)
    if shadow_kind == "floor":
        ys, xs = np.nonzero(alpha > 0.5)
        if ys.size:
            bottom, left, right = ys.max(), xs.min(), xs.max()
            centre = (int((left + right) / 2), int(bottom))
            axes = (
                max(4, int((right - left) * rng.uniform(0.35, 0.55))),
                max(3, int(oh * rng.uniform(0.04, 0.09))),
            )
            cv2.ellipse(shade, centre, axes, 0, 0, 360, 1.0, -1)
            shade = cv2.GaussianBlur(shade, (0, 0), max(2.0, axes[1] * rng.uniform(0.5, 1.2)))
    elif shadow_kind == "drop":
        dx, dy = rng.integers(-25, 26), rng.integers(5, 35)
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        shade = cv2.warpAffine(alpha, m, (w, h))
        shade = cv2.GaussianBlur(shade, (0, 0), rng.uniform(6, 18))
    opacity = rng.uniform(0.2, 0.5)
    bg = bg * (1 - opacity * shade[..., None])
    params.update({"shadow": str(shadow_kind), "shadow_opacity": float(opacity), "object_px": obj_size})

    img = fg * alpha[..., None] + bg * (1 - alpha[..., None])
    noise = rng.uniform(0.0, 2.5) / 255.0
    img = img + rng.normal(0, noise, img.shape).astype(np.float32)
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    quality = int(rng.integers(80, 96))
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, "JPEG", quality=quality)
    u8 = np.asarray(Image.open(buf).convert("RGB"))
    params.update({"noise": noise * 255, "jpeg_quality": quality})
    return StudioShot(u8, alpha, params)
