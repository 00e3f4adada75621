"""Variants: counts, determinism by seed, visible differences, product framing and colour clashes."""

import itertools

import cv2
import numpy as np
import pytest

from engine.pipeline import parse_recipe
from engine.surprise import THEMES
from engine.surprise.colour import MAX_CLASH_SHARE, clash_share, lab_stats
from engine.surprise.render import render_surprise

RECIPE = parse_recipe({"module": "look", "size": 320, "format": "png"})


def _decode(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _background_mask(box, shape, pad: int = 12) -> np.ndarray:
    """Everything but the product's placed box (grown a little for its shadow and edge)."""
    mask = np.ones(shape[:2], bool)
    x0, y0, x1, y1 = box
    mask[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = False
    return mask


def test_variant_count_and_names(red_product):
    outs = render_surprise(*red_product, RECIPE, {"theme": "festive", "variants": 3, "video": False})
    assert [o.variant for o in outs] == [1, 2, 3]
    assert all(o.kind == "image" and o.extension == "png" and o.theme == "festive" for o in outs)
    assert [o.name for o in outs] == ["festive-1.png", "festive-2.png", "festive-3.png"]
    assert all(o.template for o in outs)
    assert all(_decode(o.data).shape == (320, 320, 3) for o in outs)


def test_same_seed_same_bytes_and_variant_k_independent_of_count(red_product):
    a = render_surprise(*red_product, RECIPE, {"theme": "luxury", "variants": 2, "seed": 7})
    b = render_surprise(*red_product, RECIPE, {"theme": "luxury", "variants": 4, "seed": 7})
    again = render_surprise(*red_product, RECIPE, {"theme": "luxury", "variants": 2, "seed": 7})
    assert [o.data for o in a] == [o.data for o in again]
    assert [o.data for o in a] == [o.data for o in b[:2]]
    other = render_surprise(*red_product, RECIPE, {"theme": "luxury", "variants": 2, "seed": 8})
    assert [o.data for o in other] != [o.data for o in a]


@pytest.mark.parametrize("theme", THEMES)
def test_variants_differ_visibly(theme, red_product):
    """Mean absolute difference of the backdrop (product box excluded) between every two variants is
    above 10 levels of 255. JPEG noise or a re-encode moves it by ~1; a human sees a change of a
    few levels over a whole backdrop side by side, so 10 is clearly "another picture", and any
    two different templates or grades measured here are far above it (20-90)."""
    outs = render_surprise(*red_product, RECIPE, {"theme": theme, "variants": 4, "seed": 3})
    images = [_decode(o.data).astype(np.float32) for o in outs]
    for (i, a), (j, b) in itertools.combinations(enumerate(images), 2):
        mask = _background_mask(outs[i].box, a.shape) & _background_mask(outs[j].box, b.shape)
        diff = float(np.abs(a - b)[mask].mean())
        assert diff > 10.0, f"{theme}: variants {i + 1} and {j + 1} differ by only {diff:.1f} levels"


@pytest.mark.parametrize("theme", THEMES)
def test_product_inside_canvas_with_margin(theme, wide_blue_product):
    recipe = parse_recipe({"module": "look", "size": 320, "aspect": "16:9", "margin": 0.05})
    outs = render_surprise(*wide_blue_product, recipe, {"theme": theme, "variants": 3, "seed": 11})
    for o in outs:
        x0, y0, x1, y1 = o.box
        w, h = o.width, o.height
        assert (w, h) == recipe.canvas()
        mx, my = int(0.05 * w) - 1, int(0.05 * h) - 1
        assert x0 >= mx and y0 >= my and x1 <= w - mx and y1 <= h - my, (theme, o.template, o.box)
        assert x1 - x0 > 0.25 * w or y1 - y0 > 0.25 * h  # and still a sizeable product (a podium is narrow)


@pytest.mark.parametrize("which", ["red_product", "wide_blue_product"])
@pytest.mark.parametrize("theme", THEMES)
def test_backdrop_does_not_clash_with_the_product(theme, which, request):
    """Measured on the output: the backdrop right around the product, pixel by pixel, against the
    product's colour. A tenth of slack over the planning threshold covers the variant's grade and
    shadow, which the planner's measurement (the plain template) does not see."""
    rgb, alpha = request.getfixturevalue(which)
    product_colour = lab_stats(rgb, (alpha > 0.5).astype(np.float32))
    outs = render_surprise(rgb, alpha, RECIPE, {"theme": theme, "variants": 4, "seed": 5})
    for o in outs:
        image = _decode(o.data)
        x0, y0, x1, y1 = o.box
        ring = np.zeros(image.shape[:2], bool)
        ring[max(0, y0 - 40) : y1 + 10, max(0, x0 - 40) : x1 + 40] = True
        ring &= _background_mask(o.box, image.shape, pad=4)
        share = clash_share(product_colour, image[ring][None, ...])
        assert share <= MAX_CLASH_SHARE + 0.1, (theme, o.template, share)
