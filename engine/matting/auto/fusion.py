"""Fusion of the network's answer with what the colour model is sure of (`fuse`).

Salient-object networks punch holes into flat interiors and drop thin parts; the colour model knows
both where the backdrop is clean. `fuse` cuts the network's output (`level`), adds the parts the colour
model is sure of (`dropped_parts`, `solid_parts`) unless they are cast shadows (`shadow_pieces`), adds
grey parts and drops their shadows (`grey_parts`), fills and opens holes (`holes`), snaps soft edges
(`edges`) and keeps glass partial (`glass`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from engine.matting.auto.edges import fill_light_notches, snap_soft_edges
from engine.matting.auto.glass import see_through_mask
from engine.matting.auto.grey_parts import neutral_shadow, tinted_parts
from engine.matting.auto.holes import background_holes, fill_light_pinholes, fill_punched, holes_to_open
from engine.matting.auto.level import network_level
from engine.matting.auto.measures import (
    FLATTEN_MIN_PART,
    RIM,
    SHADOW_DARKENING,
    SHADOW_DARKEST,
    SHADOW_TINT,
    Tones,
    undecided_share,
)
from engine.matting.auto.shadow_pieces import cast_shadow_pieces
from engine.matting.fast import FastResult, drop_specks
from engine.matting.refine import soft_alpha_from_mask


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


def fuse(
    rgb: np.ndarray,
    model_alpha: np.ndarray,
    fast: FastResult,
    *,
    search_level: bool = True,
    tones: Tones | None = None,
) -> FusedResult:
    """Network mask + colour-model corrections, refined to a soft alpha on the image's own edges.

    `search_level=False` keeps the network's cut at one half: where its second look at the flattened
    photo already found the body, reading its doubtful first answer lower only adds backdrop.
    """
    img = rgb.astype(np.float32) / 255.0
    tones = tones if tones is not None else Tones(rgb, fast.background)
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
        fused &= ~cast_shadow_pieces(
            extra, tones.dark, tones.tint, SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT
        )
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
    darkening = tones.darkening
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
