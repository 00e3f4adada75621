"""The benchmarks' routing counts name every further network run `auto` took, and only those."""

from __future__ import annotations

from benchmarks.datasets.methods import AUTO_LOOKS, FRAME_COMPLETED, auto_steps


def test_every_look_is_counted_where_it_was_taken_even_if_it_added_nothing():
    details = {"flattened_added": 0.0, "beside_added": 0.01, "light_added": 0.0, "frame_added": 0.0}
    assert auto_steps(details) == list(AUTO_LOOKS.values())


def test_a_frame_is_counted_only_where_it_added_pixels():
    assert auto_steps({"frame_added": 0.0}) == []
    assert auto_steps({"frame_added": 0.002}) == [FRAME_COMPLETED]


def test_a_matte_the_first_run_settled_takes_no_step():
    assert auto_steps({"fast_confidence": 0.9, "network_level": 0.5}) == []
