"""`auto` puts a soft network edge on the photo's own faint step (engine.matting.auto.snap_soft_edges).

On white-on-white the network answers a card's light rim with a ramp 15-20 px wide whose one-half
crossing lies several pixels off the rim; the photo still holds a faint, steady colour step there. The
shots are built as in test_auto_fusion (a light, textured, unevenly lit sweep with noise); the network
is a stand-in that answers with such a ramp, so the rule is what is tested, with the real colour model.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.edges import snap_soft_edges
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, StandIn, shoot, soft_rect, sweep

CREAM = (0.92, 0.915, 0.895)  # a white card with a cream cast: 1.5-2 % off the grey sweep, no more


def soft_network(rect: tuple[int, int, int, int], sigma: float = 5.0) -> np.ndarray:
    """ISNet's answer on a light rim it can hardly see: a ramp ~4 sigma wide around `rect`."""
    return np.clip(cv2.GaussianBlur(soft_rect(*rect), (0, 0), sigma), 0.0, 1.0)


def top_rows(alpha: np.ndarray, x0: int, x1: int) -> np.ndarray:
    """First row at or above one half in each column of x0..x1."""
    return np.argmax(alpha[:, x0:x1] >= 0.5, axis=0)


def test_a_soft_network_edge_moves_to_the_faint_rim_of_a_white_card():
    bg = sweep(21)
    truth = soft_rect(80, 130, 300, 260)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), CREAM, np.float32), truth, 21)
    network = soft_network((80, 121, 300, 260))  # its top edge 9 px above the card's rim
    assert metrics.boundary_f(network, truth) < 0.85
    res = matte(rgb, "auto", session=StandIn(network))
    assert res.method == "auto:model"
    rows = top_rows(res.alpha, 100, 280)
    assert np.all(np.abs(rows - 130) <= 2), rows
    assert metrics.boundary_f(res.alpha, truth) >= 0.97


def test_a_crisp_network_edge_is_left_where_the_network_put_it():
    """A network sure of its edge (a ramp of 2-3 px) is not second-guessed by a faint step nearby."""
    bg = sweep(23)
    truth = soft_rect(80, 130, 300, 260)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), CREAM, np.float32), truth, 23)
    network = soft_network((80, 126, 300, 260), sigma=1.0)  # sure, and 4 px off at the top
    fast = matte_fast(rgb)
    mask, zone = snap_soft_edges(rgb, fast.background, network > 0.5, network)
    assert not zone.any()
    assert np.array_equal(mask, network > 0.5)


def test_a_thin_light_frame_is_not_snapped_onto_the_dark_screen_inside_it():
    """Beyond a 12 px white frame lies a dark screen: that strong step is not the frame's rim."""
    bg = sweep(25)
    truth = soft_rect(120, 80, 260, 320)
    colour = np.full((SIZE, SIZE, 3), CREAM, np.float32)
    colour[92:308, 132:248] = 0.05  # the screen
    rgb = shoot(bg, colour, truth, 25)
    network = soft_network((118, 78, 262, 322), sigma=4.0)
    fast = matte_fast(rgb)
    mask, _ = snap_soft_edges(rgb, fast.background, network > 0.5, network)
    assert np.mean(mask[85:315, 122:130]) > 0.95  # the frame's left side stays product
    assert metrics.iou(mask, truth) >= 0.95
