"""The quality score measures the network's doubt over the body by the undecided pixels the final mask
kept (engine.matting.score, `undecided_kept`), and flags a matte most of which only the look on the
sweep's local level found (`light_share`).

The network's undecided pixels the matte left out were decided against, as backdrop: a glass bottle's
or a bulb's glow, a soft halo. Where it kept them, an undecided body is still some doubt, never a flag
alone: on the whites tune split (144) and the shrubs and printers at tune indices 18-59 (84), of the 19
mattes with an undecided share above 0.15, 15 were good (white printers, cards and bulbs at IoU
0.97-0.99) and each bad one carried another doubt that flags it. A blotch that stood out of the sweep
only once everything else was painted out is the weakest evidence auto has: where it is most of the
matte (whites tune: a card found almost whole by that look, IoU 0.87, scored 1.00) the matte is flagged.

Whites tune 144, good mattes flagged 15 -> 10 of 139, bad ones caught 3 -> 4 of 5; shrubs and printers
18-59: good 6 -> 2 of 69, bad 8 of 15 unchanged.
"""

from __future__ import annotations

import numpy as np

from engine.matting.auto import undecided_share
from engine.matting.score import (
    LIGHT_ONLY,
    OUTLINE_DOUBT,
    UNDECIDED_FLOOR,
    UNDECIDED_OUTLINE,
    fused_quality,
    undecided_kept,
)

REVIEW_LINE = 0.5  # benchmarks.matting_quality: batches flag results below this quality

CLEAN = dict(level=0.5, left_out=0.0, fast_agreement=0.5, colour_model_blind=False, border=0.0, parts=0)


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
    assert fused_quality(undecided=UNDECIDED_OUTLINE, undecided_kept=UNDECIDED_OUTLINE, **CLEAN) >= OUTLINE_DOUBT - 1e-6
    # with another doubt (fusion cut the network below one half) it is flagged
    assert fused_quality(undecided=1.0, undecided_kept=1.0, **{**CLEAN, "level": 0.3}) < REVIEW_LINE


def test_a_matte_found_mostly_by_the_light_parts_look_is_flagged():
    assert fused_quality(undecided=0.0, light_share=0.0, **CLEAN) == 1.0
    # a part of it (a printer's lighter top face, a fifth of the mask) is no doubt
    assert fused_quality(undecided=0.0, light_share=0.2, **CLEAN) == 1.0
    assert fused_quality(undecided=0.0, light_share=LIGHT_ONLY, **CLEAN) == 1.0
    assert fused_quality(undecided=0.0, light_share=0.95, **CLEAN) < REVIEW_LINE
