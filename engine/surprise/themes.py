"""The themes: which catalogue templates each one draws from, and how it grades them.

A theme is a recipe, not a list of files: it selects templates from the catalogue by category and
tags (so a template added later joins its theme without code here) and gives the ranges the
per-variant look is drawn from (warmth, saturation, contrast, vignette, the light wash along the
template's own light direction, shadow strength). Only the public `engine.templates` API is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from engine.templates import TemplateSpec, catalog


@dataclass(frozen=True)
class Grade:
    """Ranges (lo, hi) one variant's colour grade and shadow are drawn from."""

    warmth: tuple[float, float] = (-0.03, 0.03)  # + warms (red up, blue down), fraction of the channel
    saturation: tuple[float, float] = (0.95, 1.1)  # chroma multiplier of the backdrop
    contrast: tuple[float, float] = (0.95, 1.08)  # around mid-grey
    brightness: tuple[float, float] = (-0.02, 0.03)
    vignette: tuple[float, float] = (0.0, 0.12)  # darkening at the corners
    light_wash: tuple[float, float] = (0.04, 0.12)  # brighter toward the template's light source
    shadow_opacity: tuple[float, float] = (0.4, 0.6)
    shadow_length: tuple[float, float] = (0.4, 0.7)
    fill_scale: tuple[float, float] = (0.9, 1.0)  # times the recipe's fill: the product breathes a little


@dataclass(frozen=True)
class Theme:
    name: str
    categories: tuple[str, ...] = ()  # a template in any of these categories belongs ...
    tags: tuple[str, ...] = ()  # ... or one carrying any of these tags ...
    combos: tuple[tuple[str, ...], ...] = ()  # ... or one carrying all tags of any of these ...
    exclude: tuple[str, ...] = ()  # ... unless it carries one of these
    grade: Grade = Grade()

    def accepts(self, spec: TemplateSpec) -> bool:
        tags = set(spec.tags) | {spec.category}
        if tags & set(self.exclude):
            return False
        return (
            spec.category in self.categories
            or bool(tags & set(self.tags))
            or any(set(combo) <= tags for combo in self.combos)
        )


RECIPES: dict[str, Theme] = {
    "festive": Theme(
        "festive",
        categories=("festive",),
        tags=("bokeh", "confetti", "gold"),
        exclude=("sale", "black-friday", "marble", "metal"),
        grade=Grade(
            warmth=(0.0, 0.06), saturation=(1.0, 1.2), vignette=(0.08, 0.22), light_wash=(0.06, 0.14)
        ),
    ),
    "luxury": Theme(
        "luxury",
        categories=("luxury",),
        tags=("premium", "velvet"),
        exclude=("festive",),
        grade=Grade(
            warmth=(-0.01, 0.04),
            saturation=(0.85, 1.0),
            contrast=(1.02, 1.15),
            vignette=(0.15, 0.3),
            shadow_opacity=(0.5, 0.7),
            shadow_length=(0.3, 0.5),
        ),
    ),
    "summer": Theme(
        "summer",
        tags=("summer", "beach", "sunlight", "sunset", "sky", "citrus", "fresh", "cheerful"),
        exclude=("dark", "night", "festive"),
        grade=Grade(
            warmth=(0.02, 0.07), saturation=(1.05, 1.2), brightness=(0.01, 0.05), vignette=(0.0, 0.06)
        ),
    ),
    "minimal": Theme(
        "minimal",
        categories=("plain",),
        tags=("minimal", "clean", "neutral", "calm", "scandi", "paper", "concrete"),
        exclude=("dark", "bold", "festive", "kraft"),
        grade=Grade(
            warmth=(-0.02, 0.02), saturation=(0.8, 0.95), vignette=(0.0, 0.05), light_wash=(0.02, 0.08)
        ),
    ),
    "bold": Theme(
        "bold",
        categories=("duotone",),
        tags=("bold", "pop", "retro", "colourful"),
        exclude=("sale", "black-friday", "luxury", "premium"),
        grade=Grade(saturation=(1.1, 1.3), contrast=(1.02, 1.12), vignette=(0.0, 0.1)),
    ),
    "nature": Theme(
        "nature",
        categories=("nature", "wood"),
        tags=("natural", "plant", "linen", "earthy", "eco", "stone"),
        exclude=("luxury", "festive", "dark"),
        grade=Grade(warmth=(0.0, 0.05), saturation=(0.95, 1.1), light_wash=(0.06, 0.14)),
    ),
    "tech": Theme(
        "tech",
        tags=("tech", "metal", "grid", "urban", "night"),
        combos=(("dark", "studio"), ("dark", "mesh"), ("grey", "studio"), ("blue", "spotlight")),
        exclude=("festive", "warm", "gold", "pastel", "beauty", "green", "purple", "stationery", "velvet"),
        grade=Grade(
            warmth=(-0.07, -0.02),
            saturation=(0.85, 1.05),
            contrast=(1.04, 1.16),
            vignette=(0.08, 0.2),
            shadow_length=(0.3, 0.5),
        ),
    ),
    "pastel": Theme(
        "pastel",
        categories=("pastel",),
        tags=("pastel", "soft", "dreamy"),
        exclude=("dark", "festive", "marble"),
        grade=Grade(
            saturation=(0.85, 1.0),
            contrast=(0.88, 0.97),
            brightness=(0.02, 0.05),
            vignette=(0.0, 0.04),
            shadow_opacity=(0.3, 0.45),
        ),
    ),
}


def theme(name: str) -> Theme:
    return RECIPES[name]


@cache
def theme_templates(name: str) -> tuple[TemplateSpec, ...]:
    """The built-in templates this theme draws from, in a stable order (by id) so seeds reproduce."""
    recipe = RECIPES[name]
    picked = [s for s in catalog() if s.source == "builtin" and recipe.accepts(s)]
    return tuple(sorted(picked, key=lambda s: s.id))
