"""Pieces the colour model adds beside the network's answer that are a cast shadow, not a dropped part.

`fusion.fuse` adds back what the colour model is sure of beyond the network's outline (`dropped_parts`:
a strap, a stem the network dropped). A hard cast shadow joined to the product's side is just as sure
to the colour model (strongly unlike the backdrop) and is added the same way: a printer with its
shadow's wedge beside it (fresh tune printers 18-59: white_printer-52, IoU 0.954, the wedge 1 % of
the image). A shadow darkens the sweep and keeps its colour; a strap or a stem is coloured or darker
than any shadow. So a piece is dropped where its median darkening lies in a shadow's range and its
median tint (chroma of its ratio to the backdrop) stays below a shadow's, and where it is a solid
piece (`SHADOW_SOLID` of it survives an erosion by `SHADOW_CORE` px): a strip along the body's outline
is its own shaded rim (fresh tune silver_bottle-25: the dark side of a bottle, 1-3 px, IoU 0.917 ->
0.913 when taken for a shadow; bulb-19: a strip at the top of the metal base, 0.992 -> 0.990).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import holds_tinted
from engine.matting.masks import convex_hull

SHADOW_CORE = 3  # px: a cast shadow's piece is a wedge, not a strip along the body's outline
SHADOW_SOLID = 0.5  # share of a piece that survives the erosion by `SHADOW_CORE` px


def cast_shadow_pieces(
    added: np.ndarray,
    darkening: np.ndarray,
    tint: np.ndarray,
    lightest: float,
    darkest: float,
    most_tint: float,
) -> np.ndarray:
    """The pieces of `added` (bool) whose median `darkening` lies between `lightest` and `darkest` and
    whose median `tint` is below `most_tint`, and which are solid (`SHADOW_SOLID`): a cast shadow's."""
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(added.astype(np.uint8), connectivity=8)
    shadow = np.zeros(n, bool)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * SHADOW_CORE + 1,) * 2)
    core = cv2.erode(added.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    solid = np.bincount(pieces[core], minlength=n) >= SHADOW_SOLID * stats[:, cv2.CC_STAT_AREA]
    for lab in np.flatnonzero(solid[1:]) + 1:
        piece = pieces == lab
        dark = float(np.median(darkening[piece]))
        shadow[lab] = lightest < dark < darkest and float(np.median(tint[piece])) < most_tint
    return shadow[pieces]


# A plant's cast shadow that the network took with the plant (whites tune shrubs 18-90: shrub-33,
# shrub-38, IoU 0.79 and 0.70, a lacy shadow of the leaves 0.27 darker than the sweep, tint 0.003-0.005,
# joined to the pot's foot). A silver bottle or a bulb's base is as grey and as dark (tint 0.002-0.02,
# darkening 0.15-0.37), so the rule holds only beside a strongly coloured part (`PLANT_TINT` over
# `PLANT_SHARE` of the answer: shrubs 0.22-0.62, every other whites kind below 0.03), and only for lacy
# pieces (`PLANT_SOLIDITY`): a grey pot or any body is nearly convex, a shadow of leaves is not.
PLANT_TINT = 0.2  # tint (chroma of the ratio to the backdrop) of a coloured part: a plant's leaves
PLANT_SHARE = 0.15  # share of the answer that tinted beyond which it holds a coloured part
PLANT_SHADOW_LIGHTEST = 0.12  # darkening from which a grey piece of the answer may be a cast shadow
PLANT_SOLIDITY = 0.75  # a piece filling less of its convex hull than this is lacy: leaves' shadow
PLANT_MIN_PART = 1e-3  # share of the image below which a piece is left alone
PLANT_RIM = 3  # px: the shadow's soft edge around a dropped piece, where as grey and shadow-dark


def holds_plant(answer: np.ndarray, tint: np.ndarray) -> bool:
    """Whether `answer` (bool) holds a coloured part (`PLANT_SHARE` of it tinted beyond `PLANT_TINT`),
    the only place a plant's cast shadow is looked for (`plant_shadow`)."""
    return holds_tinted(answer, tint, PLANT_TINT, PLANT_SHARE)


def plant_shadow(
    answer: np.ndarray,
    darkening: np.ndarray,
    tint: np.ndarray,
    lightest: float,
    darkest: float,
    most_tint: float,
) -> np.ndarray:
    """The part of `answer` (bool) that is a plant's lacy cast shadow: beside a coloured part, pieces
    of grey (`tint` below `most_tint`) pixels darkened between `PLANT_SHADOW_LIGHTEST` and `darkest`
    that fill less than `PLANT_SOLIDITY` of their convex hull, with their soft edge down to `lightest`."""
    if not holds_plant(answer, tint):
        return np.zeros_like(answer)
    grey = answer & (tint < most_tint)
    core = grey & (darkening > PLANT_SHADOW_LIGHTEST) & (darkening < darkest)
    core = cv2.morphologyEx(core.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(core.astype(np.uint8), connectivity=8)
    lacy = np.zeros(n, bool)
    for lab in range(1, n):
        area = stats[lab, cv2.CC_STAT_AREA]
        if area < PLANT_MIN_PART * answer.size:
            continue
        hull = convex_hull(pieces == lab)
        lacy[lab] = area < PLANT_SOLIDITY * max(cv2.contourArea(hull), 1.0)
    shadow = lacy[pieces]
    if not shadow.any():
        return shadow
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * PLANT_RIM + 1,) * 2)
    rim = (cv2.dilate(shadow.astype(np.uint8), kernel) > 0) & grey & (darkening > lightest)
    return shadow | rim
