"""The quality score flags a matte under which the photo stays dark for longer than a contact shadow
(engine.matting.score, `dark_below`): a grey part left out in its own shadow, a bulb's metal base
standing in the shadow its globe casts, which neither the network nor the colour model tells from
that shadow (whites tune 144: three such bulbs, IoU 0.87, scored 0.87-1.00; no other matte's run
exceeds a tenth of its height, nor any emoji tune matte's).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.score import DARK_BELOW, REVIEW_LINE, dark_below, fused_quality
from tests.engine_matting.score_doubts import CLEAN
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_disc, soft_rect, sweep


def test_a_dark_run_under_the_mask_is_measured_against_its_height():
    background = np.full((200, 200, 3), 0.9, np.float32)
    rgb = np.full((200, 200, 3), 230, np.uint8)  # a plain backdrop, 0.9 of white
    mask = np.zeros((200, 200), bool)
    mask[40:120, 60:140] = True  # 80 px tall
    rgb[120:125, 60:140] = 150  # a contact shadow, 5 px: a few percent of the height
    assert dark_below(mask, rgb, background) < 0.1
    rgb[120:160, 90:110] = 150  # a grey part 40 px tall under the middle, left out: half the height
    narrow = mask.copy()
    narrow[110:120, :] = False  # the mask ends above it, at the part's width (a globe's collar)
    narrow[110:120, 90:110] = True
    assert 0.4 < dark_below(narrow, rgb, background) < 0.55
    assert dark_below(narrow | (rgb[..., 0] == 150), rgb, background) < 0.05  # the part found: no run
    assert dark_below(np.zeros((200, 200), bool), rgb, background) == 0.0


def test_the_score_flags_a_run_past_a_contact_shadow_only():
    assert fused_quality(below=0.1, **CLEAN) == 1.0
    assert fused_quality(below=DARK_BELOW + 0.01, **CLEAN) < REVIEW_LINE


def bulb(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, globe, bulb): a cream globe on a neutral grey base that stands in a dark shadow."""
    shade = cv2.GaussianBlur(soft_rect(140, 215, 240, 305), (0, 0), 3.0)
    bg = sweep(seed) * (1 - 0.3 * shade[..., None])
    globe = soft_disc(190, 130, 80)
    base = soft_rect(165, 205, 215, 290)
    colour = np.full((SIZE, SIZE, 3), (0.97, 0.95, 0.85), np.float32)
    colour[base > 0.5] = 0.6
    whole = np.maximum(globe, base)
    return shoot(bg, colour, whole, seed), globe, whole


def test_a_bulb_without_its_base_in_its_shadow_is_flagged():
    rgb, globe, whole = bulb(51)
    res = matte(rgb, "auto", session=Looks(globe))
    assert metrics.iou(res.alpha, whole) < 0.9
    assert res.details["doubt_below"] > DARK_BELOW and res.quality < REVIEW_LINE


def test_a_bulb_found_with_its_base_has_no_dark_run_under_it():
    """The same bulb found whole: under the base the shadow ends within a contact shadow's depth."""
    rgb, _, whole = bulb(51)
    res = matte(rgb, "auto", session=Looks(whole))
    assert metrics.iou(res.alpha, whole) >= 0.97
    assert res.details["doubt_below"] < 0.1 and res.quality >= REVIEW_LINE
