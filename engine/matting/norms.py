"""Per-pixel Euclidean norm over the colour axis, without `np.linalg.norm`'s overhead.

`np.linalg.norm(x, axis=-1)` squares into a copy, takes `.real` and reduces over an axis of length 3,
which numpy does one short inner loop per pixel: on a 1024 px photo that was ~8 ms per call, and the
colour model and the tint map call it on every matte. Summing the three squared channels as whole
planes is ~3x cheaper and gives the same bits: numpy's reduction adds the channels in order
(c0 + c1) + c2 in the array's dtype, exactly as the planes are added here (checked on float32 and
float64 maps of the whites tune set, tests/engine_matting/test_norms.py)."""

from __future__ import annotations

import numpy as np


def channel_norm(x: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """sqrt(sum of squares) over the last axis of `x` (float), bit-identical to
    `np.linalg.norm(x, axis=-1)`; a new array of `x`'s dtype and shape less the last axis.
    `overwrite`: `x` is a temporary of the caller's and is squared in place (one map less)."""
    sq = np.multiply(x, x, out=x) if overwrite else x * x
    out = sq[..., 0].copy()
    for c in range(1, x.shape[-1]):
        out += sq[..., c]
    return np.sqrt(out, out=out)
