"""`matte_auto`: the sequence of looks that makes the `auto` matte (see the package's docstring).

It routes (colour model alone, or the network), takes the network's further looks where its first
answer may have missed a light body, fuses, applies the rules after fusion, and collects the quality
score's doubts. Each look and rule lives in its own module; this one only decides which run."""

from __future__ import annotations

import numpy as np

from engine.matting.auto.cards import complete_card
from engine.matting.auto.doubts import matte_doubts
from engine.matting.auto.even_holes import fill_even_holes
from engine.matting.auto.frames import complete_frame
from engine.matting.auto.fusion import fuse, solid_parts
from engine.matting.auto.light_parts import LOCAL_DARK_AGAIN, look_on_local_level, plant_alone
from engine.matting.auto.look_past import LOOK_PAST_UPPER, look_past_shadows, merge_beside, paint_out
from engine.matting.auto.measures import SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT, Tones, undecided_share
from engine.matting.auto.pots import pot_below, pot_for_ragged
from engine.matting.auto.second_look import (
    COLOURED_PART,
    DARK_PART,
    DARK_RIM,
    LOOK_AGAIN,
    SECOND_LOOK_UNDECIDED,
    SHADOW_PART,
    UNSURE,
    dark_part,
    dark_rim,
    flatten_backdrop,
    merge_flattened,
    second_look_reason,
    shadow_like_part,
)
from engine.matting.auto.shadow_pieces import holds_plant, plant_shadow
from engine.matting.auto.tinted_faces import find_tinted_face
from engine.matting.auto.top_faces import find_top_face
from engine.matting.auto.trust import BACKDROP_RESIDUAL, faint_mask, fast_trust, left_out_faint
from engine.matting.fast import FastOptions, backdrop_fit, matte_fast
from engine.matting.score import (
    SECOND_LOOK_LEFT_OUT,
    fused_quality,
)


class MissingModel(RuntimeError):
    """The image needs the network but no model session was given."""


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
    faint = faint_mask(fast)  # made once: the trust and the left-out doubt both read it
    trust, blind = fast_trust(fast, faint)
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
    # the photo against the backdrop, measured once for every look and rule below
    tones = Tones(rgb, fast.background)
    added = 0.0
    could_look_again = blind["backdrop_residual"] > BACKDROP_RESIDUAL
    reason = second_look_reason(model_alpha, rgb, fast.background) if could_look_again else None
    if could_look_again and reason is None and shadow_like_part(model_alpha, fast, tones):
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
        model_alpha, added = merge_flattened(model_alpha, second, tones, add=reason != SHADOW_PART)
        details["flattened_added"] = added
        # still a dark part after the second look (a phone's screen with bits of its thin white frame):
        # the network looks past it as well (whites tune: phones' IoU 0.81-0.94 -> 0.86-0.98)
        look_past = (
            dark_part(model_alpha, rgb, fast.background) == DARK_PART
            and dark_rim(model_alpha, rgb, fast.background) > DARK_RIM
        )
    if look_past:
        # a light body against a dark or coloured part (a white pot under a plant, a phone's white
        # frame): the flattened photo with the part painted out, where the light body stands out
        painted, zone = paint_out(flat, model_alpha)
        model_alpha, beside = merge_beside(
            model_alpha, model_predict(painted), zone, tones, plant=reason == COLOURED_PART
        )
        details["beside_added"] = beside
        added += beside
        if beside == 0.0 and reason != COLOURED_PART and blind["left_faint"]:
            # the look past a dark part found nothing while the colour model left faint departures
            # out: a white body around the slot that the flattened photo's blotches hide (a printer
            # found as its slot alone: fresh tune printers 18-59, white_printer-32 IoU 0.05 -> 0.99)
            # is looked for on the sweep's local level, as below (`light_parts`); a dark product
            # alone on the sweep leaves nothing faint and pays no further look
            model_alpha, light = look_on_local_level(model_alpha, model_predict, tones)
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
    # and where the network found a dark part (a printer's slot) and the flattened photo only part of
    # the light body around it, still unsure of it: a printer filling the frame whose front carries a
    # print, found as its upper half or as the print's motifs (close-framed tune printers 0-15: two
    # such, IoU 0.56 and 0.22 -> 0.99 and 0.97). A screen in its frame, found whole, is no longer
    # unsure of it and pays no look (wide tune 0-11: four such answers, undecided 0.016-0.040)
    body_look = reason == DARK_PART and not look_past and undecided_share(model_alpha) > SECOND_LOOK_UNDECIDED
    if (reason == UNSURE and not look_past) or pot_look or body_look:
        model_alpha, light = look_on_local_level(model_alpha, model_predict, tones)
        if pot_look and light == 0.0:
            # a cast shadow's soft outline drew the look: again with lighter shadows painted over too
            model_alpha, light = look_on_local_level(model_alpha, model_predict, tones, dark=LOCAL_DARK_AGAIN)
            details["light_again"] = light
        if pot_look and light == 0.0 and plant_alone(model_alpha > 0.5, tones.tint):
            # nor on the local level, and the answer is the plant alone: the flattened photo with the
            # plant and its shadows painted out (whites tune shrubs 0-89: 4 looks, shrub-30 0.679 ->
            # 0.975, the other three added nothing)
            model_alpha, light = look_past_shadows(model_alpha, model_predict, flat, tones)
            details["past_shadows"] = light
        details["light_added"] = light
        added += light
    if (
        reason in (COLOURED_PART, UNSURE)
        and plant_alone(model_alpha > 0.5, tones.tint)
        and not solid_parts(model_alpha > 0.5, fast.hard, fast.evidence).any()
    ):
        # every look left the plant alone, and the colour model has no pot beside it either: its pot
        # by its outline under the plant's base (`pots`, no network run; shrubs 18-119: five of six
        # such pots, IoU 0.65-0.73 -> 0.95-0.99, shrub-111's box did not hold; where the colour model
        # found the pot, the box only coarsened it: shrub-54 and shrub-73 0.99 -> 0.98)
        pot = pot_below(model_alpha > 0.5, rgb, fast.background, tones.tint)
        model_alpha = np.where(pot, 1.0, model_alpha).astype(np.float32)
        details["pot_added"] = float(pot.mean())
        added += details["pot_added"]
    if reason is not None and reason != SHADOW_PART:
        # a screen with bits of its light frame: the frame completed where the photo shows its edge
        model_alpha, framed, frame_details = complete_frame(model_alpha, tones)
        details.update(frame_details, frame_added=framed)
        added += framed
        # a light card found in part: completed to the box the photo's four straight edges close
        model_alpha, carded, card_details = complete_card(model_alpha, tones)
        details.update(card_details, card_added=carded)
        added += carded
    # the network's cut stays at one half where a further look found more, or where the look was for a
    # shadow: the first answer was sure of the body (dropping a shadow leaves a partial rim, which is
    # no doubt about the body, and a lower level would take a bulb's halo)
    fused = fuse(rgb, model_alpha, fast, search_level=added == 0.0 and reason != SHADOW_PART, tones=tones)
    # a hole in the answer the colour of the matte around it is that surface, missed (a printer's
    # front inside its found outline), not the backdrop seen through the product (`even_holes`)
    fused_alpha, holes_filled, hole_steps = fill_even_holes(fused.alpha, rgb, fast.background)
    if holes_filled > 0.0:
        details.update(holes_filled=holes_filled, hole_steps=hole_steps)
    # a box found as its front alone, its lighter top face left out: the face by its straight far edge
    # above the front (`top_faces`; fresh tune printers 90-121: white_printer-120 0.80 -> 0.99, no other
    # matte of the seen sets moved)
    face = find_top_face(fused_alpha > 0.5, rgb, fast.background)
    if not face.any():
        # no step at its far edge (a face as light as the sweep), or a face found in part: the face by
        # the front's tint (`tinted_faces`; whites tune printers 0-199: white_printer-185 0.80 -> 0.99,
        # -165 0.81 -> 0.98, -171 0.95 -> 0.99, -81 0.92 -> 0.96)
        face = find_tinted_face(fused_alpha > 0.5, rgb, fast.background)
    if face.any():
        fused_alpha = np.where(face, 1.0, fused_alpha).astype(np.float32)
        details["top_face"] = float(face.mean())
    # a plant's lacy cast shadow the network took with it (`shadow_pieces.plant_shadow`)
    # (looked for only where the answer holds a plant, so no other matte pays for the blurred darkening)
    answer = fused_alpha > 0.5
    if holds_plant(answer, tones.tint):
        shadow = plant_shadow(answer, tones.dark, tones.tint, SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT)
        if shadow.any():
            fused_alpha = np.where(shadow, 0.0, fused_alpha).astype(np.float32)
            details["plant_shadow"] = float(shadow.mean())
    if reason in (COLOURED_PART, UNSURE):
        # a pot found with a wedge of the sweep beside it or a hole in it: its box instead (`pots`;
        # shrubs 18-119: shrub-21, -28, -74, -112, IoU 0.81-0.90 -> 0.96-0.98, no other matte moved)
        box, part = pot_for_ragged(fused_alpha > 0.5, rgb, fast.background, tones.tint)
        if box.any():
            fused_alpha = np.where(box, 1.0, np.where(part, 0.0, fused_alpha)).astype(np.float32)
            details["pot_box"] = float(box.mean())
    final = fused_alpha > 0.5
    left_out = left_out_faint(fast, final, faint=faint)
    details["faint_left_out"] = left_out
    doubts = matte_doubts(
        fused_alpha,
        fused,
        model_alpha,
        fast,
        tones,
        blind,
        details,
        reason=reason,
        could_look_again=could_look_again,
        added=added,
        left_out=left_out,
    )
    quality = fused_quality(**doubts)
    details.update({f"doubt_{k}": v for k, v in doubts.items()})
    alpha = fused_alpha if fast.shadow is None else np.maximum(fused_alpha, fast.shadow * (fused_alpha < 0.5))
    return alpha, "auto:model", quality, {**details, **fused.details}
