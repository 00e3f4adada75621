"""Holes in the fused mask: punched by the network into a flat interior (filled), enclosed
backdrop the network filled (opened, unless glass, glare or a print's counter), and pinholes in a light
body where the network's answer dipped (filled)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.glass import SEE_THROUGH
from engine.matting.auto.measures import SHADOW_DARKENING
from engine.matting.masks import hole_labels


def background_holes(hard: np.ndarray, unlike: np.ndarray, min_fraction: float = 5e-4) -> np.ndarray:
    """Regions enclosed by the colour model's product mask whose pixels match the background model."""
    n, labels, stats, enclosed = hole_labels(hard)
    out = np.zeros(hard.shape, bool)
    if n <= 2:
        return out
    for lab in np.flatnonzero(enclosed):
        if stats[lab, cv2.CC_STAT_AREA] < min_fraction * hard.size:
            continue
        region = labels == lab
        core = cv2.erode(region.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0  # away from blurred rims
        values = unlike[core if core.any() else region]
        if float(np.median(values)) < 0.35 and float(np.percentile(values, 90)) < 0.8:
            out |= region
    return out


CLIPPED = 250  # an 8-bit value at or above which every channel is taken as clipped (glare, not colour)


GLASS_SPREAD = 0.2  # largest spread (10th to 90th percentile) of the network's alpha over glass


def network_keeps(region: np.ndarray, model_alpha: np.ndarray, rgb: np.ndarray) -> bool:
    """Whether an enclosed region the colour model reads as backdrop is product by the network's word:
    it called the region product (median above one half) and the backdrop evidence there is void.

    Two cases where "matches the backdrop" proves nothing: glass, which shows the backdrop through it
    and which the network reads as one even partial alpha (`SEE_THROUGH`, spread within
    `GLASS_SPREAD`), and a highlight clipped to white, which on a near-white sweep matches the sweep
    whatever lies under it (a glass bottle's specular stripe, a white card's glare). A mug's handle
    the network filled is neither: it reads it near 1, over pixels that keep the sweep's texture.
    """
    values = model_alpha[region]
    median = float(np.median(values))
    if median <= 0.5:
        return False
    clipped = float(np.mean(rgb[region].min(axis=1) >= CLIPPED))
    lo, hi = SEE_THROUGH
    spread = float(np.percentile(values, 90) - np.percentile(values, 10))
    return clipped > 0.5 or (lo < median < hi and spread < GLASS_SPREAD)


PRINT_AROUND = 12  # px around a hole looked at for the light surface beyond its enclosing stroke


# share of that band the colour model does not hold: past a stroke a few px wide (a letter's, 3-6 px at
# 1024 px), most of a 12 px band is the surface again; a mug's handle as wide as the band leaves none
PRINT_BEYOND = 0.3


PRINT_HELD = 0.95  # share of the band beyond the stroke the network holds: a surface it is sure of


def print_counter(region: np.ndarray, hard: np.ndarray, model_alpha: np.ndarray) -> bool:
    """Whether an enclosed region the colour model reads as backdrop is the inside of a mark printed on
    a light surface (the bowl of a "D" on a white card): past the thin stroke that encloses it, the
    surface around lies within `PRINT_AROUND` px again, which the colour model cannot see either
    (`PRINT_BEYOND`) and the network holds nearly whole (`PRINT_HELD`). The region is that surface: the
    same white the colour model missed all around the print. A mug's handle is not: past the handle
    lies the sweep, which the network leaves out (whites tune: white_card-15, its "D" opened)."""
    size = 2 * PRINT_AROUND + 1
    band = (cv2.dilate(region.astype(np.uint8), np.ones((size, size), np.uint8)) > 0) & ~region
    beyond = band & ~hard
    if np.count_nonzero(beyond) < PRINT_BEYOND * np.count_nonzero(band):
        return False
    return float(np.mean(model_alpha[beyond] > 0.5)) >= PRINT_HELD


def holes_to_open(
    holes: np.ndarray, model_alpha: np.ndarray, rgb: np.ndarray, hard: np.ndarray
) -> np.ndarray:
    """The `background_holes` the network does not keep as product (see `network_keeps`), nor, within the
    colour model's mask `hard` that encloses them, the inside of a print on a light surface
    (`print_counter`)."""
    if not holes.any():
        return holes
    n, labels = cv2.connectedComponents(holes.astype(np.uint8), connectivity=4)
    out = holes.copy()
    for lab in range(1, n):
        region = labels == lab
        if network_keeps(region, model_alpha, rgb) or print_counter(region, hard, model_alpha):
            out &= ~region
    return out


def fill_punched(mask: np.ndarray, unlike: np.ndarray, tolerance: float = 0.8, rim: int = 3) -> np.ndarray:
    """Fill the holes the network punched into a flat interior: enclosed regions unlike the backdrop.

    Unlike `fill_enclosed`, a region is judged by its core, `rim` px away from the product around it:
    near a dark or coloured part the colour evidence bleeds across a few pixels (lens blur, JPEG's
    halved chroma), so a narrow gap between a plant's branches reads as "unlike the backdrop" on every
    one of its pixels. A gap too narrow to have a core is left as the network decided it.
    """
    n, labels, stats, enclosed = hole_labels(mask)
    if n <= 2:
        return mask
    out = mask.copy()
    tiny = 3e-5 * mask.size
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    for lab in np.flatnonzero(enclosed):
        x, y, w, h, area = stats[lab]
        region = labels[y : y + h, x : x + w] == lab
        if area < tiny:
            out[y : y + h, x : x + w] |= region
            continue
        core = cv2.erode(region.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
        if core.any() and float(np.median(unlike[y : y + h, x : x + w][core])) > tolerance:
            out[y : y + h, x : x + w] |= region
    return out


PINHOLE = 3e-4  # image share below which an enclosed hole in a light body is a dip, not a hole


def fill_light_pinholes(mask: np.ndarray, darkening: np.ndarray) -> np.ndarray:
    """The mask with enclosed holes smaller than `PINHOLE` filled where what surrounds them is light
    (median darkening of a 3 px ring below `SHADOW_DARKENING`).

    Where the network reads a white body only patchily (a phone's thin frame from the flattened
    photo), its answer dips below one half in spots and leaves pinholes that match the backdrop, so
    no colour rule fills them (whites tune: 21 such holes of 8-223 px, all product). True holes that
    small are the gaps of an open shape, and those are ringed by its dark or coloured branches
    (median darkening 0.53-0.64); a mug's handle hole is far larger."""
    n, labels, stats, enclosed = hole_labels(mask)
    if n <= 2:
        return mask
    small = enclosed & (stats[:, cv2.CC_STAT_AREA] < PINHOLE * mask.size)
    out = mask.copy()
    for lab in np.flatnonzero(small):
        x, y, w, h, _ = stats[lab]
        y0, y1, x0, x1 = (
            max(0, y - 3),
            min(mask.shape[0], y + h + 3),
            max(0, x - 3),
            min(mask.shape[1], x + w + 3),
        )
        region = labels[y0:y1, x0:x1] == lab
        ring = (cv2.dilate(region.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0) & ~region
        if float(np.median(darkening[y0:y1, x0:x1][ring])) < SHADOW_DARKENING:
            out[y0:y1, x0:x1] |= region
    return out
