"""A box cut at its front with its top face left out (engine.matting.auto.top_faces): the face is found by
its straight far edge above the front, a step along the front's columns that the sweep beside does not
show (fresh tune printers 90-121: white_printer-120, IoU 0.80 -> 0.99); the sweep's wall-to-floor bend,
a step across the whole image, and a box found whole get nothing. The network is a stand-in that
answers the same cut to every look; the colour model, the looks' images and the fusion are the real ones.
"""

from __future__ import annotations

import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.top_faces import find_top_face
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import shoot, soft_rect, sweep
from tests.engine_matting.test_auto_light_parts import printer_with_a_light_top
from tests.engine_matting.test_auto_printer_body import Always


def test_a_printer_cut_at_its_front_gets_its_top_face_back():
    """Every look answers the front alone: the face (1.5 % lighter than the sweep) is found by its
    top edge and added; the old code left it out (IoU 0.77)."""
    rgb, truth, front, top = printer_with_a_light_top(37)
    res = matte(rgb, "auto", session=Always((front > 0.5).astype(np.float32)))
    assert res.details.get("top_face", 0.0) > 0.02
    assert metrics.iou(res.alpha, truth) >= 0.95 > metrics.iou(front, truth) + 0.1


def test_a_printer_found_whole_gets_nothing_more():
    rgb, truth, _, _ = printer_with_a_light_top(37)
    fast = matte_fast(rgb)
    assert not find_top_face(truth > 0.5, rgb, fast.background).any()


def test_the_sweeps_bend_above_a_box_is_no_face():
    """A white box (lighter than its darker floor) below a wall-to-floor step that runs across the
    whole image: the step runs on beside the box, so it is the bend, not a face's edge."""
    bg = sweep(41)
    bg[:110] *= 0.985  # the wall, 1.5 % darker than the floor, everywhere above row 110
    box = soft_rect(60, 150, 324, 300)
    colour = bg * 0.96
    colour[200:214, 110:274] = 0.15  # a slot
    rgb = shoot(bg, colour, box, 41)
    fast = matte_fast(rgb)
    assert not find_top_face(box > 0.5, rgb, fast.background).any()
