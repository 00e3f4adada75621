"""`auto` matting: the colour model where the background is clean, the network where it is not, fused.

Most product photos on white are solved exactly, and ~10x faster, by the colour model; it knows when it
is unsure (edges where product and background colours meet, dark or noisy backgrounds, a product cut by
the frame). Only those images pay for the network. Where the network runs, its mask is corrected with
what the colour model is sure of, because salient-object networks have two known failures on products:
they punch holes into large flat interiors (a laptop screen, a card, a box face) and they drop thin
parts (straps, stems, cables). Here a region enclosed by the product that is unlike the background is
product, and strongly non-background structures connected to the product stay.

White-on-white is where the colour model is blind while sure of itself: it finds the print or the dark
screen and calls the white body backdrop. It is therefore not trusted where it left faint regions out
or where its smooth backdrop surface does not describe the sweep (photographed paper, uneven light);
that residual comes from the backdrop fit alone (a thumbnail), so such images go to the network without
paying for the colour model's edge refinement. The network is blind there too: it cuts the screen or
the slot alone. Where its answer is unsure of a body or is a dark part, it takes a second look at the
photo with the backdrop divided out and amplified, where a white body stands clear of the sweep, and
what it finds there is added unless it is darker than the backdrop (a shadow). Where its answer holds a
part the colour model left out that looks like a cast shadow (darker than the sweep, of its colour), it
takes the same look only to drop what it no longer finds there; where it took a grey part (a bulb's
metal base) with the shadow around it, the group that keeps the sweep's colour, evenly dark and beside
the product, is dropped, and a grey part both models left out is added where it stands out from the
shadow beside it in tint per unit of darkening (`neutral_shadow`, `tinted_parts`). A body the colour
model found whole (unlike the backdrop through its core) beside the part the network cut is added.
Where its answer is a coloured part with faint regions against it (a plant over a white pot), or still
a dark part that no light body encloses (a screen with bits of a thin white frame), it looks once more
at the flattened photo with that part painted out, where the light body is what stands out. Where it
was unsure of a body and took no such look, or the look past a dark part found nothing while faint
regions were left, or no look found a pot under a plant, it looks at the photo on the sweep's own local
level with what it found and the shadows painted out (`light_parts`), where a pale part joined to the
found one (a printer's lighter top face above its front, a pot) is no longer one blotch among the
sweep's; for a pot, again with lighter shadows painted, then past the plant and its shadows. A hole in
the answer the colour of the matte around it is that surface missed (`even_holes`); pieces of a cast
shadow fusion or a look added are dropped (`shadow_pieces`). Where the
answer is a dark screen with bits of a light frame, the frame is completed side by side where the
photo shows its outer edge, a faint straight step along each of the screen's sides (`frames`); where
it is mostly a light upright box, the box is completed to the photo's four straight edges (`cards`).
Where it is still unsure of a white body it is read below one half if that outline lies on an image edge; an even
partial network alpha is kept as glass, and an enclosed region that matches the backdrop is not opened
as a hole where the network reads it as glass or its pixels are clipped to white. Where the network's
edge is a wide ramp (a card's or a printer's light rim), the outline is moved to the photo's own faint
step (`snap_soft_edges`), and pinholes its patchy answer leaves in a light body are filled, as are
narrow notches in a light body's outline that keep its colour (`fill_light_notches`). The quality score
(engine.matting.score) falls with each of these doubts, so batches can flag the matte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from engine.matting.branch_gaps import inside_part
from engine.matting.cards import complete_card
from engine.matting.even_holes import fill_even_holes
from engine.matting.fast import FastOptions, FastResult, backdrop_fit, drop_specks, matte_fast
from engine.matting.frames import complete_frame
from engine.matting.light_parts import (
    LOCAL_DARK,
    LOCAL_DARK_AGAIN,
    local_flatten,
    plant_alone,
    solid_pieces,
)
from engine.matting.refine import soft_alpha_from_mask
from engine.matting.score import (
    ADDED_DOUBT,
    LIGHT_BODY_HELD,
    SECOND_LOOK_LEFT_OUT,
    SOLID_NONE,
    added_beyond,
    border_mass,
    dark_below,
    fragments,
    fused_quality,
    light_above,
    light_body,
    part_below,
    undecided_kept,
)
from engine.matting.score import darkening as _darkening
from engine.matting.shadow_pieces import cast_shadow_pieces, plant_shadow
from engine.matting.top_faces import find_top_face


class MissingModel(RuntimeError):
    """The image needs the network but no model session was given."""


@dataclass(frozen=True)
class FusedResult:
    alpha: np.ndarray
    quality: float
    details: dict = field(default_factory=dict)


def model_quality(
    model_alpha: np.ndarray, fused_hard: np.ndarray, fast_hard: np.ndarray
) -> tuple[float, dict]:
    """How certain the network was (few undecided pixels relative to the outline) and how much we fixed."""
    hard = model_alpha > 0.5
    area = float(fused_hard.mean())
    if area < 1e-4:
        return 0.0, {"area": area}
    perimeter = float(
        cv2.countNonZero(cv2.morphologyEx(fused_hard.astype(np.uint8), cv2.MORPH_GRADIENT, None))
    )
    undecided = float(np.count_nonzero((model_alpha > 0.15) & (model_alpha < 0.85)))
    certainty = float(np.clip(1.0 - undecided / max(perimeter * 6.0, 1.0) * 0.5, 0.0, 1.0))
    changed = float(np.count_nonzero(hard ^ fused_hard)) / max(float(fused_hard.sum()), 1.0)
    union = np.count_nonzero(fused_hard | fast_hard)
    agreement = float(np.count_nonzero(fused_hard & fast_hard) / union) if union else 0.0
    quality = certainty * (1.0 - min(changed, 0.5)) * (0.7 + 0.3 * agreement)
    return float(np.clip(quality, 0.0, 1.0)), {
        "certainty": certainty,
        "changed": changed,
        "agreement_with_fast": agreement,
        "area": area,
    }


def background_holes(hard: np.ndarray, unlike: np.ndarray, min_fraction: float = 5e-4) -> np.ndarray:
    """Regions enclosed by the colour model's product mask whose pixels match the background model."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~hard).astype(np.uint8), connectivity=4)
    out = np.zeros(hard.shape, bool)
    if n <= 2:
        return out
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    for lab in range(1, n):
        if lab in border or stats[lab, cv2.CC_STAT_AREA] < min_fraction * hard.size:
            continue
        region = labels == lab
        core = cv2.erode(region.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0  # away from blurred rims
        values = unlike[core if core.any() else region]
        if float(np.median(values)) < 0.35 and float(np.percentile(values, 90)) < 0.8:
            out |= region
    return out


CLIPPED = 250  # an 8-bit value at or above which every channel is taken as clipped (glare, not colour)
GLASS_SPREAD = 0.2  # largest spread (10th to 90th percentile) of the network's alpha over glass


def network_keeps(region: np.ndarray, model_alpha: np.ndarray, rgb: np.ndarray) -> bool:
    """Whether an enclosed region the colour model reads as backdrop is product by the network's word:
    it called the region product (median above one half) and the backdrop evidence there is void.

    Two cases where "matches the backdrop" proves nothing: glass, which shows the backdrop through it
    and which the network reads as one even partial alpha (`SEE_THROUGH`, spread within
    `GLASS_SPREAD`), and a highlight clipped to white, which on a near-white sweep matches the sweep
    whatever lies under it (a glass bottle's specular stripe, a white card's glare). A mug's handle
    the network filled is neither: it reads it near 1, over pixels that keep the sweep's texture.
    """
    values = model_alpha[region]
    median = float(np.median(values))
    if median <= 0.5:
        return False
    clipped = float(np.mean(rgb[region].min(axis=1) >= CLIPPED))
    lo, hi = SEE_THROUGH
    spread = float(np.percentile(values, 90) - np.percentile(values, 10))
    return clipped > 0.5 or (lo < median < hi and spread < GLASS_SPREAD)


PRINT_AROUND = 12  # px around a hole looked at for the light surface beyond its enclosing stroke
# share of that band the colour model does not hold: past a stroke a few px wide (a letter's, 3-6 px at
# 1024 px), most of a 12 px band is the surface again; a mug's handle as wide as the band leaves none
PRINT_BEYOND = 0.3
PRINT_HELD = 0.95  # share of the band beyond the stroke the network holds: a surface it is sure of


def print_counter(region: np.ndarray, hard: np.ndarray, model_alpha: np.ndarray) -> bool:
    """Whether an enclosed region the colour model reads as backdrop is the inside of a mark printed on
    a light surface (the bowl of a "D" on a white card): past the thin stroke that encloses it, the
    surface around lies within `PRINT_AROUND` px again, which the colour model cannot see either
    (`PRINT_BEYOND`) and the network holds nearly whole (`PRINT_HELD`). The region is that surface: the
    same white the colour model missed all around the print. A mug's handle is not: past the handle
    lies the sweep, which the network leaves out (whites tune: white_card-15, its "D" opened)."""
    size = 2 * PRINT_AROUND + 1
    band = (cv2.dilate(region.astype(np.uint8), np.ones((size, size), np.uint8)) > 0) & ~region
    beyond = band & ~hard
    if np.count_nonzero(beyond) < PRINT_BEYOND * np.count_nonzero(band):
        return False
    return float(np.mean(model_alpha[beyond] > 0.5)) >= PRINT_HELD


def holes_to_open(
    holes: np.ndarray, model_alpha: np.ndarray, rgb: np.ndarray, hard: np.ndarray
) -> np.ndarray:
    """The `background_holes` the network does not keep as product (see `network_keeps`), nor, within the
    colour model's mask `hard` that encloses them, the inside of a print on a light surface
    (`print_counter`)."""
    if not holes.any():
        return holes
    n, labels = cv2.connectedComponents(holes.astype(np.uint8), connectivity=4)
    out = holes.copy()
    for lab in range(1, n):
        region = labels == lab
        if network_keeps(region, model_alpha, rgb) or print_counter(region, hard, model_alpha):
            out &= ~region
    return out


RIM = 3  # px around the network's outline where the colour model's outline is no better than its own


def dropped_parts(base: np.ndarray, sure: np.ndarray) -> np.ndarray:
    """Parts the colour model is sure of that the network dropped: pieces of `sure` outside `base` that
    touch it and reach more than `RIM` px beyond its outline (a strap, a stem).

    Pieces that stay within `RIM` px of the network's outline are only the two outlines disagreeing,
    and there the colour model's is the worse one: its evidence is blurred and bleeds a pixel or two
    past dark or saturated edges (JPEG halves chroma), which thickened every branch of a plant.
    """
    extra = sure & ~base
    if not extra.any():
        return extra
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RIM + 1, 2 * RIM + 1))
    near = cv2.dilate(base.astype(np.uint8), kernel) > 0
    n, labels = cv2.connectedComponents((extra | base).astype(np.uint8), connectivity=8)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[base])] = True
    m, pieces = cv2.connectedComponents(extra.astype(np.uint8), connectivity=8)
    beyond = np.zeros(m, bool)
    beyond[np.unique(pieces[extra & ~near])] = True
    beyond[0] = touching[0] = False
    return extra & touching[labels] & beyond[pieces]


SOLID_CORE = 7  # px a body the colour model found is eroded by to judge its core, not its rim


def solid_parts(base: np.ndarray, hard: np.ndarray, unlike: np.ndarray) -> np.ndarray:
    """Pieces of the colour model's product outside `base` that touch it, are large enough to be a body
    (`FLATTEN_MIN_PART`) and are unlike the backdrop in their core (`SOLID_CORE` px in; median above
    1): a light body the network left out beside the part it cut. Filled gaps and bleeding rims are
    unlike the backdrop only within a few pixels of the parts around them, so they have no such core."""
    extra = hard & ~base
    if np.count_nonzero(extra) < FLATTEN_MIN_PART * extra.size:
        return np.zeros_like(extra)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RIM + 1, 2 * RIM + 1))
    near = cv2.dilate(base.astype(np.uint8), kernel) > 0
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(extra.astype(np.uint8), connectivity=8)
    core_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * SOLID_CORE + 1,) * 2)
    keep = np.zeros(n, bool)
    touching = np.zeros(n, bool)
    touching[np.unique(pieces[extra & near])] = True
    for lab in range(1, n):
        if not touching[lab] or stats[lab, cv2.CC_STAT_AREA] < FLATTEN_MIN_PART * extra.size:
            continue
        x, y, w, h, _ = stats[lab]
        piece = (pieces[y : y + h, x : x + w] == lab).astype(np.uint8)
        core = cv2.erode(piece, core_kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
        if np.count_nonzero(core) >= 0.25 * stats[lab, cv2.CC_STAT_AREA]:
            keep[lab] = float(np.median(unlike[y : y + h, x : x + w][core])) > 1.0
    return keep[pieces]


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
        edge = _outline(low)
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


def fill_punched(mask: np.ndarray, unlike: np.ndarray, tolerance: float = 0.8, rim: int = 3) -> np.ndarray:
    """Fill the holes the network punched into a flat interior: enclosed regions unlike the backdrop.

    Unlike `fill_enclosed`, a region is judged by its core, `rim` px away from the product around it:
    near a dark or coloured part the colour evidence bleeds across a few pixels (lens blur, JPEG's
    halved chroma), so a narrow gap between a plant's branches reads as "unlike the backdrop" on every
    one of its pixels. A gap too narrow to have a core is left as the network decided it.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    if n <= 2:
        return mask
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    out = mask.copy()
    tiny = 3e-5 * mask.size
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    for lab in range(1, n):
        if lab in border:
            continue
        x, y, w, h, area = stats[lab]
        region = labels[y : y + h, x : x + w] == lab
        if area < tiny:
            out[y : y + h, x : x + w] |= region
            continue
        core = cv2.erode(region.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
        if core.any() and float(np.median(unlike[y : y + h, x : x + w][core])) > tolerance:
            out[y : y + h, x : x + w] |= region
    return out


LEVELS = (
    0.4,
    0.3,
    0.2,
    0.15,
    0.1,
    0.07,
    0.05,
)  # lower levels of the network's output tried by `network_level`
LEVEL_SIDE = 512  # side the level search runs at: outlines are long, so half the working size is plenty
LEVEL_MIN_GROWTH = 0.1  # a lower level must add this share of the product to be worth a look
LEVEL_MIN_EDGE = 1.5  # ... and its new outline must be this many times the backdrop's typical gradient


def undecided_share(model_alpha: np.ndarray) -> float:
    """Pixels the network left between 0.15 and 0.85, as a share of what it called product.

    A network that sees the product answers near 0 or 1 except on a thin outline (a few percent); on a
    white body against a white sweep it answers 0.1-0.5 over the whole body (shares of 1-15 measured).
    """
    hard = np.count_nonzero(model_alpha > 0.5)
    undecided = np.count_nonzero((model_alpha > 0.15) & (model_alpha < 0.85))
    return float(undecided) / max(float(hard), 1.0)


def network_level(rgb: np.ndarray, model_alpha: np.ndarray, background: np.ndarray | None = None) -> float:
    """The level at which to cut the network's output: 0.5 unless a lower level's outline is an edge.

    Where the network is unsure (a white card on white paper) it still answers 0.1-0.4 over the part it
    cannot separate. A lower level is right when the outline it adds lies on a real step in the image
    (the card's rim), not on backdrop texture: its new outline's median gradient is compared with the
    image's typical gradient. The search runs at `LEVEL_SIDE` on blurred luminance, which is cheap.

    A cast shadow's outline is a real step too, and where a look dropped a shadow the network's
    leftover answer over it lies just below one half. With `background`, a level whose added region
    is darker than the backdrop by a shadow's share (`SHADOW_DARKENING`, median) is not taken: the
    lower levels are for light bodies the network is unsure of, which are not darker than the sweep
    (whites tune 144: bF 0.9463 -> 0.9477; a bulb whose dropped shadow a level of 0.15 took back,
    bF 0.68 -> 0.85).
    """
    h, w = model_alpha.shape
    scale = min(1.0, LEVEL_SIDE / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    lum = cv2.GaussianBlur(cv2.resize(lum, size, interpolation=cv2.INTER_AREA), (0, 0), 1.5)
    net = cv2.resize(model_alpha, size, interpolation=cv2.INTER_AREA)
    gradient = cv2.magnitude(cv2.Sobel(lum, cv2.CV_32F, 1, 0), cv2.Sobel(lum, cv2.CV_32F, 0, 1))
    typical = float(np.median(gradient)) + 1e-6
    half = net > 0.5
    half_area = max(float(half.sum()), 1.0)
    near_half = cv2.dilate(_outline(half).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    darkening = None
    best, best_edge = 0.5, LEVEL_MIN_EDGE
    for level in LEVELS:
        mask = net > level
        if (float(mask.sum()) - half_area) / half_area < LEVEL_MIN_GROWTH:
            continue
        if background is not None:
            if darkening is None:
                small = cv2.resize(background, size, interpolation=cv2.INTER_AREA)
                darkening = _darkening(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), small)
            if float(np.median(darkening[mask & ~half])) > SHADOW_DARKENING:
                continue  # what this level adds is a shadow's rim, not a light body
        new_outline = _outline(mask) & ~near_half
        if np.count_nonzero(new_outline) < 20:
            continue
        edge = float(np.median(gradient[new_outline])) / typical
        if edge >= best_edge:
            best, best_edge = level, edge
    return best


def _outline(mask: np.ndarray) -> np.ndarray:
    return mask & ~(cv2.erode(mask.astype(np.uint8), None) > 0)


SEE_THROUGH = (0.35, 0.92)  # network alpha that reads as partial transparency, not as an unsure edge
SEE_THROUGH_EVEN = 0.04  # largest local spread of that alpha: glass is even, an unsure network blotchy


def see_through_mask(model_alpha: np.ndarray, unlike: np.ndarray, fused: np.ndarray) -> np.ndarray:
    """Interior pixels where the network's alpha is an even plateau between `SEE_THROUGH` and the colour
    model sees the backdrop through the product (evidence below 1): glass, a flame's glow.

    An unsure network on an opaque white body also answers between 0 and 1, but in blotches; the local
    spread (9 px box) tells the two apart. Small plateaus (a soft rim) are left to edge refinement.
    """
    lo, hi = SEE_THROUGH
    plateau = (model_alpha > lo) & (model_alpha < hi) & (unlike < 1.0)
    if not plateau.any():
        return plateau
    mean = cv2.blur(model_alpha, (9, 9))
    spread = np.sqrt(np.maximum(cv2.blur(model_alpha * model_alpha, (9, 9)) - mean * mean, 0.0))
    interior = cv2.erode(fused.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    plateau &= (spread < SEE_THROUGH_EVEN) & interior
    plateau = cv2.morphologyEx(plateau.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    return drop_specks(plateau, 5e-4) if plateau.any() else plateau


def fuse(
    rgb: np.ndarray, model_alpha: np.ndarray, fast: FastResult, *, search_level: bool = True
) -> FusedResult:
    """Network mask + colour-model corrections, refined to a soft alpha on the image's own edges.

    `search_level=False` keeps the network's cut at one half: where its second look at the flattened
    photo already found the body, reading its doubtful first answer lower only adds backdrop.
    """
    img = rgb.astype(np.float32) / 255.0
    undecided = undecided_share(model_alpha)
    level = network_level(rgb, model_alpha, fast.background) if search_level and undecided > 0.1 else 0.5
    base = model_alpha > level
    # a cast shadow the network took together with a grey part in it: the neutral group of the two
    base &= ~neutral_shadow(base, fast, rgb)
    unlike = fast.evidence

    # Thin parts the network dropped: colour-model product pixels that are clearly unlike the background
    # and connected to what the network found.
    fused = base | dropped_parts(base, fast.hard & (unlike > 2.0))
    # Bodies the colour model found whole that the network left out beside a coloured part it cut (a
    # white pot under a plant): unlike the backdrop in their core, not only on a bleeding rim.
    fused |= solid_parts(fused, fast.hard, unlike)
    # neither of them a hard cast shadow joined to the body's side, which the colour model is as sure of
    extra = fused & ~base
    if extra.any():
        dark = cv2.GaussianBlur(_darkening(rgb, fast.background), (0, 0), 2.0)
        tint = shadow_tint(rgb, fast.background)
        fused &= ~cast_shadow_pieces(extra, dark, tint, SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT)
    # Grey parts neither found: unlike the backdrop and tinted, so not a shadow (a bulb's metal base
    # in its own shadow, which the colour model calls shadow and the network leaves out).
    fused |= tinted_parts(fused, unlike, rgb, fast.background)

    # Holes the network punched into flat interiors: enclosed and unlike the background -> product.
    fused = fill_punched(fused, unlike)
    # Holes the network filled (a mug handle, the gap of a strap): enclosed by the colour model's mask and
    # indistinguishable from the modelled background, strictly (a white label differs by a few percent);
    # not glass the network reads evenly, nor a clipped highlight, where matching the backdrop is no proof,
    # nor the inside of a letter printed on a light surface the network holds all around it.
    fused &= ~holes_to_open(background_holes(fast.hard, unlike), model_alpha, rgb, fast.hard)
    fused = drop_specks(fused, 2e-4)
    # Where the network's edge is a wide ramp, the outline goes to the photo's own faint step.
    fused, snapped = snap_soft_edges(rgb, fast.background, fused, model_alpha)
    # Pinholes in a light body where the network's answer dipped (a white phone's frame): filled.
    darkening = _darkening(rgb, fast.background)
    fused = fill_light_pinholes(fused, darkening)
    # and narrow notches in a light body's outline that have its colour (a strip of a phone's frame)
    fused = fill_light_notches(fused, rgb, fast.background, darkening)

    alpha, _ = soft_alpha_from_mask(img, fused, band=3)
    # Where the colours cannot tell product from background (white on white) keep the network's edge,
    # unless it was soft and the outline was moved to the photo's step.
    edge = (alpha > 0.0) & (alpha < 1.0)
    low_contrast = edge & (unlike < 1.0) & base & ~snapped
    alpha = np.where(low_contrast, np.maximum(alpha, model_alpha), alpha).astype(np.float32)
    # Glass and glow: where the network gives an even, partial alpha over a body the colour model sees
    # through (the backdrop shows), that partial alpha is the answer, not a solid interior. Not where the
    # network had to be read below one half: its partial answers there are doubt, not transparency.
    if level == 0.5:
        see_through = see_through_mask(model_alpha, unlike, fused)
        alpha = np.where(see_through, model_alpha, alpha).astype(np.float32)
    # and pinholes the soft edge or the see-through rule left in a light body (a phone's thin frame)
    solid = alpha > 0.5
    pinholes = fill_light_pinholes(solid, darkening) & ~solid
    alpha[pinholes] = 1.0
    quality, details = model_quality(model_alpha, fused, fast.hard)
    return FusedResult(alpha, quality, {**details, "network_level": level, "network_undecided": undecided})


NOTCH = 7  # px: gaps in the outline narrower than twice this are looked at as notches
NOTCH_LIGHT = 0.3  # share of the product flanking a notch that must be light
NOTCH_CONTRAST = 0.01  # the light body's colour (ratio to the backdrop) differs from the sweep's by this


def fill_light_notches(
    mask: np.ndarray, rgb: np.ndarray, background: np.ndarray, darkening: np.ndarray
) -> np.ndarray:
    """Narrow gaps in the outline of a light body (what a closing by `NOTCH` px adds) filled where
    their colour (ratio to the backdrop) is the light body's beside them rather than the sweep's
    further out: a strip of a phone's white frame the network read below one half.

    The light body's colour is taken from the light product pixels flanking the gap, the sweep's from
    beyond the closing, and the two must differ (`NOTCH_CONTRAST`); most of the gap's pixels must be
    nearer the body's. A gap flanked mostly by dark or coloured product (less than `NOTCH_LIGHT` of
    its flank light: the backdrop between a plant's stems, tinted by their bleeding colour) is left
    open. Whites tune 144: phones' boundary F 0.857 -> 0.870 (a phone's frame strip 0.795 -> 0.896),
    silver bottles' rims 0.968 -> 0.970, no image worse by more than 0.002; ~12 ms an image."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * NOTCH + 1,) * 2)
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel) > 0
    cand = closed & ~mask
    if not cand.any():
        return mask
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    out = mask.copy()
    light = darkening < SHADOW_DARKENING
    pad = 3 * NOTCH
    for lab in range(1, n):
        x, y, w, h, area = stats[lab]
        if area < 20:
            continue
        y0, y1 = max(0, y - pad), min(mask.shape[0], y + h + pad)
        x0, x1 = max(0, x - pad), min(mask.shape[1], x + w + pad)
        piece = pieces[y0:y1, x0:x1] == lab
        ratio = rgb[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 255.0)
        ratio /= np.maximum(background[y0:y1, x0:x1], 1e-3)
        near = cv2.dilate(piece.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
        far = cv2.dilate(piece.astype(np.uint8), np.ones((2 * pad + 1,) * 2, np.uint8)) > 0
        flank = near & mask[y0:y1, x0:x1] & ~piece
        inner = flank & light[y0:y1, x0:x1]
        outer = far & ~closed[y0:y1, x0:x1]
        if np.count_nonzero(inner) < max(20, NOTCH_LIGHT * np.count_nonzero(flank)):
            continue  # a gap between dark or coloured parts (a plant's stems): not a light body's
        if np.count_nonzero(outer) < 20:
            continue
        fg = np.median(ratio[inner], axis=0)
        bg = np.median(ratio[outer], axis=0)
        if float(np.linalg.norm(fg - bg)) < NOTCH_CONTRAST:
            continue
        values = ratio[piece]
        to_fg = np.linalg.norm(values - fg, axis=1)
        to_bg = np.linalg.norm(values - bg, axis=1)
        if float(np.mean(to_fg < to_bg)) > 0.6:
            out[y0:y1, x0:x1] |= piece
    return out


PINHOLE = 3e-4  # image share below which an enclosed hole in a light body is a dip, not a hole


def fill_light_pinholes(mask: np.ndarray, darkening: np.ndarray) -> np.ndarray:
    """The mask with enclosed holes smaller than `PINHOLE` filled where what surrounds them is light
    (median darkening of a 3 px ring below `SHADOW_DARKENING`).

    Where the network reads a white body only patchily (a phone's thin frame from the flattened
    photo), its answer dips below one half in spots and leaves pinholes that match the backdrop, so
    no colour rule fills them (whites tune: 21 such holes of 8-223 px, all product). True holes that
    small are the gaps of an open shape, and those are ringed by its dark or coloured branches
    (median darkening 0.53-0.64); a mug's handle hole is far larger."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    if n <= 2:
        return mask
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    small = stats[:, cv2.CC_STAT_AREA] < PINHOLE * mask.size
    small[border] = False
    small[0] = False
    out = mask.copy()
    for lab in np.flatnonzero(small):
        x, y, w, h, _ = stats[lab]
        y0, y1, x0, x1 = (
            max(0, y - 3),
            min(mask.shape[0], y + h + 3),
            max(0, x - 3),
            min(mask.shape[1], x + w + 3),
        )
        region = labels[y0:y1, x0:x1] == lab
        ring = (cv2.dilate(region.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0) & ~region
        if float(np.median(darkening[y0:y1, x0:x1][ring])) < SHADOW_DARKENING:
            out[y0:y1, x0:x1] |= region
    return out


SNAP_BAND = 8  # px either side of a soft outline within which its edge may move to the photo's step
SNAP_SOFT = 0.5  # share of undecided network pixels around an outline pixel above which its edge is soft
SNAP_CONTRAST = (0.01, 0.15)  # step (ratio to the backdrop, RGB distance) between the sides it snaps to


def _fill_from(values: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """`values` known where `weight` is 1 spread into their neighbourhood (normalised convolution)."""
    wsum = cv2.GaussianBlur(weight, (0, 0), sigma)
    num = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
    return num / np.maximum(wsum, 1e-6)[..., None], wsum


def snap_soft_edges(
    rgb: np.ndarray, background: np.ndarray, mask: np.ndarray, model_alpha: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The mask with its outline moved to the photo's own step where the network's edge is soft.

    On white-on-white the network answers a white card's or a printer's light top with a ramp 15-20 px
    wide whose one-half crossing wanders 4-7 px either side of the rim (whites tune), while the photo
    still holds a step there: a colour cast of 1-3 % and a slight brightening, too faint for the colour
    model's threshold but steady along the rim. Within `SNAP_BAND` px of such an outline the two sides'
    colours are taken from beyond the band (the photo divided by the backdrop, smoothed), each pixel's
    share of them is solved as in the compositing equation and smoothed along the rim, and the outline
    goes where that share crosses one half. Crisp network edges (a shrub's branches, a mug) and steps
    outside `SNAP_CONTRAST` (too faint to place, or strong ones the colour model sees itself, such as a
    phone screen's edge beyond its thin frame) keep the network's outline. Whites tune: a band of 6 px
    scored higher (bF 0.952 against 0.949) but moved two emoji edges off. Returns (mask, zone that was snapped)."""
    zone = np.zeros(mask.shape, bool)
    outline = _outline(mask)
    if not outline.any():
        return mask, zone
    side = 2 * SNAP_BAND + 1
    undecided = ((model_alpha > 0.1) & (model_alpha < 0.9)).astype(np.float32)
    soft = cv2.boxFilter(undecided, -1, (side, side)) > SNAP_SOFT
    seeds = outline & soft
    if not seeds.any():
        return mask, zone
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    near = cv2.dilate(seeds.astype(np.uint8), kernel) > 0
    # only the zone's box, with room for the side colours' blur
    ys, xs = np.nonzero(near)
    pad = 6 * SNAP_BAND
    y0, y1 = max(0, ys.min() - pad), min(mask.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(mask.shape[1], xs.max() + pad + 1)
    box = mask[y0:y1, x0:x1].astype(np.uint8)
    ratio = rgb[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 255.0)
    ratio /= np.maximum(background[y0:y1, x0:x1], 1e-3)
    ratio = cv2.GaussianBlur(ratio, (0, 0), 1.5)
    # the sides' colours only from pixels near the backdrop's: a faint rim's, not a print's or a
    # screen's beyond it, which the wide blur would otherwise mix in
    lo, hi = SNAP_CONTRAST
    faint = (np.sum((ratio - 1.0) ** 2, axis=2) < hi * hi).astype(np.uint8)
    inner = (cv2.erode(box, kernel) & faint).astype(np.float32)
    outer = ((1 - cv2.dilate(box, kernel)) & faint).astype(np.float32)
    fg, fg_w = _fill_from(ratio, inner, 2.0 * SNAP_BAND)
    bg, bg_w = _fill_from(ratio, outer, 2.0 * SNAP_BAND)
    diff = fg - bg
    denom = np.sum(diff * diff, axis=2)
    share = np.sum((ratio - bg) * diff, axis=2) / np.maximum(denom, 1e-9)
    share = cv2.GaussianBlur(np.clip(share, 0.0, 1.0), (0, 0), 2.0)
    ok = near[y0:y1, x0:x1] & (fg_w > 0.05) & (bg_w > 0.05) & (denom > lo * lo) & (denom < hi * hi)
    if not ok.any():
        return mask, zone
    # never out into a shadow: what the snap adds is no darker than the backdrop (a bottle's contact
    # shadow is a step too, and the side colour beyond the band mixes it with the sweep)
    lum = ratio @ np.array([0.299, 0.587, 0.114], np.float32)
    new = (share > 0.5) & ((box > 0) | (1.0 - lum < SHADOW_DARKENING))
    out = mask.copy()
    out[y0:y1, x0:x1] = np.where(ok, new, box > 0)
    zone[y0:y1, x0:x1] = ok
    return out, zone


FAINT_FRACTION = 0.06  # image share of faint, coherent departures beyond which the colour model is blind
FAINT_BLOB = 0.5  # one faint region this large next to the found product (as a share of it): blind


def faint_mask(fast: FastResult, upper: float = 1.0) -> np.ndarray:
    """What the colour model sees but cannot decide: coherent regions that depart from the modelled
    backdrop a little (evidence 0.3-1, below its product threshold), away from the product it found.

    White, cream and silver products on a white sweep are exactly that: a white printer whose body
    differs from the paper by 3 %, the white frame around a phone's screen, a white pot under a plant.
    The colour model then reports a confident small product (the print, the screen, the leaves) and
    calls the rest backdrop. Backdrop texture and noise are fine-grained and are removed by the blur
    and the opening, so they do not count. `upper`: the evidence below which a region is faint
    (`LOOK_PAST_UPPER` for the look past a coloured part: anything the colour model left out).
    """
    e = cv2.GaussianBlur(fast.evidence, (0, 0), 3.0)
    near = cv2.dilate(fast.hard.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    faint = ((e > 0.3) & (e < upper) & ~near).astype(np.uint8)
    return cv2.morphologyEx(faint, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8)) > 0


def faint_departures(fast: FastResult) -> tuple[float, float]:
    """(share of the image that is faint, largest faint region / product area); see `faint_mask`."""
    faint = faint_mask(fast)
    n, _, stats, _ = cv2.connectedComponentsWithStats(faint.astype(np.uint8), connectivity=8)
    largest = float(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0.0
    return float(faint.mean()), largest / max(float(fast.hard.sum()), 1.0)


def left_out_faint(fast: FastResult, final: np.ndarray, upper: float = 1.0) -> float:
    """Faint regions touching the final product mask but not in it, as a share of that mask.

    Where both the colour model and the network leave out a faint region right against the product
    (a white pot under a plant, a phone's white frame), nobody has looked at it properly: the matte
    is doubtful, whatever the network's own certainty says.
    """
    faint = faint_mask(fast, upper) & ~final
    if not faint.any():
        return 0.0
    ring = cv2.dilate(final.astype(np.uint8), np.ones((31, 31), np.uint8)) > 0
    n, labels = cv2.connectedComponents(faint.astype(np.uint8), connectivity=8)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[ring & faint])] = True
    touching[0] = False
    return float(touching[labels].sum()) / max(float(final.sum()), 1.0)


FLATTEN_GAIN = 4.0  # departures from the backdrop are amplified this much for the network's second look
FLATTEN_LEVEL = 0.85  # where the backdrop itself lands (light grey: room above it for white bodies)
FLATTEN_MIN_PART = 1e-3  # smallest part (image share) the second look may add: bodies, not specks
SHADOW_DARKENING = 0.06  # a region this much darker than the backdrop (median) may be a shadow
SHADOW_DARKEST = 0.5  # ... and one darker than this is a dark part (a screen, a slot), not a shadow


SECOND_LOOK_UNDECIDED = 0.1  # an undecided share above an outline's: the network was unsure of a body
SECOND_LOOK_DARK = 0.25  # what it found is this much darker than the backdrop (median): a screen, a slot
SECOND_LOOK_NEUTRAL = 0.08  # ... and this colourless (median chroma of its ratio to the backdrop)

SHADOW_PART = "shadow-like part"  # a part only the network took that looks like a cast shadow
UNSURE = "unsure"  # the network's answer is undecided over much of a body
LOOK_AGAIN = (UNSURE, "nothing found", "dark part", SHADOW_PART)  # reasons for the second look
COLOURED_PART = "coloured part"  # a dark part that is coloured: the second look would add nothing


def second_look_reason(first: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> str | None:
    """Why the network's answer may have missed a light body, or None: it was unsure over a body
    ("unsure"), found nothing, or found a dark part (a phone's screen, a printer's slot, a bulb's grey
    base) that may sit in a white body it could not see. Light products it found whole (a cream mug,
    glass, a silver bottle) need no second look.

    A dark part that is coloured (leaves: chroma 0.23-0.32 against a screen's or a slot's 0.01-0.03)
    is `COLOURED_PART`: the network already tells a coloured part from a light one on the photo, and
    on the flattened photo it found nothing more around one (whites tune split, 40 shots: 5 of 5
    plants, IoU unchanged); that look is not taken, but what it would have looked for (a white pot)
    remains a doubt for the score. Whites tune: 9 second looks, every one that changed the matte.
    """
    if undecided_share(first) > SECOND_LOOK_UNDECIDED:
        return UNSURE
    if not (first > 0.5).any():
        return "nothing found"
    return dark_part(first, rgb, background)


SHADOW_PART_EDGE = 20  # px of a part's outline, against the backdrop, that make it a part of its own
SHADOW_PART_SOFT = 0.28  # steepest step across that outline, per px, as a share of the part's darkening


def shadow_like_part(first: np.ndarray, fast: FastResult, rgb: np.ndarray) -> bool:
    """Whether the network's answer holds a part the colour model left out that looks like a cast
    shadow: darker than the backdrop by a shadow's share (`SHADOW_DARKENING` to `SHADOW_DARKEST`, on a
    blurred darkening), keeping the backdrop's colour (`SHADOW_TINT`), large enough to be a body
    (`FLATTEN_MIN_PART`) and with an outline of its own against the backdrop.

    On a light sweep a hard cast shadow is a solid grey shape touching the product, and the network
    takes it as product (whites tune, 48 shots: a silver bottle's and a bulb's cast shadows, IoU 0.81
    and 0.82). Colour alone cannot tell such a shadow from a grey part in its own shadow (a bulb's
    metal base, a silver bottle's shaded side: tints 0.005-0.02 against the shadows' 0.003-0.013), so
    this only asks for the second look, on the flattened photo, where the network reads a shadow as
    darker backdrop and `merge_flattened` drops what it no longer finds there.

    A cast shadow's own outline is a ramp (the penumbra), a product's is a step: across the part's
    outline against the backdrop the darkening rises by at most `SHADOW_PART_SOFT` of its depth per
    pixel (median; whites tune, 96 shots: cast shadows 0.18-0.25, a bulb's base 0.30, silver bottles'
    shaded sides 0.4-0.64, whose second look dropped the side: IoU 0.987 -> 0.909)."""
    found = first > 0.5
    cand = found & ~fast.hard
    if not cand.any():
        return False
    darkening = cv2.GaussianBlur(_darkening(rgb, fast.background), (0, 0), 2.0)
    cand &= (darkening > SHADOW_DARKENING) & (darkening < SHADOW_DARKEST)
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    if np.count_nonzero(cand) < FLATTEN_MIN_PART * cand.size:
        return False
    cand &= shadow_tint(rgb, fast.background) < SHADOW_TINT
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    inner = cv2.erode(found.astype(np.uint8), None) > 0
    sharp = cv2.GaussianBlur(_darkening(rgb, fast.background), (0, 0), 0.8)
    sharp = cv2.magnitude(cv2.Sobel(sharp, cv2.CV_32F, 1, 0), cv2.Sobel(sharp, cv2.CV_32F, 0, 1)) / 8.0
    sharp = cv2.dilate(sharp, np.ones((7, 7), np.uint8))
    for lab in range(1, n):
        if stats[lab, cv2.CC_STAT_AREA] < FLATTEN_MIN_PART * cand.size:
            continue
        x, y, w, h, _ = stats[lab]
        y0, y1, x0, x1 = max(0, y - 6), y + h + 6, max(0, x - 6), x + w + 6
        piece = pieces[y0:y1, x0:x1] == lab
        rest = found[y0:y1, x0:x1] & ~piece
        far = cv2.dilate(rest.astype(np.uint8), np.ones((9, 9), np.uint8)) == 0
        outline = piece & ~(cv2.erode(piece.astype(np.uint8), None) > 0) & ~inner[y0:y1, x0:x1] & far
        if np.count_nonzero(outline) < SHADOW_PART_EDGE:
            continue
        depth = max(float(np.median(darkening[y0:y1, x0:x1][piece])), 1e-3)
        if float(np.median(sharp[y0:y1, x0:x1][outline])) / depth < SHADOW_PART_SOFT:
            return True
    return False


def dark_part(first: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> str | None:
    """ "dark part" or `COLOURED_PART` where what the network found is darker than the backdrop by
    `SECOND_LOOK_DARK` (median), colourless or not (`SECOND_LOOK_NEUTRAL`); None for a light answer."""
    found = first > 0.5
    if not found.any():
        return None
    ratio = rgb[found].astype(np.float32) * np.float32(1.0 / 255.0) / np.maximum(background[found], 1e-3)
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    lum = ratio @ weights
    if float(np.median(1.0 - lum)) <= SECOND_LOOK_DARK:
        return None
    chroma = np.linalg.norm(ratio - lum[:, None], axis=1)
    return COLOURED_PART if float(np.median(chroma)) > SECOND_LOOK_NEUTRAL else "dark part"


def flatten_backdrop(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The photo with the colour model's backdrop divided out and what departs from it amplified.

    A white printer that is 3 % brighter than its paper sweep, under uneven light, is invisible to
    the network: it cuts the dark slot alone. Divided by the fitted backdrop, the sweep becomes an even
    light grey, and amplified `FLATTEN_GAIN` times the body stands 12 % above it with a clear outline;
    the network then sees it (tune split: white printers 0.05-0.20 -> 0.97 IoU, phones' white frames
    0.74-0.83 -> 0.92-0.99). Its cost: shadows are amplified as much, and look solid.
    """
    ratio = rgb.astype(np.float32) * np.float32(1.0 / 255.0) / np.maximum(background, 1e-3)
    out = (FLATTEN_LEVEL + (ratio - 1.0) * FLATTEN_GAIN) * 255.0
    return np.clip(out, 0.0, 255.0).astype(np.uint8)


def merge_flattened(
    first: np.ndarray, second: np.ndarray, rgb: np.ndarray, background: np.ndarray, *, add: bool = True
) -> tuple[np.ndarray, float]:
    """The network's answer on the photo, plus what it found only on the flattened photo, unless that
    is darker than the backdrop (a shadow the amplification made look solid: a cream mug's floor
    shadow was cut as product); minus what only the first answer had, where that is a shadow's
    darkening (a printer's cast shadow, which the flattened photo shows as a shadow, not a body).
    `add=False` only drops: where the look was taken for a shadow, the first answer found the body
    whole, and what the flattened photo adds around it is glow or the backdrop's falloff (whites tune:
    a bulb's halo). Returns (alpha, share of the image added)."""
    base = first > 0.5
    added = (second > 0.5) & ~base if add else np.zeros_like(base)
    # the two answers' outlines differ by a pixel or two everywhere; only parts beyond that are news
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RIM + 1, 2 * RIM + 1))
    near = cv2.dilate(base.astype(np.uint8), kernel) > 0
    n, pieces = cv2.connectedComponents(added.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(pieces[added & ~near])] = True
    keep &= np.bincount(pieces.ravel(), minlength=n) >= FLATTEN_MIN_PART * added.size
    keep[0] = False
    darkening = _darkening(rgb, background)
    for lab in np.flatnonzero(keep):
        keep[lab] = float(np.median(darkening[pieces == lab])) < SHADOW_DARKENING
    accepted = keep[pieces]
    merged = np.where(accepted, np.maximum(first, second), first).astype(np.float32)
    # the other way round: a part of the first answer that the second look drops and that is darker
    # than the backdrop, but not as dark as a product's dark part, is a shadow the first look took
    dropped = base & (second < 0.5)
    far = cv2.dilate((second > 0.5).astype(np.uint8), kernel) == 0
    n, pieces = cv2.connectedComponents(dropped.astype(np.uint8), connectivity=8)
    out = np.zeros(n, bool)
    # a shadow is a body beyond the second answer, not a strip along its outline (a silver bottle's
    # shaded side, a few pixels wide, where the two answers' outlines disagree)
    core = cv2.morphologyEx((dropped & far).astype(np.uint8), cv2.MORPH_OPEN, kernel) > 0
    out[np.unique(pieces[core])] = True
    out &= np.bincount(pieces.ravel(), minlength=n) >= FLATTEN_MIN_PART * dropped.size
    out[0] = False
    for lab in np.flatnonzero(out):
        med = float(np.median(darkening[pieces == lab]))
        out[lab] = SHADOW_DARKENING < med < SHADOW_DARKEST
    # ... and of such a piece only what keeps the backdrop's colour: a grey part in its own shadow
    # (a bulb's metal base) comes in one piece with the shadow but tints the backdrop's colour
    shadow = out[pieces] & (shadow_tint(rgb, background) < SHADOW_TINT)
    # only the body and its rim: strips along the outline that join it are the outlines disagreeing
    shadow &= cv2.dilate((core & out[pieces]).astype(np.uint8), kernel) > 0
    merged[shadow] = np.minimum(merged[shadow], second[shadow])
    return merged, float(accepted.mean())


SHADOW_TINT = 0.02  # colour change (chroma of the ratio to the backdrop) a shadow stays below


def shadow_tint(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Chroma of the photo's ratio to the backdrop, blurred (sigma 2 px) against noise and JPEG.

    A shadow darkens the backdrop and keeps its colour (whites tune: 0.005); a grey or metal part
    seldom matches the backdrop's cast (a bulb's base: 0.03-0.04 where it sits in a shadow)."""
    ratio = cv2.GaussianBlur(rgb.astype(np.float32) * np.float32(1.0 / 255.0), (0, 0), 2.0)
    ratio /= np.maximum(background, 1e-3)
    lum = ratio @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.linalg.norm(ratio - lum[..., None], axis=2)


DARK_RIM = 0.05  # share of the answer's outer band that is dark beyond which no light body encloses it


def dark_rim(alpha: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> float:
    """Share of the answer's outer band (2-6 px inside its outline) as dark as a dark part.

    A phone found whole has its white frame there (whites tune: 0.0); one found as the screen with
    bits of its frame has the screen's edge there (0.14-0.76), and its frame is still to be found.
    """
    hard = (alpha > 0.5).astype(np.uint8)
    band = (cv2.erode(hard, np.ones((5, 5), np.uint8)) > 0) & ~(
        cv2.erode(hard, np.ones((13, 13), np.uint8)) > 0
    )
    if not band.any():
        return 0.0
    return float(np.mean(_darkening(rgb[band][None], background[band][None]) > SECOND_LOOK_DARK))


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
    rgb: np.ndarray,
    background: np.ndarray,
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
    darkening = cv2.GaussianBlur(_darkening(rgb, background), (0, 0), 2.0)
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
    keep &= np.bincount(pieces.ravel(), minlength=n) >= FLATTEN_MIN_PART * added.size
    keep[0] = False
    # a body has an outline of its own against the backdrop: a piece ringed by the painted zone is a
    # gap the paint closed (backdrop between a plant's branches), outlined by the paint's edge alone
    edge = _outline(added)
    by_paint = edge & (cv2.dilate(zone.astype(np.uint8), np.ones((2 * BESIDE_RING + 1,) * 2, np.uint8)) > 0)
    ringed = np.bincount(pieces[by_paint], minlength=n) > BESIDE_ENCLOSED * np.bincount(
        pieces[edge], minlength=n
    )
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


def merge_light_parts(
    first: np.ndarray,
    look: np.ndarray,
    zone: np.ndarray,
    painted: np.ndarray,
    rgb: np.ndarray,
    background: np.ndarray,
) -> tuple[np.ndarray, float]:
    """`first` plus the light, solid bodies the look on `light_parts.local_flatten`'s image found
    against the found part: `merge_beside`'s rules (outside the painted zone and touching it, no
    darker than a light body, not a gap the paint closed, large enough) on the look's answer outside
    what was painted, of which only solid pieces are kept (`light_parts.solid_pieces`: the sweep's
    texture strokes, amplified, are outlined too). Returns (alpha, share of the image added)."""
    look = np.where(painted & ~zone, 0.0, look).astype(np.float32)
    merged, _ = merge_beside(first, look, zone, rgb, background)
    added = (merged > 0.5) & ~(first > 0.5)
    body = solid_pieces(added & ~zone)
    # the painted rim between a kept body and the found part, not the rim along a dropped piece
    reach = 2 * (BESIDE_ZONE + 2) + 1
    added = body | (added & zone & (cv2.dilate(body.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0))
    return np.where(added, 1.0, first).astype(np.float32), float(added.mean())


def look_past_shadows(
    first: np.ndarray, model_predict, flat: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, float]:
    """The look past a plant (`paint_out`) once more with the shadows painted out too (darker than the
    backdrop by `SHADOW_DARKENING`): a plant's cast shadow on the flattened photo is the salient thing
    once the plant is gone, and the network cuts it instead of the pot. Merged as the look past a
    plant (`merge_beside`). Returns (alpha, share of the image added)."""
    painted, zone = paint_out(flat, first)
    darkening = cv2.GaussianBlur(_darkening(rgb, background), (0, 0), 2.0)
    painted[(darkening > SHADOW_DARKENING) & ~zone] = np.uint8(round(FLATTEN_LEVEL * 255))
    return merge_beside(first, model_predict(painted), zone, rgb, background, plant=True)


def look_on_local_level(
    first: np.ndarray, model_predict, rgb: np.ndarray, background: np.ndarray, dark: float = LOCAL_DARK
) -> tuple[np.ndarray, float]:
    """The network's look at `light_parts.local_flatten`'s image of the photo (the found part, grown
    by its soft rim above 0.1, and the shadows painted out), merged by `merge_light_parts`.
    Returns (alpha, share of the image added)."""
    image, zone, painted = local_flatten(rgb, background, first > 0.1, SHADOW_DARKENING, dark)
    return merge_light_parts(first, model_predict(image), zone, painted, rgb, background)


# A backdrop the smooth surface leaves this much unexplained hides light products.
BACKDROP_RESIDUAL = 0.008


def fast_trust(fast: FastResult) -> tuple[float, dict]:
    """The colour model's own confidence, lowered where it is blind: faint departures it left out, or a
    backdrop its smooth surface does not describe.

    The second is what the colour model cannot see by construction: on photographed paper or cloth, lit
    unevenly, the surface fit leaves a residual (robust sigma on its thumbnail) of 0.012-0.016, and a
    white frame or a glass body that departs from the paper by less than that is invisible to it while
    it reports high confidence in the dark or coloured part it did find. Clean studio sweeps leave at
    most 0.0056 (the emoji tune shots); whites tune shots that passed the other checks left 0.012-0.016.
    """
    share, blob = faint_departures(fast)
    residual = float(fast.details.get("bg_noise", 0.0))
    left_faint = share > FAINT_FRACTION or blob > FAINT_BLOB
    blind = left_faint or residual > BACKDROP_RESIDUAL
    penalty = float(np.clip(1.0 - (share - 0.03) / 0.06, 0.0, 1.0)) if not blind else 0.0
    trust = fast.confidence * (0.5 + 0.5 * penalty) if not blind else min(fast.confidence, 0.5) * 0.5
    return float(trust), {
        "faint_share": share,
        "faint_blob": blob,
        "backdrop_residual": residual,
        "left_faint": left_faint,
        "colour_model_blind": blind,
    }


def matte_auto(
    rgb: np.ndarray,
    model_predict,
    *,
    route_threshold: float = 0.8,
    fast_options: FastOptions | None = None,
    fit: tuple[np.ndarray, float, np.ndarray] | None = None,
) -> tuple[np.ndarray, str, float, dict]:
    """(alpha, method, quality, details) at the size of `rgb`; `model_predict` is called only if needed.
    `fit`: the `backdrop_fit` of `rgb` with `fast_options`, where the caller made it already (a batch's
    network stage decides with it whether auto can ask for further looks at all).

    The backdrop fit comes first (a thumbnail, cheap): where its residual says the colour model is
    blind and a network is at hand, the colour model stops at its segmentation (its edge refinement and
    confidence would decide nothing) and the network runs. Where the network's first answer is unsure of
    a body or is a dark part that may sit in a light one, it takes a second look at the photo with the
    backdrop divided out (`flatten_backdrop`), and what it finds there is merged (`merge_flattened`).
    """
    fit = fit if fit is not None else backdrop_fit(rgb, fast_options)
    probe_blind = model_predict is not None and fit[1] > BACKDROP_RESIDUAL
    fast = matte_fast(rgb, fast_options, fit=fit, refine=not probe_blind)
    trust, blind = fast_trust(fast)
    details = {"fast_confidence": fast.confidence, **fast.details, **blind}
    if (
        not probe_blind
        and fast.confidence >= route_threshold
        and (not blind["colour_model_blind"] or model_predict is None)
    ):
        # without a network a blind colour model is still the best answer, flagged by its low score
        return fast.alpha, "auto:fast", trust, details
    if model_predict is None:
        raise MissingModel(
            "this image needs the matting model (its background is not clean enough for the "
            "colour model), but no model session was given"
        )
    model_alpha = model_predict(rgb)
    added = 0.0
    could_look_again = blind["backdrop_residual"] > BACKDROP_RESIDUAL
    reason = second_look_reason(model_alpha, rgb, fast.background) if could_look_again else None
    if could_look_again and reason is None and shadow_like_part(model_alpha, fast, rgb):
        reason = SHADOW_PART
    looked_again = reason in LOOK_AGAIN
    if reason is not None:
        details["second_look_reason"] = reason
    flat = flatten_backdrop(rgb, fast.background) if reason is not None else None
    look_past = (
        reason == COLOURED_PART
        and left_out_faint(fast, model_alpha > 0.5, upper=LOOK_PAST_UPPER) > SECOND_LOOK_LEFT_OUT
    )
    if looked_again:
        second = model_predict(flat)
        model_alpha, added = merge_flattened(
            model_alpha, second, rgb, fast.background, add=reason != SHADOW_PART
        )
        details["flattened_added"] = added
        # still a dark part after the second look (a phone's screen with bits of its thin white frame):
        # the network looks past it as well (whites tune: phones' IoU 0.81-0.94 -> 0.86-0.98)
        look_past = (
            dark_part(model_alpha, rgb, fast.background) == "dark part"
            and dark_rim(model_alpha, rgb, fast.background) > DARK_RIM
        )
    if look_past:
        # a light body against a dark or coloured part (a white pot under a plant, a phone's white
        # frame): the flattened photo with the part painted out, where the light body stands out
        painted, zone = paint_out(flat, model_alpha)
        model_alpha, beside = merge_beside(
            model_alpha, model_predict(painted), zone, rgb, fast.background, plant=reason == COLOURED_PART
        )
        details["beside_added"] = beside
        added += beside
        if beside == 0.0 and reason != COLOURED_PART and blind["left_faint"]:
            # the look past a dark part found nothing while the colour model left faint departures
            # out: a white body around the slot that the flattened photo's blotches hide (a printer
            # found as its slot alone: fresh tune printers 18-59, white_printer-32 IoU 0.05 -> 0.99)
            # is looked for on the sweep's local level, as below (`light_parts`); a dark product
            # alone on the sweep leaves nothing faint and pays no further look
            model_alpha, light = look_on_local_level(model_alpha, model_predict, rgb, fast.background)
            details["light_added"] = light
            added += light
    # the network was unsure of a body and the flattened photo found part of it: a light part joined
    # to that one (a printer's lighter top face above its front) is looked for on the sweep's local
    # level as well; so is a light body under a coloured part that the look past did not find (or
    # was not taken for) and the colour model did not find either: a shrub's white pot (whites tune
    # 144: 3 such looks, shrub-8 0.69 -> 0.92; shrubs 18-59: 9 looks, five pots 0.68-0.72 -> 0.93-0.99;
    # where the colour model found the pot, the look only coarsens its outline: shrub-10 0.989 -> 0.977)
    pot_look = (
        reason == COLOURED_PART
        and not details.get("beside_added")
        and not solid_parts(model_alpha > 0.5, fast.hard, fast.evidence).any()
    )
    if (reason == UNSURE and not look_past) or pot_look:
        model_alpha, light = look_on_local_level(model_alpha, model_predict, rgb, fast.background)
        if pot_look and light == 0.0:
            # a cast shadow's soft outline drew the look: again with lighter shadows painted over too
            model_alpha, light = look_on_local_level(
                model_alpha, model_predict, rgb, fast.background, dark=LOCAL_DARK_AGAIN
            )
            details["light_again"] = light
        if pot_look and light == 0.0 and plant_alone(model_alpha > 0.5, shadow_tint(rgb, fast.background)):
            # nor on the local level, and the answer is the plant alone: the flattened photo with the
            # plant and its shadows painted out (whites tune shrubs 0-89: 4 looks, shrub-30 0.679 ->
            # 0.975, the other three added nothing)
            model_alpha, light = look_past_shadows(model_alpha, model_predict, flat, rgb, fast.background)
            details["past_shadows"] = light
        details["light_added"] = light
        added += light
    if reason is not None and reason != SHADOW_PART:
        # a screen with bits of its light frame: the frame completed where the photo shows its edge
        model_alpha, framed, frame_details = complete_frame(model_alpha, rgb, fast.background)
        details.update(frame_details, frame_added=framed)
        added += framed
        # a light card found in part: completed to the box the photo's four straight edges close
        model_alpha, carded, card_details = complete_card(model_alpha, rgb, fast.background)
        details.update(card_details, card_added=carded)
        added += carded
    # the network's cut stays at one half where a further look found more, or where the look was for a
    # shadow: the first answer was sure of the body (dropping a shadow leaves a partial rim, which is
    # no doubt about the body, and a lower level would take a bulb's halo)
    fused = fuse(rgb, model_alpha, fast, search_level=added == 0.0 and reason != SHADOW_PART)
    # a hole in the answer the colour of the matte around it is that surface, missed (a printer's
    # front inside its found outline), not the backdrop seen through the product (`even_holes`)
    fused_alpha, holes_filled, hole_steps = fill_even_holes(fused.alpha, rgb, fast.background)
    if holes_filled > 0.0:
        details.update(holes_filled=holes_filled, hole_steps=hole_steps)
    # a box cut at its front with its top face left out: the face found by its straight far edge
    # (`top_faces`; fresh tune printers 90-121: white_printer-120 0.80 -> 0.99)
    face = find_top_face(fused_alpha > 0.5, rgb, fast.background)
    if face.any():
        fused_alpha = np.where(face, 1.0, fused_alpha).astype(np.float32)
        details["top_face"] = float(face.mean())
    # a plant's lacy cast shadow the network took with it (`shadow_pieces.plant_shadow`)
    dark = cv2.GaussianBlur(_darkening(rgb, fast.background), (0, 0), 2.0)
    shadow = plant_shadow(
        fused_alpha > 0.5,
        dark,
        shadow_tint(rgb, fast.background),
        SHADOW_DARKENING,
        SHADOW_DARKEST,
        SHADOW_TINT,
    )
    if shadow.any():
        fused_alpha = np.where(shadow, 0.0, fused_alpha).astype(np.float32)
        details["plant_shadow"] = float(shadow.mean())
    final = fused_alpha > 0.5
    union = np.count_nonzero(final | fast.hard)
    left_out = left_out_faint(fast, final)
    details["faint_left_out"] = left_out
    # the network found a light body whole and sure (no further look needed): faint regions around it
    # are its glow, a reflection or the sweep's texture, not a body it missed (whites tune: a bulb, a
    # glass and a silver bottle at IoU 0.99 had 0.4-0.9 of their area "left out"); nor after a look
    # past the part that found the light body against it (a shrub's pot: the faint rest is the sweep)
    # a look for a shadow is no look for a missed body: for the doubts below, none was needed
    body_reason = None if reason == SHADOW_PART else reason
    # the final answer's dark part and its outer band: a dark part whose band is light is enclosed by a
    # light body the looks found (a phone with its white frame), so faint regions around it are not a
    # body nobody found, and a second look that added nothing had nothing more to find (whites tune 144:
    # the three such phones' mattes at IoU 0.997-0.999, one flagged for faint glare around it)
    dark_kind = dark_part(fused_alpha, rgb, fast.background)
    rim = dark_rim(fused_alpha, rgb, fast.background) if dark_kind == "dark part" else 0.0
    enclosed = dark_kind == "dark part" and rim <= DARK_RIM
    # a coloured part whose matte holds a solid light body (a plant with its white pot, found by the
    # network's first answer): the light body a look past the part would look for is there, so the
    # faint regions around it are the sweep (tune shrubs 18-89: three such mattes at IoU 0.99 flagged
    # for them before; the plants found without their pot hold no light body)
    light_part, solidity = light_body(final, rgb, fast.background)
    held = reason == COLOURED_PART and light_part >= LIGHT_BODY_HELD and solidity >= SOLID_NONE
    looked_for_it = (
        (could_look_again and body_reason is None)
        or details.get("beside_added", 0.0) > 0.0
        or enclosed
        or held
    )
    # what fusion added beyond the network's answer (after every look), past a rim's correction: all of
    # it (a body the colour model found: a shrub's white pot), and the part of it darker than the
    # backdrop by a shadow's share (a cast shadow the colour model took as product)
    network = model_alpha > 0.5
    beyond = added_beyond(final, network)
    shadowy = _darkening(rgb, fast.background) > SHADOW_DARKENING
    doubts = {
        "undecided": fused.details["network_undecided"],
        "level": fused.details["network_level"],
        "left_out": 0.0 if looked_for_it else left_out,
        "fast_agreement": float(np.count_nonzero(final & fast.hard) / union) if union else 0.0,
        # agreeing with a colour model that left faint regions out is doubt; agreeing with one that is
        # only unsure of a textured backdrop (and found a coloured product) is not, nor where the
        # network found a light body whole (no second look needed: the colour model found it too), nor
        # where a further look found more and came to the colour model's answer (a white phone whole)
        "colour_model_blind": bool(blind["left_faint"])
        and (not could_look_again or body_reason is not None)
        and added == 0.0
        and not enclosed
        and not held,
        # the answer is still a colourless dark part with a dark rim after every look, while faint
        # regions lie against it or the look past found pieces of a light body: a phone's screen with
        # its white frame only in bits (whites tune: the one such matte, IoU 0.86; phones found whole
        # have no dark rim); or the look past found nothing where the colour model left faint
        # departures out: a light body is there that no look found (whites tune 144: a phone's frame,
        # IoU 0.89; shrubs and printers 18-59: a printer found as its dark slot, IoU 0.05; no other
        # matte there after a look past a dark part with a dark rim)
        "dark_rim_left": body_reason is not None
        and dark_kind == "dark part"
        and rim > DARK_RIM
        and (
            left_out > SECOND_LOOK_LEFT_OUT
            or details.get("beside_added", 0.0) > 0.0
            or ("beside_added" in details and bool(blind["left_faint"]))
        ),
        "border": border_mass(fused_alpha),
        "parts": fragments(final),
        # a second look (or the look past a coloured part) found nothing more, or was not taken, and
        # the colour model found no body beyond the network's answer either (whites tune 144 and shrubs
        # 18-59: five shrubs whose white pot it added, IoU 0.96-0.99; no bad matte added one)
        "nothing_more_found": body_reason is not None
        and added == 0.0
        and not enclosed
        and not held
        and beyond <= ADDED_DOUBT,
        # the part of what fusion added beyond the network that is darker than the backdrop: a cast
        # shadow taken as product, or a grey base (whites tune 144: bulbs' bases 0.07-0.11 at IoU
        # 0.97-0.99, ranked below bulbs found whole); a white pot the colour model added is no doubt
        # (shrubs 18-59: one good matte flagged for it, IoU 0.99)
        "beyond_network": added_beyond(final, network, within=shadowy),
        # dark straight down from the mask's bottom edge past a contact shadow: a grey base left out
        "below": dark_below(final, rgb, fast.background),
        # an even plateau straight down from the mask's bottom edge that ends in a step: a part left out
        # under the product (a plant's white pot)
        "part": part_below(final, rgb, fast.background),
        # lighter than the sweep beside it right above the mask's top edge: a light face left out (a
        # printer's top face above its front)
        "above": light_above(final, rgb, fast.background),
        # the solidity of the matte's light body: ragged where a piece of the sweep was taken beside it
        # (a plant's pot with a piece of the sweep)
        "solidity": solidity,
        # the network's undecided pixels the matte kept: its doubt over the body, not a glow left out
        "undecided_kept": undecided_kept(model_alpha, final),
        # the share of the matte the last look for a light part added (on the sweep's local level, or, for
        # a pot no look there found, past the plant and its shadows): a body found by that look alone
        "light_share": details.get("light_added", 0.0) * final.size / max(np.count_nonzero(final), 1),
    }
    quality = fused_quality(**doubts)
    details.update({f"doubt_{k}": v for k, v in doubts.items()})
    alpha = fused_alpha if fast.shadow is None else np.maximum(fused_alpha, fast.shadow * (fused_alpha < 0.5))
    return alpha, "auto:model", quality, {**details, **fused.details}
