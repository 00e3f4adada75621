"""A box's top face as light as the sweep beyond it (engine.matting.auto.tinted_faces): no luminance step
marks its far edge, but the face is the product's material, tinted as its front is, while the sweep,
its bend and a cast shadow keep the backdrop's own tint (whites tune white_printer-185, IoU 0.80 ->
0.99). Those get nothing, and nor does a box found whole."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting.auto.tinted_faces import find_tinted_face, look_for_tinted_face
from engine.matting.fast import backdrop_fit
from tests.engine_matting.test_auto_fusion import SIZE, shoot, soft_rect, sweep
from tests.engine_matting.test_auto_light_parts import box_with_a_top_face

WARM = np.array([1.008, 1.0, 0.99], np.float32)  # the product's cast against the neutral sweep


def face_as_light_as_the_sweep(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sweep, colour, truth, front) of a warm white box: a front 4 % darker than the sweep with a dark
    slot, and a top face (a trapezoid above it) at the sweep's own level."""
    bg = sweep(seed)
    top, front, truth = box_with_a_top_face()
    colour = bg * 0.96 * WARM
    colour[top > 0.5] = bg[top > 0.5] * WARM
    colour[soft_rect(110, 210, 274, 226) > 0.5] = 0.15
    return bg, colour, truth, front


def test_a_face_as_light_as_the_sweep_is_found_by_its_tint():
    bg, colour, truth, front = face_as_light_as_the_sweep(37)
    rgb = shoot(bg, colour, truth, 37)
    face = find_tinted_face(front > 0.5, rgb, backdrop_fit(rgb)[0])
    assert metrics.iou(np.maximum(front, face), truth) >= 0.95 > metrics.iou(front, truth) + 0.1


def test_a_box_found_whole_gets_nothing_more():
    bg, colour, truth, _ = face_as_light_as_the_sweep(37)
    rgb = shoot(bg, colour, truth, 37)
    assert not find_tinted_face(truth > 0.5, rgb, backdrop_fit(rgb)[0]).any()


def test_a_cast_shadow_above_the_front_is_no_face():
    """The same front with no face: a shadow of the face's shape darkens the sweep above it (20 %),
    keeping the sweep's tint, so it is not front-tinted."""
    bg, colour, truth, front = face_as_light_as_the_sweep(41)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.fillPoly(big, [np.array([[60, 150], [324, 150], [290, 100], [94, 100]], np.int32) * 4], 1.0)
    bg = bg * (1 - 0.2 * cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA))[..., None]
    rgb = shoot(bg, colour, front, 41)
    face, why = look_for_tinted_face(front > 0.5, rgb, backdrop_fit(rgb)[0])
    assert not face.any() and why == "no face"


def test_the_sweeps_bend_above_a_box_is_no_face():
    """The front alone below a wall-to-floor step (the wall 3 % lighter, the sweep's tint): no face."""
    bg, colour, truth, front = face_as_light_as_the_sweep(43)
    bg[:125] *= 1.03
    rgb = shoot(bg, colour, front, 43)
    face, why = look_for_tinted_face(front > 0.5, rgb, backdrop_fit(rgb)[0])
    assert not face.any() and why == "no face"
