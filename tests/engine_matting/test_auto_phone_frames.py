"""A white phone's thin frame, found by the network only in bits, completed where the photo shows its
outer edge (engine.matting.auto.frames), on small shots these tests build: the unevenly lit, textured sweep
and the phone of `test_auto_fusion.white_phone_shot` (a dark screen in a white frame 3 % brighter than
the sweep, 12 px at the sides, 16 px at the top, 30 px at the bottom).

The network is a stand-in whose every look answers the screen with the frame's sides and bottom but
not its top band, as ISNet did on the whites tune phones (white_phone-3, -12, -17). The colour model,
the looks' images, the frame's search and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.frames import complete_frame, side_edge
from engine.matting.auto.measures import Tones
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, Looks, shoot, soft_rect, sweep, white_phone_shot


def frame_without_its_top() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, phone, what the network answers: the phone less its frame's top band)."""
    rgb, phone, screen = white_phone_shot()
    answer = phone.copy()
    answer[:66] = 0.0  # the screen's top edge is at y = 66, the frame's at y = 50
    return rgb, phone, cv2.GaussianBlur(answer, (0, 0), 1.0)


def test_the_frames_missed_top_band_is_completed():
    rgb, phone, answer = frame_without_its_top()
    net = Looks(answer)
    res = matte(rgb, "auto", session=net)
    # without the frame's completion: IoU 0.94, boundary F 0.83
    assert metrics.iou(res.alpha, phone) >= 0.98
    assert metrics.boundary_f(res.alpha, phone) >= 0.95
    assert res.details.get("frame_added", 0.0) > 0.003
    assert res.details["frame_sides"]["top"][0] in range(15, 18)


def test_the_frames_edge_is_the_largest_step_along_the_side_not_the_screens_rim():
    """Averaged along the side, the frame's faint step (3 %) stands out of the paper's grain."""
    rgb, phone, _ = frame_without_its_top()
    background = matte_fast(rgb).background
    ratio = rgb.astype(np.float32) / 255.0 / np.maximum(background, 1e-3)
    # the lines above the screen's top side (x 142..237), 1..40 px out
    lines = np.array([ratio[66 - d, 142:238] for d in range(1, 41)])
    distance, strength = side_edge(lines)
    assert distance in range(15, 18) and strength > 4.0


def dark_box_with_a_shadow() -> tuple[np.ndarray, np.ndarray]:
    """A dark box with no frame on the sweep, its cast shadow below it: (photo, box)."""
    bg = sweep(13)
    box = soft_rect(140, 80, 240, 280)
    shadow = cv2.GaussianBlur(soft_rect(130, 280, 260, 310), (0, 0), 2.0)
    bg = bg * (1 - 0.3 * shadow[..., None])
    colour = np.full((SIZE, SIZE, 3), (0.06, 0.07, 0.09), np.float32)
    return shoot(bg, colour, box, 13), box


def test_a_dark_box_with_no_frame_gains_nothing():
    """Nothing beyond the dark part was found by the network: no frame to complete (the shadow's edge
    below it is a step, but no side of a frame anchors it)."""
    rgb, box = dark_box_with_a_shadow()
    answer = cv2.GaussianBlur(box, (0, 0), 1.0)
    background = matte_fast(rgb).background
    out, added, details = complete_frame(answer, Tones(rgb, background))
    assert added == 0.0 and np.array_equal(out, answer)


def test_a_tilted_screen_is_left_as_the_network_found_it():
    rgb, phone, answer = frame_without_its_top()
    m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), 12.0, 1.0)
    tilted_rgb = cv2.warpAffine(rgb, m, (SIZE, SIZE), borderMode=cv2.BORDER_REFLECT)
    tilted = cv2.warpAffine(answer, m, (SIZE, SIZE))
    background = matte_fast(tilted_rgb).background
    out, added, _ = complete_frame(tilted, Tones(tilted_rgb, background))
    assert added == 0.0 and np.array_equal(out, tilted)


def test_a_frame_the_network_found_on_no_side_is_completed_where_every_side_shows_its_edge():
    """Every look answers the screen alone (fresh whites tune white_phone-51: IoU 0.73): no side anchors
    the frame, but the photo shows its edge on all four, so it is completed all round."""
    # the phone of `white_phone_shot` with a bottom band within the widest frame looked for (22 px)
    bg = sweep(11)
    phone = soft_rect(130, 50, 250, 322)
    screen = soft_rect(142, 66, 238, 300)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    rgb = shoot(bg, colour, phone, 11)
    net = Looks(cv2.GaussianBlur(screen, (0, 0), 1.0))
    res = matte(rgb, "auto", session=net)
    # without the rule: the screen alone, IoU 0.67
    assert metrics.iou(res.alpha, phone) >= 0.97
    assert res.details["frame_anchored"] is False and res.details["frame_added"] > 0.05
    distances = {side: found[0] for side, found in res.details["frame_sides"].items()}
    assert distances["left"] in range(11, 14) and distances["right"] in range(11, 14)
    assert distances["top"] in range(15, 18) and distances["bottom"] in range(21, 24)


def dark_box_in_a_faint_shadow(strength: float) -> tuple[np.ndarray, np.ndarray]:
    """A dark box with no frame, lifted off the sweep: a soft shadow `strength` deep on every side."""
    bg = sweep(13)
    box = soft_rect(140, 80, 240, 280)
    shadow = cv2.GaussianBlur(soft_rect(126, 66, 254, 294), (0, 0), 3.0)
    bg = bg * (1 - strength * shadow[..., None])
    colour = np.full((SIZE, SIZE, 3), (0.06, 0.07, 0.09), np.float32)
    return shoot(bg, colour, box, 13), box


def test_a_dark_box_in_a_shadow_all_round_gains_no_frame():
    """The shadow's edge steps on every side, as a frame's would, but the band it closes is darker
    than the sweep: a shadow, not a white frame."""
    for strength in (0.1, 0.3):
        rgb, box = dark_box_in_a_faint_shadow(strength)
        answer = cv2.GaussianBlur(box, (0, 0), 1.0)
        background = matte_fast(rgb).background
        out, added, details = complete_frame(answer, Tones(rgb, background))
        assert added == 0.0 and np.array_equal(out, answer), (strength, details)


def test_a_seam_inside_one_side_of_the_frame_is_passed_over_for_the_edge_at_the_other_sides_width():
    """A grey seam runs down the frame's left band, 8 px out from the screen, and steps more than the
    frame's faint outer edge (whites tune, fresh phones 18 and 34: the left side taken at 9 px of 18).
    The right side's edge is at 12 px, and the photo steps there on the left as well: that is its edge."""
    bg = sweep(11)
    phone = soft_rect(130, 50, 250, 330)
    screen = soft_rect(142, 66, 238, 300)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    colour[50:330, 134] *= 0.85  # the seam
    rgb = shoot(bg, colour, phone, 11)
    answer = phone.copy()
    answer[:66] = 0.0  # the frame's top band and ...
    answer[:, :142] = 0.0  # ... its left band missed
    answer = cv2.GaussianBlur(answer, (0, 0), 1.0)
    out, _, details = complete_frame(answer, Tones(rgb, matte_fast(rgb).background))
    assert details["frame_sides"]["left"][0] in range(11, 14), details
    assert metrics.iou(out, phone) >= 0.98
