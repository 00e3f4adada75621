"""Recipes: defaults, round trips and clear messages for every kind of bad value."""

from __future__ import annotations

import pytest

from engine.errors import RecipeError
from engine.pipeline import Recipe, parse_recipe
from engine.presets import PRESETS
from engine.retouch import RetouchParams


def test_none_and_empty_give_the_defaults():
    assert parse_recipe(None) == Recipe()
    assert parse_recipe({}) == Recipe()


def test_round_trip_through_a_plain_dict():
    r = parse_recipe(
        {"aspect": "4:5", "size": 1200, "shadow": {"style": "both", "angle": 120}, "format": "webp"}
    )
    assert parse_recipe(r.to_dict()) == r
    assert r.canvas() == (960, 1200)
    assert parse_recipe({"aspect": "16x9", "size": 1920}).canvas() == (1920, 1080)


def test_retouch_shorthands():
    assert parse_recipe({"retouch": "off"}).retouch == RetouchParams.off()
    assert parse_recipe({"retouch": False}).retouch == RetouchParams.off()
    assert parse_recipe({"retouch": "natural"}).retouch == RetouchParams()
    assert parse_recipe({"retouch": {"sharpen": 0}}).retouch.sharpen == 0


def test_a_preset_overrides_size_aspect_fill_and_background():
    r = parse_recipe({"preset": "Amazon", "aspect": "16:9", "size": 800, "fill": 0.5})
    assert r.canvas() == (2000, 2000)
    assert r.compose_params().fill == 0.85
    assert r.format == "jpg"
    assert parse_recipe({"preset": "instagram-story"}).canvas() == (1080, 1920)
    assert parse_recipe({"preset": "instagram-portrait"}).canvas() == (1080, 1350)
    assert parse_recipe({"preset": "myntra"}).canvas() == (1500, 2000)
    assert all(p.rule for p in PRESETS.values())


def test_png_means_a_transparent_cutout_unless_a_preset_needs_its_background():
    assert parse_recipe({"format": "png"}).is_transparent()
    assert not parse_recipe({"format": "png", "transparent": False}).is_transparent()
    assert not parse_recipe({"format": "png", "preset": "amazon"}).is_transparent()
    assert not parse_recipe({"format": "jpg"}).is_transparent()


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"aspect": "2:1"}, "unknown aspect ratio '2:1'; choose one of 1:1, 4:5, 3:4, 16:9, 9:16"),
        ({"size": 20}, "size must be an integer from 64 to 10000 px"),
        ({"size": "big"}, "size must be an integer"),
        ({"preset": "tiktok"}, "unknown preset 'tiktok'; choose one of amazon"),
        ({"format": "gif"}, "unknown output format 'gif'"),
        ({"quality": 101}, "quality must be an integer from 1 to 100"),
        ({"method": "magic"}, "unknown matting method 'magic'"),
        ({"module": "surprise"}, "unknown module 'surprise'"),
        ({"fill": 0}, "fill must be between 0.05 and 1"),
        ({"fill": "lots"}, "fill must be a number"),
        ({"colour": 1}, "unknown recipe field(s): colour"),
        ({"shadow": {"opacity": 3}}, "shadow opacity must be between 0 and 1"),
        ({"shadow": {"style": "neon"}}, "unknown shadow style 'neon'"),
        ({"shadow": {"blur": 3}}, "unknown shadow field(s): blur"),
        ({"shadow": "dark"}, "shadow must be an object"),
        ({"retouch": {"sharpen": 5}}, "retouch.sharpen must be a number between 0 (off) and 1"),
        ({"transparent": True, "format": "jpg"}, "transparent result needs format png or webp"),
        ("not a dict", "recipe must be an object"),
    ],
)
def test_bad_recipes_say_what_is_wrong(bad, words):
    with pytest.raises(RecipeError) as info:
        parse_recipe(bad)
    assert words in str(info.value)
