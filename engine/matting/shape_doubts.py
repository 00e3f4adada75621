"""Doubts the matte's own shape and the photo under it raise, for the quality score (engine.matting.score).

Two mistakes the network and the colour model can agree on, so neither's certainty shows them:

- a cast shadow taken as product (`shadow_kept`): a part of the matte that is darker than the sweep
  by a shadow's share, keeps the sweep's colour (darkens R, G and B alike), is even, has a soft outline
  against the sweep (a penumbra, not a body's crisp edge) and lies beside the rest of the matte, where
  a shadow falls on the floor, not under it as a grey base does (a phone on fresh whites tune images
  taken with the shadow it casts sideways, IoU 0.81, scored 1.0);
- a screen whose light frame was found on one side and not on the opposite one (`frame_balance`): a
  phone's frame is as wide on its left as on its right, and its top and bottom bands are alike; a
  matte that reaches far past the screen on one side and barely past it on the opposite one left a
  band of the frame out (a phone's top or bottom band) or took something beside it (a shadow).

Both take the blurred darkening (`score.darkening`, sigma 2 px) that `auto` computes for its plant
shadows, and `shadow_kept` its shadow tint as well, so they cost only their own few passes (about
0.01-0.02 s on a 1024 px photo).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.masks import part_stats

KEPT_DARK = (0.06, 0.5)  # darkening of a cast shadow (as auto.SHADOW_DARKENING, auto.SHADOW_DARKEST)
KEPT_TINT = 0.02  # a shadow keeps the backdrop's colour (as auto.SHADOW_TINT); a bulb's base: 0.016-0.018
KEPT_MIN = 0.02  # share of the matte a part must hold to be judged (specks and rims are not)
KEPT_SIDE = 0.5  # share of the part beside the rest of the matte's columns: a shadow falls beside it
KEPT_EVEN = 0.15  # interquartile range / median of its darkening: a shadow's core is even (as auto's
# SHADOW_EVEN); a silver bottle's shaded side, a gradient, is not (0.8)
KEPT_SOFT = 0.28  # its outline against the sweep rises by at most this share of its depth per px (a
# penumbra; as auto.SHADOW_PART_SOFT: cast shadows 0.18-0.25, bodies' edges 0.3 and above)
KEPT_EDGE = 20  # px of its outline against the sweep to judge its softness by


def shadow_kept(final: np.ndarray, dark: np.ndarray, tint: np.ndarray, raw: np.ndarray) -> float:
    """Share of the matte (bool `final`) held by the largest part that looks like a cast shadow lying
    beside the rest of it; 0 where there is none.

    `dark`: darkening against the backdrop blurred by 2 px; `raw`: the same unblurred (its gradient
    measures the outline's softness); `tint`: the shadow tint (auto.shadow_tint). A part is a shadow
    where it is within `KEPT_DARK`, below `KEPT_TINT`, even (`KEPT_EVEN`), soft-edged (`KEPT_SOFT`)
    and lies beside the columns the rest of the matte spans (`KEPT_SIDE`). A grey part of the product
    is none of the last three at once: a bulb's base is under its globe, a silver bottle's shaded side
    is a gradient with a crisp edge.
    """
    ys, xs = np.nonzero(final)
    if ys.size == 0:
        return 0.0
    pad = 8
    y0, y1 = max(0, ys.min() - pad), ys.max() + pad + 1
    x0, x1 = max(0, xs.min() - pad), xs.max() + pad + 1
    crop = final[y0:y1, x0:x1]
    d = dark[y0:y1, x0:x1]
    cand = crop & (d > KEPT_DARK[0]) & (d < KEPT_DARK[1]) & (tint[y0:y1, x0:x1] < KEPT_TINT)
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand, connectivity=8)
    if n < 2:
        return 0.0
    sweep = cv2.dilate((~crop).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    sharp = cv2.GaussianBlur(raw[y0:y1, x0:x1], (0, 0), 0.8)
    sharp = cv2.magnitude(cv2.Sobel(sharp, cv2.CV_32F, 1, 0), cv2.Sobel(sharp, cv2.CV_32F, 0, 1)) / 8.0
    sharp = cv2.dilate(sharp, np.ones((7, 7), np.uint8))
    best = 0.0
    for i in range(1, n):
        share = float(stats[i, cv2.CC_STAT_AREA]) / ys.size
        if share < max(KEPT_MIN, best):
            continue
        piece = labels == i
        # the rest of the matte, away from the part and opened past its thin rims
        rest = crop & ~(cv2.dilate(piece.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
        rest = cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_OPEN, np.ones((7, 7), np.uint8)) > 0
        cols = np.nonzero(rest.any(axis=0))[0]
        if cols.size == 0:
            continue
        px = np.nonzero(piece)[1]
        if float(np.mean((px < cols.min()) | (px > cols.max()))) < KEPT_SIDE:
            continue
        core = cv2.erode(piece.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        values = d[core] if core.any() else d[piece]
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        if (q3 - q1) > KEPT_EVEN * median:
            continue
        edge = piece & sweep
        if np.count_nonzero(edge) < KEPT_EDGE:
            continue
        if float(np.median(sharp[edge])) / max(float(median), 1e-3) < KEPT_SOFT:
            best = share
    return best


SCREEN_DARK = 0.5  # darkening of a screen (blurred; a shadow stays below, as `KEPT_DARK`)
SCREEN_SHARE = 0.3  # share of the matte the screen must make up for the matte to be a framed screen
SCREEN_RECT = 0.9  # share of its upright box the screen fills: an upright screen
FRAME_MIN = 6  # px: the wider band of a pair must reach this far past the screen to be a frame


def frame_balance(final: np.ndarray, dark: np.ndarray) -> float:
    """How evenly the matte (bool `final`) reaches past its screen on opposite sides: the smaller of
    the two ratios narrower band / wider band (left and right, top and bottom), 1 where the matte is
    no framed screen (no dark upright rectangle making up `SCREEN_SHARE` of it).

    Each band is the mean, over the screen's middle rows (columns), of how far the matte reaches past
    the screen's side (a mean: a shadow taken beside the frame's lower half widens its side too). A phone's frame is alike on opposite sides; a band left out (the top or the
    bottom of a white frame on a white sweep) or a shadow taken beside it makes a pair unlike.
    """
    ys, xs = np.nonzero(final)
    if ys.size == 0:
        return 1.0
    screen = (final & (dark > SCREEN_DARK)).astype(np.uint8)
    n, _, stats, _ = part_stats(screen)
    if n < 2:
        return 1.0
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, size = (int(v) for v in stats[i])
    if size < SCREEN_SHARE * ys.size or size < SCREEN_RECT * w * h or min(w, h) < 20:
        return 1.0
    rows = final[y + h // 4 : y + h - h // 4]
    cols = final[:, x + w // 4 : x + w - w // 4]
    width = final.shape[1]
    left = x - np.argmax(rows, axis=1)
    right = (width - 1 - np.argmax(rows[:, ::-1], axis=1)) - (x + w - 1)
    top = y - np.argmax(cols, axis=0)
    bottom = (final.shape[0] - 1 - np.argmax(cols[::-1], axis=0)) - (y + h - 1)
    ratio = 1.0
    for a, b in ((left, right), (top, bottom)):
        a, b = max(float(np.mean(a)), 0.0), max(float(np.mean(b)), 0.0)
        if max(a, b) >= FRAME_MIN:
            ratio = min(ratio, min(a, b) / max(a, b))
    return ratio
