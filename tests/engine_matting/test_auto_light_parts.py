"""A light part joined to the part the network found (a white pot under a plant, a printer's lighter
top face), on small shots these tests build: the sweep is lit unevenly in blotches the colour model's
smooth surface cannot follow, as large as the light part's own departure from the sweep.

The network is a stand-in that cuts the light part only on the look at the sweep's local level, as
ISNet did on the whites tune shots (on the flattened photo the pot or the top face is one blotch among
the sweep's); what that look's image shows is checked on its own. The colour model, the looks' images
and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.light_parts import LOCAL_LEVEL, local_flatten, solid_pieces
from engine.matting.auto.measures import SHADOW_DARKENING, Tones
from engine.matting.auto.second_look import flatten_backdrop
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, shoot, soft_disc, soft_rect, sweep


def blotchy_sweep(seed: int, base: float = 0.9) -> np.ndarray:
    """A light backdrop lit in blotches (a 6 x 6 field, +-3 %: more than a cubic surface follows) with
    fine paper grain, float32 RGB 0..1."""
    return sweep(seed, base, cells=6, grain_share=0.004)


def contrast(shown: np.ndarray, part: np.ndarray, product: np.ndarray) -> tuple[float, float]:
    """(the step between `part`'s core and the sweep just around it, the spread of the sweep's own
    blotches: 10th to 90th percentile of the blurred image over the backdrop away from the product)."""
    grey = cv2.GaussianBlur(shown.astype(np.float32).mean(axis=2), (0, 0), 2.0)
    core = cv2.erode((part > 0.99).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    grown = cv2.dilate((product > 0.01).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ring = (cv2.dilate((part > 0.01).astype(np.uint8), np.ones((41, 41), np.uint8)) > 0) & ~grown
    far = cv2.dilate((product > 0.01).astype(np.uint8), np.ones((61, 61), np.uint8)) == 0
    blotches = cv2.GaussianBlur(grey, (0, 0), 8.0)[far]
    step = abs(float(np.median(grey[core])) - float(np.median(grey[ring])))
    return step, float(np.percentile(blotches, 90) - np.percentile(blotches, 10))


class LocalOnly:
    """The first answer is `first`; later looks answer `found`, plus `part` only on the look at the
    local level (its image has the found part painted over in `LOCAL_LEVEL`): on the whites tune shots
    ISNet cut the pot or the top face there and on no other image. Inputs kept."""

    def __init__(self, first: np.ndarray, found: np.ndarray, part: np.ndarray) -> None:
        self.first, self.found, self.part = first, found, part
        self.inputs: list[np.ndarray] = []

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.inputs.append(rgb)
        if len(self.inputs) == 1:
            return self.first.astype(np.float32)
        core = cv2.erode((self.found > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        shown = rgb[core]
        local = np.ptp(shown) == 0 and int(shown[0, 0]) == round(LOCAL_LEVEL * 255)
        answer = np.maximum(self.found, cv2.GaussianBlur(self.part, (0, 0), 1.0)) if local else self.found
        return answer.astype(np.float32)


def plant_in_a_pale_pot(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Green leaves over a pale pot 2.5 % brighter than a blotchy sweep: (photo, truth, leaves, pot)."""
    bg = blotchy_sweep(seed)
    leaves = soft_disc(192, 120, 70)
    pot = soft_rect(150, 190, 234, 290)
    truth = np.maximum(leaves, pot)
    colour = bg * 1.025
    colour[leaves > 0.5] = (0.15, 0.4, 0.12)
    return shoot(bg, colour, truth, seed), truth, leaves, pot


def test_the_local_level_lifts_a_pale_part_above_the_sweeps_blotches():
    """Divided by the sweep's own level around it, the sweep's blotches shrink far more than the pale
    pot's step: the pot stands out by more, relative to them, than on the flattened photo."""
    rgb, truth, leaves, pot = plant_in_a_pale_pot(31)
    fast = matte_fast(rgb)
    flat = flatten_backdrop(rgb, fast.background)
    image, zone, painted = local_flatten(Tones(rgb, fast.background), leaves > 0.1, SHADOW_DARKENING)
    step, blotches = contrast(image, pot, truth)
    flat_step, flat_blotches = contrast(flat, pot, truth)
    assert step / blotches > 1.5 * flat_step / flat_blotches and step > blotches
    # the found part is painted over in one level, the pot is not
    assert np.ptp(image[zone]) == 0 and not (painted & ~zone)[pot > 0.99].any()


def blotchy_answer(part: np.ndarray, seed: int, low: float = 0.25, high: float = 0.6) -> np.ndarray:
    """What ISNet answers over a body it is unsure of: `low`-`high` in blotches."""
    rng = np.random.default_rng(seed)
    blotch = cv2.GaussianBlur(rng.uniform(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 6.0)
    blotch = (blotch - blotch.min()) / max(float(np.ptp(blotch)), 1e-6)
    return part * (low + (high - low) * blotch)


def test_a_pale_pot_under_a_plant_is_found_on_the_local_level():
    """The network is unsure of the plant; on the flattened photo it cuts the leaves alone (sure, and
    coloured: no look past them), on the sweep's local level it cuts the pot as well."""
    rgb, truth, leaves, pot = plant_in_a_pale_pot(31)
    net = LocalOnly(blotchy_answer(leaves, 31, 0.3, 0.9), leaves, pot)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "unsure" and len(net.inputs) == 3
    assert res.details["light_added"] > 0.01
    assert metrics.iou(res.alpha, truth) >= 0.95


def box_with_a_top_face() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(top, front, truth) coverage of a box seen from slightly above: a front (60..324 x 150..300)
    and a top face, a trapezoid narrowing to 94..290 at row 100, drawn at 4x and reduced."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    quad = np.array([[60, 150], [324, 150], [290, 100], [94, 100]], np.int32) * 4
    cv2.fillPoly(big, [quad], 1.0)
    top = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    front = soft_rect(60, 150, 324, 300)
    return top, front, np.clip(top + front, 0, 1)


def printer_with_a_light_top(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A white box whose front face (with a dark slot) is 4 % darker than the sweep and whose top face
    (a trapezoid above it) is 1.5 % brighter: (photo, truth, front, top)."""
    bg = blotchy_sweep(seed)
    top, front, truth = box_with_a_top_face()
    colour = bg * 0.96
    colour[top > 0.5] = bg[top > 0.5] * 1.015
    slot = soft_rect(110, 210, 274, 226)
    colour[slot > 0.5] = 0.15
    return shoot(bg, colour, truth, seed), truth, front, top


def test_a_printers_light_top_is_found_on_the_local_level():
    """The network is unsure of the white box; on the flattened photo it cuts the front face alone;
    on the local level, with the front painted out, the top face stands out and is added."""
    rgb, truth, front, top = printer_with_a_light_top(37)
    net = LocalOnly(blotchy_answer(front, 37), cv2.GaussianBlur(front, (0, 0), 1.0), top)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "unsure" and len(net.inputs) == 3
    assert res.details["light_added"] > 0.01
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_the_look_on_the_local_level_adds_no_shadow_and_no_texture_stroke():
    """What that look cuts beside the found part is taken only as a light, solid body: a cast shadow is
    painted over before the network sees it, and a thin stroke of the sweep's texture is no body."""
    rgb, truth, front, top = printer_with_a_light_top(41)
    fast = matte_fast(rgb)
    # a hard shadow 30 % darker beside the box is painted over
    shade = soft_rect(332, 200, 380, 300)
    shaded = np.clip(rgb.astype(np.float32) * (1 - 0.3 * shade[..., None]), 0, 255).astype(np.uint8)
    _, zone, painted = local_flatten(Tones(shaded, fast.background), truth > 0.1, SHADOW_DARKENING)
    assert painted[shade > 0.99].mean() > 0.95 and not zone[shade > 0.99].any()
    stroke = np.zeros((SIZE, SIZE), bool)
    cv2.line(stroke.view(np.uint8), (20, 20), (200, 40), 1, 3)
    body = np.zeros((SIZE, SIZE), bool)
    body[250:320, 250:330] = True
    kept = solid_pieces(stroke | body)
    assert kept[body].all() and not kept[stroke].any()
