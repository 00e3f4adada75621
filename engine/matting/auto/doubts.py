"""The quality score's doubts about a fused `auto` matte (engine.matting.score.fused_quality ranks by
them): what each look and rule left undecided, measured on the final mask. Their evidence is in the
comments; `orchestrator.matte_auto` passes what its looks did (`reason`, `added`, `details`)."""

from __future__ import annotations

import numpy as np

from engine.matting.auto.fusion import FusedResult
from engine.matting.auto.measures import SHADOW_DARKENING, Tones
from engine.matting.auto.second_look import (
    COLOURED_PART,
    DARK_PART,
    DARK_RIM,
    SHADOW_PART,
    dark_part,
    dark_rim,
)
from engine.matting.fast import FastResult
from engine.matting.score import (
    ADDED_DOUBT,
    LIGHT_BODY_HELD,
    SECOND_LOOK_LEFT_OUT,
    SOLID_NONE,
    added_beyond,
    border_mass,
    dark_below,
    fragments,
    light_above,
    light_body,
    part_below,
    undecided_kept,
)
from engine.matting.shape_doubts import frame_balance, shadow_kept


def matte_doubts(
    fused_alpha: np.ndarray,
    fused: FusedResult,
    model_alpha: np.ndarray,
    fast: FastResult,
    tones: Tones,
    blind: dict,
    details: dict,
    *,
    reason: str | None,
    could_look_again: bool,
    added: float,
    left_out: float,
) -> dict:
    """The doubts (keyword arguments of `fused_quality`) about `fused_alpha`, the final matte before
    the colour model's shadow layer: `fused` is fusion's result, `model_alpha` the network's answer
    after every look, `blind` the colour model's trust (`trust.fast_trust`), `details` what the looks
    recorded, `reason` why a second look was taken (or None), `could_look_again` whether one could be,
    `added` the share the looks added, `left_out` the faint regions left out against the matte
    (`trust.left_out_faint`)."""
    final = fused_alpha > 0.5
    union = np.count_nonzero(final | fast.hard)
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
    dark_kind = dark_part(fused_alpha, tones.rgb, tones.background)
    rim = dark_rim(fused_alpha, tones.rgb, tones.background) if dark_kind == DARK_PART else 0.0
    enclosed = dark_kind == DARK_PART and rim <= DARK_RIM
    # a coloured part whose matte holds a solid light body (a plant with its white pot, found by the
    # network's first answer): the light body a look past the part would look for is there, so the
    # faint regions around it are the sweep (tune shrubs 18-89: three such mattes at IoU 0.99 flagged
    # for them before; the plants found without their pot hold no light body)
    light_part, solidity = light_body(final, tones.rgb, tones.background)
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
    shadowy = tones.darkening > SHADOW_DARKENING
    return {
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
        and dark_kind == DARK_PART
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
        "below": dark_below(final, tones.rgb, tones.background),
        # an even plateau straight down from the mask's bottom edge that ends in a step: a part left out
        # under the product (a plant's white pot)
        "part": part_below(final, tones.rgb, tones.background),
        # lighter than the sweep beside it right above the mask's top edge: a light face left out (a
        # printer's top face above its front)
        "above": light_above(final, tones.rgb, tones.background),
        # the solidity of the matte's light body: ragged where a piece of the sweep was taken beside it
        # (a plant's pot with a piece of the sweep)
        "solidity": solidity,
        # the network's undecided pixels the matte kept: its doubt over the body, not a glow left out
        "undecided_kept": undecided_kept(model_alpha, final),
        # the share of the matte the last look for a light part added (on the sweep's local level, or, for
        # a pot no look there found, past the plant and its shadows): a body found by that look alone
        "light_share": details.get("light_added", 0.0) * final.size / max(np.count_nonzero(final), 1),
        # a part like a cast shadow beside the rest of the matte, and a screen's frame found on one side
        # only (engine.matting.shape_doubts)
        "shadow_kept": shadow_kept(final, tones.dark, tones.tint, tones.darkening),
        "balance": frame_balance(final, tones.dark),
    }
