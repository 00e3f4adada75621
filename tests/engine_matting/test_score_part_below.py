"""The quality score flags a matte whose bottom edge stops above a part of the product (engine.matting
.score, `part_below`): a plant cut out without its white pot. The stems end in mid-air; straight under
them the photo is an even plateau (the pot, about as light as the sweep) that ends in a step at the
pot's foot (into its shadow, or onto the sweep). Under a product found whole the photo is its own
shadow fading out or the plain sweep, which drifts but does not step (whites tune 144 and tune shrubs,
printers and phones 18-59: 0.28-0.30 under the eight shrubs without their pot, IoU 0.67-0.72, four of
them scored 0.78-0.94 before; 0 under the 262 other mattes; tune shrubs 18-59 cut at their pot's top
edge: 34 of 42 above 0.1).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.score import PART_BELOW, REVIEW_LINE, fused_quality, part_below
from tests.engine_matting.score_doubts import CLEAN
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep


def test_an_even_part_under_the_mask_that_ends_in_a_step_is_measured_against_its_height():
    background = np.full((200, 200, 3), 0.9, np.float32)
    rgb = np.full((200, 200, 3), 230, np.uint8)  # a plain backdrop, 0.9 of white
    mask = np.zeros((200, 200), bool)
    mask[40:100, 60:140] = True  # 60 px tall
    rgb[100:106, 50:150] = 150  # a contact shadow right under its edge, then the sweep: no part
    assert part_below(mask, rgb, background) == 0.0
    rgb[100:106] = 230
    rgb[130:140, 50:150] = 150  # an even stretch 30 px long that steps into a shadow: half the height
    assert 0.4 < part_below(mask, rgb, background) < 0.55
    rgb[130:140] = 230
    rgb[100:130, 50:150] = 210  # a grey part 30 px tall on the sweep: the step back up counts too
    assert 0.4 < part_below(mask, rgb, background) < 0.55
    fade = np.clip(np.linspace(0.12, -0.02, 100), 0, None)  # a soft shadow fading over 100 px
    rgb[100:200] = np.rint(230 * (1 - fade))[:, None, None]
    assert part_below(mask, rgb, background) == 0.0
    rgb[100:200] = 230  # the plain sweep
    assert part_below(mask, rgb, background) == 0.0
    assert part_below(np.zeros((200, 200), bool), rgb, background) == 0.0


def test_the_score_flags_a_part_below_past_a_contact_shadow_only():
    assert fused_quality(part=PART_BELOW - 0.01, **CLEAN) == 1.0
    assert fused_quality(part=PART_BELOW + 0.01, **CLEAN) < REVIEW_LINE


def plant_in_pot(
    seed: int, pot: float = 0.905, shade: float = 0.35
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, plant, plant with pot): dark green stems fanning up from a white pot (`pot`: its colour,
    the sweep is 0.9), which stands in the shadow it casts (`shade`: how much darker the shadow is)."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    for x, y in ((110, 90), (150, 70), (192, 60), (234, 70), (274, 90)):
        cv2.line(big, (192 * 4, 262 * 4), (x * 4, y * 4), 1.0, 16)
        cv2.circle(big, (x * 4, y * 4), 18 * 4, 1.0, -1)
    plant = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    body = soft_rect(162, 262, 222, 322)
    shadow = np.zeros((SIZE, SIZE), np.float32)
    cv2.ellipse(shadow, (192, 318), (56, 16), 0, 0, 360, 1.0, -1)
    bg = sweep(seed) * (1 - shade * cv2.GaussianBlur(shadow, (0, 0), 3.0)[..., None])
    colour = np.full((SIZE, SIZE, 3), pot, np.float32)
    colour[plant > 0.01] = (0.15, 0.35, 0.12)
    whole = np.maximum(plant, body)
    return shoot(bg, colour, whole, seed), plant, whole


def test_a_plant_found_without_its_pot_gets_the_pot_its_outline_holds():
    """The network is sure of the plant and every look finds nothing more; the pot's outline under the
    plant holds (its sides and its foot in its shadow: `pots`), so the pot is added and nothing is
    left below the matte for this doubt."""
    rgb, plant, whole = plant_in_pot(61)
    res = matte(rgb, "auto", session=Looks((plant > 0.5).astype(np.float32)))
    assert res.details["pot_added"] > 0.01 and metrics.iou(res.alpha, whole) >= 0.95
    assert res.details["doubt_part"] == 0.0 and res.quality >= REVIEW_LINE


def test_a_plant_without_its_greyer_pot_and_no_shadow_under_it_is_flagged():
    """The pot a little darker than the sweep and no shadow under it: its foot's step onto the sweep."""
    rgb, plant, whole = plant_in_pot(62, pot=0.82, shade=0.0)
    res = matte(rgb, "auto", session=Looks((plant > 0.5).astype(np.float32)))
    assert metrics.iou(res.alpha, whole) < 0.9
    assert res.details["doubt_part"] > PART_BELOW and res.quality < REVIEW_LINE


def test_a_plant_found_with_its_pot_has_its_shadow_or_the_sweep_under_it():
    for rgb, _, whole in (plant_in_pot(61), plant_in_pot(62, pot=0.82, shade=0.0)):
        res = matte(rgb, "auto", session=Looks(cv2.GaussianBlur(whole, (0, 0), 1.0)))
        assert metrics.iou(res.alpha, whole) >= 0.95
        assert res.details["doubt_part"] == 0.0 and res.quality >= REVIEW_LINE
