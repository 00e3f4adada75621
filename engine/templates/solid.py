"""A plain colour as a template. Its own module because both the built-in list (`library`, for the
plain entries) and the lookup (`catalog`, for "#rrggbb" refs) need it, and neither may import the other
both ways."""

from __future__ import annotations

from engine.templates import colour
from engine.templates.errors import UnknownTemplate
from engine.templates.spec import TemplateSpec


def solid(hex_value: str) -> TemplateSpec:
    """A plain colour as a template (ids "solid-rrggbb"); Amazon's main image wants "#ffffff"."""
    try:
        h = colour.parse_hex(hex_value)
    except ValueError as exc:
        raise UnknownTemplate(hex_value) from exc
    c = colour.rgb(h)
    name = "Pure White" if h == "#ffffff" else f"Solid {h.upper()}"
    return TemplateSpec(
        id=f"solid-{h[1:]}",
        name=name,
        category="plain",
        tags=("solid", "plain", colour.colour_family(h)),
        colours=(h,),
        floor_line=None,
        light_direction=90.0,
        light_softness=0.8,
        tone=tuple(int(round(x * 255)) for x in c),  # type: ignore[arg-type]
        shadow_style="contact",
        source="solid",
        version=1,
        extra={"hex": h},
    )
