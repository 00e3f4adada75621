"""A plant's white pot that every look of the network missed, found by its outline under the plant's
base (`engine.matting.auto.pots`), on small shots these tests build: the pot departs from a blotchy sweep by
less than the sweep's own blotches, and stands in its dark contact shadow, which is wider than the pot.

The network is a stand-in that cuts the leaves alone on every look, as ISNet did on whites tune shrubs
whose pot all the looks missed; the colour model, the looks' images and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.measures import shadow_tint
from engine.matting.auto.pots import box_below, pot_below, pot_for_ragged
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, StandIn, lacy_crown, shoot, soft_rect, sweep
from tests.engine_matting.test_auto_light_parts import blotchy_sweep

BASE = (192, 200)  # the plant's base: where its stems meet, the middle of the pot's top edge


def plant_over_a_faint_pot(seed: int, pot_step: float = 1.012, with_pot: bool = True):
    """Green leaves over a white pot `pot_step` times the sweep (a 1.2 % step: the sweep's blotches
    are +-3 %), in a contact shadow 35 % dark that reaches past the pot's sides:
    (photo, truth, leaves, pot)."""
    bg = blotchy_sweep(seed)
    shade = np.zeros((SIZE, SIZE), np.float32)
    foot = 280 if with_pot else BASE[1]
    cv2.ellipse(shade, (BASE[0], foot), (70, 9), 0, 0, 360, 1.0, -1)
    bg = bg * (1 - 0.35 * cv2.GaussianBlur(shade, (0, 0), 2.5))[..., None]
    plant = lacy_crown(BASE)
    pot = soft_rect(BASE[0] - 42, BASE[1], BASE[0] + 42, 280) if with_pot else np.zeros_like(plant)
    pot = pot * (1 - plant)
    truth = np.clip(plant + pot, 0, 1)
    colour = blotchy_sweep(seed) * pot_step
    colour[plant > 0.5] = (0.15, 0.45, 0.12)
    return shoot(bg, colour, truth, seed), truth, plant, pot


class LeavesAlone:
    """Every look answers the leaves alone, sure of them."""

    def __init__(self, plant: np.ndarray) -> None:
        self.plant = plant.astype(np.float32)
        self.calls = 0

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.plant


def test_the_pot_is_the_box_under_the_plant_whose_sides_and_foot_step():
    """Under the leaves, the box whose sides hold a step all along them and whose foot steps down to
    the contact shadow is the pot's, not the shadow's wider outline."""
    for seed in (3, 5, 8):
        rgb, truth, plant, pot = plant_over_a_faint_pot(seed)
        fast = matte_fast(rgb)
        found = pot_below(plant > 0.5, rgb, fast.background, shadow_tint(rgb, fast.background))
        assert metrics.iou(found.astype(np.float32), (pot > 0.5).astype(np.float32)) >= 0.9


def test_a_clear_pots_box_sits_on_its_sides_not_inside_them():
    """A pot 5 % lighter than the sweep steps over a few positions at each soft side, so many boxes hold
    all along; the one in the middle of them is taken (the first pulled the box 4-5 px off the pot's
    left side and 5 px above its foot, `pots._middle_of_best`)."""
    for seed in (3, 5, 8):
        rgb, _, plant, _ = plant_over_a_faint_pot(seed, pot_step=1.05)
        found = box_below(plant > 0.5, rgb, matte_fast(rgb).background)
        assert found is not None and found[1] == 1.0
        (x0, _, x1, y1), _ = found
        assert abs(x0 - (BASE[0] - 42)) <= 2 and abs(x1 - (BASE[0] + 42)) <= 2 and 276 <= y1 <= 280


def test_no_pot_is_made_up_under_a_plant_standing_on_the_sweep():
    """A plant standing on the sweep in its own contact shadow: the sweep below it has no outline
    that holds, and nothing is added."""
    for seed in (3, 5, 8):
        rgb, truth, plant, pot = plant_over_a_faint_pot(seed, with_pot=False)
        fast = matte_fast(rgb)
        assert not pot_below(plant > 0.5, rgb, fast.background, shadow_tint(rgb, fast.background)).any()


def test_a_pot_every_look_missed_is_added_under_the_plant():
    """The network cuts the leaves alone on the photo and on every further look; the matte holds the
    pot all the same, found by its outline, and no network run is added for it."""
    rgb, truth, plant, pot = plant_over_a_faint_pot(5)
    net = LeavesAlone(plant)
    res = matte(rgb, "auto", session=net)
    assert res.details.get("pot_added", 0.0) > 0.02
    assert metrics.iou(res.alpha, truth) >= 0.93
    assert net.calls <= 5


def test_a_wedge_of_sweep_taken_beside_the_pot_gives_way_to_the_pots_box():
    """A pot found with a wedge of the sweep beside it (ragged: far from its convex hull) is replaced
    by the box its outline holds; a pot found well is left as it is (the box would only coarsen it)."""
    rgb, truth, plant, pot = plant_over_a_faint_pot(5)
    fast = matte_fast(rgb)
    tint = shadow_tint(rgb, fast.background)
    wedge = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(wedge, [np.array([[234, 205], [300, 205], [320, 270], [234, 240]], np.int32)], 1)
    found = (plant > 0.5) | (pot > 0.5)
    box, part = pot_for_ragged(found | (wedge > 0), rgb, fast.background, tint)
    assert metrics.iou(box.astype(np.float32), (pot > 0.5).astype(np.float32)) >= 0.9
    assert part[wedge > 0].mean() > 0.95
    box, part = pot_for_ragged(found, rgb, fast.background, tint)
    assert not box.any() and not part.any()


def test_no_pot_is_looked_for_under_a_solid_coloured_product():
    """A green bottle is tinted all over like a plant without its pot, but it is one solid body
    (`light_parts.PLANT_LACY`): no box of the sweep below it is taken as its pot."""
    body = soft_rect(120, 60, 260, 340)
    colour = np.zeros((SIZE, SIZE, 3), np.float32)
    colour[...] = (0.35, 0.6, 0.5)
    rgb = shoot(sweep(7, base=0.88, grain_share=0.04), colour, body, 7)
    res = matte(rgb, "auto", session=StandIn(body))
    assert "pot_added" not in res.details
    assert metrics.iou(res.alpha, body) >= 0.98
