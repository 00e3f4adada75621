"""Surprise for You: themed creative variants and a short video per product, from one cut-out.

options   what a seller chooses (theme, variants, video, seed) and the one outputs-per-image rule
"""

from engine.surprise.options import (
    THEMES,
    SurpriseOptions,
    outputs_per_image,
    parse_surprise_options,
    theme_summaries,
)

__all__ = ["THEMES", "SurpriseOptions", "outputs_per_image", "parse_surprise_options", "theme_summaries"]
