"""Synthetic products for composition tests: known silhouettes with anti-aliased edges, shot on white."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.templates.spec import TemplateSpec


def make_product(h: int = 600, w: int = 400, colour=(40, 90, 200), seed: int = 0):
    """A bottle-like product (body, shoulder, neck) drawn 4x oversampled: (rgb on white, true alpha)."""
    ss = 4
    m = np.zeros((h * ss, w * ss), np.uint8)
    cx = w * ss // 2
    cv2.rectangle(
        m, (cx - int(0.3 * w * ss), int(0.35 * h * ss)), (cx + int(0.3 * w * ss), int(0.92 * h * ss)), 255, -1
    )
    cv2.ellipse(m, (cx, int(0.35 * h * ss)), (int(0.3 * w * ss), int(0.08 * h * ss)), 0, 180, 360, 255, -1)
    cv2.rectangle(
        m, (cx - int(0.08 * w * ss), int(0.1 * h * ss)), (cx + int(0.08 * w * ss), int(0.3 * h * ss)), 255, -1
    )
    alpha = cv2.resize(m, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    rng = np.random.default_rng(seed)
    xx = np.arange(w, dtype=np.float32)[None, :]
    shade = 0.75 + 0.25 * np.cos((xx - w / 2) / (0.4 * w))
    product = np.clip(np.asarray(colour, np.float32) * shade[..., None] + rng.normal(0, 2, (h, w, 3)), 0, 255)
    white = np.full((h, w, 3), 255.0, np.float32)
    photo = (product * alpha[..., None] + white * (1 - alpha[..., None])).round().astype(np.uint8)
    return photo, alpha, product.round().astype(np.uint8)


def cutout_of(product_rgb: np.ndarray, alpha: np.ndarray, fill_rgb=(255, 255, 255)) -> np.ndarray:
    """A correctly decontaminated cut-out whose invisible pixels still carry the backdrop colour, as
    many tools leave them: a composer that resizes straight alpha would bleed that white into edges."""
    rgb = np.where(alpha[..., None] > 0, product_rgb, np.asarray(fill_rgb, np.uint8))
    return np.dstack([rgb, (alpha * 255).round().astype(np.uint8)])


@pytest.fixture
def product():
    return make_product()


@pytest.fixture
def product_cutout(product):
    _, alpha, colours = product
    return cutout_of(colours, alpha)


def spec(**kw) -> TemplateSpec:
    base = dict(
        id="test",
        name="Test",
        category="studio",
        floor_line=None,
        light_direction=135.0,
        light_softness=0.5,
        tone=(255, 255, 255),
        shadow_style="contact",
        source="solid",
    )
    base.update(kw)
    return TemplateSpec(**base)


def plain(w: int, h: int, colour=(255, 255, 255)) -> np.ndarray:
    bg = np.empty((h, w, 3), np.uint8)
    bg[:] = colour
    return bg


def alpha_box(a: np.ndarray, thr: float = 0.5):
    ys, xs = np.nonzero(a > thr)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
