"""The quality score falls where fusion added a part the network never saw (engine.matting.score,
`added_beyond`): there the colour model's answer won over the network's, which on the whites tune
split was a mug's hard cast shadow taken as product more often than a body the network missed.

Whites tune 144 (ramp set on even image numbers): Spearman between score and IoU 0.54 -> 0.58
(even 0.49 -> 0.53, odd 0.57 -> 0.64), flags unchanged; a part added beyond the network is never a
flag alone (a shrub's white pot the colour model found adds a quarter of the mask at IoU 0.99).
"""

from __future__ import annotations

import numpy as np

from engine.matting import matte
from engine.matting.score import (
    ADDED_DOUBT,
    ADDED_FLOOR,
    ADDED_NONE,
    REVIEW_LINE,
    added_beyond,
    fused_quality,
)
from tests.engine_matting.score_doubts import CLEAN
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep


def box(x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    mask = np.zeros((200, 200), bool)
    mask[y0:y1, x0:x1] = True
    return mask


def test_a_rim_correction_is_not_counted_a_part_beyond_the_network_is():
    network = box(50, 50, 150, 120)
    assert added_beyond(network, network) == 0.0
    assert added_beyond(box(48, 48, 152, 122), network) == 0.0  # the outline moved by two pixels
    assert added_beyond(box(55, 55, 145, 115), network) == 0.0  # or the fusion cut into it
    # a 100 x 40 block under the product (a cast shadow the colour model took): what lies more than
    # three pixels inside the mask and beyond the network's reach, as a share of the whole mask
    final = network | box(50, 120, 150, 160)
    share = added_beyond(final, network)
    assert 0.15 < share < 4000 / final.sum()
    assert added_beyond(np.zeros((200, 200), bool), network) == 0.0


def test_the_score_falls_with_the_added_share_without_flagging_it_alone():
    shares = [0.0, ADDED_NONE, (ADDED_NONE + ADDED_DOUBT) / 2, ADDED_DOUBT, 0.3, 1.0]
    scores = [fused_quality(beyond_network=s, **CLEAN) for s in shares]
    assert scores[0] == scores[1] == 1.0  # a few specks beyond the network are no doubt
    assert 1.0 > scores[2] > scores[3]
    assert scores[3] == scores[4] == scores[5] == ADDED_FLOOR > REVIEW_LINE
    assert fused_quality(**CLEAN) == 1.0  # the signal is off unless given


def test_a_part_the_colour_model_added_beyond_the_network_lowers_the_score():
    """A cream box with a blue strap hanging below it that the network dropped: fusion adds the strap
    (the colour model is sure of it), and the score falls by the share it adds, staying above the
    review line; the same shot with the network finding the strap keeps its score."""
    body = soft_rect(120, 100, 270, 230)
    strap = soft_rect(170, 230, 220, 330)
    colour = np.full((SIZE, SIZE, 3), (0.97, 0.92, 0.8), np.float32)
    colour[strap > 0.5] = (0.1, 0.2, 0.7)
    rgb = shoot(sweep(47), colour, np.maximum(body, strap), 47)
    dropped = matte(rgb, "auto", session=Looks(body))
    found = matte(rgb, "auto", session=Looks(np.maximum(body, strap)))
    assert dropped.method == found.method == "auto:model"
    assert (dropped.alpha[280, 195] > 0.5) and (found.alpha[280, 195] > 0.5)  # fusion added the strap
    assert dropped.details["doubt_beyond_network"] > ADDED_DOUBT
    assert found.details["doubt_beyond_network"] < ADDED_NONE
    assert found.quality - dropped.quality > 0.2 and dropped.quality >= REVIEW_LINE


def test_only_the_added_part_darker_than_the_backdrop_counts_where_auto_says_so():
    """auto passes the pixels darker than the backdrop by a shadow's share as `within`: a cast shadow
    (or a grey base) added beyond the network counts, a white pot the colour model found does not
    (whites tune 144 and shrubs 18-59: five shrubs at IoU 0.96-0.99 scored 0.49-0.56 for their pot)."""
    network = box(50, 50, 150, 120)
    final = network | box(50, 120, 150, 160)  # a 100 x 40 block added under it
    everywhere = added_beyond(final, network)
    darker = np.zeros((200, 200), bool)
    darker[140:200, :] = True  # the lower half of the block is darker than the backdrop
    assert added_beyond(final, network, within=np.ones((200, 200), bool)) == everywhere
    assert 0.0 < added_beyond(final, network, within=darker) < everywhere * 0.6
    assert added_beyond(final, network, within=np.zeros((200, 200), bool)) == 0.0  # a light pot
