"""A light frame around a dark screen, completed side by side where the photo shows its outer edge.

A white phone is a dark screen inside a thin white frame. On a white sweep the network (and each of its
further looks in `orchestrator.matte_auto`) finds the screen and only bits of the frame: one band missed along
the top, a side that stops halfway (whites tune: phones IoU 0.88-0.96, boundary F 0.42-0.82). A
photographer still sees the frame's outer edge, as a faint step that runs straight along each of the
screen's sides: the frame's even white against the sweep's texture and uneven light. One pixel of it
is lost in the paper's grain, but averaged along the whole side (hundreds of pixels) the step stands
clear of the texture (whites tune: 6-300 times the median step of the lines around it),
while the sweep's strokes run across the side at all angles and average out.

So each side of the screen's box is looked at on its own: the photo's ratio to the fitted backdrop is
averaged along lines parallel to that side, at each distance out from it, and the frame's edge is the
largest step between neighbouring lines, past the screen's own rim (`FRAME_START`) and within a band
as wide as a frame may be (`FRAME_REACH` of the screen's shorter side). A side is taken where that
step stands out (`FRAME_STEP`) and the band it closes is light (no darker than a light body,
`FRAME_DARKEST`); the frame is then the screen's box grown by those sides' distances. Unless every side's
edge is crisp (below), it rests on the network having found the frame at least somewhere: one side at
least must already be covered by the answer out to the distance found there (`FRAME_ANCHOR`), otherwise
the dark part is no screen in a frame (a black box on the sweep, whose shadow's edge would otherwise be taken). Only what the frame
adds is added; nothing the answer holds is dropped.

Whites tune, phones 0-17: IoU 0.9686 -> 0.9934, boundary F 0.8697 -> 0.9795; fresh tune phones
18-59: 0.9491 -> 0.9827, 0.7811 -> 0.9284, none worse; no other kind moved. Tried and dropped: the
step between 3-line means (steadier against a seam inside the frame, but a faint top edge no longer
stood out: 0.9934 -> 0.9907), and the outermost strong step rather than the largest (a shadow's edge
beyond the frame was taken: 0.9934 -> 0.9906).

Where the network found no side of the frame at all (fresh tune phones 51 and 52, IoU 0.73 and 0.87:
the screen alone, or the screen with bits of frame that anchor no side) the frame is still completed
where the photo shows its edge on all four sides and each of those edges is crisp (`FRAME_CRISP`): a
frame's edge is a body's, a step within a px or two, while a dark box's shadow all round it (a box
lifted off the sweep) closes a band as light as a grey frame's but ends in a penumbra. Fresh tune
phones 18-59: 0.9827 -> 0.9915 (51: 0.73 -> 0.9985, 52: 0.87 -> 0.980), nothing else moved; whites
tune 144 and check phones 60-89 unchanged (no phone there had an unanchored frame).

A frame is as wide on its left as on its right. Where one of those sides' largest step lies nearer the
screen than the other side's edge (by more than `FRAME_AGREE`) and the photo steps at the other's
distance there too (`FRAME_STEP`, over a light band), that step is taken instead: the nearer one is a
seam inside the frame or the screen's rim (fresh tune phones 18 and 34: the left side at 9 px of 18,
IoU 0.963 -> 0.996 and 0.962 -> 0.994; phone-48 0.967 -> 0.972; nothing else moved).

Limits: the screen must be upright (its box filled by it, `FRAME_RECT`): a tilted phone is left as the
network found it. The frame is completed with square corners, so a phone with round corners gains
their few pixels of sweep.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import Tones

FRAME_DARK = 0.25  # a screen is this much darker than the backdrop (as `second_look.SECOND_LOOK_DARK`)
FRAME_SCREEN = 0.5  # share of the answer the screen makes up: the answer is a screen with bits of frame
FRAME_RECT = 0.95  # share of its upright box the screen fills: a screen, upright
FRAME_START = 7  # px from the screen's side within which its own rim (blur, JPEG ringing) lies
FRAME_REACH = 0.3  # widest frame, as a share of the screen's shorter side
FRAME_STEP = 4.0  # the frame's edge steps this many times the median step of the lines in the band
FRAME_DARKEST = 0.15  # the frame may be this much darker than the backdrop (median over its band)
FRAME_ANCHOR = 0.8  # share of a side's band the answer covers where it found the frame there
FRAME_AGREE = 2  # px: the photo's edge and the answer's reach on an anchoring side agree within this
FRAME_SOFT = 6  # px either side of an edge over which its whole change is taken (`crispness`)
# with no side anchored, every side's edge must carry this share of the change across it: a frame's
# outer edge is crisp, a shadow's soft (fresh whites tune phones 51-52, found on no side: 0.52-1.0;
# phones 18, 34, 48: 0.64-1.0; a box's shadow all round, blurred by 3 px: 0.13-0.16)
FRAME_CRISP = 0.35

SIDES = ("top", "bottom", "left", "right")


def screen_box(alpha: np.ndarray, darkening: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the upright dark rectangle that makes up most of the answer, or None."""
    hard = alpha > 0.5
    area = np.count_nonzero(hard)
    if area == 0:
        return None
    dark = (hard & (darkening > FRAME_DARK)).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    if n <= 1:
        return None
    lab = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, size = (int(v) for v in stats[lab])
    if size < FRAME_SCREEN * area or size < FRAME_RECT * w * h or min(w, h) < 4 * FRAME_START:
        return None
    return x, y, w, h


def _lines(image: np.ndarray, box: tuple[int, int, int, int], side: str, reach: int) -> np.ndarray:
    """`image` along the lines parallel to one side of `box`, at 1..`reach` px out from it:
    (reach, span, ...) with the span the side's own length; lines past the image are cut off."""
    x, y, w, h = box
    rows = []
    for d in range(1, reach + 1):
        if side == "top":
            if y - d < 0:
                break
            rows.append(image[y - d, x : x + w])
        elif side == "bottom":
            if y + h - 1 + d >= image.shape[0]:
                break
            rows.append(image[y + h - 1 + d, x : x + w])
        elif side == "left":
            if x - d < 0:
                break
            rows.append(image[y : y + h, x - d])
        else:
            if x + w - 1 + d >= image.shape[1]:
                break
            rows.append(image[y : y + h, x + w - 1 + d])
    return np.array(rows)


def line_steps(means: np.ndarray) -> np.ndarray:
    """Colour steps between neighbouring lines, from their mean colours (n, 3): [i] lies between lines
    i and i + 1. The one measure of an edge along a side, for frames and cards (`cards.side_edge`)."""
    return np.linalg.norm(np.diff(means, axis=0), axis=-1)


def side_edge(ratio_lines: np.ndarray, start: int = FRAME_START) -> tuple[int, float]:
    """(distance, strength) of the largest step between neighbouring lines' mean colour past `start`:
    distance d means the lines 1..d are inside it. Strength is that step over the median step of the
    lines from `start` on (the sweep's texture, averaged along the side)."""
    means = ratio_lines.mean(axis=1)
    steps = line_steps(means)  # steps[i]: between lines i+1 and i+2
    if steps.size <= start:
        return 0, 0.0
    tail = steps[start - 1 :]
    i = int(np.argmax(tail))
    return start + i, float(tail[i] / max(float(np.median(tail)), 1e-6))


def step_near(ratio_lines: np.ndarray, distance: int, start: int = FRAME_START) -> tuple[int, float]:
    """(distance, strength) of the largest step between neighbouring lines within `FRAME_AGREE` of
    `distance`, its strength measured as `side_edge` measures it."""
    means = ratio_lines.mean(axis=1)
    steps = line_steps(means)
    lo, hi = max(start - 1, distance - 1 - FRAME_AGREE), min(steps.size, distance + FRAME_AGREE)
    if steps.size <= start or hi <= lo:
        return 0, 0.0
    i = lo + int(np.argmax(steps[lo:hi]))
    return i + 1, float(steps[i] / max(float(np.median(steps[start - 1 :])), 1e-6))


def crispness(ratio_lines: np.ndarray, distance: int, span: int = FRAME_SOFT) -> float:
    """The step at `distance` (between lines `distance` and `distance` + 1) as a share of the whole
    change across `span` lines either side of it: near 1 for a body's crisp edge, far less for a
    shadow's soft one (its penumbra spreads the change over many lines)."""
    means = ratio_lines.mean(axis=1)
    i = distance - 1  # 0-based index of the last line inside
    step = float(np.linalg.norm(means[i + 1] - means[i]))
    whole = float(np.linalg.norm(means[min(i + 1 + span, len(means) - 1)] - means[max(i - span, 0)]))
    return step / max(whole, step, 1e-6)


def complete_frame(alpha: np.ndarray, tones: Tones) -> tuple[np.ndarray, float, dict]:
    """`alpha` with the light frame around its dark screen completed on the sides where the photo shows
    the frame's edge (see the module's docstring). Returns (alpha, share of the image added, details)."""
    rgb, background, darkening = tones.rgb, tones.background, tones.darkening
    box = screen_box(alpha, darkening)
    if box is None:
        return alpha, 0.0, {}
    x, y, w, h = box
    reach = int(FRAME_REACH * min(w, h))
    # only the screen's box grown by the widest frame is looked at
    pad = reach + FRAME_AGREE + 2
    y0, x0 = max(0, y - pad), max(0, x - pad)
    y1, x1 = min(alpha.shape[0], y + h + pad), min(alpha.shape[1], x + w + pad)
    inner = (x - x0, y - y0, w, h)
    ratio = rgb[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 255.0)
    ratio /= np.maximum(background[y0:y1, x0:x1], 1e-3)
    hard = alpha > 0.5
    offsets = dict.fromkeys(SIDES, 0)
    anchored = False
    found = {}
    side_lines = {}
    for side in SIDES:
        lines = side_lines[side] = _lines(ratio, inner, side, reach)
        distance, strength = side_edge(lines) if len(lines) else (0, 0.0)
        if distance == 0 or strength < FRAME_STEP:
            continue
        band = _lines(darkening[y0:y1, x0:x1], inner, side, distance)
        shade = float(np.median(band))
        if shade > FRAME_DARKEST:
            continue
        covered = _lines(hard[y0:y1, x0:x1], inner, side, distance + FRAME_AGREE + 1)
        inside = float(covered[: max(distance - FRAME_AGREE, 1)].mean())
        outside = (
            float(covered[distance + FRAME_AGREE :].mean()) if distance + FRAME_AGREE < len(covered) else 0.0
        )
        anchored |= inside >= FRAME_ANCHOR and outside < 1.0 - FRAME_ANCHOR
        offsets[side] = distance
        found[side] = (distance, round(strength, 1), round(shade, 3), round(crispness(lines, distance), 2))
    # a frame is as wide on the left as on the right: where one side's largest step lies nearer the
    # screen than the other side's edge (a seam inside the frame) and the photo steps at the other's
    # distance as well, that step is the side's edge
    for side, other in (("left", "right"), ("right", "left")):
        if side in found and other in found and offsets[other] > offsets[side] + FRAME_AGREE:
            distance, strength = step_near(side_lines[side], offsets[other])
            if strength < FRAME_STEP:
                continue
            if float(np.median(_lines(darkening[y0:y1, x0:x1], inner, side, distance))) <= FRAME_DARKEST:
                offsets[side] = distance
                crisp = crispness(side_lines[side], distance)
                found[side] = (distance, round(strength, 1), found[side][2], round(crisp, 2), "as " + other)
    whole = len(found) == len(SIDES) and min(f[3] for f in found.values()) >= FRAME_CRISP
    if not (anchored or whole):
        return alpha, 0.0, {"frame_sides": found, "frame_anchored": False}
    frame = np.zeros(hard.shape, bool)
    frame[
        max(0, y - offsets["top"]) : y + h + offsets["bottom"],
        max(0, x - offsets["left"]) : x + w + offsets["right"],
    ] = True
    added = frame & ~hard
    out = np.where(added, np.float32(1.0), alpha).astype(np.float32)
    return out, float(added.mean()), {"frame_sides": found, "frame_anchored": anchored}
