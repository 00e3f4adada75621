"""Synthetic product shots with exact alpha, for the hard cases of product matting.

Each scene is drawn at 4x and reduced, so edges are anti-aliased like a camera's, and placed on a
studio background with a gradient, vignetting, a colour cast, a soft floor shadow, noise and JPEG.
The scenes are the failure cases users report for salient-object networks and naive thresholds:
a mug handle (a hole that must stay a hole), a laptop (a large flat screen that must stay product),
a plant with a thin stem, a card with a flat face, a grey product that looks like a shadow, and a
strap bag whose strap is a few pixels wide.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

SCENES = ("mug", "laptop", "plant", "card", "grey_bottle", "bag")


@dataclass(frozen=True)
class Scene:
    rgb: np.ndarray  # uint8 (H, W, 3)
    alpha: np.ndarray  # float32 (H, W) true alpha
    probes: dict = field(default_factory=dict)  # named (y, x) points with their expected alpha 0/1
    shadow_box: tuple[int, int, int, int] | None = None  # (y0, y1, x0, x1) of the floor shadow


def _canvas(h: int, w: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((h * k, w * k, 3), np.float32), np.zeros((h * k, w * k), np.float32)


def _draw(scene: str, h: int, w: int, k: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Draw a product at k times the size: (colour, coverage, probes in final pixels)."""
    col, cov = _canvas(h, w, k)

    def s(v: float) -> int:
        return int(round(v * k))

    probes: dict[str, tuple[tuple[int, int], float]] = {}
    if scene == "mug":
        x0, x1, y0, y1 = 0.30 * w, 0.60 * w, 0.30 * h, 0.75 * h
        cv2.rectangle(cov, (s(x0), s(y0)), (s(x1), s(y1)), 1.0, -1)
        cy, cx, r_out, r_in = 0.52 * h, 0.60 * w, 0.13 * h, 0.075 * h
        cv2.circle(cov, (s(cx), s(cy)), s(r_out), 1.0, -1)
        cv2.rectangle(cov, (s(x0), s(y0)), (s(x1), s(y1)), 1.0, -1)
        hole = np.zeros_like(cov)
        cv2.circle(hole, (s(cx + 0.02 * w), s(cy)), s(r_in), 1.0, -1)
        hole[:, : s(x1)] = 0
        cov = np.clip(cov - hole, 0, 1)
        col[:] = (0.75, 0.18, 0.15)
        probes["handle_hole"] = ((int(cy), int(cx + 0.06 * w)), 0.0)
        probes["body"] = ((int(0.5 * h), int(0.45 * w)), 1.0)
    elif scene == "laptop":
        cv2.rectangle(cov, (s(0.2 * w), s(0.2 * h)), (s(0.8 * w), s(0.62 * h)), 1.0, -1)
        pts = np.array([[0.14 * w, 0.78 * h], [0.86 * w, 0.78 * h], [0.8 * w, 0.63 * h], [0.2 * w, 0.63 * h]])
        cv2.fillPoly(cov, [np.round(pts * k).astype(np.int32)], 1.0)
        col[:] = (0.72, 0.73, 0.75)
        cv2.rectangle(col, (s(0.23 * w), s(0.23 * h)), (s(0.77 * w), s(0.59 * h)), (0.08, 0.09, 0.12), -1)
        probes["screen_centre"] = ((int(0.41 * h), int(0.5 * w)), 1.0)
    elif scene == "plant":
        cv2.rectangle(cov, (s(0.4 * w), s(0.6 * h)), (s(0.6 * w), s(0.82 * h)), 1.0, -1)
        col[:] = (0.55, 0.32, 0.2)
        stem = np.zeros_like(cov)
        cv2.line(stem, (s(0.5 * w), s(0.6 * h)), (s(0.5 * w), s(0.25 * h)), 1.0, max(1, s(0.004 * w)))
        cv2.ellipse(stem, (s(0.5 * w), s(0.2 * h)), (s(0.08 * w), s(0.05 * h)), 0, 0, 360, 1.0, -1)
        cv2.ellipse(stem, (s(0.58 * w), s(0.38 * h)), (s(0.07 * w), s(0.03 * h)), 20, 0, 360, 1.0, -1)
        cv2.line(stem, (s(0.5 * w), s(0.42 * h)), (s(0.56 * w), s(0.38 * h)), 1.0, max(1, s(0.004 * w)))
        col[stem > 0] = (0.15, 0.5, 0.2)
        cov = np.maximum(cov, stem)
        probes["stem"] = ((int(0.48 * h), int(0.5 * w)), 1.0)
        probes["beside_stem"] = ((int(0.48 * h), int(0.44 * w)), 0.0)
    elif scene == "card":
        cv2.rectangle(cov, (s(0.22 * w), s(0.3 * h)), (s(0.78 * w), s(0.66 * h)), 1.0, -1)
        col[:] = (0.1, 0.35, 0.7)
        cv2.rectangle(col, (s(0.26 * w), s(0.34 * h)), (s(0.74 * w), s(0.62 * h)), (0.55, 0.7, 0.9), -1)
        probes["face_centre"] = ((int(0.48 * h), int(0.5 * w)), 1.0)
    elif scene == "grey_bottle":
        cv2.rectangle(cov, (s(0.4 * w), s(0.3 * h)), (s(0.6 * w), s(0.8 * h)), 1.0, -1)
        cv2.rectangle(cov, (s(0.46 * w), s(0.16 * h)), (s(0.54 * w), s(0.3 * h)), 1.0, -1)
        xs = np.linspace(-1, 1, col.shape[1])[None, :]
        shade = 0.52 + 0.12 * np.cos(xs * 4.0)  # smooth cylinder shading, mid grey
        col[:] = np.repeat(shade[..., None], 3, axis=2)
        probes["bottle_body"] = ((int(0.55 * h), int(0.5 * w)), 1.0)
    elif scene == "bag":
        cv2.rectangle(cov, (s(0.3 * w), s(0.45 * h)), (s(0.7 * w), s(0.8 * h)), 1.0, -1)
        strap = np.zeros_like(cov)
        cv2.ellipse(
            strap,
            (s(0.5 * w), s(0.45 * h)),
            (s(0.16 * w), s(0.25 * h)),
            0,
            180,
            360,
            1.0,
            max(1, s(0.006 * w)),
        )
        cov = np.maximum(cov, strap)
        col[:] = (0.35, 0.2, 0.12)
        probes["strap_top"] = ((int(0.2 * h), int(0.5 * w)), 1.0)
        probes["inside_strap"] = ((int(0.33 * h), int(0.5 * w)), 0.0)
    else:
        raise ValueError(f"unknown scene {scene!r}; choose from {SCENES}")
    return col, cov, {name: (yx, v) for name, (yx, v) in probes.items()}


def scene(name: str, *, size: tuple[int, int] = (480, 640), seed: int = 0, jpeg: bool = True) -> Scene:
    """One synthetic product shot of `name` at (height, width) `size`."""
    h, w = size
    k = 4
    col_k, cov_k, probes = _draw(name, h, w, k)
    alpha = cv2.resize(cov_k, (w, h), interpolation=cv2.INTER_AREA)
    pre = cv2.resize(col_k * cov_k[..., None], (w, h), interpolation=cv2.INTER_AREA)
    colour = pre / np.maximum(alpha[..., None], 1e-4)

    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.93
    bg = base * (1 - 0.08 * (ys / h)) * (1 - 0.25 * (((xs - w / 2) / w) ** 2 + ((ys - h / 2) / h) ** 2))
    bg = bg[..., None] * np.array([1.0, 0.99, 0.965], np.float32)  # warm cast
    oy, ox = np.nonzero(alpha > 0.5)
    bottom, left, right = oy.max(), ox.min(), ox.max()
    shadow = np.zeros((h, w), np.float32)
    cv2.ellipse(
        shadow,
        (int((left + right) / 2), int(bottom)),
        (int((right - left) * 0.55), max(4, int(h * 0.03))),
        0,
        0,
        360,
        1.0,
        -1,
    )
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(3.0, h * 0.015))
    bg = bg * (1 - 0.35 * shadow[..., None])
    img = colour * alpha[..., None] + bg * (1 - alpha[..., None])
    img = img + rng.normal(0, 1.5 / 255, img.shape)
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    if jpeg:
        buf = io.BytesIO()
        Image.fromarray(u8).save(buf, "JPEG", quality=90)
        u8 = np.asarray(Image.open(buf).convert("RGB"))
    sy = int(bottom + h * 0.03)
    box = (
        min(h - 1, sy),
        min(h, sy + max(2, int(h * 0.02))),
        int((left + right) / 2 - (right - left) * 0.4),
        int((left + right) / 2 + (right - left) * 0.4),
    )
    return Scene(u8, alpha.astype(np.float32), probes, box)
