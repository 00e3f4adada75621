"""The look past a plant (`merge_beside`) takes its pot, not the backdrop between its branches that the
paint leaves open on one side (`branch_gaps`): the gap lies within the plant's own hull, the pot below."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.branch_gaps import inside_part, part_hulls
from engine.matting.auto.look_past import merge_beside
from engine.matting.auto.measures import Tones
from tests.engine_matting.test_auto_beside import H, W, sweep, zone_of


def fan() -> np.ndarray:
    """A plant as the network found it: three branches fanning up from a base at (100, 130)."""
    first = np.zeros((H, W), np.uint8)
    for tip in ((30, 20), (100, 15), (170, 20)):
        cv2.line(first, (100, 130), tip, 1, 6)
    return first.astype(np.float32)


def test_a_gap_open_on_one_side_between_branches_is_not_added() -> None:
    rgb, background = sweep()
    first = fan()
    rgb[first > 0] = (40, 110, 40)
    gap = np.zeros((H, W), np.uint8)
    cv2.circle(gap, (82, 60), 9, 1, -1)  # sweep between the left and the middle branch
    gap = (gap > 0) & ~zone_of(first)
    pot = np.zeros((H, W), bool)
    pot[134:190, 70:130] = True  # the pot under the base: outside the plant's hull
    rgb[pot] = np.round(0.92 * 255)
    beside = (gap | pot).astype(np.float32)
    merged, share = merge_beside(first, beside, zone_of(first), Tones(rgb, background), plant=True)
    core = cv2.erode(pot.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert share > 0.05 and (merged[core] == 1.0).all()
    assert (merged[gap] < 0.5).all()
    # past a part that is no plant (a phone's screen with bits of its frame), the hull holds body
    kept, _ = merge_beside(first, beside, zone_of(first), Tones(rgb, background))
    assert (kept[gap] == 1.0).mean() > 0.9


def test_each_found_piece_draws_its_own_hull() -> None:
    """Two parts found apart enclose nothing between them: a body there is beside them, not in them."""
    found = np.zeros((H, W), bool)
    found[20:60, 20:60] = True
    found[20:60, 140:180] = True
    hulls = part_hulls(found)
    assert hulls[40, 40] and hulls[40, 160] and not hulls[40, 100]
    pieces = np.zeros((H, W), np.int32)
    pieces[30:50, 80:120] = 1  # between the two parts
    pieces[25:55, 25:55] = 2  # within the first
    assert list(inside_part(pieces, 3, found)[1:]) == [False, True]
