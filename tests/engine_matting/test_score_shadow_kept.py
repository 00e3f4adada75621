"""The quality score falls where a look for a cast shadow left the shadow in (engine.matting.score,
`shadow_kept`): the network took a shadow-like part, looked again at the flattened photo for it, and
still answered with it, so the final mask holds a shadow taken as product, or a grey part in its own
shadow (test_score_dark_below), which is why it is some doubt and never a flag alone.

Whites tune 144: five looks for a shadow; four dropped it (IoU 0.99, no doubt), the one that left it
in, a bulb's hard cast shadow at IoU 0.81, scored 1.00 and scores 0.60 now.
"""

from __future__ import annotations

import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.score import SHADOW_KEPT
from tests.engine_matting.test_auto_fusion import Looks, box_with_cast_shadow

REVIEW_LINE = 0.5  # benchmarks.matting_quality: batches flag results below this quality


def test_a_cast_shadow_the_second_look_left_in_lowers_the_score():
    rgb, box, shade = box_with_cast_shadow(31)
    taken = np.maximum(box, shade)
    net = Looks(taken, taken)  # the flattened photo's look sees the shadow as solid as the first
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and res.details["second_look_reason"] == "shadow-like part"
    assert np.mean(res.alpha[shade > 0.99] > 0.5) > 0.9 and metrics.iou(res.alpha, box) < 0.9
    assert res.details["doubt_shadow_kept"] and REVIEW_LINE <= res.quality <= SHADOW_KEPT


def test_a_cast_shadow_the_second_look_dropped_is_no_doubt():
    rgb, box, shade = box_with_cast_shadow(31)
    net = Looks(np.maximum(box, shade), box)
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and metrics.iou(res.alpha, box) >= 0.97
    assert not res.details["doubt_shadow_kept"] and res.quality >= 0.8
