"""What variant k looks like is decided from (theme, seed, k) and the product's colour only, and its
shadow and light wash follow the template's light (mirrored with the backdrop when it is flipped)."""

from __future__ import annotations

import numpy as np

from engine.compose import ComposeParams
from engine.surprise import THEMES
from engine.surprise.colour import lab_stats
from engine.surprise.grade import GradeParams, grade
from engine.surprise.themes import theme_templates
from engine.surprise.variants import plan_variant, plan_variants, suitable_templates

CANVAS = (400, 400)


def _colour(rgb: tuple[int, int, int]):
    return lab_stats(np.full((4, 4, 3), rgb, np.uint8))


def test_every_theme_draws_from_several_templates():
    for theme in THEMES:
        assert len(theme_templates(theme)) >= 8, theme


def test_light_follows_the_template_and_flips_with_it():
    colour = _colour((30, 60, 200))
    seen_mirrored = seen_plain = False
    for theme in THEMES:
        for p in plan_variants(theme, 5, 8, colour, CANVAS, ComposeParams()):
            source = p.source_template.light_direction
            expected = (180.0 - source) % 360.0 if p.mirrored else source
            assert p.template.light_direction == expected == p.grade.light_direction
            assert p.compose.shadow.angle is None  # composition takes the (possibly mirrored) template's
            seen_mirrored |= p.mirrored
            seen_plain |= not p.mirrored
    assert seen_mirrored and seen_plain


def test_variant_k_independent_of_count_and_distinct_templates():
    colour = _colour((200, 40, 40))
    templates = suitable_templates("festive", colour, CANVAS)
    eight = plan_variants("festive", 3, 8, colour, CANVAS, ComposeParams())
    assert [plan_variant(k, "festive", 3, templates, ComposeParams()) for k in (1, 2, 3)] == eight[:3]
    assert len({p.source_template.id for p in eight}) == min(8, len(templates))


def test_light_wash_brightens_the_side_the_light_comes_from():
    flat = np.full((60, 80, 3), 128, np.uint8)
    from_right = grade(flat, GradeParams(light_wash=0.2, light_direction=0.0)).astype(int)
    from_top = grade(flat, GradeParams(light_wash=0.2, light_direction=90.0)).astype(int)
    assert from_right[:, -5:].mean() > from_right[:, :5].mean() + 10
    assert from_top[:5].mean() > from_top[-5:].mean() + 10
