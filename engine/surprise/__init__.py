"""Surprise for You: themed creative variants and a short video per product, from one cut-out.

options   what a seller chooses (theme, variants, video, seed) and the one outputs-per-image rule
themes    each theme's templates (selected from the catalogue by category/tags) and grade ranges
colour    measured colour clash between a product and a backdrop (CIELAB hue, lightness, delta E)
grade     the backdrop's colour grade, light wash along the template's light, vignette
variants  the cut-out made once; variant k planned from (theme, seed, k) and recomposed
video     variants -> MP4 (H.264, yuv420p, 30 fps, 3-6 s) with cross-fades and a slow zoom
render    photo + matte -> every encoded output; source: photo + matte from the batch's stages

Everything here is pure (arrays and bytes in, bytes out): the batch, the CLI and tests run the same code.
This package's top level imports only `options` (light: the API validates with it); the image work
is in `engine.surprise.render`.
"""

from engine.surprise.options import (
    THEMES,
    SurpriseOptions,
    outputs_per_image,
    parse_surprise_options,
    theme_summaries,
)

__all__ = [
    "THEMES",
    "SurpriseOptions",
    "outputs_per_image",
    "parse_surprise_options",
    "theme_summaries",
]
