"""A shadow never leaves the canvas, and a pure-background preset keeps its outer band exactly that colour."""

from __future__ import annotations

import numpy as np
import pytest

from engine.compose import ComposeParams, ShadowParams, compose
from engine.compose.shadow import edge_band

from .conftest import cutout_of, make_product, plain, spec


def _band(img: np.ndarray, band: int) -> np.ndarray:
    return np.concatenate(
        [
            img[:band].reshape(-1, 3),
            img[-band:].reshape(-1, 3),
            img[:, :band].reshape(-1, 3),
            img[:, -band:].reshape(-1, 3),
        ]
    )


@pytest.mark.parametrize("style", ["contact", "cast", "both", "drop"])
def test_amazon_like_frame_stays_pure_white_with_a_product_near_the_bottom(style):
    # the Amazon preset: fill 0.85, margin 0.05, a floor line low in the frame -> the base sits near the edge
    _, alpha, colours = make_product(600, 300)
    s = spec(floor_line=0.96)
    params = ComposeParams(
        fill=0.85,
        margin=0.05,
        placement="floor",
        shadow=ShadowParams(style=style, opacity=0.9, softness=1.0, length=2.0),
    )
    out = compose(cutout_of(colours, alpha), s, params, background=plain(800, 800))
    band = edge_band((800, 800))
    assert (_band(out, band) == 255).all()
    # and the shadow is still there inside the frame: it was faded at the edge, not dropped
    assert (out[:, :, 0] < 250).sum() > (alpha > 0.5).sum() * (800 / 600) ** 2 * 0.5


def test_long_cast_shadow_is_shortened_to_stay_in_frame():
    _, alpha, colours = make_product(600, 300)
    s = spec(floor_line=0.9)
    long_shadow = ShadowParams(style="cast", opacity=0.8, softness=0.2, angle=170.0, length=2.0)
    cut, bg = cutout_of(colours, alpha), plain(900, 600, (230, 230, 230))
    out = compose(cut, s, ComposeParams(fill=0.7, placement="floor", shadow=long_shadow), background=bg)
    bare = compose(
        cut, s, ComposeParams(fill=0.7, placement="floor", shadow=ShadowParams(style="none")), background=bg
    )
    band = edge_band((900, 600))
    assert (_band(out, band) == 230).all()
    # a shortened shadow is still there and still falls away from the light (right of a light at 170 deg)
    dark = bare[..., 0].astype(int) - out[..., 0].astype(int)
    assert dark.sum() > 20_000
    assert dark[:, 450:].sum() > 3 * dark[:, :450].sum()


def test_transparent_output_has_no_shadow_in_the_outer_band():
    _, alpha, colours = make_product(600, 300)
    out = compose(
        cutout_of(colours, alpha),
        spec(floor_line=0.97),
        ComposeParams(
            fill=0.9, margin=0.03, placement="floor", shadow=ShadowParams(style="both", opacity=1.0)
        ),
        size=(500, 500),
    )
    band = edge_band((500, 500))
    a = out[..., 3]
    assert a[:band].max() == 0 and a[-band:].max() == 0 and a[:, :band].max() == 0 and a[:, -band:].max() == 0
