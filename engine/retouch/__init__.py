"""Retouch: white balance, exposure/contrast, denoise, colour and luminance sharpening.

Split into `analyse` (measure on a thumbnail, with the matte telling backdrop from product) and
`apply_plan` (change pixels), so statistics come from the whole frame while the pixels changed can
be a pre-shrunk crop of just the product. `sharpen` runs separately at the output size.
"""

from __future__ import annotations

import numpy as np

from engine.retouch.analyse import RetouchPlan, analyse
from engine.retouch.apply import apply_plan, denoise, sharpen
from engine.retouch.params import RetouchParams

__all__ = ["RetouchParams", "RetouchPlan", "analyse", "apply_plan", "denoise", "retouch", "sharpen"]


def retouch(
    rgb: np.ndarray, alpha: np.ndarray | None = None, params: RetouchParams | None = None
) -> np.ndarray:
    """All corrections at the image's own size (sharpening included): uint8 RGB -> uint8 RGB."""
    params = params or RetouchParams()
    params.validate()
    if params.is_off:
        return rgb
    plan = analyse(rgb, alpha, params)
    return sharpen(apply_plan(rgb, plan), alpha, plan.sharpen)
