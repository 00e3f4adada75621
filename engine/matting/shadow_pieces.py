"""Pieces the colour model adds beside the network's answer that are a cast shadow, not a dropped part.

`auto.fuse` adds back what the colour model is sure of beyond the network's outline (`dropped_parts`:
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
