"""The two rules as they were before the consistency fix (commit 8261f26), frozen here so one run
shows before and after on the same photos. Only what changed is copied: the standing fill rule of
`engine.compose.layout.plan_placement` and the white-balance gate of `engine.retouch.analyse`; the
"before" retouch plan is today's plan with the old white-balance gains (exposure and the rest as now).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.compose import Placement, ProductBox
from engine.compose.layout import VISUAL_WEIGHT
from engine.compose.linear import REC709_LUMA, to_linear

_LUMA = REC709_LUMA.astype(np.float32)
MAX_WB_GAIN = 1.25
THUMB_SIDE = 640


def plan_placement(
    box: ProductBox, canvas: tuple[int, int], *, fill: float, margin: float, floor_line: float | None
) -> Placement:
    """The old rule: a standing product's width against the whole canvas, its height against the
    part above the floor (placement "auto", no stage width)."""
    cw, ch = canvas
    bw, bh = box.width, box.height
    standing = floor_line is not None
    floor = floor_line if floor_line is not None else 1.0 - margin
    mx, my = margin * cw, margin * ch
    scale = min(fill * cw / bw, (cw - 2 * mx) / bw)
    if standing:
        scale = min(scale, fill * floor * ch / bh, (floor * ch - my) / bh)
    else:
        scale = min(scale, fill * ch / bh, (ch - 2 * my) / bh)
    scale = max(scale, 1e-6)
    pw, ph = max(1, round(bw * scale)), max(1, round(bh * scale))
    ax = 0.5 + VISUAL_WEIGHT * (box.centroid[0] - 0.5)
    ay = 0.5 + VISUAL_WEIGHT * (box.centroid[1] - 0.5)
    x = cw / 2 - ax * pw
    x = min(max(x, mx), cw - mx - pw) if cw - 2 * mx >= pw else (cw - pw) / 2
    if standing:
        y = floor * ch - ph
    else:
        y = ch / 2 - ay * ph
        y = min(max(y, my), ch - my - ph) if ch - 2 * my >= ph else (ch - ph) / 2
    xi, yi = round(x), round(y)
    return Placement(xi, yi, pw, ph, scale, standing, floor * ch if standing else float(yi + ph))


def white_balance_gains(
    rgb: np.ndarray, alpha: np.ndarray, strength: float = 1.0
) -> tuple[float, float, float]:
    """The old white balance: neutralise the backdrop unless any gain passes MAX_WB_GAIN, then nothing."""
    h, w = rgb.shape[:2]
    r = min(1.0, THUMB_SIDE / max(h, w))
    if r < 1.0:
        size = (max(1, round(w * r)), max(1, round(h * r)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    lin = to_linear(rgb).reshape(-1, 3).astype(np.float32)
    bg = lin[alpha.reshape(-1) < 0.02]
    if bg.shape[0] < 64:
        return (1.0, 1.0, 1.0)
    y = bg @ _LUMA
    bright = bg[y >= np.percentile(y, 50)]
    if float(np.median(bright @ _LUMA)) < 0.25:
        return (1.0, 1.0, 1.0)
    ref = np.median(bright, axis=0)
    gains = float(ref @ _LUMA) / np.maximum(ref, 1e-4)
    if gains.max() > MAX_WB_GAIN or gains.min() < 1 / MAX_WB_GAIN:
        return (1.0, 1.0, 1.0)
    gains = 1.0 + strength * (gains - 1.0)
    gains = gains / float(gains @ _LUMA)
    return tuple(float(g) for g in gains)  # type: ignore[return-value]
