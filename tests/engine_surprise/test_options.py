"""The surprise options parser is the only validator the API and CLI use: every bad value is refused."""

import pytest

from engine.errors import RecipeError
from engine.surprise.options import (
    THEMES,
    SurpriseOptions,
    outputs_per_image,
    parse_surprise_options,
    theme_summaries,
)


def test_at_least_eight_themes_with_summaries():
    assert len(THEMES) >= 8
    assert {"festive", "luxury", "summer", "minimal", "bold", "nature", "tech", "pastel"} <= set(THEMES)
    summaries = theme_summaries()
    assert [s["name"] for s in summaries] == list(THEMES)
    assert all(s["title"] and s["description"] for s in summaries)


def test_valid_options_and_defaults():
    opts = parse_surprise_options({"theme": "Luxury", "variants": 3})
    assert opts == SurpriseOptions(theme="luxury", variants=3, video=False, seed=0)
    full = parse_surprise_options({"theme": "tech", "variants": 8, "video": True, "seed": 2**31 - 1})
    assert full == SurpriseOptions(theme="tech", variants=8, video=True, seed=2**31 - 1)


@pytest.mark.parametrize(
    ("d", "words"),
    [
        (None, "theme"),
        ([], "object"),
        ({"theme": "disco", "variants": 2}, "disco"),
        ({"theme": "tech", "variants": 0}, "variants"),
        ({"theme": "tech", "variants": 9}, "variants"),
        ({"theme": "tech", "variants": 2.0}, "variants"),
        ({"theme": "tech", "variants": True}, "variants"),
        ({"theme": "tech", "variants": 2, "video": "yes"}, "video"),
        ({"theme": "tech", "variants": 2, "seed": -1}, "seed"),
        ({"theme": "tech", "variants": 2, "seed": 2**31}, "seed"),
        ({"theme": "tech", "variants": 2, "seed": "7"}, "seed"),
        ({"theme": "tech", "variants": 2, "colour": "red"}, "colour"),
    ],
)
def test_bad_options_refused_with_a_message(d, words):
    with pytest.raises(RecipeError, match=words):
        parse_surprise_options(d)


def test_outputs_per_image_counts_video():
    assert outputs_per_image(parse_surprise_options({"theme": "bold", "variants": 4})) == 4
    assert outputs_per_image(parse_surprise_options({"theme": "bold", "variants": 4, "video": True})) == 5
