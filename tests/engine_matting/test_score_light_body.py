"""The quality score doubts a matte whose light body is ragged (engine.matting.score,
`light_body`): a plant's white pot with a piece of the sweep taken beside it. A product's light
body (a pot, a card, a printer, a bottle) is convex or nearly so; the piece of sweep a look joins to it
follows the sweep's blotches, so the light part it makes is not (tune shrubs: pots with a piece of the
sweep beside them, IoU 0.81-0.87, scored 0.98-0.99 before).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.score import (
    LIGHT_PART_MIN,
    REVIEW_LINE,
    SOLID_DOUBT,
    SOLID_NONE,
    fused_quality,
    light_body,
)
from tests.engine_matting.score_doubts import CLEAN


def plant_on_sweep() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(photo, backdrop, plant with its pot, sweep beside the pot): dark stems standing in a white pot
    a shade lighter than the sweep (0.9 of white, with a grain), and a ragged blotch of the sweep."""
    rng = np.random.default_rng(3)
    background = np.full((240, 240, 3), 0.9, np.float32)
    rgb = np.clip(229.5 + rng.normal(0, 2.0, (240, 240, 1)), 0, 255).repeat(3, axis=2).astype(np.uint8)
    found = np.zeros((240, 240), np.uint8)
    for x in (90, 110, 130, 150):  # stems fanning up from the pot
        cv2.line(found, (120, 150), (x, 50), 1, 5)
        cv2.circle(found, (x, 50), 10, 1, -1)
    rgb[found > 0] = (40, 90, 40)
    found[150:200, 95:145] = 1  # the pot
    rgb[150:200, 95:145] = 234
    piece = np.zeros((240, 240), np.uint8)  # a blotch of the sweep against the pot's side
    piece[184:200, 145:205] = 1  # along the pot's foot, then up beside it, its edge wavering
    piece[130:200, 188:205] = 1
    for cx, cy, r in ((160, 182, 6), (176, 181, 5), (186, 150, 6), (206, 170, 5)):
        cv2.circle(piece, (cx, cy), r, 1, -1)
    piece[found > 0] = 0
    return rgb, background, found > 0, piece > 0


def test_a_light_body_found_alone_is_solid():
    rgb, background, found, _ = plant_on_sweep()
    share, solidity = light_body(found, rgb, background)
    assert share > 0.3 and solidity > SOLID_NONE  # the pot: 50 x 50 px of a 6000 px mask
    assert light_body(np.zeros_like(found), rgb, background) == (0.0, 1.0)


def test_a_piece_of_the_sweep_beside_the_pot_makes_it_ragged():
    rgb, background, found, piece = plant_on_sweep()
    assert light_body(found | piece, rgb, background)[1] < SOLID_DOUBT


def test_a_thin_light_frame_says_nothing():
    # a phone's thin white frame around its dark screen: opened into nothing, it holds too little of
    # the mask for its outline to count
    background = np.full((200, 200, 3), 0.9, np.float32)
    rgb = np.full((200, 200, 3), 230, np.uint8)
    mask = np.zeros((200, 200), bool)
    mask[40:160, 60:140] = True
    rgb[40:160, 60:140] = 236
    rgb[44:156, 64:136] = 20  # the screen, the frame 4 px wide
    share, solidity = light_body(mask, rgb, background)
    assert share < LIGHT_PART_MIN and solidity == 1.0


def test_a_light_frame_round_a_dark_screen_is_judged_with_the_screen():
    # a phone found with its frame's thin top opened away: a U round the screen, not a ragged body
    background = np.full((200, 200, 3), 0.9, np.float32)
    rgb = np.full((200, 200, 3), 230, np.uint8)
    mask = np.zeros((200, 200), bool)
    mask[40:170, 60:140] = True
    rgb[40:170, 60:140] = 236
    rgb[42:150, 72:128] = 20  # the screen: a top edge 2 px wide, sides 12, a chin 20
    share, solidity = light_body(mask, rgb, background)
    assert share >= LIGHT_PART_MIN and solidity > SOLID_NONE


def test_the_score_flags_a_ragged_light_body_and_ranks_a_rough_one():
    assert fused_quality(solidity=SOLID_NONE + 0.01, **CLEAN) == 1.0
    assert REVIEW_LINE < fused_quality(solidity=(SOLID_NONE + SOLID_DOUBT) / 2, **CLEAN) < 1.0
    assert fused_quality(solidity=SOLID_DOUBT - 0.01, **CLEAN) < REVIEW_LINE


def test_auto_flags_a_pot_the_network_found_with_a_piece_of_the_sweep_beside_it():
    """End to end: the network is sure of the plant, its pot and a ragged piece of the sweep against the
    pot's side; the colour model has nothing against it (the piece is the sweep's own level), so only
    the light body's outline says so."""
    from benchmarks.datasets import metrics
    from engine.matting import matte
    from tests.engine_matting.test_auto_fusion import Looks
    from tests.engine_matting.test_score_part_below import plant_in_pot

    rgb, _, whole = plant_in_pot(61)
    found = matte(rgb, "auto", session=Looks(cv2.GaussianBlur(whole, (0, 0), 1.0)))
    assert found.details["doubt_solidity"] > SOLID_NONE and found.quality >= REVIEW_LINE
    piece = np.zeros(whole.shape, np.uint8)
    piece[266:292, 222:300] = 1  # along the pot's side above its shadow, then up, its edge wavering
    piece[200:292, 276:300] = 1
    for cx, cy, r in ((240, 264, 9), (262, 294, 8), (280, 206, 9), (304, 240, 7)):
        cv2.circle(piece, (cx, cy), r, 1, -1)
    taken = np.maximum(whole, piece.astype(np.float32))
    # the ragged light body gives way to the box the pot's outline holds (`pots.pot_for_ragged`)
    res = matte(rgb, "auto", session=Looks(cv2.GaussianBlur(taken, (0, 0), 1.0)))
    assert res.details["pot_box"] > 0.01 and metrics.iou(res.alpha, whole) >= 0.93
