"""A box's top face left out above its front: found where the photo shows the face's straight top edge.

A white printer seen from slightly above is a front with a slot and a top face, lighter than the
front and near the sweep's own brightness. The network (and every look `auto.matte_auto` takes) can
cut the front alone, its outline a straight top edge with the face above it missed (fresh tune
printers 90-121: white_printer-120, IoU 0.80). The face is nearly the sweep's level, so no colour
threshold finds it, but it ends in a straight step: its far edge, a horizontal line across the
columns above the front, where the sweep beyond it is a little darker or lighter. Averaged along that
line (the median over the front's middle columns of a short vertical step), the sweep's texture
strokes (diagonal, a few columns each) cancel and the edge stays (white_printer-120: 0.57 % of the
sweep's level over the profile's trend, 14.5 times the profile's median).

The sweep's wall-to-floor bend is a straight horizontal step too: it runs on beside the product,
where a face's edge does not, so a step the sweep beside the front shows at the same height by as
much (`FACE_BESIDE`) is the bend, not a face. The face found is the polygon from the ends of that
edge (where the step holds along the row) to the front's top corners: a box's face seen from above.
It is taken only above a matte whose top edge is straight (a box's front), and only where it is no
darker than the sweep beside it by a shadow's share (a cast shadow above a product is not a face).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.score import darkening as _darkening

FACE_WIDE = 0.5  # rows of the matte at least this share of its widest row are its body (the front)
FACE_STRAIGHT = 0.85  # share of the front's middle columns whose top lies on its top edge: a box
FACE_SQUARE = 0.92  # share of the body's width its top edge spans: a front cut square, not a face
FACE_MIDDLE = 0.2  # share of the front's width left out at either side when the profiles are taken
FACE_REACH = (0.12, 0.5)  # the face's far edge is looked for this far above the front (share of its height)
FACE_STEP_PX = 6  # px either side of a row over which the vertical step is averaged
FACE_STEP = 0.004  # least step (darkening, median over the middle columns) that is a face's edge
# ... and this many times the median step over the rows searched, each over the profile's slow trend
# (the sweep's texture): white_printer-120's face 14.5; above the cards and phones found whole the
# strongest step reaches 4-33, so it is the tests below that keep them (over the seen tune sets, 545
# mattes: 22 such steps, 13 the bend, 8 no plateau, 1 not lighter than the front)
FACE_NOISE = 8.0
FACE_BESIDE = 0.5  # a step the sweep beside shows at the same row by this share of it: the bend
FACE_RUN = 0.6  # share of the front's width the edge's step must hold along (a face is wide)
FACE_HOLD = 0.4  # share of the edge's step a column must show to extend the edge's run
FACE_PLATEAU = 0.5  # the face below the edge departs from the sweep above it by this share of the step
FACE_LIGHTER = 0.01  # the face is lighter than the front just below it by this (lit from above; whites
# tune white_printer-120: 0.038; a card's sweep above it is darker than the card, a phone's front its screen)
FACE_FRONT_DARK = 0.2  # the front's band below its top edge is a light body (not a screen)
FACE_DARKEST = 0.06  # the face may be no darker than the sweep beside it by this (a shadow)


def _body(final: np.ndarray) -> tuple[int, int, int, int, np.ndarray] | None:
    """(top, bottom, left, right, top row per column) of the matte's body, or None where its top
    edge is not straight (no box's front)."""
    widths = final.sum(axis=1)
    if widths.max() < 20:
        return None
    rows = np.nonzero(widths >= FACE_WIDE * widths.max())[0]
    top, bottom = int(rows[0]), int(rows[-1])
    cols = np.nonzero(final[top : bottom + 1].any(axis=0))[0]
    left, right = int(cols[0]), int(cols[-1])
    height, width = bottom - top + 1, right - left + 1
    if height < 20 or width < 40:
        return None
    high = np.argmax(final, axis=0)
    m = int(FACE_MIDDLE * width)
    middle = high[left + m : right - m + 1]
    if np.mean(np.abs(middle - top) <= max(3, height // 50)) < FACE_STRAIGHT:
        return None
    # square shoulders: the top edge runs the body's whole width (a face found already narrows it)
    near = max(3, height // 50)
    if np.count_nonzero(final[top + near]) < FACE_SQUARE * width:
        return None
    return top, bottom, left, right, high


def _row_steps(dark: np.ndarray, rows: np.ndarray, c0: int, c1: int) -> np.ndarray:
    """Median over columns c0..c1 of (mean darkening in the `FACE_STEP_PX` rows below each row minus
    in those above it), one value per row in `rows`."""
    k = FACE_STEP_PX
    csum = np.cumsum(np.pad(dark[:, c0:c1], ((1, 0), (0, 0))), axis=0)
    below = (csum[rows + 2 + k] - csum[rows + 2]) / k
    above = (csum[rows - 1] - csum[rows - 1 - k]) / k
    return np.median(below - above, axis=1)


def _trend(values: np.ndarray, window: int) -> np.ndarray:
    """Running median of `values` over `window` samples (edges padded): the slow part of a profile."""
    half = window // 2
    padded = np.pad(values, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)


def best_run(gain: np.ndarray) -> tuple[int, int]:
    """(first, last) index of the contiguous run of `gain` with the largest sum (Kadane): a few noisy
    columns dip the sum, they do not end the run. Shared with `tinted_faces`."""
    best, run, total, start = -np.inf, (0, 0), 0.0, 0
    for i, g in enumerate(gain.tolist()):
        if total <= 0.0:
            total, start = g, i
        else:
            total += g
        if total > best:
            best, run = total, (start, i)
    return run


def find_top_face(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The top face (bool mask, outside `final`) above a matte cut at a box's front, or all False."""
    return look_for_face(final, rgb, background)[0]


def look_for_face(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, str]:
    """(`find_top_face`'s mask, why: "face", or the test that found none: "no box" (no straight,
    square top edge), "no room", "no edge", "bend", "no plateau", "not lighter", "short edge",
    "shadow")."""
    none = np.zeros(final.shape, bool)
    body = _body(final)
    if body is None:
        return none, "no box"
    top, bottom, left, right, high = body
    h, w = final.shape
    height, width = bottom - top + 1, right - left + 1
    k = FACE_STEP_PX
    lo = max(k + 3, top - int(FACE_REACH[1] * height))
    hi = top - int(FACE_REACH[0] * height)
    if hi - lo < 4 * k:
        return none, "no room"
    gap, wide = max(20, round(0.05 * height)), max(40, round(0.15 * height))
    r0 = max(0, lo - k - 3)
    dark = cv2.GaussianBlur(_darkening(rgb[r0 : top + 1], background[r0 : top + 1]), (0, 0), 1.5)
    rows = np.arange(lo, hi) - r0
    m = int(FACE_MIDDLE * width)
    inner = _row_steps(dark, rows, left + m, right - m + 1)
    sides = [
        (max(0, left - gap - wide), max(0, left - gap)),
        (min(w, right + gap), min(w, right + gap + wide)),
    ]
    sides = [(a, b) for a, b in sides if b - a >= 10]
    if not sides:
        return none, "no room"
    beside = np.median(np.stack([_row_steps(dark, rows, a, b) for a, b in sides]), axis=0)
    # the step over the slow trend of the light (a gradient steps every row alike)
    inner = inner - _trend(inner, 8 * k + 1)
    beside = beside - _trend(beside, 8 * k + 1)
    strength = np.abs(inner)
    best = int(np.argmax(strength))
    step = float(inner[best])
    noise = float(np.median(strength))
    if abs(step) < FACE_STEP or abs(step) < FACE_NOISE * noise:
        return none, "no edge"
    # a step the sweep beside shows at the same row by as much runs on past the product: the sweep's
    # bend (or a straight line of its texture), not a face's edge, which ends at the face's sides; then
    # no face is looked for below a weaker step either (whites tune white_card-51, found whole, would
    # take one)
    if beside[best] * np.sign(step) > FACE_BESIDE * abs(step):
        return none, "bend"
    edge = int(rows[best])  # in the crop's rows
    c0, c1 = left + m, right - m + 1
    # a plateau below the edge, not a line: the face departs from the sweep above it as the step says
    face_level = float(np.median(dark[edge + 3 : top - r0 - 2, c0:c1]))
    above_level = float(np.median(dark[max(0, edge - 40) : edge - 3, c0:c1]))
    if (face_level - above_level) * np.sign(step) < FACE_PLATEAU * abs(step):
        return none, "no plateau"
    # lighter than the light front below it: a face lit from above
    band = slice(top + 5, top + 5 + max(4, int(0.1 * height)))
    front_level = float(np.median(_darkening(rgb[band, c0:c1], background[band, c0:c1])))
    if front_level > FACE_FRONT_DARK or face_level > front_level - FACE_LIGHTER:
        return none, "not lighter"
    # the edge's extent: the run of columns along which the row's step has the face's sign, taken as
    # the run whose summed excess over `FACE_HOLD` of the step is largest (a texture stroke across the
    # edge dips it locally, it does not end it)
    per_col = dark[edge + 2 : edge + 2 + k].mean(axis=0) - dark[edge - 1 - k : edge - 1].mean(axis=0)
    per_col = cv2.GaussianBlur(per_col[None, :].astype(np.float32), (0, 0), 3.0)[0]
    gain = per_col[left : right + 1] * np.sign(step) - FACE_HOLD * abs(step)
    a, b = best_run(gain)
    a, b = a + left, b + left
    if b - a + 1 < FACE_RUN * width or not a <= (left + right) // 2 <= b:
        return none, "short edge"
    y_edge = edge + r0
    face = np.zeros((h, w), np.uint8)
    poly = np.array([[a, y_edge], [b, y_edge], [right, top], [left, top]], np.int32)
    cv2.fillPoly(face, [poly], 1)
    face = (face > 0) & ~final
    # no darker than the sweep beside it (a cast shadow above a product is no face)
    region = face[r0 : top + 1]
    side_rows = np.zeros(region.shape, bool)
    for s0, s1 in sides:
        side_rows[edge:, s0:s1] = True
    if region.any() and side_rows.any():
        if float(np.median(dark[region]) - np.median(dark[side_rows])) > FACE_DARKEST:
            return none, "shadow"
    return face, "face"
