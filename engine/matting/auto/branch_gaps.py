"""Pieces the look past a part found that lie within that part's own outline: backdrop between branches.

The look past a coloured part (`look_past.paint_out`, `look_past.merge_beside`) paints out what the network
found first (a plant) and takes what it then cuts against the paint: a white pot under the plant. It
also cuts the backdrop left between the plant's branches, where the paint does not ring it closely
enough for `merge_beside`'s ringed-gap rule (the branches are thin, the gap opens to one side). A pot
stands below or beside the plant, outside the convex hull of the plant's own outline; a gap between
its branches lies inside that hull (whites tune shrubs 0-59: all 50 pots the look found had none of
their area inside the first answer's hull; the five pieces of backdrop it took had 0.30-1.00 of
theirs there: shrub-37's two gaps between branches, IoU 0.905, shrub-6's and shrub-20's).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.masks import hull_mask

HULL_INSIDE = 0.25  # share of a piece inside the found part's hull beyond which it is a gap in the part
HULL_MIN_PART = 0.0005  # share of the image below which a piece of the found part draws no hull (specks)


def part_hulls(found: np.ndarray) -> np.ndarray:
    """The union of the convex hulls of the pieces of `found` (bool) above `HULL_MIN_PART`, each its
    own: two parts found apart (a plant and a piece of its pot) do not enclose the space between them."""
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    hulls = np.zeros(found.shape, bool)
    for lab in range(1, n):
        if stats[lab, cv2.CC_STAT_AREA] < HULL_MIN_PART * found.size:
            continue
        hulls |= hull_mask(pieces == lab)
    return hulls


def inside_part(pieces: np.ndarray, n: int, found: np.ndarray) -> np.ndarray:
    """Per label of `pieces` (n labels), whether more than `HULL_INSIDE` of the piece lies inside the
    hulls of `found`'s pieces (`part_hulls`): a gap within the found part, not a body beside it."""
    hulls = part_hulls(found)
    area = np.bincount(pieces.ravel(), minlength=n)
    inside = np.bincount(pieces[hulls], minlength=n)
    return inside > HULL_INSIDE * np.maximum(area, 1)
