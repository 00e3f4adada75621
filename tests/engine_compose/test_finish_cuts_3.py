"""The finish stage's third round of CPU cuts (issue 12): the same numbers from cheaper calls.

- a float plane copied to three channels by `cv2.merge` instead of `cvtColor(GRAY2RGB)` (whose
  float32 path is not vectorised);
- table lookups by `take` instead of indexing (twice as fast with numpy 2.4).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.compose.linear import _ENCODE_LUT, _ENCODE_LUT_U16, _gather, per_channel


def test_per_channel_copies_the_plane_as_cvtcolor_did():
    rng = np.random.default_rng(3)
    plane = rng.uniform(-1.0, 2.0, (37, 53)).astype(np.float32)
    like = np.zeros((37, 53, 3), np.float32)
    copied = per_channel(plane, like)
    assert copied.shape == (37, 53, 3) and copied.dtype == np.float32
    assert np.array_equal(copied, cv2.cvtColor(plane, cv2.COLOR_GRAY2RGB))
    # a list of N pixels as (N, 1) against (N, 1, 3), as the blend's translucent pixels are mixed
    assert np.array_equal(per_channel(plane[:, :1], like[:, :1]), np.repeat(plane[:, :1, None], 3, axis=2))
    # a non-contiguous plane (a crop) is copied first, other shapes stay a broadcasting view
    assert np.array_equal(per_channel(plane[::2, ::3], like[::2, ::3]), np.dstack([plane[::2, ::3]] * 3))
    assert per_channel(plane, like[..., :2]).shape == (37, 53, 1)


def test_gather_by_take_is_indexing():
    rng = np.random.default_rng(4)
    for shape in [(1000,), (40, 3), (31, 17, 3), (9, 1, 3)]:
        index = rng.integers(0, 1 << 16, shape).astype(np.uint16)
        assert np.array_equal(_gather(_ENCODE_LUT_U16, index), _ENCODE_LUT_U16[index])
        small = (index % _ENCODE_LUT.size).astype(np.uint16)
        assert np.array_equal(_gather(_ENCODE_LUT, small), _ENCODE_LUT[small])
