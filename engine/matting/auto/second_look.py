"""The network's second look, at the photo with the backdrop divided out and amplified
(`flatten_backdrop`): why it is taken (`second_look_reason`, `shadow_like_part`, `dark_part`), and
what of it is merged (`merge_flattened`: light bodies added, cast shadows dropped). `dark_rim` says
whether a dark part is still unenclosed by a light body after the looks."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import (
    FLATTEN_MIN_PART,
    RIM,
    SHADOW_DARKENING,
    SHADOW_DARKEST,
    SHADOW_TINT,
    Tones,
    undecided_share,
)
from engine.matting.fast import FastResult
from engine.matting.norms import channel_norm
from engine.matting.score import darkening as _darkening

FLATTEN_GAIN = 4.0  # departures from the backdrop are amplified this much for the network's second look


FLATTEN_LEVEL = 0.85  # where the backdrop itself lands (light grey: room above it for white bodies)


SECOND_LOOK_UNDECIDED = 0.1  # an undecided share above an outline's: the network was unsure of a body


SECOND_LOOK_DARK = 0.25  # what it found is this much darker than the backdrop (median): a screen, a slot


SECOND_LOOK_NEUTRAL = 0.08  # ... and this colourless (median chroma of its ratio to the backdrop)


SHADOW_PART = "shadow-like part"  # a part only the network took that looks like a cast shadow


UNSURE = "unsure"  # the network's answer is undecided over much of a body


DARK_PART = "dark part"  # the network found a dark, colourless part: a screen, a slot, a bulb's base


LOOK_AGAIN = (UNSURE, "nothing found", DARK_PART, SHADOW_PART)  # reasons for the second look


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


def shadow_like_part(first: np.ndarray, fast: FastResult, tones: Tones) -> bool:
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
    darkening = tones.dark
    cand &= (darkening > SHADOW_DARKENING) & (darkening < SHADOW_DARKEST)
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    if np.count_nonzero(cand) < FLATTEN_MIN_PART * cand.size:
        return False
    cand &= tones.tint < SHADOW_TINT
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    inner = cv2.erode(found.astype(np.uint8), None) > 0
    sharp = cv2.GaussianBlur(tones.darkening, (0, 0), 0.8)
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
    """`DARK_PART` or `COLOURED_PART` where what the network found is darker than the backdrop by
    `SECOND_LOOK_DARK` (median), colourless or not (`SECOND_LOOK_NEUTRAL`); None for a light answer."""
    found = first > 0.5
    if not found.any():
        return None
    ratio = rgb[found].astype(np.float32)
    ratio *= np.float32(1.0 / 255.0)
    ratio /= np.maximum(background[found], 1e-3)
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    lum = ratio @ weights
    if float(np.median(1.0 - lum)) <= SECOND_LOOK_DARK:
        return None
    ratio -= lum[:, None]
    chroma = channel_norm(ratio, overwrite=True)
    return COLOURED_PART if float(np.median(chroma)) > SECOND_LOOK_NEUTRAL else DARK_PART


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
    first: np.ndarray, second: np.ndarray, tones: Tones, *, add: bool = True
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
    darkening = tones.darkening
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
    shadow = out[pieces] & (tones.tint < SHADOW_TINT)
    # only the body and its rim: strips along the outline that join it are the outlines disagreeing
    shadow &= cv2.dilate((core & out[pieces]).astype(np.uint8), kernel) > 0
    merged[shadow] = np.minimum(merged[shadow], second[shadow])
    return merged, float(accepted.mean())


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
