"""The quality score flags a matte whose bottom edge stops above a light part that stands in the
shadow under it (engine.matting.score, `light_gap_below`): a plant cut out without its white pot. The
stems end in mid-air, the pot under them is about as light as the sweep, and the pot's shadow starts
only at the pot's foot; a product found whole casts its shadow from its own bottom edge (whites tune
144 and tune shrubs, printers and phones 18-59: 0.29-0.31 under the seven shrubs without their pot,
IoU 0.67-0.72, four of them scored 0.78-0.94 before; 0 under the 263 other mattes).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.score import LIGHT_GAP, fused_quality, light_gap_below
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep

REVIEW_LINE = 0.5  # benchmarks.matting_quality: batches flag results below this quality

CLEAN = dict(
    undecided=0.0, level=0.5, left_out=0.0, fast_agreement=0.5, colour_model_blind=False, border=0.0, parts=0
)


def test_a_light_stretch_between_the_mask_and_a_shadow_is_measured_against_its_height():
    background = np.full((200, 200, 3), 0.9, np.float32)
    rgb = np.full((200, 200, 3), 230, np.uint8)  # a plain backdrop, 0.9 of white
    mask = np.zeros((200, 200), bool)
    mask[40:100, 60:140] = True  # 60 px tall
    rgb[100:106, 50:150] = 150  # a contact shadow right under its edge: no gap
    assert light_gap_below(mask, rgb, background) == 0.0
    rgb[100:106] = 230
    rgb[130:140, 50:150] = 150  # a shadow 30 px under the edge, light between: half the height
    assert 0.45 < light_gap_below(mask, rgb, background) < 0.55
    rgb[130:140] = 230  # no shadow within reach: nothing to measure
    assert light_gap_below(mask, rgb, background) == 0.0
    assert light_gap_below(np.zeros((200, 200), bool), rgb, background) == 0.0


def test_the_score_flags_a_light_gap_past_a_contact_shadow_only():
    assert fused_quality(light_gap=LIGHT_GAP - 0.01, **CLEAN) == 1.0
    assert fused_quality(light_gap=LIGHT_GAP + 0.01, **CLEAN) < REVIEW_LINE


def plant_in_pot(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, plant, plant with pot): dark green stems fanning up from a white pot as light as the
    sweep, which stands in the shadow it casts."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    for x, y in ((110, 90), (150, 70), (192, 60), (234, 70), (274, 90)):
        cv2.line(big, (192 * 4, 262 * 4), (x * 4, y * 4), 1.0, 16)
        cv2.circle(big, (x * 4, y * 4), 18 * 4, 1.0, -1)
    plant = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    pot = soft_rect(162, 262, 222, 322)
    shade = np.zeros((SIZE, SIZE), np.float32)
    cv2.ellipse(shade, (192, 318), (56, 16), 0, 0, 360, 1.0, -1)
    bg = sweep(seed) * (1 - 0.35 * cv2.GaussianBlur(shade, (0, 0), 3.0)[..., None])
    colour = np.full((SIZE, SIZE, 3), 0.905, np.float32)
    colour[plant > 0.01] = (0.15, 0.35, 0.12)
    whole = np.maximum(plant, pot)
    return shoot(bg, colour, whole, seed), plant, whole


def test_a_plant_found_without_its_pot_is_flagged():
    """The network is sure of the plant and every look finds nothing more; the other doubts leave the
    score at the top, as on the whites shrubs that scored 0.88-0.94: the light gap alone flags it."""
    rgb, plant, whole = plant_in_pot(61)
    res = matte(rgb, "auto", session=Looks((plant > 0.5).astype(np.float32)))
    assert metrics.iou(res.alpha, whole) < 0.9
    assert res.details["doubt_light_gap"] > LIGHT_GAP and res.quality < REVIEW_LINE
    doubts = {k[len("doubt_") :]: v for k, v in res.details.items() if k.startswith("doubt_")}
    assert fused_quality(**{**doubts, "light_gap": 0.0}) == 1.0


def test_a_plant_found_with_its_pot_casts_its_shadow_from_its_edge():
    rgb, _, whole = plant_in_pot(61)
    res = matte(rgb, "auto", session=Looks(cv2.GaussianBlur(whole, (0, 0), 1.0)))
    assert metrics.iou(res.alpha, whole) >= 0.95
    assert res.details["doubt_light_gap"] == 0.0 and res.quality >= REVIEW_LINE
