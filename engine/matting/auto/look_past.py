"""The look past a part: the flattened photo with what the network found painted out
(`paint_out`), where a light body against it (a white pot under a plant, a phone's white frame) is the
salient thing, merged where it is a light, solid body beside the part (`merge_beside`); and the same
look past a plant's cast shadows as well (`look_past_shadows`)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.branch_gaps import inside_part
from engine.matting.auto.measures import FLATTEN_MIN_PART, SHADOW_DARKENING, Tones
from engine.matting.auto.second_look import FLATTEN_LEVEL
from engine.matting.masks import hull_mask, inner_edge

BESIDE_ZONE = 3  # px around the first answer painted out with it (its soft rim would outline it)


# evidence up to which a region left out beside a coloured part calls for the look past it: any below
# the colour model's product threshold. A white pot in its own shading departs from the sweep by
# evidence 1.1-1.3, above the faint band (0.3-1) and still left out by the colour model (whites tune,
# 144 shots: two such pots never looked for, IoU 0.69 and 0.65 -> 0.98 and 0.94)
LOOK_PAST_UPPER = np.inf


BESIDE_TOUCH = 9  # px within which a part found beside the painted zone counts as touching it


def paint_out(flat: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flattened photo with what the network found first painted over in the backdrop's level.

    A plant's leaves are what a salient-object network looks at; a white pot under them is the second
    thing in view and is cut only once the leaves are gone. Returns (image, painted zone)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * BESIDE_ZONE + 1, 2 * BESIDE_ZONE + 1))
    zone = cv2.dilate((first > 0.1).astype(np.uint8), kernel) > 0
    out = flat.copy()
    out[zone] = np.uint8(round(FLATTEN_LEVEL * 255))
    return out, zone


BESIDE_RING = 3  # px from the painted zone within which a piece's outline is the paint's edge


# share of a ringed piece inside the paint's hull for it to be a gap the paint closed: a body the found
# part peppers (a card's or a printer's print, found as its letters or motifs and painted out) has most
# of its outline along the paint too, but reaches well past it (whites_close tune 0-15: white_card-5
# 0.42 -> 0.99 and white_printer-10 0.22 -> 0.97, their bodies 0.35 inside; the gaps 1.0)
RINGED_WITHIN = 0.5
BESIDE_ENCLOSED = 0.7  # share of a piece's outline along the paint beyond which it is a closed gap


BESIDE_DARKEST = 0.15  # a body the look past found may be this much darker than the backdrop ...


BESIDE_SOLID = 0.7  # ... where this share of it lies 3 px inside its outline (a body, not a band)


BESIDE_EVEN = 0.025  # ... and its darkening varies this little (90th percentile minus median)


def even_solid_pieces(mask: np.ndarray, darkening: np.ndarray) -> np.ndarray:
    """Pieces of `mask` that are solid (`BESIDE_SOLID` of their area survives a 7 px erosion) and
    evenly shaded (`BESIDE_EVEN`): a light body turned from the light is a few percent darker than
    the sweep all over, a cast shadow's fringe between two darkness limits is a ramp along its edge."""
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    if n <= 1:
        return keep[pieces]
    core = cv2.erode(mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    for lab in range(1, n):
        area = stats[lab, cv2.CC_STAT_AREA]
        if area < FLATTEN_MIN_PART * mask.size:
            continue
        x, y, w, h, _ = stats[lab]
        piece = pieces[y : y + h, x : x + w] == lab
        if np.count_nonzero(core[y : y + h, x : x + w] & piece) < BESIDE_SOLID * area:
            continue
        values = darkening[y : y + h, x : x + w][piece]
        keep[lab] = float(np.percentile(values, 90) - np.median(values)) < BESIDE_EVEN
    return keep[pieces]


def merge_beside(
    first: np.ndarray,
    beside: np.ndarray,
    zone: np.ndarray,
    tones: Tones,
    plant: bool = False,
) -> tuple[np.ndarray, float]:
    """The first answer plus the light parts the look past it (`paint_out`) found against it.

    That look also outlines the painted zone itself and the shadows the flattening made solid, so it
    only adds parts outside the zone that touch it, made of pixels no darker than the backdrop
    (`SHADOW_DARKENING`, on a blurred darkening: a pot and the cast shadow beside it come as one
    piece) or of bodies darker than that but evenly shaded and solid (`even_solid_pieces`, up to
    `BESIDE_DARKEST`: a white pot turned from the light, 5-9 % darker than the sweep), and large
    enough to be a body. A piece whose outline runs along the paint for more than `BESIDE_ENCLOSED`
    of its length is a gap the paint closed, not a body (whites tune: the backdrop between two
    branches, 1 900 px, outline 0.91 along the paint; pots and phone frames 0.06-0.51).
    `plant`: the found part is a coloured part (a plant) with gaps of backdrop between its branches,
    of which no piece is taken (`branch_gaps`; not for a phone's screen found with bits of its frame,
    whose hull holds the rest of the frame: whites tune white_phone-6 0.995 -> 0.979).
    Returns (alpha, share of the image added)."""
    darkening = tones.dark
    found = (beside > 0.5) & ~zone
    opening = np.ones((5, 5), np.uint8)
    added = (
        cv2.morphologyEx((found & (darkening < SHADOW_DARKENING)).astype(np.uint8), cv2.MORPH_OPEN, opening)
        > 0
    )
    # and greyer bodies, evenly shaded and solid (a white pot turned from the light), not a shadow's
    # fringe between the two darkness limits, which is a band whose darkening ramps across it
    grey = (
        cv2.morphologyEx((found & (darkening < BESIDE_DARKEST)).astype(np.uint8), cv2.MORPH_OPEN, opening) > 0
    )
    added |= even_solid_pieces(grey, darkening)
    n, pieces = cv2.connectedComponents(added.astype(np.uint8), connectivity=8)
    if n <= 1:
        return first, 0.0
    near = cv2.dilate(zone.astype(np.uint8), np.ones((2 * BESIDE_TOUCH + 1,) * 2, np.uint8)) > 0
    keep = np.zeros(n, bool)
    keep[np.unique(pieces[added & near])] = True
    area = np.bincount(pieces.ravel(), minlength=n)
    keep &= area >= FLATTEN_MIN_PART * added.size
    keep[0] = False
    # a body has an outline of its own against the backdrop: a piece ringed by the painted zone is a
    # gap the paint closed (backdrop between a plant's branches), outlined by the paint's edge alone
    edge = inner_edge(added)
    by_paint = edge & (cv2.dilate(zone.astype(np.uint8), np.ones((2 * BESIDE_RING + 1,) * 2, np.uint8)) > 0)
    ringed = np.bincount(pieces[by_paint], minlength=n) > BESIDE_ENCLOSED * np.bincount(
        pieces[edge], minlength=n
    )
    # ... and lies within the paint's extent (its hull): a body reaching well past it is no gap, though
    # the paint's many pieces inside and along it make up most of its outline
    if (ringed & keep).any():
        ringed &= np.bincount(pieces[hull_mask(zone)], minlength=n) >= RINGED_WITHIN * area
    keep &= ~ringed
    # nor, beside a plant, a piece within its own outline: backdrop between branches (`branch_gaps`)
    if plant:
        keep &= ~inside_part(pieces, n, first > 0.5)
    accepted = keep[pieces]
    # and the painted rim between them and the first answer, where that look also saw product
    reach = 2 * (BESIDE_ZONE + 2) + 1
    accepted |= (
        zone & (beside > 0.5) & (cv2.dilate(accepted.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0)
    )
    # taken whole: the look's partial answers inside a body it found are not doubt about the body
    return np.where(accepted, 1.0, first).astype(np.float32), float(accepted.mean())


def look_past_shadows(
    first: np.ndarray, model_predict, flat: np.ndarray, tones: Tones
) -> tuple[np.ndarray, float]:
    """The look past a plant (`paint_out`) once more with the shadows painted out too (darker than the
    backdrop by `SHADOW_DARKENING`): a plant's cast shadow on the flattened photo is the salient thing
    once the plant is gone, and the network cuts it instead of the pot. Merged as the look past a
    plant (`merge_beside`). Returns (alpha, share of the image added)."""
    painted, zone = paint_out(flat, first)
    darkening = tones.dark
    painted[(darkening > SHADOW_DARKENING) & ~zone] = np.uint8(round(FLATTEN_LEVEL * 255))
    return merge_beside(first, model_predict(painted), zone, tones, plant=True)
