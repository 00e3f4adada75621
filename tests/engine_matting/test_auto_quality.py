"""`auto`'s quality score on white-on-white: flags a phone found without its frame, not a light body
found whole with faint light around it (engine.matting.score, the doubts in engine.matting.auto).

Shots are built as in test_auto_fusion; the network is a stand-in answering as ISNet does on each kind.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep


def white_phone(seed: int, level: float = 0.93) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A white phone a few percent brighter than a textured sweep, around a dark screen."""
    phone = soft_rect(130, 50, 250, 330)
    screen = soft_rect(142, 66, 238, 300)
    colour = np.full((SIZE, SIZE, 3), level, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    return shoot(sweep(seed), colour, phone, seed), phone, screen


def test_a_phone_found_as_its_screen_and_bits_of_its_frame_is_flagged():
    """Every look cuts the screen; the look past it finds one side of the frame only. The answer's
    rim is still the screen's: the white frame is missing and the matte goes below the review line."""
    rgb, phone, screen = white_phone(31)
    side = soft_rect(238, 120, 250, 260)  # a piece of the frame's right side
    net = Looks(screen, screen, np.maximum(screen, side))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 3 and res.details["beside_added"] > 0
    assert metrics.iou(res.alpha, phone) < 0.9
    assert res.details["doubt_dark_rim_left"] and res.quality < 0.5


def test_a_phone_found_whole_past_its_screen_is_not_flagged():
    rgb, phone, screen = white_phone(31)
    net = Looks(screen, screen, cv2.GaussianBlur(phone, (0, 0), 1.0))
    res = matte(rgb, "auto", session=net)
    assert metrics.iou(res.alpha, phone) >= 0.97
    assert not res.details["doubt_dark_rim_left"] and res.quality >= 0.8


def test_faint_light_beside_a_light_body_found_whole_is_no_doubt():
    """A cream box the network found whole and sure, with a faint brighter glow on the sweep right
    beside it (a bulb's glow, a reflection): no further look was needed, and the glow is no body the
    network missed, though it is larger than the box and touches it."""
    glow = soft_rect(300, 40, 400, 240)
    bg = sweep(33) * (1 + 0.03 * glow[..., None])
    box = soft_rect(220, 80, 300, 160)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.97, 0.92, 0.8), np.float32), box, 33)
    net = Looks(cv2.GaussianBlur(box, (0, 0), 1.0))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 1 and metrics.iou(res.alpha, box) >= 0.97
    assert res.details["faint_left_out"] > 0.5  # the glow counts as faint and left out ...
    assert res.quality >= 0.8  # ... and is no doubt
