"""Shadows fall where light would not reach; blending in linear light leaves no halo."""

from __future__ import annotations

import numpy as np
import pytest

from engine.compose import ComposeParams, ShadowParams, compose
from engine.compose.layout import Placement
from engine.compose.light_match import tone_gains
from engine.compose.linear import to_linear, to_srgb
from engine.compose.shadow import shadow_density

from .conftest import alpha_box, cutout_of, make_product, plain, spec

GREY = (200, 200, 200)


def _darkening(product_cutout, **shadow):
    """Per-pixel light removed by the shadow alone: compose with and without it on grey."""
    s = spec(floor_line=0.8)
    bg = plain(1000, 1000, GREY)
    with_shadow = compose(product_cutout, s, ComposeParams(shadow=ShadowParams(**shadow)), background=bg)
    bare = compose(product_cutout, s, ComposeParams(shadow=ShadowParams(style="none")), background=bg)
    alpha = compose(product_cutout, s, ComposeParams(shadow=ShadowParams(style="none")), size=(1000, 1000))[
        ..., 3
    ]
    dark = bare.astype(float).mean(axis=2) - with_shadow.astype(float).mean(axis=2)
    return dark, alpha / 255.0


def test_contact_shadow_is_dark_and_tight_at_the_base(product_cutout):
    dark, alpha = _darkening(product_cutout, style="contact", opacity=0.6)
    x0, y0, x1, y1 = alpha_box(alpha)
    cx = (x0 + x1) // 2
    just_below = dark[y1 + 2, cx]
    further = dark[y1 + 60, cx]
    assert just_below > 40  # a clearly dark band where the product meets the floor
    assert further < just_below / 4  # that falls off quickly: a contact shadow, not a blanket
    assert dark[y1 + 2, x1 + 120] < just_below / 4  # and does not spread far sideways
    assert np.abs(dark[: y0 - 5]).max() == 0  # nothing above the product


@pytest.mark.parametrize(
    "angle, away_side", [(180.0, "right"), (0.0, "left"), (150.0, "right"), (330.0, "left")]
)
def test_cast_shadow_falls_away_from_the_light(product_cutout, angle, away_side):
    dark, alpha = _darkening(product_cutout, style="cast", opacity=0.6, angle=angle, softness=0.3)
    x0, _, x1, _ = alpha_box(alpha)
    visible = dark * (alpha < 0.01)
    left, right = visible[:, :x0].sum(), visible[:, x1:].sum()
    assert max(left, right) > 1000
    if away_side == "right":
        assert right > 4 * left
    else:
        assert left > 4 * right


def test_cast_shadow_behind_or_in_front_of_the_product(product_cutout):
    # light from the front (bottom of the picture) throws the shadow back onto the floor behind
    dark_front_light, alpha = _darkening(product_cutout, style="cast", angle=270.0, opacity=0.6)
    _, y0, _, y1 = alpha_box(alpha)
    outside = alpha < 0.01
    assert (dark_front_light * outside)[: y1 - 5].sum() > 3 * (dark_front_light * outside)[y1 + 5 :].sum()
    # light from behind (top) throws it forward, below the base
    dark_back_light, _ = _darkening(product_cutout, style="cast", angle=90.0, opacity=0.6)
    assert (dark_back_light * outside)[y1 + 2 :].sum() > 3 * (dark_back_light * outside)[: y1 - 5].sum()


def test_cast_shadow_softens_and_fades_with_distance():
    # a pole lit from the upper left: its shadow is a band on the floor whose cross-section
    # widens (penumbra) and whose darkness fades the further it falls from the base; the canvas is tall
    # enough for the whole shadow (one the frame would cut is shortened: test_shadow_inside_canvas)
    pole = np.zeros((400, 60), np.float32)
    pole[:, 5:55] = 1.0
    where = Placement(x=200, y=400, width=60, height=400, scale=1.0, standing=True, floor_y=800.0)
    dens = shadow_density(
        pole, where, (1000, 1400), style="cast", opacity=1.0, softness=0.3, angle=135.0, length=1.0
    )

    def cross_section(col: int) -> tuple[int, float]:
        line = dens[:, col]
        return int((line > 0.5 * line.max()).sum()), float(line.max())

    near_width, near_peak = cross_section(250)
    far_width, far_peak = cross_section(500)
    assert near_peak > 0.3 and far_peak > 0.02
    assert far_width > 1.8 * near_width
    assert far_peak < 0.6 * near_peak
    assert dens[:, :185].max() < 0.01  # nothing toward the light


def test_no_halo_when_a_cutout_shot_on_white_goes_on_black():
    _, alpha, colours = make_product(colour=(40, 90, 200))
    cut = cutout_of(colours, alpha, fill_rgb=(255, 255, 255))  # invisible pixels are still white
    out = compose(
        cut,
        spec(tone=(0, 0, 0)),
        ComposeParams(fill=0.83, shadow=ShadowParams(style="none"), light_match=0.0),
        background=plain(700, 700, (0, 0, 0)),
    )
    # every pixel is a mix of the product's colours and black: nothing brighter than the product
    limit = colours.reshape(-1, 3).max(axis=0).astype(int) + 5  # a little resampling ringing, no fringe
    assert (out.reshape(-1, 3).astype(int) <= limit).all()
    # and the ring of partly transparent edge pixels is darker than the product (mixed with black),
    # where a white fringe would make it lighter
    placed = compose(
        cut, spec(), ComposeParams(fill=0.83, shadow=ShadowParams(style="none")), size=(700, 700)
    )
    a = placed[..., 3] / 255.0
    gray = out.astype(float).mean(axis=2)
    ring, inside = (a > 0.05) & (a < 0.95), a >= 0.99
    assert ring.sum() > 100
    assert gray[ring].mean() < gray[inside].mean()


def test_edges_blend_in_linear_light(product_cutout):
    # white over black: a pixel a fraction `a` covered carries `a` of the light, which is sRGB
    # encode(a) (~188 for a half), not 255 * a (128) as blending sRGB code values would give
    white = product_cutout.copy()
    white[..., :3] = 255
    params = ComposeParams(fill=0.7, light_match=0.0, shadow=ShadowParams(style="none"))
    out = compose(white, spec(), params, background=plain(500, 500, (0, 0, 0)))[..., 0].astype(int)
    a = compose(white, spec(), params, size=(500, 500))[..., 3] / 255.0
    edge = (a > 0.1) & (a < 0.9)
    assert edge.sum() > 100
    expected = to_srgb(a.astype(np.float32)).astype(int)
    assert np.abs(out[edge] - expected[edge]).max() <= 2
    assert (out[edge] - np.round(255 * a[edge])).mean() > 30


def test_srgb_round_trip_is_exact_for_every_code_value():
    codes = np.arange(256, dtype=np.uint8)
    assert (to_srgb(to_linear(codes)) == codes).all()


def test_light_match_is_bounded_and_neutral_tones_change_nothing():
    assert np.allclose(tone_gains((255, 255, 255), 1.0), 1.0)
    assert np.allclose(tone_gains((128, 128, 128), 0.0), 1.0)
    warm = tone_gains((250, 200, 150), 1.0)
    assert warm[0] > warm[2]  # warmer light
    assert np.all(np.abs(warm - 1.0) < 0.15)


def test_transparent_output_keeps_the_shadow_as_translucent_black(product_cutout):
    out = compose(
        product_cutout, spec(), ComposeParams(shadow=ShadowParams(style="contact")), size=(600, 600)
    )
    _, _, _, y1 = alpha_box(out[..., 3] / 255.0, 0.9)
    below = out[y1 + 2, 300]
    assert 0 < below[3] < 255 and below[:3].max() == 0
    assert out[0, 0, 3] == 0
