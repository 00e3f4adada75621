"""The level at which the network's output is cut: one half, unless a lower level's new outline
lies on a real step in the photo (`network_level`: a white card the network is unsure of)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import SHADOW_DARKENING
from engine.matting.masks import inner_edge
from engine.matting.score import darkening as _darkening

LEVELS = (
    0.4,
    0.3,
    0.2,
    0.15,
    0.1,
    0.07,
    0.05,
)  # lower levels of the network's output tried by `network_level`


LEVEL_SIDE = 512  # side the level search runs at: outlines are long, so half the working size is plenty


LEVEL_MIN_GROWTH = 0.1  # a lower level must add this share of the product to be worth a look


LEVEL_MIN_EDGE = 1.5  # ... and its new outline must be this many times the backdrop's typical gradient


def network_level(rgb: np.ndarray, model_alpha: np.ndarray, background: np.ndarray | None = None) -> float:
    """The level at which to cut the network's output: 0.5 unless a lower level's outline is an edge.

    Where the network is unsure (a white card on white paper) it still answers 0.1-0.4 over the part it
    cannot separate. A lower level is right when the outline it adds lies on a real step in the image
    (the card's rim), not on backdrop texture: its new outline's median gradient is compared with the
    image's typical gradient. The search runs at `LEVEL_SIDE` on blurred luminance, which is cheap.

    A cast shadow's outline is a real step too, and where a look dropped a shadow the network's
    leftover answer over it lies just below one half. With `background`, a level whose added region
    is darker than the backdrop by a shadow's share (`SHADOW_DARKENING`, median) is not taken: the
    lower levels are for light bodies the network is unsure of, which are not darker than the sweep
    (whites tune 144: bF 0.9463 -> 0.9477; a bulb whose dropped shadow a level of 0.15 took back,
    bF 0.68 -> 0.85).
    """
    h, w = model_alpha.shape
    scale = min(1.0, LEVEL_SIDE / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    lum = cv2.GaussianBlur(cv2.resize(lum, size, interpolation=cv2.INTER_AREA), (0, 0), 1.5)
    net = cv2.resize(model_alpha, size, interpolation=cv2.INTER_AREA)
    gradient = cv2.magnitude(cv2.Sobel(lum, cv2.CV_32F, 1, 0), cv2.Sobel(lum, cv2.CV_32F, 0, 1))
    typical = float(np.median(gradient)) + 1e-6
    half = net > 0.5
    half_area = max(float(half.sum()), 1.0)
    near_half = cv2.dilate(inner_edge(half).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    darkening = None
    best, best_edge = 0.5, LEVEL_MIN_EDGE
    for level in LEVELS:
        mask = net > level
        if (float(mask.sum()) - half_area) / half_area < LEVEL_MIN_GROWTH:
            continue
        if background is not None:
            if darkening is None:
                small = cv2.resize(background, size, interpolation=cv2.INTER_AREA)
                darkening = _darkening(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), small)
            if float(np.median(darkening[mask & ~half])) > SHADOW_DARKENING:
                continue  # what this level adds is a shadow's rim, not a light body
        new_outline = inner_edge(mask) & ~near_half
        if np.count_nonzero(new_outline) < 20:
            continue
        edge = float(np.median(gradient[new_outline])) / typical
        if edge >= best_edge:
            best, best_edge = level, edge
    return best
