"""Masks by OpenCV's compare against a number, for arrays of any size.

OpenCV's masks (uint8 0/255) come from one pass and feed its other calls directly, several times
faster than numpy's bool arrays; but its Python binding takes a 1x1 array for a scalar and refuses
to compare it with a number. `compare` answers that case with numpy, the same comparison in
float32 (a float32 array against a Python number compares in float32 in both).
"""

from __future__ import annotations

import cv2
import numpy as np

_NUMPY = {
    cv2.CMP_GT: np.greater,
    cv2.CMP_GE: np.greater_equal,
    cv2.CMP_LT: np.less,
    cv2.CMP_LE: np.less_equal,
    cv2.CMP_EQ: np.equal,
    cv2.CMP_NE: np.not_equal,
}


def compare(a: np.ndarray, value: float, op: int) -> np.ndarray:
    """`cv2.compare(a, value, op)` for a one-channel array: uint8 255 where it holds, 0 elsewhere."""
    if a.size == 1:
        return np.where(_NUMPY[op](a, a.dtype.type(value)), np.uint8(255), np.uint8(0)).reshape(a.shape)
    return cv2.compare(a, float(value), op)
