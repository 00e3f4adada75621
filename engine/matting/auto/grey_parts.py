"""A grey part and its cast shadow, which neither model separates by darkness alone: a bulb's
metal base in its own shadow is added where it is tinted (`tinted_parts`), and a shadow the network
took together with such a part is dropped where it keeps the backdrop's colour (`neutral_shadow`)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import (
    FLATTEN_MIN_PART,
    RIM,
    SHADOW_DARKENING,
    SHADOW_DARKEST,
    SHADOW_TINT,
    shadow_tint,
)
from engine.matting.fast import FastResult
from engine.matting.masks import inner_edge
from engine.matting.score import darkening as _darkening

TINTED_TOUCH = 7  # px within which a tinted piece touches the body (blur and opening eat its seam)


TINTED_LEAST = 0.012  # least tint of a grey part that stands out from the shadow beside it ...


TINTED_CONTRAST = 2.5  # ... by this factor, in tint per unit of darkening


TINTED_RING = 15  # px around a piece in which the shadow beside it is looked for


TINTED_RING_MIN = 30  # shadow pixels in that ring that make a reference


def tinted_parts(base: np.ndarray, unlike: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Regions unlike the backdrop that do not keep its colour, touch `base` and reach beyond its rim,
    large enough to be a body: a grey part both models left out because it sits in a shadow and is as
    dark as one (whites tune: a bulb's metal base).

    "Not the backdrop's colour": a tint above `SHADOW_TINT`, or above `TINTED_LEAST` for a piece beside
    a shadow; and beside a shadow (pixels in its darkening range within `TINTED_RING` px) a piece must
    stand out from it by `TINTED_CONTRAST` in tint per unit of darkening. A shadow's tint is not always
    near zero (JPEG, a sweep near clipping: whites tune 0.002-0.02) but grows with its darkness (it is
    the colour of the light the shadow lacks), so per unit of darkening a shadow's pieces are alike
    (whites tune: 1.1-1.8 times the rest of their shadow) while bases stand out 3-20 times (a nearly
    neutral base, tint 0.016, beside a shadow of 0.0025). Both bars are tried because each cuts the
    pieces differently (at `TINTED_LEAST` a bluish base and its bluish shadow are one piece). A piece
    touches `base` within `TINTED_TOUCH` px: the tint's blur and the opening leave a seam of 4-5 px
    under the body (whites tune: two bulbs' bases missed by that seam alone). Whites tune 144, against
    the fixed bar: IoU 0.9706 -> 0.9762 (six bulbs' bases 0.85-0.90 -> 0.97-0.99, a bulb's bluish
    shadow and two cream mugs' tinted backdrop no longer taken: 0.89-0.94 -> 0.99)."""
    out = np.zeros_like(base)
    # all the work is on the regions unlike the backdrop that touch the body, and around them
    cand = ((unlike > 1.0) & ~base).astype(np.uint8)
    n, regions = cv2.connectedComponents(cand, connectivity=8)
    touch = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * TINTED_TOUCH + 1,) * 2)
    touching = np.zeros(n, bool)
    touching[np.unique(regions[(cand > 0) & (cv2.dilate(base.astype(np.uint8), touch) > 0)])] = True
    touching[0] = False
    box = _box(touching[regions], TINTED_RING + 2 * TINTED_TOUCH)
    if box is None:
        return out
    min_area = FLATTEN_MIN_PART * base.size
    base, unlike, rgb, background = base[box], unlike[box], rgb[box], background[box]
    tint = shadow_tint(rgb, background)
    darkening = cv2.GaussianBlur(_darkening(rgb, background), (0, 0), 2.0)
    shadowy = (darkening > SHADOW_DARKENING) & (darkening < SHADOW_DARKEST) & ~base
    # a shadow's tint grows with its darkness: compared per unit of darkening, a shadow's core and its
    # penumbra are alike
    per_dark = tint / np.maximum(darkening, SHADOW_DARKENING)
    found = out[box]
    for least in (SHADOW_TINT, TINTED_LEAST):
        pieces, stats, keep = _touching_pieces(base, (unlike > 1.0) & ~base & (tint > least), min_area)
        for lab in np.flatnonzero(keep):
            piece, ring, (y0, y1, x0, x1) = _piece_and_ring(pieces, stats[lab], lab, shadowy)
            if np.count_nonzero(ring) >= TINTED_RING_MIN:
                cast = per_dark[y0:y1, x0:x1]
                ok = float(np.median(cast[piece])) >= TINTED_CONTRAST * float(np.median(cast[ring]))
            else:
                ok = least == SHADOW_TINT  # no shadow beside it: the fixed bar decides
            if ok:
                found[y0:y1, x0:x1] |= piece
    return out


def _box(mask: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """The bounding box of `mask` grown by `margin` px (within the image), or None where it is empty."""
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if ys.size == 0:
        return None
    h, w = mask.shape
    return (
        slice(max(0, int(ys[0]) - margin), min(h, int(ys[-1]) + margin + 1)),
        slice(max(0, int(xs[0]) - margin), min(w, int(xs[-1]) + margin + 1)),
    )


def _touching_pieces(
    base: np.ndarray, cand: np.ndarray, min_area: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, stats, keep) of `cand` opened by 5 px: pieces within `TINTED_TOUCH` px of `base` that
    reach beyond its `RIM` and are large enough to be a body (`min_area` px)."""
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    if n <= 1:
        return pieces, stats, keep
    touch = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * TINTED_TOUCH + 1,) * 2)
    rim = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RIM + 1, 2 * RIM + 1))
    keep[np.unique(pieces[cand & (cv2.dilate(base.astype(np.uint8), touch) > 0)])] = True
    beyond = np.zeros(n, bool)
    beyond[np.unique(pieces[cand & (cv2.dilate(base.astype(np.uint8), rim) == 0)])] = True
    keep &= beyond & (stats[:, cv2.CC_STAT_AREA] >= min_area)
    keep[0] = False
    return pieces, stats, keep


def _piece_and_ring(
    pieces: np.ndarray, stat: np.ndarray, lab: int, shadowy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """(piece, the `shadowy` pixels within `TINTED_RING` px around it but not on its 1 px rim, box)."""
    x, y, w, h, _ = stat
    y0, y1 = max(0, y - TINTED_RING), min(pieces.shape[0], y + h + TINTED_RING)
    x0, x1 = max(0, x - TINTED_RING), min(pieces.shape[1], x + w + TINTED_RING)
    piece = pieces[y0:y1, x0:x1] == lab
    seam = cv2.dilate(piece.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    around = cv2.dilate(piece.astype(np.uint8), np.ones((2 * TINTED_RING + 1,) * 2, np.uint8)) > 0
    return piece, around & ~seam & shadowy[y0:y1, x0:x1], (y0, y1, x0, x1)


SHADOW_CAST = 0.05  # largest tint per unit of darkening of a cast shadow's core (whites tune: 0.003-0.05)


SHADOW_EVEN = 0.15  # a cast shadow's darkening varies this little (interquartile range / median)


SHADOW_OUTSIDE = 0.5  # share of a cast shadow's outline against the backdrop (it lies beside the product)


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of `values` (any range), on 256 bins."""
    lo, span = float(values.min()), max(float(np.ptp(values)), 1e-9)
    v8 = np.clip((values - lo) / span * 255.0, 0, 255).astype(np.uint8).reshape(-1, 1)
    level, _ = cv2.threshold(v8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return lo + float(level) / 255.0 * span


def neutral_shadow(base: np.ndarray, fast: FastResult, rgb: np.ndarray) -> np.ndarray:
    """The cast shadow inside the network's answer where it took a grey part and its shadow as one: of
    the answer's pixels the colour model left out that are as dark as a shadow, the group that keeps
    the backdrop's colour, split (Otsu) from a group that does not by `TINTED_CONTRAST` in tint per
    unit of darkening (see `tinted_parts`), where that group is neutral (`SHADOW_CAST`), a body of its
    own and evenly dark (`SHADOW_EVEN`: a hard shadow is one opacity).

    Whites tune: two bulbs whose network took the metal base and the shadow around it (shadows 0.003
    and 0.029 per unit of darkening against the bases' 0.054 and 0.15; spread 0.0 and 0.07). A silver
    bottle's shaded side splits from its lit side the same way (its tint falls as it darkens), but
    ramps from 7 % to 40 % darker (spread 0.35) and stays. A cast shadow lies beside the product:
    `SHADOW_OUTSIDE` of its outline is against what the answer left out (whites tune 0.73-0.86); a
    band of a grey emoji's shading split off the same way lies inside the answer (0.05) and stays.
    Whites tune 144: IoU 0.9734 -> 0.9762 (bulbs 0.81 and 0.77 -> 0.99), nothing else changed."""
    out = np.zeros_like(base)
    min_area = FLATTEN_MIN_PART * base.size
    box = _box(base & ~fast.hard, 8)  # all the work is there (8 px: the blurs' reach)
    if box is None or np.count_nonzero(base[box] & ~fast.hard[box]) < 2 * min_area:
        return out
    rgb, background, found = rgb[box], fast.background[box], out[box]
    darkening = cv2.GaussianBlur(_darkening(rgb, background), (0, 0), 2.0)
    region = base[box] & ~fast.hard[box] & (darkening > SHADOW_DARKENING) & (darkening < SHADOW_DARKEST)
    region = cv2.morphologyEx(region.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    if np.count_nonzero(region) < 2 * min_area:
        return out
    per_dark = shadow_tint(rgb, background) / np.maximum(darkening, SHADOW_DARKENING)
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), connectivity=8)
    for lab in range(1, n):
        if stats[lab, cv2.CC_STAT_AREA] < 2 * min_area:
            continue
        x, y, w, h, _ = stats[lab]
        piece = pieces[y : y + h, x : x + w] == lab
        cast = per_dark[y : y + h, x : x + w]
        split = float(np.exp(_otsu(np.log(np.maximum(cast[piece], 1e-4)))))
        low, high = piece & (cast < split), piece & (cast >= split)
        if np.count_nonzero(low) < min_area or not high.any():
            continue
        neutral = float(np.median(cast[low]))
        if neutral > SHADOW_CAST or float(np.median(cast[high])) < TINTED_CONTRAST * neutral:
            continue
        low = cv2.morphologyEx(low.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
        m, parts, part_stats, _ = cv2.connectedComponentsWithStats(low.astype(np.uint8), connectivity=8)
        keep = part_stats[:, cv2.CC_STAT_AREA] >= min_area  # bodies, not specks
        # ... lying beside the product: most of the outline against what the answer left out
        edge = inner_edge(low)
        outside = (
            cv2.dilate((~base[box][y : y + h, x : x + w]).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        )
        on_backdrop = np.bincount(parts[edge & outside], minlength=m)
        keep &= on_backdrop >= SHADOW_OUTSIDE * np.maximum(np.bincount(parts[edge], minlength=m), 1)
        keep[0] = False
        low = keep[parts]
        if not low.any():
            continue
        q25, q50, q75 = np.percentile(darkening[y : y + h, x : x + w][low], [25, 50, 75])
        if (q75 - q25) / max(float(q50), 1e-3) < SHADOW_EVEN:  # one opacity, not a shaded body's ramp
            found[y : y + h, x : x + w] |= low
    return out
