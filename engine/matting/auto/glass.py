"""Glass and glow: where the network's alpha is an even partial plateau over a body the colour
model sees the backdrop through, that partial alpha is kept (`see_through_mask`)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.fast import drop_specks

SEE_THROUGH = (0.35, 0.92)  # network alpha that reads as partial transparency, not as an unsure edge


SEE_THROUGH_EVEN = 0.04  # largest local spread of that alpha: glass is even, an unsure network blotchy


def see_through_mask(model_alpha: np.ndarray, unlike: np.ndarray, fused: np.ndarray) -> np.ndarray:
    """Interior pixels where the network's alpha is an even plateau between `SEE_THROUGH` and the colour
    model sees the backdrop through the product (evidence below 1): glass, a flame's glow.

    An unsure network on an opaque white body also answers between 0 and 1, but in blotches; the local
    spread (9 px box) tells the two apart. Small plateaus (a soft rim) are left to edge refinement.
    """
    lo, hi = SEE_THROUGH
    plateau = (model_alpha > lo) & (model_alpha < hi) & (unlike < 1.0)
    if not plateau.any():
        return plateau
    mean = cv2.blur(model_alpha, (9, 9))
    spread = np.sqrt(np.maximum(cv2.blur(model_alpha * model_alpha, (9, 9)) - mean * mean, 0.0))
    interior = cv2.erode(fused.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    plateau &= (spread < SEE_THROUGH_EVEN) & interior
    plateau = cv2.morphologyEx(plateau.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    return drop_specks(plateau, 5e-4) if plateau.any() else plateau
