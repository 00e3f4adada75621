"""The look for a light part joined to the part the network found, on the sweep's own local level.

A printer's lighter top face above its front, a white pot under a plant: the network cuts the part it
sees (the front with its slot, the leaves) and misses the light part joined to it, on the photo and on
the flattened photo (`second_look.flatten_backdrop`). A photographer still sees that part, by its outline: a
patch of one even tone with a step all round it, while the sweep around it is paper texture. What
hides it from the network is the light's unevenness: the colour model's smooth backdrop surface leaves
a residual of 1-2 % on photographed paper (whites tune: 0.012-0.016), as large as the part's own
departure (whites tune: a top face 0.5 % brighter than the fit, tint 0.005; a pot 1.3 % darker, tint
0.015), so on the flattened photo the part is one more blotch among the sweep's. Divided instead by
the sweep's level measured around it (`local_level`: a wide normalised blur of the photo over the
backdrop alone, which skips the product and anything as dark as a shadow), the slow blotches are gone
and only steps remain; amplified (`LOCAL_GAIN`) the part stands out with its outline. The found part
and what is darker than any light body are painted over in the sweep's level (the network looks at
the most salient thing: a hard cast shadow, otherwise), and what it then cuts against the found part
is taken where it is a light, solid body (`merge_light_parts`).

`orchestrator.matte_auto` takes this look where the network was unsure of a body and took no look past a dark
part (whites tune 144: 15 looks; IoU 0.9762 -> 0.9834, white_printer-10 0.79 -> 0.97, white_card-15
0.02 -> 0.87, no other image moved; tune shrubs and printers 18-59: IoU 0.9206 -> 0.9303, shrubs 0.67-0.70
-> 0.93-0.98 and a printer 0.24 -> 0.52, none worse). It does not replace the look past a coloured
part at the flattened photo: there it found fewer pots (whites tune: three pots that look found,
IoU 0.97-0.99, lost: 0.66-0.72), and taken after that look where it found nothing it found one pot of
five (IoU 0.69 -> 0.92). It is taken there all the same, and where the look past was not taken, when
the colour model found no body beside the coloured part either: with the pot's printed pattern no
longer breaking its answer (`masks.fill_holes`) and once more with the plant's soft cast shadow painted
(`LOCAL_DARK_AGAIN`), of the twelve such looks among the whites tune shrubs 0-59 six found a missed pot
(IoU 0.68-0.72 -> 0.92-0.99) and six added nothing (three pots still missed, three found already).
It is also taken where the network found a dark part (a printer's slot) and the flattened photo found
part of the light body around it, still unsure of it (`orchestrator`'s `body_look`): a printer filling
the frame, whose printed front the network reads as the print's motifs or as its upper half.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.look_past import BESIDE_ZONE, merge_beside
from engine.matting.auto.measures import SHADOW_DARKENING, Tones, holds_tinted
from engine.matting.masks import fill_holes, hull_mask

LOCAL_SIGMA = 25.0  # px (at full size): the reach over which the sweep's own level is measured
LOCAL_SCALE = 4  # the level is measured at 1/4 size: it is smooth by construction, and that is cheap
LOCAL_GAIN = 6.0  # departures from the local level are amplified this much for the network
LOCAL_LEVEL = 0.6  # where the sweep lands in the image the network sees (mid grey: room both ways)
LOCAL_DARK = 0.15  # darker than the backdrop by this (blurred): a shadow or a dark part, painted over
# ... and where that look found nothing beside a coloured part, the look again with shadows painted
# over from this darkening on: a plant's soft cast shadow, left in, is outlined by the amplification
# and the network cuts it instead of the pot (shrubs 18-59: shrub-41 0.68 -> 0.93; a white pot is
# lighter than the sweep or at most 5 % darker in its own shading, none painted; painted everywhere,
# it lost pots the first look found: shrub-24 0.98 -> 0.70)
LOCAL_DARK_AGAIN = 0.06
LOCAL_ZONE = 3  # px around the found part painted over with it (its soft rim would outline it)
LOCAL_SOLID = 0.6  # share of a piece that survives an erosion by `LOCAL_CORE` px: a body, not a stroke
LOCAL_CORE = 5  # px


def local_level(ratio: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """The sweep's own level (the photo's ratio to the fitted backdrop, per channel) around every
    pixel, from the `backdrop` pixels within about `LOCAL_SIGMA` px (normalised convolution at
    1/`LOCAL_SCALE` size): what the smooth surface fit left of the light's unevenness, without the
    steps of the parts on it."""
    h, w = backdrop.shape
    size = (max(8, w // LOCAL_SCALE), max(8, h // LOCAL_SCALE))
    weight = cv2.resize(backdrop.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    values = cv2.resize(ratio * backdrop[..., None], size, interpolation=cv2.INTER_AREA)
    sigma = LOCAL_SIGMA / LOCAL_SCALE
    wsum = cv2.GaussianBlur(weight, (0, 0), sigma)
    num = cv2.GaussianBlur(values, (0, 0), sigma)
    level = num / np.maximum(wsum, 1e-6)[..., None]
    # where no backdrop lies within reach the level is the plain fit's
    level = np.where((wsum > 1e-3)[..., None], level, 1.0)
    return cv2.resize(level, (w, h), interpolation=cv2.INTER_LINEAR)


def local_flatten(
    tones: Tones, found: np.ndarray, shadow: float, dark: float = LOCAL_DARK
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image for the network, the found part's painted zone, everything painted).

    The photo divided by the fitted backdrop and then by the sweep's local level (`local_level`),
    amplified `LOCAL_GAIN` times around `LOCAL_LEVEL`; the found part (grown by `LOCAL_ZONE` px) and
    what is darker than the backdrop by `dark` (shadows, dark parts: never a light body) are
    painted over in the sweep's level. The level is measured on the backdrop alone: away from the
    found part and from what is darker than the backdrop by `shadow` (a shadow's falloff would read
    as a light part beside it)."""
    ratio = tones.ratio
    darkening = tones.dark
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * LOCAL_ZONE + 1,) * 2)
    zone = cv2.dilate(found.astype(np.uint8), kernel) > 0
    painted_dark = (darkening > dark) & ~zone
    shadowy = darkening > shadow
    exclude = cv2.dilate((found | shadowy).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    rel = ratio / np.maximum(local_level(ratio, ~exclude), 1e-3)
    rel = cv2.GaussianBlur(rel, (0, 0), 1.5)  # the sweep's grain, amplified, would outline nothing
    out = np.clip((LOCAL_LEVEL + (rel - 1.0) * LOCAL_GAIN) * 255.0, 0.0, 255.0).astype(np.uint8)
    painted = zone | painted_dark
    out[painted] = np.uint8(round(LOCAL_LEVEL * 255))
    return out, zone, painted


def solid_pieces(mask: np.ndarray) -> np.ndarray:
    """Pieces of `mask`, holes filled (`masks.fill_holes`), of which `LOCAL_SOLID` survives an erosion by
    `LOCAL_CORE` px: bodies, not the strokes of the sweep's texture that the amplification outlines
    as well. Filled first, since the amplification outlines a body's own print too and the look's
    answer has holes there (shrubs 18-59: a pot with a printed pattern kept 0.52 of its area after
    the erosion, 0.70 -> 0.98 filled; whites tune 144: white_card-15 0.874 -> 0.891, nothing else moved)."""
    mask = fill_holes(mask)
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros_like(mask)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * LOCAL_CORE + 1,) * 2)
    core = cv2.erode(mask.astype(np.uint8), kernel) > 0
    kept = np.bincount(pieces[core], minlength=n) >= LOCAL_SOLID * stats[:, cv2.CC_STAT_AREA]
    kept[0] = False
    return kept[pieces]


# the answer is a plant alone, its pot still missed, where this share of it is coloured (tint above
# `PLANT_ALONE_TINT`): whites tune shrubs 0-89 after both looks on the local level found nothing, the
# four with the pot missed 1.00, the six with the pot found 0.67-0.72 (a look then only takes sweep
# beside the pot: shrub-80 0.989 -> 0.928)
PLANT_ALONE = 0.9
PLANT_ALONE_TINT = 0.1


# a plant's answer fills at most this share of its convex hull: leaves and stems with sweep between them
# (whites tune shrubs 0-7, the network's first answer: 0.38-0.64 wide and close framed); a coloured
# product that is one solid body (a green bottle: 0.95) is no plant, and no pot is looked for under it
# (a test's green bottle on a grainy sweep was given a box of sweep below it as its "pot"). It moved no
# matte of whites tune shrubs 0-119, close shrubs 0-39 or emoji tune 0-47 (their answers pass it).
PLANT_LACY = 0.8


def plant_alone(answer: np.ndarray, tint: np.ndarray) -> bool:
    """Whether `answer` (bool) is all coloured part (`PLANT_ALONE` of it tinted beyond
    `PLANT_ALONE_TINT`) and lacy (`PLANT_LACY`): a plant without its white pot, which is worth a
    further look."""
    if not answer.any() or not holds_tinted(answer, tint, PLANT_ALONE_TINT, PLANT_ALONE):
        return False
    return np.count_nonzero(answer) < PLANT_LACY * np.count_nonzero(hull_mask(answer))


def merge_light_parts(
    first: np.ndarray,
    look: np.ndarray,
    zone: np.ndarray,
    painted: np.ndarray,
    tones: Tones,
) -> tuple[np.ndarray, float]:
    """`first` plus the light, solid bodies the look on `light_parts.local_flatten`'s image found
    against the found part: `merge_beside`'s rules (outside the painted zone and touching it, no
    darker than a light body, not a gap the paint closed, large enough) on the look's answer outside
    what was painted, of which only solid pieces are kept (`light_parts.solid_pieces`: the sweep's
    texture strokes, amplified, are outlined too). Returns (alpha, share of the image added)."""
    look = np.where(painted & ~zone, 0.0, look).astype(np.float32)
    merged, _ = merge_beside(first, look, zone, tones)
    added = (merged > 0.5) & ~(first > 0.5)
    body = solid_pieces(added & ~zone)
    # the painted rim between a kept body and the found part, not the rim along a dropped piece
    reach = 2 * (BESIDE_ZONE + 2) + 1
    added = body | (added & zone & (cv2.dilate(body.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0))
    return np.where(added, 1.0, first).astype(np.float32), float(added.mean())


def look_on_local_level(
    first: np.ndarray, model_predict, tones: Tones, dark: float = LOCAL_DARK
) -> tuple[np.ndarray, float]:
    """The network's look at `light_parts.local_flatten`'s image of the photo (the found part, grown
    by its soft rim above 0.1, and the shadows painted out), merged by `merge_light_parts`.
    Returns (alpha, share of the image added)."""
    image, zone, painted = local_flatten(tones, first > 0.1, SHADOW_DARKENING, dark)
    return merge_light_parts(first, model_predict(image), zone, painted, tones)
