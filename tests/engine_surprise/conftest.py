"""Small synthetic product shots: an RGB photo and its matte, so engine tests need no model."""

import cv2
import numpy as np
import pytest


def product(colour: tuple[int, int, int], size: tuple[int, int] = (300, 400), wide: bool = False):
    """A coloured ellipse (with a highlight, so it is not flat) on a white backdrop, and its matte."""
    w, h = size
    rgb = np.full((h, w, 3), 245, np.uint8)
    alpha = np.zeros((h, w), np.float32)
    axes = (int(w * 0.45), int(h * 0.25)) if wide else (int(w * 0.3), int(h * 0.38))
    cv2.ellipse(alpha, (w // 2, h // 2), axes, 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (5, 5), 1.0)
    body = np.zeros_like(rgb)
    body[:] = colour
    cv2.circle(
        body, (w // 2 - axes[0] // 3, h // 2 - axes[1] // 3), max(4, axes[0] // 4), (255, 255, 255), -1
    )
    body = cv2.GaussianBlur(body, (0, 0), 6)
    rgb = np.where(alpha[..., None] > 0.5, body, rgb).astype(np.uint8)
    return rgb, alpha


@pytest.fixture(scope="session")
def red_product():
    return product((200, 40, 40))


@pytest.fixture(scope="session")
def wide_blue_product():
    return product((40, 80, 190), size=(400, 260), wide=True)
