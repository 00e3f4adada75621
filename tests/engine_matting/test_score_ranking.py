"""The quality score ranks mattes, not only flags them: between a crisp rim and an outline's worth of
undecided network pixels it falls a little (engine.matting.score.fused_quality), so the mattes the
network was sure of rank above those it answered with a wide soft rim, and none is flagged for that alone.

Whites tune 96 (the rule was set on the kinds at even indices): Spearman between score and IoU
0.49 -> 0.63, flags unchanged (6 of 8 mattes below IoU 0.9, 11 of 88 good ones).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.measures import undecided_share
from engine.matting.score import OUTLINE_DOUBT, REVIEW_LINE, UNDECIDED_CRISP, UNDECIDED_OUTLINE, fused_quality
from tests.engine_matting.score_doubts import CLEAN_OUTLINE as CLEAN
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep


def test_the_score_falls_steadily_with_the_undecided_share_without_flagging_an_outline():
    shares = np.linspace(0.0, UNDECIDED_OUTLINE, 9)
    scores = [fused_quality(undecided=float(u), **CLEAN) for u in shares]
    assert scores[0] == 1.0 and fused_quality(undecided=UNDECIDED_CRISP, **CLEAN) == 1.0
    assert all(a >= b for a, b in zip(scores, scores[1:], strict=False))  # never rises
    assert scores[-1] < scores[3]  # and falls between a crisp rim and an outline's share
    assert min(scores) >= OUTLINE_DOUBT - 1e-6 > REVIEW_LINE  # an outline alone is never flagged
    # past an outline's share it keeps falling, with no step: a body the network was unsure of
    beyond = [fused_quality(undecided=u, **CLEAN) for u in (UNDECIDED_OUTLINE + 1e-4, 0.15, 0.3)]
    assert abs(beyond[0] - scores[-1]) < 1e-2 and beyond[1] < beyond[0] > beyond[2]
    # an undecided body alone is some doubt, never a flag (engine.matting.score.UNDECIDED_FLOOR: on the
    # tune sets each bad matte with one carried another doubt); with fusion cutting the network below
    # one half to find the product as well, it is flagged
    assert min(beyond) == beyond[2] >= REVIEW_LINE
    assert fused_quality(undecided=0.3, **{**CLEAN, "level": 0.3}) < REVIEW_LINE


def cream_box(seed: int) -> tuple[np.ndarray, np.ndarray]:
    box = soft_rect(120, 100, 270, 280)
    return shoot(sweep(seed), np.full((SIZE, SIZE, 3), (0.97, 0.92, 0.8), np.float32), box, seed), box


def test_a_wide_soft_rim_ranks_below_a_crisp_one_on_the_same_box():
    """The same cream box, the network answering with a crisp rim and with a ramp several pixels wide:
    both mattes are right, the soft one is less certain and ranks lower, above the review line."""
    rgb, box = cream_box(41)
    crisp_net = box  # a camera-like anti-aliased rim: one pixel
    soft_net = cv2.GaussianBlur(box, (0, 0), 1.4)  # a ramp a few pixels wide
    assert undecided_share(crisp_net) < UNDECIDED_CRISP < undecided_share(soft_net) < UNDECIDED_OUTLINE
    crisp = matte(rgb, "auto", session=Looks(crisp_net))
    soft = matte(rgb, "auto", session=Looks(soft_net))
    assert crisp.method == soft.method == "auto:model"
    assert metrics.iou(crisp.alpha, box) >= 0.97 and metrics.iou(soft.alpha, box) >= 0.95
    assert crisp.quality > soft.quality >= REVIEW_LINE


def test_a_body_the_network_hardly_saw_is_flagged():
    """The network answers weakly over most of the box (0.3-0.6): whatever fusion makes of it, the
    matte is doubtful and goes below the review line."""
    rgb, box = cream_box(43)
    rng = np.random.default_rng(43)
    blotch = cv2.GaussianBlur(rng.uniform(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 6.0)
    blotch = (blotch - blotch.min()) / max(float(np.ptp(blotch)), 1e-6)
    weak = cv2.GaussianBlur((0.3 + 0.3 * blotch) * (box > 0.5), (0, 0), 1.5)
    res = matte(rgb, "auto", session=Looks(weak, weak, weak))
    assert res.method == "auto:model" and res.quality < REVIEW_LINE
