"""Where the product goes: trim to its silhouette, scale to a fill ratio, centre it or stand it on the floor.

Kept free of pixels beyond the alpha statistics so the pipeline can plan the final scale before it
does any expensive work, and pre-shrink a 24-megapixel photo to roughly what will be shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.compose.masks import compare
from engine.errors import ImageError

ALPHA_PRESENT = 0.03  # below this a pixel is background noise from the matte, not product
VISUAL_WEIGHT = 0.35  # how far the anchor moves from the bbox centre toward the alpha centroid


class EmptyCutout(ImageError):
    """The matte found no product, so there is nothing to place."""

    code = "empty_cutout"


@dataclass(frozen=True)
class ProductBox:
    """The product's bounding box in its source image plus where its visual mass sits inside it."""

    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive
    # alpha centroid relative to the box, as fractions of its width/height (0.5, 0.5 = box centre)
    centroid: tuple[float, float] = (0.5, 0.5)

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Placement:
    """The trimmed product scaled to width x height with its top-left corner at (x, y) on the canvas."""

    x: int
    y: int
    width: int
    height: int
    scale: float
    standing: bool  # sits on a floor line (True) or floats at the visual centre (False)
    floor_y: float  # canvas row the shadows treat as the ground: the floor line or the product's base


def clean_alpha(alpha: np.ndarray, *, keep_ratio: float = 0.004) -> np.ndarray:
    """Drop specks the matte left away from the product (dust, a stray blob of floor shadow).

    Left in, they would stretch the trim box, shrink the product and show as dirt on the template.
    A part counts when its solid area is at least `keep_ratio` of the largest part, so a pair of
    earrings or a bottle and its cap stay. Translucent regions (glass) are never judged on their
    own: only the soft fringe around a dropped speck goes with it.
    """
    # the solid mask as OpenCV's 0/255 (any non-zero is foreground): one pass, no bool array
    solid = compare(np.ascontiguousarray(alpha, dtype=np.float32), 0.5, cv2.CMP_GT)
    # labels alone (a fifth of the CPU of labels with statistics, measured for issue 12): most
    # mattes are one part, and the areas of several come from one count over the labels
    n, labels = cv2.connectedComponents(solid, connectivity=8)
    if n <= 2:
        return alpha
    areas = np.bincount(labels.reshape(-1), minlength=n)[1:]
    drop_ids = np.flatnonzero(areas < max(4, keep_ratio * areas.max())) + 1
    if drop_ids.size == 0:
        return alpha
    h, w = alpha.shape
    radius = max(2, round(0.006 * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    dropped = cv2.dilate(np.isin(labels, drop_ids).astype(np.uint8), kernel)
    kept = cv2.dilate(((labels > 0) & ~np.isin(labels, drop_ids)).astype(np.uint8), kernel)
    return np.where((dropped > 0) & (kept == 0), 0.0, alpha).astype(np.float32)


def product_box(alpha: np.ndarray, threshold: float = ALPHA_PRESENT) -> ProductBox:
    """Tight box around the product; raises EmptyCutout when the matte is empty."""
    # the box of the pixels above the threshold in one OpenCV pass over a uint8 mask, instead of
    # numpy's bool mask reduced along both axes (issue 12)
    a32 = np.ascontiguousarray(alpha, dtype=np.float32)
    x0, y0, bw, bh = cv2.boundingRect(compare(a32, threshold, cv2.CMP_GT))
    if bw == 0 or bh == 0:
        raise EmptyCutout("no product found in the image (the cut-out is empty)")
    x1, y1 = x0 + bw, y0 + bh
    crop = alpha[y0:y1, x0:x1].astype(np.float64)
    total = crop.sum()
    if total <= 0:
        return ProductBox(x0, y0, x1, y1)
    cy = float((crop.sum(axis=1) * (np.arange(y1 - y0) + 0.5)).sum() / total) / (y1 - y0)
    cx = float((crop.sum(axis=0) * (np.arange(x1 - x0) + 0.5)).sum() / total) / (x1 - x0)
    return ProductBox(x0, y0, x1, y1, (cx, cy))


def plan_placement(
    box: ProductBox,
    canvas: tuple[int, int],
    *,
    fill: float,
    margin: float,
    floor_line: float | None,
    placement: str = "auto",
    stage_width: float | None = None,
) -> Placement:
    """Scale so the product spans `fill` of the canvas along its limiting side, within the margins;
    a standing product spans `fill` of the stage above the floor line (the canvas scaled by the floor
    line on both sides), so every product of a batch on one template gets the same share whatever
    its shape.

    `stage_width` (fraction of the canvas width) keeps a standing product narrower than the surface
    it stands on, e.g. a podium top.
    `placement`: "auto" stands the product on the template's floor line when it has one and centres
    it otherwise; "floor" and "centre" force either. Margins are fractions of each canvas side.
    """
    cw, ch = canvas
    bw, bh = box.width, box.height
    standing = placement == "floor" or (placement == "auto" and floor_line is not None)
    floor = floor_line if floor_line is not None else 1.0 - margin
    mx, my = margin * cw, margin * ch

    scale = (cw - 2 * mx) / bw
    if standing:
        # On a floor the fill applies to the stage above it: the canvas scaled by the floor line, on
        # both sides, so a wide product and a tall one on one floor get the same share (headroom, like
        # a studio framing). Width used to take the whole canvas and height only the part above the
        # floor: on a 1:1 canvas with the floor at 0.8, a card filled 80 % and a mug 64 %.
        stage = fill * floor
        scale = min(scale, stage * cw / bw, stage * ch / bh, (floor * ch - my) / bh)
        if stage_width:
            scale = min(scale, stage_width * cw / bw)
    else:
        scale = min(scale, fill * cw / bw, fill * ch / bh, (ch - 2 * my) / bh)
    scale = max(scale, 1e-6)
    pw, ph = max(1, round(bw * scale)), max(1, round(bh * scale))

    # visual centre: between the bbox centre and the mass centroid, so a mug's handle does not drag
    # its body off-centre
    ax = 0.5 + VISUAL_WEIGHT * (box.centroid[0] - 0.5)
    ay = 0.5 + VISUAL_WEIGHT * (box.centroid[1] - 0.5)
    x = cw / 2 - ax * pw
    x = min(max(x, mx), cw - mx - pw) if cw - 2 * mx >= pw else (cw - pw) / 2
    if standing:
        y = floor * ch - ph
        floor_y = floor * ch
    else:
        y = ch / 2 - ay * ph
        y = min(max(y, my), ch - my - ph) if ch - 2 * my >= ph else (ch - ph) / 2
        floor_y = y + ph
    xi, yi = round(x), round(y)
    return Placement(xi, yi, pw, ph, scale, standing, float(yi + ph) if not standing else floor_y)
