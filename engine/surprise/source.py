"""The photo and its matte for a surprise job, from the same stages a normal batch image goes through.

Mirrors engine.pipeline's `process_image` / `finish_image` up to the matte (decode at the recipe's
size, keep an uploaded cut-out's own alpha, else matte with the network's output or the colour
model) using only public engine functions, and stops there: a surprise job composes many times from
the one matte instead of once.
"""

from __future__ import annotations

import numpy as np

from engine.decode import decode_image
from engine.matting import matte
from engine.matting.model import NetworkMatte
from engine.pipeline import (
    DEFAULT_WORKING_SIZE,
    MattePlan,
    NetworkFirst,
    Recipe,
    decode_size,
    matting_options,
    matting_route,
    plan_alpha,
)


def photo_and_matte(
    data: bytes,
    recipe: Recipe,
    *,
    plan: MattePlan | None = None,
    network_matte: np.ndarray | None = None,
    session=None,
    network_first: NetworkFirst = False,
    max_pixels: int = 100_000_000,
    working_size: int = DEFAULT_WORKING_SIZE,
) -> tuple[np.ndarray, np.ndarray, str, float]:
    """(rgb uint8, alpha float32 0..1, method, quality). `plan` and `network_matte`: what the
    batch's prepare and network stages decided (see engine.pipeline.prepare_matte); without a plan
    the matte is made here (`session` for the model)."""
    decoded = decode_image(data, max_pixels=max_pixels, min_size=decode_size(recipe, working_size))
    rgb = decoded.rgb
    if plan is not None and plan.alpha is not None:
        return rgb, plan_alpha(plan, rgb, working_size), plan.method, plan.quality
    given = decoded.alpha
    if (
        plan is None
        and given is not None
        and float((given < 0.5).mean()) > 0.005
        and float(given.min()) < 0.05
    ):
        return rgb, given.astype(np.float32), "alpha", 1.0  # an uploaded cut-out keeps its own alpha
    route = matting_route(recipe.method, network_first=network_first)
    if plan is not None:
        if network_matte is None:
            raise ValueError("this image needs the network's matte and none was given")
        session = NetworkMatte(network_matte)
    options = matting_options(recipe.method, network_first=network_first, working_size=working_size)
    result = matte(rgb, route, session=session, options=options)
    method = result.method if route == recipe.method else f"{recipe.method}:{result.method}"
    return rgb, result.alpha.astype(np.float32), method, float(result.quality)
