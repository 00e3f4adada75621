"""A product photo and its matte -> every output of a surprise job: N encoded variants (+ a video).

Pure: arrays in, bytes out, no I/O. The cut-out is made once (`prepare_product`); each variant only
renders its graded backdrop and recomposes; the video reuses the composed variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.export import ExportOptions, encode
from engine.surprise.options import SurpriseOptions, parse_surprise_options
from engine.surprise.variants import plan_variants, prepare_product, render_variant
from engine.surprise.video import make_video

if TYPE_CHECKING:
    from engine.pipeline import Recipe

VIDEO_EXTENSION = "mp4"


@dataclass(frozen=True)
class SurpriseOutput:
    data: bytes
    extension: str  # jpg | png | webp | mp4
    kind: str  # image | video
    theme: str
    template: str  # the template id ("" for the video, which shows them all)
    seed: int
    variant: int  # 1..N for images, 0 for the video
    width: int
    height: int
    box: tuple[int, int, int, int] | None = None  # where the product was placed (x0, y0, x1, y1)

    @property
    def name(self) -> str:
        """The file name's tail: `<theme>-<n>.<ext>`, the video `<theme>.mp4` (the ZIP prefixes the product)."""
        return (
            f"{self.theme}.{self.extension}"
            if self.kind == "video"
            else f"{self.theme}-{self.variant}.{self.extension}"
        )


def render_surprise(
    rgb: np.ndarray,
    alpha: np.ndarray,
    recipe: Recipe,
    options: SurpriseOptions | dict,
    *,
    video_side: int | None = None,
) -> list[SurpriseOutput]:
    """The variants in order 1..N, then the video if asked. `recipe`: an engine.pipeline.Recipe
    (canvas, fill, margin, shadow, retouch, format); `video_side` caps the video's long side."""
    opts = options if isinstance(options, SurpriseOptions) else parse_surprise_options(options)
    canvas = recipe.canvas()
    product = prepare_product(rgb, alpha, recipe, canvas)
    plans = plan_variants(
        opts.theme, opts.seed, opts.variants, product.colour, canvas, recipe.compose_params()
    )
    export = ExportOptions(format=recipe.format, quality=recipe.quality)
    outputs: list[SurpriseOutput] = []
    images: list[np.ndarray] = []
    centres: list[tuple[float, float]] = []
    for p in plans:
        image, where = render_variant(product, p, canvas)
        box = (
            max(0, where.x),
            max(0, where.y),
            min(canvas[0], where.x + where.width),
            min(canvas[1], where.y + where.height),
        )
        outputs.append(
            SurpriseOutput(
                encode(image, export),
                recipe.format,
                "image",
                opts.theme,
                p.source_template.id,
                opts.seed,
                p.variant,
                canvas[0],
                canvas[1],
                box,
            )
        )
        if opts.video:
            images.append(image)
            centres.append(((box[0] + box[2]) / 2 / canvas[0], (box[1] + box[3]) / 2 / canvas[1]))
    if opts.video:
        focus = (float(np.mean([c[0] for c in centres])), float(np.mean([c[1] for c in centres])))
        kwargs = {"max_side": video_side} if video_side else {}
        video = make_video(images, focus, **kwargs)
        outputs.append(
            SurpriseOutput(
                video.data, VIDEO_EXTENSION, "video", opts.theme, "", opts.seed, 0, video.width, video.height
            )
        )
    return outputs
