"""How doubtful an `auto` matte is: the signals a batch uses to flag a cut-out for review.

A matte's quality score must fall where the matte is likely wrong, not only where the network hesitated
on its outline. The signals, each measured on the final mask:

- the network was unsure over the body, not just the rim (`undecided_kept`: its undecided pixels the
  final mask holds, see `undecided_kept`), and fusion had to cut its output below one half to find the
  product (`network_level`); below an outline's share (above a crisp rim's) the undecided band still
  lowers the score a little (at most a tenth), so mattes the network was sure of rank above those with
  a wide undecided rim; an undecided body is some doubt, never a flag alone;
- most of the final mask was found only by the network's look on the sweep's local level
  (`light_share`, engine.matting.auto.light_parts): the weakest evidence auto has, a blotch that stood out
  of the sweep only once everything else was painted out;
- faint, coherent departures from the backdrop that are not shadows lie against the product but were
  left out of it (a white pot under a plant, a phone's white frame): nobody decided them;
- the final mask agrees with a colour model that left faint regions out, where the network's second
  look at the flattened photo (engine.matting.auto) found nothing more either: nobody saw more than
  the blind colour model did (a light body the network found whole needs no second look and is no
  doubt: there the colour model found it too; nor is a dark part the answer holds inside a light body,
  its outer band light: a phone found with its white frame had nothing more to find);
- the network's second look (at the flattened photo, taken because its first answer was unsure or a
  dark part) found nothing more, or was not taken because the first answer is a coloured part where
  it finds nothing more (engine.matting.auto.second_look_reason), and the colour model added no body
  beyond the network's answer either, while faint regions lie against the product: a light body
  around or under the dark part (a white pot under a plant) nobody found;
- the answer is still a colourless dark part whose outer band is dark after every look, while faint
  regions lie against it or the look past it found pieces of a light body, or found nothing where the
  colour model left faint departures out (`dark_rim_left`): a phone's screen with its white frame found
  only in bits or not at all, a printer found as its dark slot;
- fusion added to the network's answer a part the network never saw, beyond a rim's correction, that
  is darker than the backdrop (`beyond_network`, see `added_beyond`): a hard cast shadow the colour
  model took as product, or a grey base it found; some doubt, never a flag alone (a light body it
  added, a shrub's white pot, is none);
- the photo stays dark straight down from the mask's bottom edge for more than a contact shadow's
  depth (`dark_below`): a grey part under the product left out in its own shadow (a bulb's base);
- straight down from the mask's bottom edge the photo is an even plateau that ends in a step (`part`,
  see `part_below`): a part stands under the matte, where the sweep or the product's own shadow
  should be (a plant's white pot left out, its stems ending in mid-air);
- a band straight above the mask's top edge is lighter than the sweep beside it at the same height
  (`above`, see `light_above`): a light face above the part found (a printer's top face);
- the largest light part of the mask is ragged, not convex (`solidity`, see `light_body`): a piece of
  the sweep a look took beside a light body (a plant's pot with a blotch of the sweep against it);
- a part of the mask looks like a cast shadow (darker than the sweep, untinted, even, soft-edged) and
  lies beside the rest of it (`shadow_kept`, engine.matting.shape_doubts): a shadow taken as product;
- the mask reaches past its screen far on one side and barely on the opposite one (`balance`, see
  engine.matting.shape_doubts.frame_balance): a phone's frame band left out, or a shadow taken beside it;
- the mask is fragmented (many separate parts) or carries alpha in the image's border band, which a
  product shot on a sweep rarely does.

Each signal maps to a factor in 0..1; the score is their product, so one strong doubt is enough.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.masks import part_stats

REVIEW_LINE = 0.5  # batches flag a matte whose quality is below this for review


def border_mass(alpha: np.ndarray, share: float = 0.02) -> float:
    """Mean alpha in the outer band (`share` of the short side), 0 for a product clear of the frame."""
    h, w = alpha.shape
    b = max(1, round(min(h, w) * share))
    band = np.ones((h, w), bool)
    band[b:-b, b:-b] = False
    return float(alpha[band].mean())


def fragments(mask: np.ndarray, min_share: float = 0.005) -> int:
    """Separate parts of the mask larger than `min_share` of it, beyond the largest one."""
    n, _, stats, _ = part_stats(mask)
    if n <= 2:
        return 0
    areas = stats[1:, cv2.CC_STAT_AREA]
    return int(np.count_nonzero(areas >= min_share * areas.sum())) - 1


def added_beyond(
    final: np.ndarray, network: np.ndarray, rim: int = 3, within: np.ndarray | None = None
) -> float:
    """Share of the final mask (bool) more than `rim` px inside it and more than `rim` px beyond the
    network's mask (bool): what fusion added that the network never saw, not a correction of its rim.
    `within` (bool): count only the added pixels there (those darker than the backdrop, as a cast
    shadow is; a white pot the colour model found beside a plant is not).

    The network tells a cast shadow from a product better than the colour model does: where the final
    mask holds a part the network left out, the colour model's answer won there (a mug's hard cast
    shadow taken as product), which is right less often than the network's own outline.
    """
    if not final.any():
        return 0.0
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    core = cv2.erode(final.astype(np.uint8), k)
    reach = cv2.dilate(network.astype(np.uint8), k)
    added = cv2.subtract(core, reach) > 0
    if within is not None:
        added &= within
    return float(np.count_nonzero(added)) / float(np.count_nonzero(final))


def undecided_kept(model_alpha: np.ndarray, final: np.ndarray) -> float:
    """Pixels the network left between 0.15 and 0.85 that the final mask (bool) holds, as a share of it.

    auto.undecided_share counts the network's undecided pixels wherever they lie, as a share of what it
    called product. Those the final mask left out were decided against, as backdrop: a glass bottle's
    or a bulb's glow, a soft halo (whites tune 144: a glass bottle and a bulb at IoU 0.98-0.99 had
    undecided shares of 0.24-0.26, of which 0.03-0.05 of their mask inside it). Those it holds are the
    body the network was unsure of and fusion kept anyway.
    """
    kept = np.count_nonzero(final)
    if kept == 0:
        return 0.0
    undecided = (model_alpha > 0.15) & (model_alpha < 0.85) & final
    return float(np.count_nonzero(undecided)) / float(kept)


def darkening(rgb: np.ndarray, background: np.ndarray) -> np.ndarray:
    """1 - luminance / backdrop luminance per pixel (negative where brighter than the backdrop): how a
    shadow or a grey part departs from the fitted backdrop (`rgb` 0..255, `background` 0..1). Here
    rather than in engine.matting.auto, which uses it too and imports this module."""
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    lum = rgb.astype(np.float32) @ (weights / np.float32(255.0))
    # a contiguous float32 backdrop is read as it is (the copy `astype` made was ~1 ms a call, ~7 calls
    # a matte); any other is copied to one first, so the product is computed on the same layout as ever
    lum /= np.maximum(np.ascontiguousarray(background, dtype=np.float32) @ weights, 1e-3)
    return np.subtract(1.0, lum, out=lum)


def _profile_below(
    final: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, int] | None:
    """(darkening averaged across the mask's bottom edge at 3, 4, ... px straight down from each of its
    columns' lowest pixel, out to the mask's height; the mask's height), or None for an empty mask or
    one that ends at the image's bottom. The columns are those whose lowest pixel is the bottom edge's."""
    rows = final.any(axis=1)
    if not rows.any():
        return None
    h = final.shape[0]
    top, bottom = int(np.argmax(rows)), int(h - 1 - np.argmax(rows[::-1]))
    height = bottom - top + 1
    low = h - 1 - np.argmax(final[::-1], axis=0)  # each column's lowest mask pixel
    cols = np.nonzero(final.any(axis=0) & (low >= bottom - max(3, height // 50)))[0]
    y0, y1 = max(0, bottom - height // 50 - 3), min(h, bottom + height + 8)
    x0, x1 = int(cols.min()), int(cols.max()) + 1
    dark = cv2.GaussianBlur(darkening(rgb[y0:y1, x0:x1], background[y0:y1, x0:x1]), (0, 0), 1.5)
    offsets = np.arange(3, y1 - bottom)
    if offsets.size == 0:
        return None
    ys = np.minimum(low[cols][None, :] + offsets[:, None], y1 - 1) - y0
    return dark[ys, (cols - x0)[None, :]].mean(axis=1), height


def dark_below(final: np.ndarray, rgb: np.ndarray, background: np.ndarray, darker: float = 0.12) -> float:
    """How far straight down from the mask's bottom edge (bool `final`) the photo stays darker than the
    backdrop by `darker` on average across that edge, as a share of the mask's height.

    A product's contact shadow ends close under it; a grey part left out in its own shadow does not (a
    bulb's metal base standing in the shadow the globe casts: neither the network nor the colour model
    tells it from that shadow, and the matte ends at the globe's collar). Whites tune 144: at most 0.10
    under every matte but three bulbs without their base, 0.31-0.38 (IoU 0.87).
    """
    measured = _profile_below(final, rgb, background)
    if measured is None:
        return 0.0
    profile, height = measured
    below = profile < darker
    run = int(np.argmax(below)) if below.any() else profile.size
    return run / height


PART_FLAT = 0.02  # range of darkening along a plateau: an even body or the plain sweep (texture averaged out)
PART_RUN = 0.05  # a plateau runs at least this share of the mask's height (and 10 px)
PART_START = 0.05  # ... and starts within this share of it under the edge (past a stem's or a rim's blur)
PART_STEP = 0.05  # a step off the plateau's level past the sweep's own drift (whites tune: <= 0.03)
PART_EDGE = 10  # px within which a step is taken: a body's edge, blurred (a shadow fades over many more)


def part_below(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> float:
    """How far straight down from the mask's bottom edge (bool `final`) an even plateau of the photo
    runs before it steps to another level by more than `PART_STEP`, as a share of the mask's height;
    0 where no plateau starts right under the edge (a contact shadow fading out) or none ends in a step.

    A product standing on the sweep has the sweep or its own shadow under its bottom edge, and the sweep
    goes on evenly (its departures from the fitted backdrop drift by at most 0.03 there) while a shadow
    fades out. An even part that ends in a step is a part nobody found: a plant cut out without the
    white pot it stands in (its stems end in mid-air; under them the pot, a plateau lighter or darker
    than the sweep, ends at its foot, in its shadow or on the sweep). Neither the network's certainty
    nor the colour model says so: the pot departs from the sweep by about as much as the sweep's own
    blotches. Whites tune 144 and tune shrubs, printers and phones 18-59 (270 mattes): 0.28-0.30 under
    the eight shrubs without their pot (IoU 0.67-0.72), 0 under every other matte (a slow fade, 0.04 to
    -0.01 over 0.3 of a good shrub's height, is the one drift past `PART_STEP`: `PART_EDGE` leaves it);
    tune shrubs 18-59 cut at their pot's top edge: 34 of 42 (the other pots' foot steps by 0.05 or less).
    """
    measured = _profile_below(final, rgb, background)
    if measured is None:
        return 0.0
    profile, height = measured
    run = max(10, round(PART_RUN * height))
    for start in range(min(profile.size - run, round(PART_START * height)) + 1):
        if np.ptp(profile[start : start + run]) < PART_FLAT:
            break
    else:
        return 0.0
    level = float(np.median(profile[start : start + run]))
    off = np.abs(profile[start:] - level) > PART_STEP
    if not off.any():
        return 0.0
    end = start + int(np.argmax(off))
    # a step: off the plateau (past its own range) and past `PART_STEP` within a few px, not a shadow's
    # slow fade; and to another level that holds, not a stroke of the sweep's texture
    leaves = start + int(np.argmax(np.abs(profile[start:] - level) > PART_FLAT))
    if end - leaves > PART_EDGE or abs(float(np.median(profile[end : end + run])) - level) <= PART_STEP:
        return 0.0
    return end / height


ABOVE_DEPTH = 0.1  # share of the mask's height (at least 8 px) above its top edge that is measured
ABOVE_SIDE = (0.05, 0.15)  # the sweep beside that band: this far past the mask's sides, this wide (shares
# of its height, at least 20 and 40 px): at the band's own height, so the light's fall-off from wall to
# floor and a lamp's spot above the product cancel


def light_above(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> float:
    """How much lighter than the sweep beside it (at the same height) the photo is in a band straight
    above the mask's top edge (bool `final`): the median of `darkening` there, beside minus above.

    A light face above the part the network found (a printer's top face above its front, a lid): a
    band the height of a tenth of the mask right above its top edge is that face, lighter than the
    backdrop, where the sweep at the same height beside the product is not. The fitted backdrop's own
    blotches leave at most 0.035 between the two (whites tune 144 and tune shrubs, printers and phones
    18-59: 270 mattes); tune printers 18-59 cut at their front's top edge: above 0.05 in 21 of 42. The
    lighter faces are mostly the ones fusion adds back by itself: auto on those 42 with a network that
    cuts the front in every look leaves 26 at IoU 0.80-0.81, and this flags 6 of them; the other 20
    top faces are no lighter than the sweep beside them (within 0.05), which this cannot see.
    """
    rows = final.any(axis=1)
    if not rows.any():
        return 0.0
    h, w = final.shape
    top, bottom = int(np.argmax(rows)), int(h - 1 - np.argmax(rows[::-1]))
    height = bottom - top + 1
    high = np.argmax(final, axis=0)  # each column's topmost mask pixel
    cols = np.nonzero(final.any(axis=0) & (high <= top + max(3, height // 50)))[0]
    depth = max(8, round(ABOVE_DEPTH * height))
    ys = high[cols][None, :] - np.arange(3, 3 + depth)[:, None]
    inside = ys >= 0
    if not inside.any():
        return 0.0
    xs = np.nonzero(final.any(axis=0))[0]
    gap, wide = max(20, round(ABOVE_SIDE[0] * height)), max(40, round(ABOVE_SIDE[1] * height))
    # all of it lies within these rows and columns: the darkening is measured there only (cheap)
    r0, r1 = max(0, top - 3 - depth - 8), min(h, top + max(3, height // 50) + 8)
    c0, c1 = max(0, xs.min() - gap - wide), min(w, xs.max() + gap + wide)
    dark = cv2.GaussianBlur(darkening(rgb[r0:r1, c0:c1], background[r0:r1, c0:c1]), (0, 0), 1.5)
    band = dark[np.clip(ys, r0, r1 - 1) - r0, np.broadcast_to(cols, ys.shape) - c0][inside]
    y0, y1 = max(0, top - 3 - depth) - r0, max(0, top - 3) - r0
    side = np.zeros(dark.shape, bool)
    side[y0:y1, : max(0, xs.min() - gap) - c0] = True
    side[y0:y1, min(w, xs.max() + gap) - c0 :] = True
    reach = cv2.dilate(final[r0:r1, c0:c1].astype(np.uint8), np.ones((41, 41), np.uint8)) > 0
    side &= ~reach
    if np.count_nonzero(side) < 50:
        return 0.0
    return float(np.median(dark[side]) - np.median(band))


LIGHT_PART_DARK = 0.2  # darkening below which a pixel of the matte is light (a pot, a card; a plant's leaves
# and stems, a screen are darker)
LIGHT_PART_OPEN = 7  # px: an opening that parts a light body from thin light strokes (a phone's frame)
LIGHT_PART_MIN = 0.15  # share of the matte the light body must hold for its outline to say anything
# (whites tune: a phone's frame, opened into pieces, 0.11-0.12 with a solidity down to 0.16)
# a coloured product's matte that holds a solid light body this large has it already: a plant with its
# pot (tune shrubs 18-89 whose pot the network found, IoU 0.99, flagged for the faint sweep around
# them: 0.28-0.33; the plants found without their pot: 0)
LIGHT_BODY_HELD = 0.2
HELD_INSIDE = 0.8  # share of a darker body of the mask inside the light body's hull for it to be held
# there (a screen its frame reaches round; a plant's leaves above its pot lie mostly outside)


def light_body(final: np.ndarray, rgb: np.ndarray, background: np.ndarray) -> tuple[float, float]:
    """(share of the mask, solidity) of the largest light part of the mask (bool `final`): the pixels
    darker than the backdrop by less than `LIGHT_PART_DARK`, opened by `LIGHT_PART_OPEN`. The solidity:
    the share of its convex hull it fills, holes counted in and with the mask's darker bodies that lie
    in that hull (`HELD_INSIDE`); 1 where that part holds less than `LIGHT_PART_MIN` of the mask.

    A light body a product holds is convex or nearly so (a pot, a card, a printer, a bottle, a bulb:
    0.84-0.99 over whites tune 144 and tune shrubs, printers, phones and cards 18-89, 408 mattes); a
    piece of the sweep that a look took beside it is not: its outline follows the sweep's blotches, so
    the light part it joins is ragged (a plant's pot with a piece of the sweep beside it or a bite out
    of it, IoU 0.81-0.89: 0.59-0.80). The network and the colour model agree on such a piece, and
    nothing else in the score sees it. A phone's frame whose thin top the opening parts is a U round
    its screen, ragged alone (0.16-0.20 on whites tune phones found at IoU 0.99 whose frame held 0.11-
    0.12 of the mask; two phones on fresh tune images with their frame at 0.19-0.20 of it), whole with
    the screen it holds. The share: a coloured product whose matte holds a solid light
    body (a plant with its pot) has nothing more to be looked for (see engine.matting.auto).
    """
    ys, xs = np.nonzero(final)
    if ys.size == 0:
        return 0.0, 1.0
    pad = LIGHT_PART_OPEN
    y0, y1 = max(0, ys.min() - pad), ys.max() + pad + 1
    x0, x1 = max(0, xs.min() - pad), xs.max() + pad + 1
    crop = final[y0:y1, x0:x1]
    dark = cv2.GaussianBlur(darkening(rgb[y0:y1, x0:x1], background[y0:y1, x0:x1]), (0, 0), 2.0)
    light = (crop & (dark < LIGHT_PART_DARK)).astype(np.uint8)
    opening = np.ones((LIGHT_PART_OPEN, LIGHT_PART_OPEN), np.uint8)
    light = cv2.morphologyEx(light, cv2.MORPH_OPEN, opening)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=8)
    if n < 2:
        return 0.0, 1.0
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    share = float(stats[i, cv2.CC_STAT_AREA]) / ys.size
    if share < LIGHT_PART_MIN:
        return share, 1.0
    part = (labels == i).astype(np.uint8)
    contours = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0]
    hull = np.zeros_like(part)
    cv2.fillConvexPoly(hull, cv2.convexHull(np.concatenate(contours)), 1)
    # with the mask's darker bodies it reaches round (a phone's screen in its frame, found as a U or an
    # L once the frame's thin sides are opened away), those that lie in its hull (not a plant's leaves
    # above its pot, nor its thin stems, opened away too): a light body is judged with what it holds
    darker = cv2.morphologyEx((crop & (dark >= LIGHT_PART_DARK)).astype(np.uint8), cv2.MORPH_OPEN, opening)
    k, pieces = cv2.connectedComponents(darker, connectivity=8)
    within, whole = np.bincount(pieces[hull > 0], minlength=k), np.bincount(pieces.ravel(), minlength=k)
    inside = within >= HELD_INSIDE * whole
    inside[0] = False
    body = part | inside[pieces].astype(np.uint8)
    filled = np.zeros_like(part)
    cv2.drawContours(filled, cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0], -1, 1, -1)
    return share, float(np.count_nonzero(filled & hull) / max(np.count_nonzero(hull), 1))


UNDECIDED_CRISP = 0.03  # undecided share (of the network's product) of a crisp outline: no doubt
UNDECIDED_OUTLINE = 0.08  # undecided share (of the network's product) an outline alone accounts for
OUTLINE_DOUBT = 0.9  # the score at that share: a wide undecided rim is some doubt, never a flag alone
SECOND_LOOK_LEFT_OUT = 0.3  # faint regions against the product (share of it) that nothing more found leaves
# ... and the share at which they are a flag where nothing more was found (`nothing_more_found`; some doubt
# from SECOND_LOOK_LEFT_OUT on): whites tune 144 and the tune shrubs, printers, phones and cards 18-119 (512
# mattes), the five bad such mattes (shrubs without their pot, IoU 0.65-0.73) left 0.45-1.09 out, three
# good ones 0.31-0.59 (shrubs at IoU 0.96-0.99: 0.31 and 0.37, one at an even image number and one at an
# odd one, flagged before and ranked now; a bulb at 0.99: 0.59, still flagged)
NOTHING_MORE_LEFT_OUT = 0.45
ADDED_NONE = 0.02  # share of the final mask beyond the network's (`added_beyond`) that is no doubt
ADDED_DOUBT = 0.1  # ... and the share at which the score is down to `ADDED_FLOOR`
DARK_BELOW = 0.2  # `dark_below` past a contact shadow's depth (whites tune: <= 0.10 under found products)
# `part_below` past a contact shadow's depth: an even part under the matte ends in a step (whites tune 144
# and tune shrubs, printers, phones 18-59: 0.28-0.30 under eight shrubs without their pot, IoU 0.67-0.72)
PART_BELOW = 0.1
LIGHT_ABOVE = 0.05  # `light_above` past the sweep's own blotches (<= 0.035 over 270 whites tune mattes)
ADDED_FLOOR = 0.6  # never a flag alone: a shrub's white pot found by the colour model adds a quarter
# an undecided body is never a flag alone (with the outline's tenth: 0.9 * 0.6 > 0.5). Whites tune 144 and
# the shrubs and printers at tune indices 18-59 (84): of the 18 mattes with an undecided share above 0.15,
# 14 were good (white printers, cards and bulbs at IoU 0.97-0.99) and each of the 4 bad ones carried
# another doubt that flags it (a grey base left out, a light-parts look, a dark rim, nothing more found)
UNDECIDED_FLOOR = 0.6
LIGHT_ONLY = 0.5  # share of the final mask found only by the light-parts look past which it is doubt
# ... and the score's factor there: some doubt, no longer a flag alone. Since cards are completed to the
# box their four edges close and printers' bodies are looked for, the looks' answers it fell on are right:
# whites tune 144 and the tune shrubs, printers, phones and cards 18-119 (512 mattes), the three with a
# light share above one half (two cards, a printer found as its slot first) had IoU 0.97-0.99, each
# flagged by this alone (0.45); no matte below IoU 0.9 had a light share above 0.4
LIGHT_ONLY_DOUBT = 0.6
PART_DOUBT = 0.45  # the factor for a part left out (`part`, `above`): a flag alone (whites: scores <= 0.94)
# `light_body` solidity of a product's light body: 0.84 and above over 408 whites tune mattes, but for a
# pot with a piece of the sweep beside it or a bite out of it (shrubs: 0.59-0.80 at IoU 0.81-0.89) and one
# rough pot (0.65 at IoU 0.92); below SOLID_DOUBT a flag alone, between the two some doubt that ranks
SOLID_NONE = 0.85
SOLID_DOUBT = 0.75
# `shadow_kept` share of the matte past which a cast shadow was taken as product: a flag alone. Whites tune
# 144 and the tune shrubs, printers, phones and cards 18-119 (512 mattes): a phone taken with the shadow
# it casts sideways, 0.19 (IoU 0.81, scored 1.0); every other matte 0.043 or less (a card at IoU 0.92),
# 509 of them 0
SHADOW_KEPT = 0.05
# `frame_balance` (narrower / wider band past a screen on opposite sides): phones found whole 0.62-0.79
# (their top band is about 0.7 of their bottom one; sides alike); phones at IoU 0.97-0.98 missing part of
# the top band 0.41-0.50, ranked below them; a band left out whole (IoU 0.91-0.95) 0.0-0.14 and the
# phone with its shadow 0.29 (the 110 tune phones above); every other matte there 1 (no screen in it);
# below BALANCE_NONE some doubt that ranks, at BALANCE_DOUBT a flag alone
BALANCE_NONE = 0.55
BALANCE_DOUBT = 0.2


def ramp(value: float, start: float, stop: float, floor: float = 0.0) -> float:
    """1 up to `start`, falling linearly to `floor` at `stop`."""
    return float(np.clip(1.0 - (value - start) / (stop - start) * (1.0 - floor), floor, 1.0))


def fused_quality(
    *,
    undecided: float,
    level: float,
    left_out: float,
    fast_agreement: float,
    colour_model_blind: bool,
    border: float,
    parts: int,
    nothing_more_found: bool = False,
    dark_rim_left: bool = False,
    beyond_network: float = 0.0,
    below: float = 0.0,
    undecided_kept: float | None = None,
    light_share: float = 0.0,
    part: float = 0.0,
    above: float = 0.0,
    solidity: float = 1.0,
    shadow_kept: float = 0.0,
    balance: float = 1.0,
) -> float:
    """Quality of a network + colour-model matte (0..1) from its doubt signals; see the module docstring.

    Set on the whites `tune` split (the holdout split is only scored): an undecided share above 0.08 is
    more than an outline, fusion cutting the network below one half means it was unsure of the body, a
    faint region against the product left out of it is a part nobody decided, and a blind colour model
    that the final mask agrees with means the network saw no more than it did.

    `undecided` (auto.undecided_share) ranks the outline; `undecided_kept` (`undecided_kept`, the
    undecided pixels the final mask holds, as a share of it) measures the body, and where it is not
    given the body is measured by `undecided` too. `light_share`: the share of the final mask that the last
    look for a light part added (on the sweep's local level, or past a plant and its shadows). `part`: `part_below`; `above`: `light_above`;
    `solidity`: the light body's (`light_body`). `shadow_kept` and `balance`: the matte's shape
    (engine.matting.shape_doubts).
    """
    # between a crisp rim's share and an outline's the undecided band still ranks mattes, never flags
    # one: at most a tenth off (whites tune 96: Spearman with IoU 0.49 -> 0.63; 0.50 -> 0.59 on the
    # kinds at even indices it was set on, 0.45 -> 0.65 on the others; emoji tune 24: 0.32 -> 0.43)
    score = ramp(undecided, UNDECIDED_CRISP, UNDECIDED_OUTLINE, floor=OUTLINE_DOUBT)
    # over the body: only the undecided pixels the matte kept (those it left out are a glow or a halo it
    # decided against), and never a flag alone (whites tune 144, even image numbers: good mattes flagged
    # 7 -> 5 of 70; odd ones 8 -> 7 of 69; shrubs and printers 18-59: 6 -> 2 of 69, bad ones caught
    # unchanged everywhere)
    body = undecided if undecided_kept is None else undecided_kept
    score *= ramp(body, UNDECIDED_OUTLINE, 0.3, floor=UNDECIDED_FLOOR)
    score *= 0.6 if level < 0.5 else 1.0
    score *= ramp(left_out, 0.3, 1.0, floor=0.3)
    if colour_model_blind:
        score *= ramp(fast_agreement, 0.85, 0.98, floor=0.45)
    if nothing_more_found:
        # whites tune (40): the five such mattes past 0.3 had IoU 0.66-0.81; the one below 0.3, 0.99
        score *= ramp(left_out, SECOND_LOOK_LEFT_OUT, NOTHING_MORE_LEFT_OUT, floor=0.45)
    if dark_rim_left:
        score *= 0.4  # whites tune (40): the one such matte, a phone without most of its frame, IoU 0.86
    # fusion added a part the network never saw (whites tune 144: Spearman with IoU 0.54 -> 0.58; 0.49 ->
    # 0.53 on even image numbers, where it was set, 0.57 -> 0.64 on odd ones; flags unchanged: mugs' cast
    # shadows taken as product, IoU 0.89-0.90, added 0.07-0.09, a shrub's pot 0.26-0.29 at IoU 0.99; the
    # pot, not darker than the backdrop, is no longer counted: auto passes only the darker part)
    score *= ramp(beyond_network, ADDED_NONE, ADDED_DOUBT, floor=ADDED_FLOOR)
    # (A look for a shadow that left the part in was a doubt for a round: its one case, a bulb's cast
    # shadow, is now dropped by auto's neutral_shadow, and after that the signal fired only on grey bases
    # rightly kept, five good bulbs at IoU 0.98-0.99 on whites tune 144, one of them flagged.)
    if below > DARK_BELOW:
        score *= 0.45  # whites tune 144: three bulbs whose base was left out in its shadow (IoU 0.87, scores
        # 0.87-1.00, set on the two at even image numbers); no other matte above 0.10, emoji tune 24 0.09
    if light_share > LIGHT_ONLY:
        # most of the product is a blotch only the light-parts look found (whites tune 144: a card it
        # found most of, IoU 0.87, score 1.00 -> 0.45 when it was set; a printer's top face, a fifth of
        # the mask, is no doubt; shrubs and printers 18-59: the one such matte, IoU 0.52, was flagged
        # already; see LIGHT_ONLY_DOUBT for why it is no flag alone now)
        score *= LIGHT_ONLY_DOUBT
    if part > PART_BELOW:
        # an even part under the matte's bottom edge that ends in a step: a plant without its pot
        # (whites tune shrubs 18-59: eight such mattes, IoU 0.67-0.72, four of them scored 0.78-0.94
        # before; four at even image numbers, four at odd ones)
        score *= PART_DOUBT
    if above > LIGHT_ABOVE:
        # a face lighter than the sweep right above the matte's top edge: a printer without its top face
        # (no such matte among whites tune 144 and the tune shrubs, printers and phones 18-59; tune
        # printers 18-59 cut at their front's top by a stand-in network: 6 of the 26 fusion left so)
        score *= PART_DOUBT
    # the matte's light body is ragged: a piece of the sweep taken beside it (a plant's pot with a piece
    # of the sweep, IoU 0.81-0.87, scored 0.98-0.99 before: two at even image numbers, one at an odd one;
    # a pot with a bite out of it, IoU 0.89)
    score *= ramp(1.0 - solidity, 1.0 - SOLID_NONE, 1.0 - SOLID_DOUBT, floor=PART_DOUBT)
    if shadow_kept > SHADOW_KEPT:
        # a part of the matte that looks like a cast shadow lies beside the rest (SHADOW_KEPT)
        score *= PART_DOUBT
    # a screen the matte reaches past far on one side and barely on the opposite one (BALANCE_NONE)
    score *= ramp(1.0 - balance, 1.0 - BALANCE_NONE, 1.0 - BALANCE_DOUBT, floor=PART_DOUBT)
    score *= ramp(border, 0.02, 0.2, floor=0.3)
    score *= ramp(float(parts), 1.0, 4.0, floor=0.5)
    return float(np.clip(score, 0.0, 1.0))
