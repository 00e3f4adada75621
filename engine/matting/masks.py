"""Mask geometry shared by the matting rules: a mask's inner edge, convex hulls of its pieces,
its enclosed holes. One implementation each, so the rules that use them agree pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np


def inner_edge(mask: np.ndarray) -> np.ndarray:
    """The pixels of `mask` (bool) on its outline: those a 3x3 erosion removes."""
    return mask & ~(cv2.erode(mask.astype(np.uint8), None) > 0)
