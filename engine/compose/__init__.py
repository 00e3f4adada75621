"""Composition: a cut-out becomes a product photographed on a template.

trim -> scale to the fill ratio -> place (floor line or visual centre) -> match the template's light
-> shadows -> blend in linear light. Works for any background array; `engine.templates` renders one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from engine.compose.blend import blend, blend_transparent
from engine.compose.canvas import ASPECTS, canvas_size, parse_aspect
from engine.compose.layer import Layer
from engine.compose.layout import EmptyCutout, Placement, ProductBox, clean_alpha, plan_placement, product_box
from engine.compose.light_match import tone_gains
from engine.compose.shadow import STYLES, ShadowParams, shadow_density_box
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
    "compose_placed",
    "parse_aspect",
    "plan",
    "plan_placement",
    "product_box",
    "tone_gains",
]

_ALPHA_TIMES_INVERSE = np.arange(256, dtype=np.float32) * np.float32(1.0 / 255.0)

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
    return compose_placed(cutout, spec, params, background=background, size=size, finish=finish)[0]


def compose_placed(
    cutout: np.ndarray,
    spec: TemplateSpec,
    params: ComposeParams | None = None,
    *,
    background: np.ndarray | None = None,
    size: tuple[int, int] | None = None,
    finish: ProductFinish | None = None,
    cleaned: bool = False,
) -> tuple[np.ndarray, Placement]:
    """`compose` and where it placed the product (the placement it planned, not one re-measured
    from pixels afterwards: a white product's edge cannot be told from its shadow).

    `cleaned`: the cut-out's alpha went through `clean_alpha` already (the pipeline cleans the matte
    before cutting out), so the connected-components pass over it is not run a second time."""
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

    # the alpha plane taken out and widened by OpenCV through a table of the same k * (1 / 255)
    alpha = cv2.LUT(cv2.extractChannel(cutout, 3), _ALPHA_TIMES_INVERSE)
    if not cleaned:
        alpha = clean_alpha(alpha)
    box = product_box(alpha)
    where = plan(box, canvas, spec, params)
    if cleaned:  # the alpha is the cut-out's own, whose codes survive /255 and back exactly
        trimmed = cutout[box.y0 : box.y1, box.x0 : box.x1]
    else:
        trimmed = np.dstack(
            [
                cutout[box.y0 : box.y1, box.x0 : box.x1, :3],
                np.rint(alpha[box.y0 : box.y1, box.x0 : box.x1] * np.float32(255.0)).astype(np.uint8),
            ]
        )
    layer = Layer.from_rgba(trimmed).resized(where.width, where.height, clamp=False)  # colour: straight only
    # From here the product is straight sRGB uint8 + alpha: the sharpener wants it so, and the blend
    # then needs linear light only where the product is translucent or a shadow falls, not on the
    # millions of solid product and untouched backdrop pixels (issue 12: a third of the CPU time).
    colour = layer.straight_srgb()
    if finish is not None:
        colour = finish(colour, layer.alpha)
    gains = None
    if background is not None and params.light_match > 0:
        gains = tone_gains(spec.tone, params.light_match)
        gains = None if np.allclose(gains, 1.0) else gains

    sp = params.shadow
    style = spec.shadow_style if sp.style == "auto" else sp.style
    if style not in STYLES or style == "auto":
        style = "contact"
    density, density_box = shadow_density_box(
        layer.alpha,
        where,
        canvas,
        style=style,
        opacity=sp.opacity,
        softness=spec.light_softness if sp.softness is None else sp.softness,
        angle=spec.light_direction if sp.angle is None else sp.angle,
        length=sp.length,
    )
    if background is None:
        return blend_transparent(colour, layer.alpha, where, canvas, density), where
    image = blend(colour, layer.alpha, where, background, density, gains=gains, density_box=density_box)
    return image, where
