"""Mask geometry shared by the matting rules: a mask's inner edge, convex hulls of its pieces,
its enclosed holes. One implementation each, so the rules that use them agree pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np


def inner_edge(mask: np.ndarray) -> np.ndarray:
    """The pixels of `mask` (bool) on its outline: those a 3x3 erosion removes."""
    return mask & ~(cv2.erode(mask.astype(np.uint8), None) > 0)


def convex_hull(mask: np.ndarray) -> np.ndarray:
    """The convex hull (cv2 points) of the pixels of `mask` (bool or 0/1, not empty), from its outer
    contours: the hull of every pixel is the hull of the outline's, at a fraction of the points."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return cv2.convexHull(np.concatenate(contours))


def hull_mask(mask: np.ndarray, *, convex_fill: bool = True) -> np.ndarray:
    """The filled convex hull of `mask`'s pixels (bool; all False for an empty mask). `convex_fill`:
    drawn with `cv2.fillConvexPoly`, which holds the hull's outline whole; False draws it with
    `cv2.fillPoly`, whose rule leaves some of the outline's pixels out (3000 random masks: 1357
    differ on their edge), as the colour model's `shadow_inside_hull` has always measured."""
    hull = np.zeros(mask.shape, np.uint8)
    if not mask.any():
        return hull > 0
    points = convex_hull(mask)
    if convex_fill:
        cv2.fillConvexPoly(hull, points, 1)
    else:
        cv2.fillPoly(hull, [points], 1)
    return hull > 0


def hole_labels(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(n, labels, stats, enclosed) of the regions outside `mask` (bool), 4-connected so that a
    diagonal gap does not open a hole: label 0 is the mask and every region that touches an image
    border; labels 1.. are the mask's holes, numbered in the order of their first pixel (row by row),
    with their `cv2.connectedComponentsWithStats` stats; `enclosed[label]` is True for exactly them.
    `n` counts the labels as if the regions touching the border were one more label: 1 + holes + 1
    where any region outside the mask touches the border, so the callers' "`n <= 2`: at most one
    region outside the mask" reads as it did when every outside region had its own label (a mask
    round the whole border with one hole still counts 2).

    Why not label the outside regions directly: that labelled the whole photo (~4 ms at 1024 px, 7
    times a matte, the largest single CPU cost of `auto`); a flood fill from the border and a labelling
    of the holes' bounding box alone find the same holes in the same order at a third of the cost."""
    padded = np.pad(mask.astype(np.uint8), 1)
    cv2.floodFill(padded, None, (0, 0), 1)  # 4-connected: every outside region touching the border
    holes = padded[1:-1, 1:-1] == 0
    labels = np.zeros(mask.shape, np.int32)
    x, y, w, h = cv2.boundingRect(holes.view(np.uint8))
    if w == 0 or h == 0:
        count, stats = 1, np.zeros((1, 5), np.int32)
    else:
        count, inner, stats, _ = cv2.connectedComponentsWithStats(
            holes[y : y + h, x : x + w].view(np.uint8), connectivity=4
        )
        labels[y : y + h, x : x + w] = inner
        stats[1:, cv2.CC_STAT_LEFT] += x
        stats[1:, cv2.CC_STAT_TOP] += y
    # label 0's stats: the mask and the border regions, as the whole image less the holes
    stats[0] = (0, 0, mask.shape[1], mask.shape[0], mask.size - int(stats[1:, cv2.CC_STAT_AREA].sum()))
    enclosed = np.ones(count, bool)
    enclosed[0] = False
    outside_on_border = not (mask[0].all() and mask[-1].all() and mask[:, 0].all() and mask[:, -1].all())
    return count + int(outside_on_border), labels, stats, enclosed


def part_stats(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, tuple[int, int]]:
    """(n, labels, stats, (y0, x0)) of `cv2.connectedComponentsWithStats(mask, connectivity=8)` (`mask`:
    bool or uint8), labelled on the mask's bounding box alone: `labels` covers that box, whose top-left
    corner in the image is (y0, x0); `stats` of the parts (rows 1..) are in image coordinates, row 0
    describes the box's background only. The box's corner is moved to even
    coordinates so that OpenCV's 2x2 blocks fall as on the whole image and the parts are numbered in
    the same order. Why: labelling the whole photo (~2-4 ms at 1024 px) was paid again by each rule
    that counts or sizes the parts of a mask a fraction of the photo's size."""
    m8 = mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8, copy=False)
    x, y, w, h = cv2.boundingRect(m8)
    if w == 0 or h == 0:
        return 1, np.zeros((0, 0), np.int32), np.zeros((1, 5), np.int32), (0, 0)
    x0, y0 = x - x % 2, y - y % 2
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m8[y0 : y + h, x0 : x + w], connectivity=8)
    stats[1:, cv2.CC_STAT_LEFT] += x0
    stats[1:, cv2.CC_STAT_TOP] += y0
    return n, labels, stats, (y0, x0)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """`mask` (bool) with every hole it encloses filled (4-connected, as `hole_labels`)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    cv2.floodFill(padded, None, (0, 0), 1)
    return mask | (padded[1:-1, 1:-1] == 0)
