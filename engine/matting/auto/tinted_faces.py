"""A box's top face left out (in whole or in part) above its front: found by the front's own tint.

`top_faces` finds a face by the luminance step at its far edge. Where the face is as light as the
sweep beyond it, there is no such step (whites tune white_printer-185: the face 0.3 % off the sweep's
level, under the sweep's texture), yet the face is still the product's material: its colour departs
from the fitted backdrop as the front's does, while the sweep (its bend and cast shadows included)
keeps the backdrop's own tint (white_printer-185, per mille departure r/g/b: face +2.7 -0.9 -1.8,
front +2.5 -0.9 -1.6, sweep beside +0.5 -1.7 +1.4). So each pixel is scored by where its tint lies on
the line from the sweep's tint (0) to the front's (1); the rows above the front whose middle columns
are the matte or front-tinted form the face, up to its far edge; its extent along that edge and the
front's top corners give the face's polygon (a box's face seen from above), which is taken only where
the photo's tint fills it and stops at its sides. The same finds the rest of a face the network found
in part (white_printer-165, -171, -81).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.top_faces import best_run
from engine.matting.masks import part_stats
from engine.matting.score import darkening as _darkening

TINT_BLUR = 6.0  # px: the tint map's smoothing (JPEG's chroma blocks and sensor noise average out)
TINT_SPANNED = 0.9  # ... and this share of the rows from it down to the body's middle span it too
TINT_WIDE = 0.5  # rows of the matte at least this share of its widest row are its body
TINT_SQUARE = 0.95  # the front's top: the highest row spanning this share of the body's width
TINT_MIDDLE = 0.2  # share of the body's width left out at either side for the row profiles
TINT_FRONT_DARK = 0.15  # matte pixels darker than the sweep by this are no front (a printer's slot)
TINT_APART = 0.004  # least distance between the front's and the sweep's tint (a cast's 0.4 %) ...
TINT_NOISE = 1.5  # ... and this many times the sweep's spread of tint along the score's axis
TINT_LIKE = 0.5  # a pixel scoring this far from the sweep's tint to the front's is front-tinted
TINT_ROW = 0.8  # a row is face (or front) where this share of its middle columns is matte or tinted
TINT_REACH = (0.08, 0.6)  # the face's height found, as a share of the front's height below it
TINT_RUN = 0.6  # least share of the body's width the face's far edge spans, centred on the body
# the face's new pixels: front-tinted at least this share of them (whites tune printers 0-199, on the
# answers without this rule: faces added 0.85-0.99 tinted, white_printer-185 0.99; where the polygon
# only widened a face found whole, 0.76-0.84)
TINT_FILL = 0.85
# ... and the answer covers at most this share of the face's polygon (faces missed whole or in part:
# 0.06-0.79; found whole, where the polygon cost 0.015-0.023 IoU: 0.87-0.91, white_printer-44, -64, -144)
TINT_FOUND = 0.85
TINT_BESIDE = 0.25  # most share of the sweep beside the face (same rows) that may be front-tinted
TINT_DARKEST = 0.06  # the face may be no darker than the sweep beside it by this (a cast shadow)
TINT_LEAST = 0.002  # least share of the image the face adds (a few stray columns are no face)


def _tint(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per-pixel chromatic departure from the backdrop (H, W, 3, summing to ~0): the pixel over the
    backdrop, channel by channel, divided by its own mean, minus 1; smoothed by `TINT_BLUR`."""
    rel = rgb.astype(np.float32) / 255.0 / np.maximum(background.astype(np.float32), 1e-3)
    tint = rel / np.maximum(rel.mean(axis=2, keepdims=True), 1e-3) - 1.0
    return cv2.GaussianBlur(tint, (0, 0), TINT_BLUR)


def _largest(final: np.ndarray) -> np.ndarray:
    """The largest 8-connected part of `final` (labelled on its box alone: `masks.part_stats`)."""
    n, labels, stats, (y0, x0) = part_stats(final)
    if n <= 1:
        return final
    out = np.zeros(final.shape, bool)
    out[y0 : y0 + labels.shape[0], x0 : x0 + labels.shape[1]] = labels == 1 + int(
        np.argmax(stats[1:, cv2.CC_STAT_AREA])
    )
    return out


def find_tinted_face(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The top face (bool mask, outside `final`) above a box's front, found by its tint, or all False."""
    return look_for_tinted_face(final, rgb, background)[0]


def look_for_tinted_face(
    final: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, str]:
    """(`find_tinted_face`'s mask, why: "face", or the test that found none: "no body", "no room",
    "no tint" (front and sweep alike), "no face" (nothing above the front), "short edge",
    "tall", "found" (the answer holds it nearly whole), "unfilled", "spills" (the tint runs on beside it), "shadow", "small")."""
    h, w = final.shape
    none = np.zeros((h, w), bool)
    body = _largest(final)
    widths = body.sum(axis=1)
    if widths.max() < 40:
        return none, "no body"
    rows = np.nonzero(widths >= TINT_WIDE * widths.max())[0]
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    # the body's sides: the median ends of its middle rows (a wedge of cast shadow taken beside its
    # base or a ragged bit at one row does not move them)
    lower = body[top + height // 4 : top + 3 * height // 5]
    lower = lower[lower.any(axis=1)]
    left = int(np.median(np.argmax(lower, axis=1)))
    right = int(np.median(w - 1 - np.argmax(lower[:, ::-1], axis=1)))
    width = right - left + 1
    if height < 40 or width < 60:
        return none, "no body"
    # the front's top: the highest row spanning nearly the body's width, with all below it as wide
    span = body[:, left : right + 1].sum(axis=1) >= TINT_SQUARE * width
    # (the highest spanning row below which the rows span nearly all the way to the body's middle: a
    # hole or a ragged row in the front does not stop it, a face found in part does)
    middle = (top + bottom) // 2
    below = np.cumsum(span[::-1])[::-1]  # spanning rows from each row to the bottom
    runs = (below - below[middle]) / np.maximum(middle - np.arange(len(span)), 1)
    ok = np.nonzero(span[: middle + 1] & (runs[: middle + 1] >= TINT_SPANNED))[0]
    if len(ok) == 0:
        return none, "no body"
    front_top = int(ok[0])
    front_h = bottom - front_top + 1
    reach = int(TINT_REACH[1] * front_h)
    r0 = max(0, front_top - reach - 10)
    if front_top - r0 < TINT_REACH[0] * front_h:
        return none, "no room"
    gap, wide = max(10, width // 20), max(30, width // 6)
    c0, c1 = max(0, left - gap - wide), min(w, right + gap + wide + 1)
    tint = _tint(rgb[r0 : bottom + 1, c0:c1], background[r0 : bottom + 1, c0:c1])
    dark = _darkening(rgb[r0 : bottom + 1, c0:c1], background[r0 : bottom + 1, c0:c1])
    mask = final[r0 : bottom + 1, c0:c1]
    # the front's tint: its matte below its top, not its dark parts; the sweep's: beside the face's rows
    ft, lft, rgt = front_top - r0, left - c0, right - c0 + 1
    front_px = mask[ft:] & (dark[ft:] < TINT_FRONT_DARK)
    front_px[:, : lft + 5] = False
    front_px[:, rgt - 5 :] = False
    side = np.zeros(mask.shape, bool)
    side[:ft, : max(0, lft - gap)] = True
    side[:ft, rgt + gap :] = True
    side &= ~mask
    if front_px.sum() < 500 or side.sum() < 500:
        return none, "no room"
    front = np.median(tint[ft:][front_px], axis=0)
    sweep = np.median(tint[side], axis=0)
    axis = front - sweep
    apart = float(np.linalg.norm(axis))
    score = (tint - sweep) @ (axis / max(apart * apart, 1e-9))
    spread = float(np.subtract(*np.percentile(score[side], [84, 16]))) / 2.0 * apart
    if apart < TINT_APART or apart < TINT_NOISE * spread:
        return none, "no tint"
    like = (score > TINT_LIKE) | mask
    # the face's rows: up from the front's top while the middle columns are matte or front-tinted
    m = int(TINT_MIDDLE * width)
    share = like[:, lft + m : rgt - m].mean(axis=1)
    edge = ft
    while edge > 0 and share[edge - 1] >= TINT_ROW:
        edge -= 1
    face_h = ft - edge
    if face_h < TINT_REACH[0] * front_h:
        return none, "no face"
    if edge == 0 or face_h > TINT_REACH[1] * front_h:
        return none, "tall"
    # the far edge's extent: the longest run of columns tinted (or matte) just below it
    k = max(4, face_h // 6)
    a, b = best_run(like[edge + 2 : edge + 2 + k].mean(axis=0) - 0.5)
    if b - a + 1 < TINT_RUN * width or not a <= (lft + rgt) // 2 <= b:
        return none, "short edge"
    a, b = max(a, lft), min(b, rgt - 1)
    poly = np.array([[a, edge], [b, edge], [rgt - 1, ft], [lft, ft]], np.int32)
    region = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(region, [poly], 1)
    new = (region > 0) & ~mask
    # a face the answer holds nearly whole keeps its own outline: there the polygon's guessed corners
    # and the tint blurred across its outline only widen it
    if float(mask[region > 0].mean()) > TINT_FOUND:
        return none, "found"
    if new.sum() < TINT_LEAST * h * w:
        return none, "small"
    if float((score[new] > TINT_LIKE).mean()) < TINT_FILL:
        return none, "unfilled"
    # the tint stops at the face's sides: beside it on the same rows is the sweep
    beside = np.zeros(mask.shape, bool)
    beside[edge:ft, : max(0, lft - gap)] = True
    beside[edge:ft, rgt + gap :] = True
    beside &= ~mask
    if beside.any() and float((score[beside] > TINT_LIKE).mean()) > TINT_BESIDE:
        return none, "spills"
    if beside.any() and float(np.median(dark[new]) - np.median(dark[beside])) > TINT_DARKEST:
        return none, "shadow"
    face = np.zeros((h, w), bool)
    face[r0 : bottom + 1, c0:c1] = new
    return face, "face"
