"""Composition: a cut-out becomes a product photographed on a template.

trim -> scale to the fill ratio -> place (floor line or visual centre) -> match the template's light
-> shadows -> blend in linear light. Works for any background array; `engine.templates` renders one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.compose.canvas import ASPECTS, canvas_size, parse_aspect
from engine.compose.layer import Layer
from engine.compose.layout import EmptyCutout, Placement, ProductBox, clean_alpha, plan_placement, product_box
from engine.compose.light_match import match_light, tone_gains
from engine.compose.linear import to_linear, to_srgb
from engine.compose.shadow import STYLES, ShadowParams, shadow_density
from engine.errors import RecipeError
from engine.templates.spec import TemplateSpec, stage_width_for

PLACEMENTS = ("auto", "floor", "centre")

__all__ = [
    "ASPECTS",
    "PLACEMENTS",
    "STYLES",
    "ComposeParams",
    "EmptyCutout",
    "Placement",
    "ProductBox",
    "ShadowParams",
    "canvas_size",
    "clean_alpha",
    "compose",
    "parse_aspect",
    "plan",
    "plan_placement",
    "product_box",
    "tone_gains",
]

# A filter run on the scaled product (straight sRGB uint8, alpha float32) before blending, e.g. the
# retouch sharpener, so detail is sharpened at the size it is shown.
ProductFinish = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ComposeParams:
    fill: float = 0.8  # the product's share of the canvas along its limiting side
    margin: float = 0.05  # minimum gap to each edge, as a fraction of that side
    placement: str = "auto"  # auto | floor | centre
    shadow: ShadowParams = field(default_factory=ShadowParams)
    light_match: float = 0.35  # 0 = off, 1 = the strongest (still bounded) pull toward the tone

    def validate(self) -> None:
        if not 0.05 <= self.fill <= 1.0:
            raise RecipeError(f"fill must be between 0.05 and 1, got {self.fill}")
        if not 0.0 <= self.margin < 0.45:
            raise RecipeError(f"margin must be between 0 and 0.45, got {self.margin}")
        if self.placement not in PLACEMENTS:
            raise RecipeError(f"unknown placement {self.placement!r}; choose one of {', '.join(PLACEMENTS)}")
        if not 0.0 <= self.light_match <= 1.0:
            raise RecipeError(f"light_match must be between 0 and 1, got {self.light_match}")
        self.shadow.validate()


def stage_width(spec: TemplateSpec, canvas: tuple[int, int]) -> float | None:
    """How wide the surface a product stands on is, as a fraction of this canvas's width: a podium
    top is narrower than a studio sweep. Templates state it in short-side units (scenes are drawn
    that way so a 16:9 canvas shows more scene, not a wider podium), hence the canvas."""
    return stage_width_for(spec, canvas[0], canvas[1])


def plan(
    alpha: np.ndarray | ProductBox, canvas: tuple[int, int], spec: TemplateSpec, params: ComposeParams
) -> Placement:
    """Where a product with this alpha (or its already measured box) lands on a canvas, before any pixel work."""
    return plan_placement(
        alpha if isinstance(alpha, ProductBox) else product_box(alpha),
        canvas,
        fill=params.fill,
        margin=params.margin,
        floor_line=spec.floor_line,
        placement=params.placement,
        stage_width=stage_width(spec, canvas),
    )


def compose(
    cutout: np.ndarray,
    spec: TemplateSpec,
    params: ComposeParams | None = None,
    *,
    background: np.ndarray | None = None,
    size: tuple[int, int] | None = None,
    finish: ProductFinish | None = None,
) -> np.ndarray:
    """Place an RGBA cut-out on `background` (uint8 RGB, defines the canvas) -> uint8 RGB.

    With no background, `size=(w, h)` gives the canvas and the result is RGBA on transparency, the
    shadow kept as translucent black so it survives being placed on any page.
    """
    params = params or ComposeParams()
    params.validate()
    if cutout.ndim != 3 or cutout.shape[2] != 4 or cutout.dtype != np.uint8:
        raise ValueError(f"cutout must be uint8 RGBA (H, W, 4), got {cutout.dtype} {cutout.shape}")
    if background is not None:
        if background.ndim != 3 or background.shape[2] != 3 or background.dtype != np.uint8:
            raise ValueError(
                f"background must be uint8 RGB (H, W, 3), got {background.dtype} {background.shape}"
            )
        canvas = (background.shape[1], background.shape[0])
    elif size is not None:
        canvas = (int(size[0]), int(size[1]))
    else:
        raise ValueError("compose needs a background or a size")

    alpha = clean_alpha(cutout[..., 3].astype(np.float32) / 255.0)
    cutout = np.dstack([cutout[..., :3], np.round(alpha * 255.0).astype(np.uint8)])
    box = product_box(alpha)
    where = plan(box, canvas, spec, params)
    trimmed = cutout[box.y0 : box.y1, box.x0 : box.x1]
    layer = Layer.from_rgba(trimmed).resized(where.width, where.height)
    if finish is not None:
        layer = layer.with_straight_srgb(finish(layer.straight_srgb(), layer.alpha))
    if background is not None and params.light_match > 0:
        layer = Layer(match_light(layer.premul, spec.tone, params.light_match), layer.alpha)

    sp = params.shadow
    style = spec.shadow_style if sp.style == "auto" else sp.style
    if style not in STYLES or style == "auto":
        style = "contact"
    density = shadow_density(
        layer.alpha,
        where,
        canvas,
        style=style,
        opacity=sp.opacity,
        softness=spec.light_softness if sp.softness is None else sp.softness,
        angle=spec.light_direction if sp.angle is None else sp.angle,
        length=sp.length,
    )
    return _blend(layer, where, canvas, background, density)


def _blend(
    layer: Layer,
    where: Placement,
    canvas: tuple[int, int],
    background: np.ndarray | None,
    density: np.ndarray | None,
) -> np.ndarray:
    cw, ch = canvas
    # the part of the product inside the canvas (margins keep it inside; be safe anyway)
    x0, y0 = max(where.x, 0), max(where.y, 0)
    x1, y1 = min(where.x + where.width, cw), min(where.y + where.height, ch)
    fx0, fy0 = x0 - where.x, y0 - where.y
    fg = layer.premul[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]
    fa = layer.alpha[fy0 : fy0 + (y1 - y0), fx0 : fx0 + (x1 - x0)]

    if background is None:
        out_a = np.zeros((ch, cw), np.float32) if density is None else density.copy()
        out_p = np.zeros((ch, cw, 3), np.float32)  # shadow is black: contributes alpha, no colour
        sub_a = out_a[y0:y1, x0:x1]
        out_p[y0:y1, x0:x1] = fg + out_p[y0:y1, x0:x1] * (1.0 - fa[..., None])
        out_a[y0:y1, x0:x1] = fa + sub_a * (1.0 - fa)
        rgba = Layer(np.minimum(out_p, out_a[..., None]), out_a).to_rgba()
        return rgba

    if density is None and x1 <= x0:
        return background.copy()
    # only the region the shadow or product touches is converted to linear light and back, so
    # untouched template pixels stay bit-exact (pure #FFFFFF corners stay #FFFFFF)
    if density is not None:
        rows = np.flatnonzero(density.max(axis=1) > 1e-4)
        cols = np.flatnonzero(density.max(axis=0) > 1e-4)
        if rows.size:
            y0r, y1r = min(y0, int(rows[0])), max(y1, int(rows[-1]) + 1)
            x0r, x1r = min(x0, int(cols[0])), max(x1, int(cols[-1]) + 1)
        else:
            y0r, y1r, x0r, x1r = y0, y1, x0, x1
    else:
        y0r, y1r, x0r, x1r = y0, y1, x0, x1
    out = background.copy()
    region = to_linear(np.ascontiguousarray(background[y0r:y1r, x0r:x1r]))
    if density is not None:
        region *= (1.0 - density[y0r:y1r, x0r:x1r])[..., None]
    oy, ox = y0 - y0r, x0 - x0r
    sub = region[oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
    region[oy : oy + (y1 - y0), ox : ox + (x1 - x0)] = np.minimum(fg, 1.0) + sub * (1.0 - fa[..., None])
    out[y0r:y1r, x0r:x1r] = to_srgb(region)
    return out
