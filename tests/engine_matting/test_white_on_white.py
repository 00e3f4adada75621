"""White products on white sweeps: the colour model is blind there and must say so.

The shots come from benchmarks.datasets.whites (the `tune` split): a white printer whose body differs
from the photographed paper sweep by a few percent, a white phone frame around a dark screen, a plant
in a white pot. The colour model finds only the dark or coloured parts, with high confidence; `auto`
must notice the faint body it left out, send the image to the network, and score a colour-only answer low.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.datasets import metrics, whites
from engine.matting import matte
from engine.matting.auto.trust import faint_departures
from engine.matting.fast import matte_fast

BLIND = [
    whites.Item("white_printer", "tune", 1),
    whites.Item("white_phone", "tune", 1),
    whites.Item("shrub", "tune", 1),
]


@pytest.fixture(scope="module")
def blind_shots():
    return {item.name: whites.shot(item) for item in BLIND}


@pytest.mark.parametrize("name", [i.name for i in BLIND])
def test_confident_colour_model_that_misses_a_white_body_is_sent_to_the_network(blind_shots, name):
    shot = blind_shots[name]
    fast = matte_fast(shot.rgb)
    # the failure being guarded: the colour model is sure of itself and wrong
    assert fast.confidence >= 0.8 and metrics.iou(fast.alpha, shot.alpha) < 0.8
    calls = []

    class Recorder:
        def predict(self, rgb: np.ndarray) -> np.ndarray:
            calls.append(rgb.shape)
            return (shot.alpha > 0.5).astype(np.float32)  # stands in for a network that sees the body

    res = matte(shot.rgb, "auto", session=Recorder())
    assert calls and res.method == "auto:model"
    assert res.details["colour_model_blind"]


@pytest.mark.parametrize("name", [i.name for i in BLIND])
def test_without_a_network_the_blind_answer_is_flagged_not_trusted(blind_shots, name):
    res = matte(blind_shots[name].rgb, "auto", session=None)
    assert res.method == "auto:fast"
    assert res.quality < 0.5  # batches flag results below ~0.5 for review


def test_clean_coloured_product_is_not_called_blind(scenes):
    fast = matte_fast(scenes["mug"].rgb)
    share, blob = faint_departures(fast)
    assert share < 0.03 and blob < 0.5


@pytest.mark.model
@pytest.mark.parametrize("name", [i.name for i in BLIND])
def test_real_network_result_is_no_worse_and_flagged_when_it_is_blind_too(model_session, blind_shots, name):
    """Where the network sees the body, auto keeps it; where it does not either, the score says so."""
    shot = blind_shots[name]
    res = matte(shot.rgb, "auto", session=model_session)
    iou = metrics.iou(res.alpha, shot.alpha)
    assert res.method == "auto:model"
    assert iou >= metrics.iou(matte_fast(shot.rgb).alpha, shot.alpha) - 0.01
    if iou < 0.8:
        assert res.quality < 0.5


@pytest.mark.model
def test_mug_handle_hole_stays_open_on_cream_on_white(model_session):
    shot = whites.shot(whites.Item("cream_mug", "tune", 0))
    res = matte(shot.rgb, "auto", session=model_session)
    assert metrics.iou(res.alpha, shot.alpha) >= 0.97
    hole = (shot.alpha == 0) & _enclosed(shot.alpha > 0.5)
    assert hole.sum() > 500 and np.mean(res.alpha[hole] < 0.5) > 0.95


def _enclosed(mask: np.ndarray) -> np.ndarray:
    import cv2

    n, labels = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ~np.isin(labels, border) & ~mask
