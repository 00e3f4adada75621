"""`auto` fills pinholes the network leaves in a light body and keeps small gaps ringed by dark parts
(engine.matting.auto.fill_light_pinholes). Shots are built as in test_auto_fusion."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.holes import fill_light_pinholes
from tests.engine_matting.test_auto_fusion import SIZE, StandIn, shoot, soft_rect, sweep

DIPS = [(136, 100), (136, 200), (244, 150), (190, 56), (190, 324)]  # (x, y) on the phone's frame


def enclosed_holes(mask: np.ndarray) -> int:
    n, labels = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return len(set(range(1, n)) - set(border.tolist()))


def test_pinholes_where_the_network_dipped_in_a_white_frame_are_filled():
    phone = soft_rect(130, 50, 250, 330)
    screen = soft_rect(142, 62, 238, 318)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    rgb = shoot(sweep(41), colour, phone, 41)
    network = cv2.GaussianBlur(phone, (0, 0), 1.0)
    for x, y in DIPS:  # the frame read patchily: the answer dips to 0.2 in 7 px spots
        cv2.circle(network, (x, y), 3, 0.2, -1)
    assert enclosed_holes(network > 0.5) == len(DIPS)
    res = matte(rgb, "auto", session=StandIn(network))
    assert enclosed_holes(res.alpha > 0.5) == 0
    assert all(res.alpha[y, x] > 0.9 for x, y in DIPS)
    assert metrics.iou(res.alpha, phone) >= 0.98


def test_small_gaps_ringed_by_dark_branches_stay_open():
    """Gaps of an open shape as small as a pinhole are backdrop: their ring is dark, not light."""
    mask = np.zeros((SIZE, SIZE), bool)
    mask[100:140, 100:140] = True
    mask[117:123, 117:123] = False  # a 6 px gap between branches
    darkening = np.where(mask, 0.6, 0.0).astype(np.float32)
    assert np.array_equal(fill_light_pinholes(mask, darkening), mask)
    light = np.zeros((SIZE, SIZE), np.float32)  # the same gap in a light body is a pinhole
    assert fill_light_pinholes(mask, light)[117:123, 117:123].all()
