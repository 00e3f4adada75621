"""Holes in the matte that are the same surface as the matte around them, filled.

A white printer on a white sweep: after every look (`orchestrator.matte_auto`) the answer can be the printer's
outline, its top face and its slot, with the middle of its front missing as a ragged hole (whites tune,
fresh printers 18-59: white_printer-54, IoU 0.52, a hole of 9 % of the image). The hole is not the
sweep seen through the product: its pixels have the colour of the front around it, while a true hole
shows the backdrop, unlike the body that encloses it (a mug's handle, the gaps between a shrub's
leaves, the counters of a card's print are all a different colour from what encloses them).

So each enclosed hole of the answer (a region below one half, not connected to the image's border) is
compared with its own enclosing band: the median of the photo's ratio to the fitted backdrop in the
hole's rim (`HOLE_RIM` px inside it) against the same median in the matte's band around it
(`HOLE_BAND` px out). Where the two differ by less than `HOLE_STEP` (norm over the channels), the hole
is that surface and is filled. Measured on the matte `auto` gave (whites tune 144 and fresh tune
printers 18-59, every enclosed hole of 200 px or more): holes that are product (a printer's front, a
bulb's glass, specks in a card) step 0.000-0.0096; holes that are backdrop step 0.077-0.18 (cream mugs'
handles) and 1.08-1.30 (shrubs); a card's letter counters and a glass bottle's highlight, product
left out, step 0.07-0.64 and stay open.

A hole at the backdrop's own level (its rim's ratio to the fitted backdrop within `HOLE_UNLIKE` of one)
is never filled, however well it matches what encloses it: that is the sweep seen through a product of
the sweep's own white (a white mug's handle, the gap inside white headphones), which the colour step
cannot tell from a missed front. Limits: such a hole whose sweep is shaded by the product (so it
departs from the fitted level by more than `HOLE_UNLIKE`) and whose product is shaded alike would
still be filled; the set has no white product with a true hole (its mugs are cream: their handles'
rims depart 0.004-0.07 from the backdrop, and step 0.08-0.19 from the mug). A hole that touches the
image border is never looked at.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.masks import hole_labels

HOLE_STEP = 0.03  # ratio step (norm over RGB) below which a hole is the enclosing surface: see above
HOLE_UNLIKE = 0.015  # least departure of a hole's rim from the backdrop (norm of its ratio less one)
# for it to be filled: a hole at the backdrop's own level is the backdrop, whatever encloses it (a white
# mug's handle on the sweep of its white). Whites tune: white_printer-54's front 0.032, bulb-13 0.033,
# bulb-2 0.47 (filled); white_printer-10's pinhole 0.013 (no longer filled: IoU 0.9716 -> 0.9702)
HOLE_RIM = 4  # px inside the hole's outline whose colour is compared
HOLE_BAND = 5  # px out from the hole, within the matte, whose colour it is compared with
HOLE_GAP = 1  # px next to the outline skipped on both sides (the edge's own blur)
HOLE_MIN = 50  # px: smaller holes are compared too, but need this many pixels in rim and band


def enclosed_holes(hard: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(labels of the not-matte pixels, their stats, labels of those regions that do not touch the
    image's border): the matte's holes (4-connected, so a diagonal gap does not open one)."""
    _, labels, stats, enclosed = hole_labels(hard)
    return labels, stats, [int(v) for v in np.flatnonzero(enclosed)]


def hole_step(hole: np.ndarray, hard: np.ndarray, ratio: np.ndarray) -> tuple[float, float] | None:
    """(colour step, norm of the median ratio difference, between a hole's rim and the matte's band
    around it; the rim's own departure from the backdrop, norm of its median ratio less one), or None
    where either has too few pixels to say."""
    h8 = hole.astype(np.uint8)
    gap = cv2.dilate(h8, np.ones((2 * HOLE_GAP + 1,) * 2, np.uint8)) > 0
    core = cv2.erode(h8, np.ones((2 * HOLE_GAP + 1,) * 2, np.uint8)) > 0
    reach_in = cv2.erode(h8, np.ones((2 * (HOLE_GAP + HOLE_RIM) + 1,) * 2, np.uint8)) > 0
    rim = core & ~reach_in
    grown = cv2.dilate(h8, np.ones((2 * (HOLE_GAP + HOLE_BAND) + 1,) * 2, np.uint8)) > 0
    band = grown & ~gap & hard
    if np.count_nonzero(rim) < HOLE_MIN or np.count_nonzero(band) < HOLE_MIN:
        return None
    inside = np.median(ratio[rim], axis=0)
    return float(np.linalg.norm(inside - np.median(ratio[band], axis=0))), float(np.linalg.norm(inside - 1.0))


def fill_even_holes(
    alpha: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, float, list[float]]:
    """`alpha` with its enclosed holes filled where they are the colour of the matte around them (see
    the module's docstring). Returns (alpha, share of the image filled, the steps of the holes filled)."""
    hard = alpha > 0.5
    labels, stats, holes = enclosed_holes(hard)
    if not holes:
        return alpha, 0.0, []
    fill = np.zeros(len(stats), bool)
    steps = []
    pad = HOLE_GAP + max(HOLE_RIM, HOLE_BAND) + 2
    for lab in holes:
        # only the hole's neighbourhood is looked at
        x, y, w, h, _ = stats[lab]
        y0, y1 = max(0, y - pad), min(hard.shape[0], y + h + pad)
        x0, x1 = max(0, x - pad), min(hard.shape[1], x + w + pad)
        hole = labels[y0:y1, x0:x1] == lab
        ratio = rgb[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 255.0)
        ratio /= np.maximum(background[y0:y1, x0:x1], 1e-3)
        measured = hole_step(hole, hard[y0:y1, x0:x1], ratio)
        if measured is None:
            continue
        step, departure = measured
        if step < HOLE_STEP and departure >= HOLE_UNLIKE:
            fill[lab] = True
            steps.append(round(step, 4))
    if not fill.any():
        return alpha, 0.0, []
    filled = fill[labels]
    out = np.where(filled, np.float32(1.0), alpha).astype(np.float32)
    return out, float(filled.mean()), steps
