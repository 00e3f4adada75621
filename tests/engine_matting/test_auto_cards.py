"""A white card found by the network only in part, completed to the box the photo's four straight edges
close (engine.matting.auto.cards), on small shots these tests build: the unevenly lit, textured sweep of
`test_auto_fusion.sweep` and a white card 3 % brighter than it, with a dark printed bar.

The network's answer is given (the card less its top-right corner, as ISNet answered on the whites
tune white_card-15); the backdrop fit and the edge search are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting.auto.cards import box_around_print, card_box, complete_card
from engine.matting.auto.fusion import fuse
from engine.matting.auto.holes import background_holes, holes_to_open
from engine.matting.auto.measures import Tones
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
    out, added, details = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
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
    out, added, _ = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_round_body_is_no_card():
    """A white disc with a bite missing fills too little of its box to be looked at as a card."""
    bg = sweep(17)
    disc = soft_disc(190, 190, 110)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), 0.93, np.float32), disc, 17)
    answer = less_a_corner(disc)
    assert card_box(answer > 0.5) is None
    out, added, _ = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_dark_rectangle_is_left_to_the_frame_rule():
    """A dark box (a screen) is no light card: its frame, if any, is `frames`' to find."""
    bg = sweep(17)
    _, card = card_shot()
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.06, 0.07, 0.09), np.float32), card, 17)
    answer = less_a_corner(card)
    out, added, _ = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
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
    out, added, details = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert added == 0.0 and np.array_equal(out, answer), details


def card_with_a_printed_ring(seed: int = 17) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, card, counter): a white card as `card_shot`'s, with a dark square ring printed on it (a
    letter's bowl: 4 px stroke) whose inside, the card's white, is `counter`."""
    bg = sweep(seed)
    card = soft_rect(60, 120, 320, 280)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[170:214, 150:190] = (0.1, 0.12, 0.3)
    colour[174:210, 154:186] = 0.93
    counter = np.zeros((SIZE, SIZE), bool)
    counter[176:208, 156:184] = True
    return shoot(bg, colour, card, seed), card, counter


def test_the_inside_of_a_letter_printed_on_a_card_is_not_opened():
    """The colour model sees only the print, and inside the ring it sees backdrop, enclosed: what a
    mug's handle looks like. Past the stroke lies the card again, which the network holds all round: the
    inside is the card (whites tune: white_card-15, the bowl of its "D" opened)."""
    rgb, card, counter = card_with_a_printed_ring()
    fast = matte_fast(rgb)
    holes = background_holes(fast.hard, fast.evidence)
    assert np.mean(holes[counter]) > 0.9  # the failure's condition: read as backdrop, enclosed
    network = cv2.GaussianBlur(card, (0, 0), 1.0)
    assert not holes_to_open(holes, network, rgb, fast.hard)[counter].any()
    res = fuse(rgb, network, fast)
    assert np.mean(res.alpha[counter] > 0.5) > 0.98
    assert metrics.iou(res.alpha, card) >= 0.98


def test_a_ring_on_the_sweep_still_has_its_hole_opened():
    """The same ring printed as a body of its own on the sweep (a handle): past it lies the sweep, which
    the network leaves out, so the hole it filled is opened."""
    bg = sweep(17)
    ring = np.zeros((SIZE, SIZE), np.float32)
    ring[170:214, 150:190] = 1.0
    ring[174:210, 154:186] = 0.0
    counter = np.zeros((SIZE, SIZE), bool)
    counter[176:208, 156:184] = True
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.1, 0.12, 0.3), np.float32), ring, 17)
    fast = matte_fast(rgb)
    holes = background_holes(fast.hard, fast.evidence)
    filled = np.zeros((SIZE, SIZE), np.float32)
    filled[170:214, 150:190] = 1.0  # the network filled the hole
    assert holes_to_open(holes, filled, rgb, fast.hard)[counter].mean() > 0.9


def printed_strokes() -> np.ndarray:
    """Where a line of thin dark marks (letters' stems: 3 px every 12 px) is printed on `card_shot`'s card."""
    marks = np.zeros((SIZE, SIZE), bool)
    for x in range(100, 220, 12):
        marks[190:215, x : x + 3] = True
    return marks


def test_a_card_found_as_its_print_alone_is_found_around_it():
    """The network answered the print alone (whites tune white_card-55: IoU 0.02): the card's four
    straight edges are looked for around it, and the card they close is the answer."""
    bg = sweep(17)
    card = soft_rect(60, 120, 320, 280)
    marks = printed_strokes()
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[marks] = (0.1, 0.12, 0.3)
    rgb = shoot(bg, colour, card, 17)
    answer = cv2.GaussianBlur(marks.astype(np.float32), (0, 0), 0.7)
    out, added, details = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert metrics.iou(answer, card) < 0.1
    assert metrics.iou(out, card) >= 0.98 and added > 0.2
    assert np.all(out >= answer)


def test_print_on_a_plain_sweep_gets_no_card():
    """The same marks printed on the sweep itself (no card around them): nothing closes them, nothing
    is added."""
    bg = sweep(17)
    marks = printed_strokes()
    colour = np.repeat(bg[..., :1], 3, axis=2).copy()
    colour[marks] = (0.1, 0.12, 0.3)
    rgb = shoot(bg, colour, marks.astype(np.float32), 17)
    answer = cv2.GaussianBlur(marks.astype(np.float32), (0, 0), 0.7)
    out, added, _ = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_pattern_printed_near_a_cards_edge_is_not_taken_for_it():
    """A broken line printed 8 px inside the card's left edge steps more than the edge does, but not
    along the whole side: the edge is the outermost step that runs the whole side (whites tune
    white_card-15: a printed grid 11 px inside its left edge, the card left uncompleted)."""
    bg = sweep(17)
    card = soft_rect(60, 120, 320, 280)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    for y in range(124, 276, 40):
        colour[y : y + 20, 68:71] = 0.6  # dashes: grey ink, 8 px in
    rgb = shoot(bg, colour, card, 17)
    answer = less_a_corner(card)
    out, added, details = complete_card(answer, Tones(rgb, matte_fast(rgb).background))
    assert details["card_sides"]["left"][0] in range(59, 62)
    assert metrics.iou(out, card) >= 0.99 and added > 0.02


def test_a_print_at_the_images_edge_gets_a_box_inside_the_image():
    """A print 1 px from the top and left edges finds no step beyond them: the box stops at the edge
    (a negative start would wrap around the image when sliced)."""
    ratio = np.ones((64, 64, 3), np.float32)
    top, bottom, left, right = box_around_print(ratio, (1, 20, 1, 30))
    assert top == 0 and left == 0 and bottom <= 64 and right <= 64
