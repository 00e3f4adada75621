"""The quality score measures the network's doubt over the body by the undecided pixels the final mask
kept (engine.matting.score, `undecided_kept`), and flags a matte most of which only the look on the
sweep's local level found (`light_share`).

The network's undecided pixels the matte left out were decided against, as backdrop: a glass bottle's
or a bulb's glow, a soft halo. Where it kept them, an undecided body is still some doubt, never a flag
alone: on the whites tune split (144) and the shrubs and printers at tune indices 18-59 (84), of the 18
mattes with an undecided share above 0.15, 14 were good (white printers, cards and bulbs at IoU
0.97-0.99) and each bad one carried another doubt that flags it. A blotch that stood out of the sweep
only once everything else was painted out is the weakest evidence auto has: where it is most of the
matte (whites tune: a card found almost whole by that look, IoU 0.87, scored 1.00) the matte is flagged.

A dark part with a dark rim after the look past it found nothing, where the colour model left faint
departures out, is a light body no look found (`dark_rim_left` in engine.matting.auto); one whose outer band
is light is enclosed by the light body the looks found, and leaves nothing more to find.

Whites tune 144, good mattes flagged 15 -> 7 of 139, bad ones caught 3 -> 5 of 5 (Spearman with IoU
0.61 -> 0.70); shrubs and printers 18-59: good 6 -> 1 of 69, bad 8 -> 9 of 15 (0.72 -> 0.74).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.measures import undecided_share
from engine.matting.score import (
    LIGHT_ONLY,
    OUTLINE_DOUBT,
    REVIEW_LINE,
    UNDECIDED_FLOOR,
    UNDECIDED_OUTLINE,
    fused_quality,
    undecided_kept,
)
from tests.engine_matting.score_doubts import CLEAN_OUTLINE as CLEAN
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, sweep


def glowing_box() -> tuple[np.ndarray, np.ndarray]:
    """A network answer: a sure 60 x 60 body inside a halo of 0.4 twenty pixels wide (a bulb's glow)."""
    net = np.zeros((200, 200), np.float32)
    net[50:150, 50:150] = 0.4
    net[70:130, 70:130] = 1.0
    return net, net > 0.5


def test_undecided_pixels_left_out_of_the_matte_are_no_doubt_about_its_body():
    net, body = glowing_box()
    assert undecided_share(net) > 1.0  # the glow counts against the network's whole answer ...
    assert undecided_kept(net, body) == 0.0  # ... but the matte left it out: no doubt about the body
    # a matte that kept the glow holds it as undecided body
    assert 0.6 < undecided_kept(net, net > 0.1) < 0.7
    assert undecided_kept(net, np.zeros_like(body)) == 0.0


def test_a_kept_undecided_body_lowers_the_score_but_never_flags_it_alone():
    glow = fused_quality(undecided=1.0, undecided_kept=0.0, **CLEAN)
    kept = fused_quality(undecided=1.0, undecided_kept=1.0, **CLEAN)
    assert glow == OUTLINE_DOUBT  # only the outline's tenth
    assert kept == OUTLINE_DOUBT * UNDECIDED_FLOOR >= REVIEW_LINE
    assert fused_quality(undecided=1.0, undecided_kept=0.2, **CLEAN) > kept
    # without the kept share the body is measured by the undecided share, as before
    assert fused_quality(undecided=1.0, **CLEAN) == kept
    assert (
        fused_quality(undecided=UNDECIDED_OUTLINE, undecided_kept=UNDECIDED_OUTLINE, **CLEAN)
        >= OUTLINE_DOUBT - 1e-6
    )
    # with another doubt (fusion cut the network below one half) it is flagged
    assert fused_quality(undecided=1.0, undecided_kept=1.0, **{**CLEAN, "level": 0.3}) < REVIEW_LINE


def test_a_matte_found_mostly_by_the_light_parts_look_is_doubted_not_flagged_alone():
    assert fused_quality(undecided=0.0, light_share=0.0, **CLEAN) == 1.0
    # a part of it (a printer's lighter top face, a fifth of the mask) is no doubt
    assert fused_quality(undecided=0.0, light_share=0.2, **CLEAN) == 1.0
    assert fused_quality(undecided=0.0, light_share=LIGHT_ONLY, **CLEAN) == 1.0
    # most of it is some doubt, ranked below mattes found otherwise, but no flag alone (a card
    # completed to its box, a printer's body: right on every such tune matte)
    assert REVIEW_LINE < fused_quality(undecided=0.0, light_share=0.95, **CLEAN) < 0.9
    # with another doubt (fusion cut the network below one half) it is flagged
    assert fused_quality(undecided=0.0, light_share=0.95, **{**CLEAN, "level": 0.3}) < REVIEW_LINE


def test_a_dark_part_the_look_past_found_nothing_around_is_flagged_where_faint_light_is_left(monkeypatch):
    """A phone found as its screen alone by every look, the look past it finding nothing: where the
    colour model left faint departures out (whites tune: a phone's frame, IoU 0.89, scored 0.93; a
    printer found as its dark slot, IoU 0.05, scored 0.79) a light body is there that no look found,
    and the matte is flagged. A dark product alone (no faint departures) is not."""
    from engine.matting.auto import trust
    from tests.engine_matting.test_auto_quality import white_phone

    rgb, phone, screen = white_phone(31)
    slab = shoot(sweep(31), np.full((SIZE, SIZE, 3), (0.06, 0.07, 0.09), np.float32), screen, 31)
    alone = matte(slab, "auto", session=Looks(screen, screen, screen))
    assert alone.details["second_look_reason"] == "dark part" and alone.details["beside_added"] == 0.0
    assert not alone.details["left_faint"] and not alone.details["doubt_dark_rim_left"]
    assert alone.quality >= 0.8 and "light_added" not in alone.details
    # the synthetic frame is too faint for the colour model's own measure: stand in for it
    monkeypatch.setattr(trust, "faint_departures", lambda fast, faint=None: (0.1, 0.5))
    net = Looks(screen, screen, screen)
    res = matte(rgb, "auto", session=net)
    # the look past found nothing where faint departures were left: one more look, on the sweep's
    # local level (`auto.look_on_local_level`), which finds nothing either
    assert len(net.inputs) == 4 and res.details["beside_added"] == 0.0 and res.details["left_faint"]
    assert res.details["light_added"] == 0.0
    assert metrics.iou(res.alpha, phone) < 0.9
    assert res.details["doubt_dark_rim_left"] and res.quality < REVIEW_LINE


def test_a_dark_part_found_inside_its_light_body_leaves_nothing_more_to_find():
    """The network's first answer is the phone whole, screen and white frame: a dark part by its median,
    so it looks again and finds nothing more. The answer's outer band is the light frame (the dark part
    is enclosed): that is no doubt, nor are faint regions around it (whites tune 144: three such phones
    at IoU 0.997-0.999, one scored 0.17 for faint glare around it)."""
    from tests.engine_matting.test_auto_quality import white_phone

    rgb, phone, screen = white_phone(33)
    whole = cv2.GaussianBlur(phone, (0, 0), 1.0)
    net = Looks(whole, whole)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "dark part" and res.details["flattened_added"] == 0.0
    assert metrics.iou(res.alpha, phone) >= 0.97
    assert not res.details["doubt_nothing_more_found"] and res.details["doubt_left_out"] == 0.0
    assert not res.details["doubt_colour_model_blind"] and res.quality >= 0.8
