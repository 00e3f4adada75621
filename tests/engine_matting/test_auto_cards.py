"""A white card found by the network only in part, completed to the box the photo's four straight edges
close (engine.matting.cards), on small shots these tests build: the unevenly lit, textured sweep of
`test_auto_fusion.sweep` and a white card 3 % brighter than it, with a dark printed bar.

The network's answer is given (the card less its top-right corner, as ISNet answered on the whites
tune white_card-15); the backdrop fit and the edge search are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting.cards import card_box, complete_card
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, shoot, soft_disc, soft_rect, sweep


def card_shot(seed: int = 17) -> tuple[np.ndarray, np.ndarray]:
    """(photo, card): a white card 3 % brighter than the sweep, with a dark bar printed on it."""
    bg = sweep(seed)
    card = soft_rect(60, 120, 320, 280)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[190:205, 90:200] = (0.1, 0.12, 0.3)
    return shoot(bg, colour, card, seed), card


def less_a_corner(mask: np.ndarray) -> np.ndarray:
    """The answer without the card's top-right corner (a quarter of its width, a third of its height)."""
    answer = mask.copy()
    answer[:175, 255:] = 0.0
    return cv2.GaussianBlur(answer, (0, 0), 1.0)


def test_a_cards_missed_corner_is_completed_to_its_edges():
    rgb, card = card_shot()
    answer = less_a_corner(card)
    out, added, details = complete_card(answer, rgb, matte_fast(rgb).background)
    assert metrics.iou(answer, card) < 0.94  # the network's answer
    assert metrics.iou(out, card) >= 0.99 and added > 0.02
    assert details["card_sides"]["top"][0] in range(119, 122) and details["card_sides"]["right"][0] in range(
        319, 322
    )
    assert np.all(out >= answer)  # nothing the answer held is dropped


def test_a_box_the_photo_does_not_show_is_not_completed():
    """The same answer over a plain sweep: no straight step closes it, nothing is added."""
    bg = sweep(17)
    rgb = shoot(bg, bg, np.zeros((SIZE, SIZE), np.float32), 17)
    _, card = card_shot()
    answer = less_a_corner(card)
    out, added, _ = complete_card(answer, rgb, matte_fast(rgb).background)
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_round_body_is_no_card():
    """A white disc with a bite missing fills too little of its box to be looked at as a card."""
    bg = sweep(17)
    disc = soft_disc(190, 190, 110)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), 0.93, np.float32), disc, 17)
    answer = less_a_corner(disc)
    assert card_box(answer > 0.5) is None
    out, added, _ = complete_card(answer, rgb, matte_fast(rgb).background)
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_dark_rectangle_is_left_to_the_frame_rule():
    """A dark box (a screen) is no light card: its frame, if any, is `frames`' to find."""
    bg = sweep(17)
    _, card = card_shot()
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.06, 0.07, 0.09), np.float32), card, 17)
    answer = less_a_corner(card)
    out, added, _ = complete_card(answer, rgb, matte_fast(rgb).background)
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_box_with_cut_corners_keeps_them_cut():
    """A white printer's top corners are cut off (whites tune): its sides step in their middles but not
    at their ends, so the box they would close is not taken and its corners stay sweep."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    pts = np.array([(60, 150), (90, 120), (290, 120), (320, 150), (320, 280), (60, 280)], np.int32) * 4
    cv2.fillPoly(big, [pts], 1.0)
    body = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    rgb = shoot(sweep(17), np.full((SIZE, SIZE, 3), 0.93, np.float32), body, 17)
    answer = cv2.GaussianBlur(body, (0, 0), 1.0)
    out, added, details = complete_card(answer, rgb, matte_fast(rgb).background)
    assert added == 0.0 and np.array_equal(out, answer), details
