"""Placement: trimmed, scaled to the fill ratio, centred or standing on the floor line, exact sizes."""

from __future__ import annotations

import numpy as np
import pytest

from engine.compose import ASPECTS, ComposeParams, EmptyCutout, ShadowParams, canvas_size, compose
from engine.errors import RecipeError
from engine.pipeline import Recipe
from engine.presets import PRESETS

from .conftest import alpha_box, plain, spec

NO_SHADOW = ShadowParams(style="none")


@pytest.mark.parametrize("fill", [0.5, 0.8, 0.9])
@pytest.mark.parametrize("canvas", [(800, 800), (1200, 675), (675, 1200)])
def test_centred_product_fills_the_requested_ratio(product_cutout, fill, canvas):
    # the cut-out sits off-centre in a larger frame: composition must trim it first
    framed = np.zeros((1000, 900, 4), np.uint8)
    framed[50:650, 420:820] = product_cutout
    out = compose(framed, spec(), ComposeParams(fill=fill, margin=0.02, shadow=NO_SHADOW), size=canvas)
    assert out.shape == (canvas[1], canvas[0], 4)
    x0, y0, x1, y1 = alpha_box(out[..., 3] / 255.0, 0.03)
    w, h = canvas
    # the limiting side is filled to `fill` (within a pixel of rounding)
    span = max((x1 - x0) / w, (y1 - y0) / h)
    assert span == pytest.approx(fill, abs=2 / min(w, h))
    # a left-right symmetric product is centred horizontally
    assert (x0 + x1) / 2 == pytest.approx(w / 2, abs=1.5)
    # vertically the visual centre (between box centre and mass centroid) is on the canvas centre
    assert abs((y0 + y1) / 2 - h / 2) < 0.06 * h


def test_floor_line_is_where_the_product_stands(product_cutout):
    floor = 0.78
    out = compose(
        product_cutout, spec(floor_line=floor), ComposeParams(fill=0.9, shadow=NO_SHADOW), size=(1000, 1000)
    )
    _, y0, _, y1 = alpha_box(out[..., 3] / 255.0, 0.5)
    assert y1 == pytest.approx(floor * 1000, abs=1.5)
    assert y0 >= 0.05 * 1000 - 1  # the top margin still holds: the fill gave way to the floor


def test_centre_placement_overrides_the_floor(product_cutout):
    out = compose(
        product_cutout,
        spec(floor_line=0.95),
        ComposeParams(fill=0.5, placement="centre", shadow=NO_SHADOW),
        size=(1000, 1000),
    )
    _, y0, _, y1 = alpha_box(out[..., 3] / 255.0, 0.5)
    assert abs((y0 + y1) / 2 - 500) < 40


@pytest.mark.parametrize("aspect", list(ASPECTS))
@pytest.mark.parametrize("size", [640, 1600])
def test_every_aspect_ratio_gives_the_right_pixel_size(product_cutout, aspect, size):
    w, h = canvas_size(aspect, size)
    aw, ah = ASPECTS[aspect]
    assert max(w, h) == size
    assert w / h == pytest.approx(aw / ah, abs=1.0 / size)
    out = compose(product_cutout, spec(), background=plain(w, h))
    assert out.shape == (h, w, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_gives_its_platform_size(product_cutout, name):
    preset = PRESETS[name]
    recipe = Recipe(preset=name)
    assert recipe.canvas() == (preset.width, preset.height)
    w, h = recipe.canvas()
    out = compose(product_cutout, spec(), recipe.compose_params(), background=plain(w, h, (200, 200, 200)))
    assert out.shape == (h, w, 3)
    assert preset.rule and preset.label


def test_amazon_preset_pure_white_corners_and_85_percent_fill(product_cutout):
    recipe = Recipe(preset="amazon")
    w, h = recipe.canvas()
    assert max(w, h) >= 1600
    assert PRESETS["amazon"].background == "#ffffff"
    white = spec(floor_line=0.82, tone=(255, 255, 255))  # even a template with a floor: the fill rule wins
    out = compose(product_cutout, white, recipe.compose_params(), background=plain(w, h))
    for cy, cx in [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)]:
        assert tuple(out[cy, cx]) == (255, 255, 255)
    # above and beside the product (where no shadow falls) the background is exactly #FFFFFF
    border = np.concatenate(
        [out[:40].reshape(-1, 3), out[:, :40].reshape(-1, 3), out[:, -40:].reshape(-1, 3)]
    )
    assert (border == 255).all()
    product_mask = (
        out[..., 2].astype(int) - out[..., 0].astype(int) > 60
    )  # the blue product, not its grey shadow
    x0, y0, x1, y1 = alpha_box(product_mask.astype(np.float32))
    assert max((x1 - x0) / w, (y1 - y0) / h) == pytest.approx(0.85, abs=0.01)


def test_empty_cutout_is_a_clear_error():
    empty = np.zeros((100, 100, 4), np.uint8)
    with pytest.raises(EmptyCutout, match="no product"):
        compose(empty, spec(), size=(200, 200))


@pytest.mark.parametrize(
    "params, words",
    [
        (ComposeParams(fill=1.5), "fill"),
        (ComposeParams(margin=0.6), "margin"),
        (ComposeParams(placement="left"), "placement"),
        (ComposeParams(shadow=ShadowParams(style="neon")), "shadow style"),
        (ComposeParams(shadow=ShadowParams(opacity=-0.1)), "opacity"),
    ],
)
def test_bad_parameters_are_refused_by_name(product_cutout, params, words):
    with pytest.raises(RecipeError, match=words):
        compose(product_cutout, spec(), params, size=(100, 100))


def test_specks_left_by_the_matte_do_not_shrink_or_dirty_the_product(product_cutout):
    framed = np.zeros((900, 900, 4), np.uint8)
    framed[100:700, 250:650] = product_cutout
    framed[850:856, 20:26] = (90, 90, 90, 255)  # a dust speck far from the product
    framed[30:33, 880:884] = (90, 90, 90, 200)
    out = compose(framed, spec(), ComposeParams(fill=0.8, shadow=NO_SHADOW), size=(800, 800))
    x0, y0, x1, y1 = alpha_box(out[..., 3] / 255.0, 0.03)
    assert max(x1 - x0, y1 - y0) == pytest.approx(0.8 * 800, abs=2)  # the bottle alone fills 80%


def test_a_two_part_product_keeps_both_parts(product_cutout):
    framed = np.zeros((700, 1000, 4), np.uint8)
    framed[50:650, 50:450] = product_cutout
    framed[50:650, 550:950] = product_cutout  # a pair, like earrings
    out = compose(framed, spec(), ComposeParams(fill=0.8, shadow=NO_SHADOW), size=(1000, 700))
    cols = np.flatnonzero((out[..., 3] > 128).any(axis=0))
    assert cols[-1] - cols[0] > 0.75 * 1000


@pytest.mark.parametrize(("canvas", "expected_width"), [((1000, 1000), 400), ((1600, 900), 360)])
def test_a_podium_stage_width_keeps_the_product_on_the_podium(product_cutout, canvas, expected_width):
    """Stage width is in short-side units, so a 16:9 canvas shows more scene, not a wider podium."""
    wide = np.zeros((300, 900, 4), np.uint8)
    wide[:, :, :3] = 90
    wide[20:280, 20:880, 3] = 255  # a wide, low product
    podium = spec(floor_line=0.6, stage_width=0.4)
    out = compose(wide, podium, ComposeParams(fill=0.8, shadow=NO_SHADOW), size=canvas)
    x0, _, x1, y1 = alpha_box(out[..., 3] / 255.0)
    assert (x1 - x0) == pytest.approx(expected_width, abs=2)
    assert y1 == pytest.approx(0.6 * canvas[1], abs=1.5)
