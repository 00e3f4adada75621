"""A white pot under a plant the network cut sure and whole (a coloured part): the look past the
plant found nothing, or was not taken, and the colour model did not find the pot either. On the whites
tune shrubs (tune 144: shrub-8; 18-59: shrub-41, 46, 49, 51, 52) the network then cut the pot on the
look at the sweep's local level (`light_parts.local_flatten`), once the plant's soft cast shadow was
painted over as well where it drew the first such look.

The network is a stand-in (`LocalOnly` and `ShadowPainted`) that cuts the pot only on those images;
the colour model, the looks' images and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.light_parts import LOCAL_LEVEL, solid_pieces
from tests.engine_matting.test_auto_fusion import SIZE, shoot, soft_disc, soft_rect
from tests.engine_matting.test_auto_light_parts import LocalOnly, blotchy_sweep

LEVEL = round(LOCAL_LEVEL * 255)


def plant_in_a_pot(seed: int, lift: float, shade: np.ndarray | None = None):
    """Sure green leaves over a pot `lift` brighter than a blotchy sweep, with an optional soft cast
    shadow (`shade`, 0..1, darkening 10 %) beside it: (photo, truth, leaves, pot)."""
    bg = blotchy_sweep(seed)
    if shade is not None:
        bg = bg * (1.0 - 0.1 * shade[..., None])
    leaves = soft_disc(192, 120, 70)
    pot = soft_rect(150, 190, 234, 290)
    truth = np.maximum(leaves, pot)
    colour = bg * (1.0 + lift)
    colour[leaves > 0.5] = (0.15, 0.4, 0.12)
    return shoot(bg, colour, truth, seed), truth, leaves, pot


def test_a_pale_pot_under_a_sure_plant_is_found_on_the_local_level():
    """The network cuts the leaves sure (a coloured part), and neither a look past them nor the colour
    model finds the pale pot: the look on the sweep's local level does (old code: no such look, the
    pot was left out)."""
    rgb, truth, leaves, pot = plant_in_a_pot(31, 0.025)
    net = LocalOnly(cv2.GaussianBlur(leaves, (0, 0), 1.0), cv2.GaussianBlur(leaves, (0, 0), 1.0), pot)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "coloured part"
    assert res.details["light_added"] > 0.01
    assert metrics.iou(res.alpha, truth) >= 0.95


class ShadowPainted(LocalOnly):
    """`LocalOnly`, cutting the pot only where the cast shadow `shade` is painted over as well (on
    ISNet's looks a soft shadow left in is outlined and cut instead of the pot)."""

    def __init__(self, first, found, part, shade):
        super().__init__(first, found, part)
        self.shade = shade

    def predict(self, rgb):
        answer = super().predict(rgb)
        if len(self.inputs) > 1 and (rgb[self.shade > 0.99] == LEVEL).mean() < 0.9:
            return self.found.astype(np.float32)
        return answer


def test_the_look_again_paints_the_soft_cast_shadow_that_drew_the_first():
    """Where the first look on the local level finds nothing beside the plant, it is taken again with
    the soft cast shadow painted over, and then finds the pot."""
    shade = soft_rect(238, 200, 330, 290)
    rgb, truth, leaves, pot = plant_in_a_pot(33, 0.025, shade)
    sure = cv2.GaussianBlur(leaves, (0, 0), 1.0)
    net = ShadowPainted(sure, sure, pot, shade)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "coloured part"
    local = [
        x
        for x in net.inputs[1:]
        if (x[cv2.erode((leaves > 0.5).astype(np.uint8), np.ones((5, 5))) > 0] == LEVEL).all()
    ]
    assert len(local) == 2  # the look on the local level, then again with the shadow painted
    assert res.details["light_added"] > 0.01
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_no_look_for_a_pot_the_colour_model_found():
    """A pot 10 % brighter than the sweep is found by the colour model beside the leaves: no look on the
    local level is taken (it would only coarsen the pot's outline), and fusion adds the pot."""
    rgb, truth, leaves, pot = plant_in_a_pot(35, 0.10)
    sure = cv2.GaussianBlur(leaves, (0, 0), 1.0)
    net = LocalOnly(sure, sure, pot)
    res = matte(rgb, "auto", session=net)
    assert "light_added" not in res.details
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_a_body_with_a_printed_pattern_is_a_solid_piece():
    """The look outlines a pot's print as well as its edge: its answer has holes, which are filled
    before the body is judged solid (a stroke of the sweep's texture still is none)."""
    body = np.zeros((SIZE, SIZE), bool)
    body[200:290, 150:240] = True
    for y in range(206, 286, 8):
        for x in range(156, 236, 8):
            body[y : y + 3, x : x + 3] = False
    stroke = np.zeros((SIZE, SIZE), bool)
    cv2.line(stroke.view(np.uint8), (20, 20), (200, 40), 1, 3)
    kept = solid_pieces(body | stroke)
    assert kept[body].all() and not kept[stroke].any()
