"""A plant's pot found by its outline on the photo: where every look of the network missed it, or
took a wedge of the sweep (or left a hole) with it.

A white pot under a plant departs from the sweep by about as much as the sweep's own blotches (1-2 %),
so the network cuts the plant alone, on the photo, the flattened photo, the sweep's local level and
past the plant's shadows (`auto.matte_auto`'s pot looks). The pot's outline is still in the photo: its
sides are straight steps that hold, with one sign, all along them (the pot is lighter or darker than
the sweep beside it, or its shadow lies beside it), and its foot steps down to its contact shadow.
The sweep's texture strokes step too, but briefly and either way. So the pot is looked for directly
below the plant's base as the box whose left, right and bottom sides step most consistently
(`box_below`): per row (per column for the foot), the difference of two `SIDE_STRIP` px strips across
the side, counted where it passes `STEP` with the side's sign; a box holds where the weakest side
steps over `HOLDS` of its length. Two priors keep it off the contact shadow's wider outline (whites
tune shrubs: without them the box reached into the shadow under four of the six missed pots, IoU
with the pot 0.47-0.65; with them 0.83-0.95, shrub-111's still 0.42): the plant
grows from the pot's middle (`CENTRED`), and a lit pot holds no shadow (`DARK_INSIDE`).

A box, not the pot's own outline: a tapered pot's slanted sides step along no one column, so its box
should not hold and nothing is added (not measured: every whites shrub's pot is an upright box). No
network run is taken for it.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.shadow_pieces import PLANT_SHARE as COLOURED_SHARE
from engine.matting.auto.shadow_pieces import PLANT_TINT as COLOURED_TINT
from engine.matting.score import darkening as _darkening

SIDE_STRIP = 4  # px: the strips either side of a candidate side whose mean levels are compared
SIDE_GAP = 1  # px left out between the strips (the step's own soft edge)
STEP = 0.006  # difference of the strips' ratio to the backdrop that counts as a step (a pot departs by 1-2 %)
MIN_WIDTH = 0.25  # the pot's width at least this share of the plant's width ...
MAX_WIDTH = 1.0  # ... at most this (a pot no wider than the plant's spread)
MIN_HEIGHT = 0.12  # its height at least this share of the plant's height ...
MAX_HEIGHT = 0.9  # ... at most this
BASE_ROWS = 0.03  # share of the plant's height at its bottom whose pixels give the base's centre
HOLDS = 0.6  # share of a side's length that must step with its sign for the box to be a pot (`pot_below`)
CENTRED = 0.06  # the box's centre lies within this share of its width of the plant's base
DARK = 0.08  # darker than the backdrop by this: a shadow (a lit white pot is at most 5 % darker: light_parts)
DARK_INSIDE = 0.08  # share of the box that may be that dark (the plant's base, a shadow's rim)
GRID = 2  # px: the search's step


def _ratio(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The photo's grey ratio to the fitted backdrop, blurred against grain."""
    ratio = rgb.astype(np.float32).mean(axis=2) * np.float32(1.0 / 255.0)
    ratio /= np.maximum(background.mean(axis=2), 1e-3)
    return cv2.GaussianBlur(ratio, (0, 0), 1.0)


def _steps(ratio: np.ndarray, axis: int) -> np.ndarray:
    """Per pixel, the mean of the `SIDE_STRIP` px before it minus the mean of those after it (along
    `axis`: 1 across columns, 0 across rows), `SIDE_GAP` px left out either side."""
    k = SIDE_STRIP
    if axis == 1:
        kernel = np.zeros((1, 2 * (k + SIDE_GAP) + 1), np.float32)
        kernel[0, :k] = 1.0 / k
        kernel[0, -k:] = -1.0 / k
    else:
        kernel = np.zeros((2 * (k + SIDE_GAP) + 1, 1), np.float32)
        kernel[:k, 0] = 1.0 / k
        kernel[-k:, 0] = -1.0 / k
    return cv2.filter2D(ratio, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def box_below(
    plant: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[tuple[int, int, int, int], float] | None:
    """The box (x0, y0, x1, y1, ends exclusive) directly below the plant's base (`plant`: bool) whose
    sides step most consistently, and the share of its weakest side that steps (`HOLDS` and above: a
    pot's outline). None where the plant leaves no room below it."""
    ys, xs = np.nonzero(plant)
    if ys.size == 0:
        return None
    h, w = plant.shape
    top, bottom = int(ys.min()), int(ys.max())
    height = bottom - top + 1
    width = int(xs.max()) - int(xs.min()) + 1
    low = ys >= bottom - max(2, round(BASE_ROWS * height))
    cx = int(round(float(np.median(xs[low]))))
    y0 = bottom + 1
    ratio = _ratio(rgb, background)
    sx, sy = _steps(ratio, 1), _steps(ratio, 0)
    # per column x: rows from y0 down that step up (left lighter... +) and down (-), cumulative
    ylim = min(h, y0 + int(MAX_HEIGHT * height) + 1)
    yb_all = np.arange(y0 + max(4, int(MIN_HEIGHT * height)), ylim, GRID)
    half_lo, half_hi = max(3, int(MIN_WIDTH * width / 2)), int(MAX_WIDTH * width / 2)
    xl_all = np.arange(max(SIDE_STRIP + 1, cx - half_hi), cx - half_lo + 1, GRID)
    xr_all = np.arange(cx + half_lo, min(w - SIDE_STRIP - 1, cx + half_hi) + 1, GRID)
    if yb_all.size == 0 or xl_all.size == 0 or xr_all.size == 0:
        return None
    band = sx[y0:ylim]
    up = np.cumsum(band > STEP, axis=0)
    down = np.cumsum(band < -STEP, axis=0)
    rows = yb_all - y0  # rows y0..yb-1 counted: index yb - y0 - 1
    n = rows.astype(np.float32)
    # a side holds where most of it steps one way; either way is a pot (lighter or darker than the sweep)
    side = np.maximum(up[rows - 1], down[rows - 1]) / n[:, None]  # (yb, x)
    left = side[:, xl_all]
    right = side[:, xr_all]
    # the foot: along row yb, columns xl..xr, the pot above stepping down to its contact shadow (the
    # bottom of the contact shadow itself steps the other way, up to the sweep)
    feet = sy[yb_all]  # (yb, W): above minus below
    fup = np.cumsum(feet > STEP, axis=1)
    xl_i = xl_all[None, :, None]
    xr_i = xr_all[None, None, :]
    yi = np.arange(yb_all.size)[:, None, None]
    span = (xr_i - xl_i).astype(np.float32)
    foot = (fup[yi, xr_i] - fup[yi, xl_i]) / span
    score = np.minimum(np.minimum(left[:, :, None], right[:, None, :]), foot)
    # the plant grows from the pot's middle: boxes off the base's centre are not its pot
    off = np.abs((xl_i + xr_i) / 2.0 - cx) > CENTRED * span
    score = np.where(off, 0.0, score)
    # a pot is lit: a box holding its contact shadow (or the plant's shadow) beside or below it is not
    dark = np.pad(np.cumsum(np.cumsum(_darkening(rgb, background) > DARK, axis=0), axis=1), ((1, 0), (1, 0)))
    ybi = yb_all[:, None, None]
    inside = dark[ybi, xr_i] - dark[ybi, xl_i] - dark[y0, xr_i] + dark[y0, xl_i]
    score = np.where(inside > DARK_INSIDE * span * (ybi - y0), 0.0, score)
    i, j, k = _middle_of_best(score)
    box = (int(xl_all[j]), y0, int(xr_all[k]), int(yb_all[i]))
    return box, float(score[i, j, k])


def _middle_of_best(score: np.ndarray) -> tuple[int, ...]:
    """The index of the best score; where several boxes score it (a side that steps over a few
    positions, as a soft outline does), the one nearest the middle of them, not the first (which
    pulled every side the same way, by up to the outline's width: a test pot's box 4-5 px off its left
    side and 5 px above its foot). Whites tune shrubs 30-119: five boxes moved, shrub-74 0.969 ->
    0.979, -61 and -66 +0.004, -39 +0.001, -97 -0.0004; close shrubs 0-39: three moved, each by less
    than 0.003 (mean +0.0001)."""
    tied = np.argwhere(score == score.max())
    middle = np.median(tied, axis=0)
    return tuple(int(v) for v in tied[np.argmin(np.abs(tied - middle).sum(axis=1))])


# the answer's coloured part (tint above this) is the plant whose base the box hangs from
PLANT_TINT = 0.1


def pot_below(answer: np.ndarray, rgb: np.ndarray, background: np.ndarray, tint: np.ndarray) -> np.ndarray:
    """The pot under a plant found alone (`answer`: bool; `tint`: `auto.shadow_tint`), as a filled box
    (`box_below`) where its weakest side steps over at least `HOLDS` of its length; nothing otherwise.

    Whites tune shrubs 0-119, the box under each matte's coloured part (the pot found or not): 86 of
    the 89 boxes that held matched the pot (IoU with it 0.80-0.98), 3 did not (0.29-0.75); 15 boxes
    that matched held over 0.45-0.59 of their weakest side only. The six pots every look missed:
    boxes held over 0.62-0.81 (five, IoU with the pot 0.83-0.95) and 0.55 (shrub-111, the shadow's
    outline)."""
    plant = answer & (tint > PLANT_TINT)
    plant = cv2.morphologyEx(plant.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    pot = np.zeros_like(answer)
    found = box_below(plant, rgb, background)
    if found is None or found[1] < HOLDS:
        return pot
    (x0, y0, x1, y1), _ = found
    pot[y0:y1, x0:x1] = True
    return pot & ~answer


# the light part the answer holds under the plant is ragged (it fills less than this share of its
# convex hull: a pot with a wedge of the sweep beside it, or with a hole) ...
RAGGED = 0.9
# ... and differs from the pot's box by this share of the box's area (symmetric difference)
UNLIKE_BOX = 0.25


def pot_for_ragged(
    answer: np.ndarray, rgb: np.ndarray, background: np.ndarray, tint: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the pot's box, the part it replaces): the box (`box_below`, where it holds) replaces the light
    part of `answer` (bool)
    under the plant where that part is ragged (`RAGGED`) and unlike the box (`UNLIKE_BOX`): a pot found
    with a wedge of the sweep beside it or with a hole in it. Empty where the answer's part is
    box-like (a pot found well: the box would only coarsen it) or where no box holds.

    Whites tune shrubs 0-119: 4 such parts (shrub-21, -28, -74, -112), IoU 0.81-0.90 -> 0.96-0.98 with
    the box; the three boxes that held but missed the pot (IoU with it 0.29-0.70: shrub-15, -20, -107)
    were under pots found whole, solidity 0.99-1.0. The part replaced takes the pieces that reach
    below the plant's base whole: a wedge runs up beside the plant too (shrub-74 0.91 -> 0.97)."""
    none = np.zeros_like(answer), np.zeros_like(answer)
    # only beside a strongly coloured part (a plant): no other whites kind holds one
    if np.count_nonzero(answer & (tint > COLOURED_TINT)) < COLOURED_SHARE * max(np.count_nonzero(answer), 1):
        return none
    plant = answer & (tint > PLANT_TINT)
    plant = cv2.morphologyEx(plant.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    found = box_below(plant, rgb, background)
    if found is None or found[1] < HOLDS:
        return none
    (x0, y0, x1, y1), _ = found
    box = np.zeros_like(answer)
    box[y0:y1, x0:x1] = True
    # the light part: what the answer holds beside the plant (its soft rim left to it), in pieces that
    # reach below the plant's base (a wedge of the sweep may run up beside the plant as well)
    rim = cv2.dilate(plant.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    n, pieces = cv2.connectedComponents((answer & ~rim).astype(np.uint8), connectivity=8)
    reach = np.zeros(n, bool)
    reach[np.unique(pieces[y0:])] = True
    reach[0] = False
    part = reach[pieces]
    lower = part.copy()
    lower[:y0] = False
    below = cv2.morphologyEx(lower.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    points = cv2.findNonZero(below.astype(np.uint8))
    if points is None:
        return none
    solidity = np.count_nonzero(below) / max(cv2.contourArea(cv2.convexHull(points)), 1.0)
    unlike = np.count_nonzero(below ^ box) / max(np.count_nonzero(box), 1)
    return (box, part) if solidity < RAGGED and unlike > UNLIKE_BOX else none
