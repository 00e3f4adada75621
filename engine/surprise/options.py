"""What a seller chooses for a "Surprise for You" job, validated in one place.

The API, the CLI and a stored job all pass the same plain dict through `parse_surprise_options`, so a
bad theme or variant count is refused with the same message everywhere before any coin is reserved.
`outputs_per_image` is the one rule for how many files a product yields: prices multiply by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import RecipeError

THEMES: tuple[str, ...] = ("festive", "luxury", "summer", "minimal", "bold", "nature", "tech", "pastel")

_SUMMARIES: dict[str, tuple[str, str]] = {
    "festive": ("Festive", "Warm celebration backdrops with bokeh glow and gift-season colour."),
    "luxury": ("Luxury", "Dark marble, velvet and gold light with a low, soft shadow."),
    "summer": ("Summer", "Bright sun-washed scenes: sand, sky and citrus tones."),
    "minimal": ("Minimal", "Clean studio sweeps and soft neutrals that let the product speak."),
    "bold": ("Bold colour", "Saturated single-colour stages chosen to contrast with the product."),
    "nature": ("Nature", "Wood, stone, leaf and linen surfaces in natural light."),
    "tech": ("Tech", "Cool dark gradients, grids and crisp rim light."),
    "pastel": ("Pastel", "Soft candy pastels with gentle, airy shadows."),
}

MAX_VARIANTS = 8
MAX_SEED = 2**31 - 1
_KNOWN_KEYS = ("theme", "variants", "video", "seed")


@dataclass(frozen=True)
class SurpriseOptions:
    theme: str
    variants: int
    video: bool
    seed: int


def theme_summaries() -> list[dict[str, str]]:
    """Name, title and one-line description of every theme, in THEMES order, for the dashboard."""
    return [{"name": n, "title": _SUMMARIES[n][0], "description": _SUMMARIES[n][1]} for n in THEMES]


def parse_surprise_options(d: dict[str, Any] | None) -> SurpriseOptions:
    """Validated options from a plain dict; RecipeError with a message a seller can act on if bad."""
    if d is None:
        raise RecipeError(
            f"surprise options are required: choose a theme ({', '.join(THEMES)}) and variants 1-8"
        )
    if isinstance(d, SurpriseOptions):
        d = {"theme": d.theme, "variants": d.variants, "video": d.video, "seed": d.seed}
    if not isinstance(d, dict):
        raise RecipeError(f"surprise options must be an object, got {type(d).__name__}")
    unknown = sorted(set(d) - set(_KNOWN_KEYS))
    if unknown:
        raise RecipeError(
            f"unknown surprise field(s): {', '.join(map(str, unknown))}; known: {', '.join(_KNOWN_KEYS)}"
        )
    theme = d.get("theme")
    if not isinstance(theme, str) or theme.strip().lower() not in THEMES:
        raise RecipeError(f"unknown surprise theme {theme!r}; choose one of {', '.join(THEMES)}")
    variants = d.get("variants", 1)
    if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
        raise RecipeError(f"variants must be a whole number from 1 to {MAX_VARIANTS}, got {variants!r}")
    video = d.get("video", False)
    if not isinstance(video, bool):
        raise RecipeError(f"video must be true or false, got {video!r}")
    seed = d.get("seed", 0)
    if seed is None:
        seed = 0
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise RecipeError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return SurpriseOptions(theme=theme.strip().lower(), variants=variants, video=video, seed=seed)


def outputs_per_image(opts: SurpriseOptions) -> int:
    """How many files one product yields: its variants plus the video if asked. Prices multiply by it."""
    return opts.variants + (1 if opts.video else 0)
