"""The benchmarks' routing counts name every further network run `auto` took, and only those."""

from __future__ import annotations

from benchmarks.datasets.methods import AUTO_LOOKS, FRAME_COMPLETED, auto_steps
from engine.matting import matte
from tests.engine_matting.test_auto_fusion import TwoLooks, plant_in_a_white_pot


def test_every_look_is_counted_where_it_was_taken_even_if_it_added_nothing():
    details = {key: 0.0 for key in AUTO_LOOKS} | {"beside_added": 0.01, "frame_added": 0.0}
    assert auto_steps(details) == list(AUTO_LOOKS.values())


def test_a_frame_is_counted_only_where_it_added_pixels():
    assert auto_steps({"frame_added": 0.0}) == []
    assert auto_steps({"frame_added": 0.002}) == [FRAME_COMPLETED]


def test_a_matte_the_first_run_settled_takes_no_step():
    assert auto_steps({"fast_confidence": 0.9, "network_level": 0.5}) == []


def test_the_counts_name_every_network_run_auto_took():
    """A plant whose pot no look finds takes every look there is for it: each further network run is
    one step in the counts."""
    rgb, _, leaves, _ = plant_in_a_white_pot(23)
    net = TwoLooks(leaves, leaves)
    res = matte(rgb, "auto", session=net)
    looks = [step for step in auto_steps(res.details) if step != FRAME_COMPLETED]
    assert len(looks) == len(net.inputs) - 1 == 4
