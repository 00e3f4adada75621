"""A white printer's body on a white sweep, found in part or not at all, on small shots these tests
build (a blotchy sweep the colour model's smooth surface cannot follow; a white box with a dark slot).

Two failures seen on the fresh tune printers 18-59: the answer after every look is the box's outline
with the middle of its front missing (white_printer-54, IoU 0.52), and the answer is the slot alone,
where the look past it at the flattened photo found nothing (white_printer-32, IoU 0.05). The network
is a stand-in that answers as ISNet did there; the colour model, the looks' images and the fusion are
the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.even_holes import HOLE_STEP, HOLE_UNLIKE, fill_even_holes, hole_step
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, shoot, soft_rect
from tests.engine_matting.test_auto_light_parts import LocalOnly, blotchy_sweep, printer_with_a_light_top


class Always:
    """A network that answers `answer` to every look. Inputs kept."""

    def __init__(self, answer: np.ndarray) -> None:
        self.answer = answer.astype(np.float32)
        self.inputs: list[np.ndarray] = []

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.inputs.append(rgb)
        return self.answer


def ragged_hole(seed: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """A ragged blob inside `box` (x0, y0, x1, y1), as ISNet leaves in a white front it is unsure of."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.uniform(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 5.0)
    x0, y0, x1, y1 = box
    inside = np.zeros((SIZE, SIZE), bool)
    inside[y0:y1, x0:x1] = True
    return inside & (noise > np.median(noise[inside]) - 0.02)


def test_a_hole_the_colour_of_the_front_around_it_is_filled():
    """The answer is the box with a ragged hole in its front; the hole shows the front's own white,
    so it is filled, and the box comes back whole."""
    rgb, truth, front, top = printer_with_a_light_top(43)
    hole = ragged_hole(43, (80, 165, 300, 285)) & (soft_rect(110, 210, 274, 226) < 0.5)
    answer = np.where(hole, 0.0, truth).astype(np.float32)
    fast = matte_fast(rgb)
    filled, share, steps = fill_even_holes(answer, rgb, fast.background)
    assert share > 0.05 and max(steps) < HOLE_STEP
    assert metrics.iou(filled, truth) >= 0.97 > metrics.iou(answer, truth) + 0.1
    # and in `auto`, with a network that answers the holed box to every look
    res = matte(rgb, "auto", session=Always(answer))
    assert metrics.iou(res.alpha, truth) >= 0.95 and res.details.get("holes_filled", 0.0) > 0.05


CREAM = (0.97, 0.93, 0.84)


def ring_on_the_sweep(
    seed: int, colour: tuple[float, float, float] | None = CREAM
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ring of `colour` (None: the sweep's own white, shade for shade) on a blotchy sweep, as a mug's
    handle seen flat, the sweep seen through its middle: (photo, truth, the hole)."""
    bg = blotchy_sweep(seed)
    outer = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(outer, (192, 192), 110, 1.0, -1)
    inner = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(inner, (192, 192), 60, 1.0, -1)
    truth = np.clip(outer - inner, 0, 1)
    paint = bg.copy() if colour is None else np.broadcast_to(np.array(colour, np.float32), bg.shape).copy()
    return shoot(bg, paint, truth, seed), truth, inner > 0.5


def test_a_hole_that_shows_the_sweep_stays_open():
    """A true hole shows the backdrop, unlike the body around it: left open."""
    rgb, truth, inner = ring_on_the_sweep(47)
    fast = matte_fast(rgb)
    out, share, steps = fill_even_holes(truth, rgb, fast.background)
    assert share == 0.0 and steps == [] and np.array_equal(out, truth)
    measured = hole_step(
        inner, truth > 0.5, rgb.astype(np.float32) / 255.0 / np.maximum(fast.background, 1e-3)
    )
    assert measured is not None and measured[0] > 2 * HOLE_STEP


def test_a_hole_at_the_sweeps_own_level_stays_open_in_a_product_of_its_white():
    """A ring of the sweep's own white: its hole matches the ring as well as the sweep, so the colour
    step cannot tell it from a missed front; at the backdrop's level it is the backdrop, left open."""
    rgb, truth, inner = ring_on_the_sweep(47, colour=None)
    fast = matte_fast(rgb)
    ratio = rgb.astype(np.float32) / 255.0 / np.maximum(fast.background, 1e-3)
    step, departure = hole_step(inner, truth > 0.5, ratio)
    assert step < HOLE_STEP and departure < HOLE_UNLIKE
    out, share, steps = fill_even_holes(truth, rgb, fast.background)
    assert share == 0.0 and steps == [] and np.array_equal(out, truth)


def test_a_printer_found_as_its_slot_alone_is_found_on_the_local_level():
    """The network cuts the slot alone, on the photo, on the flattened photo and on the look past the
    slot; on the sweep's local level, with the slot painted over, it cuts the box: taken, whole."""
    rgb, truth, front, top = printer_with_a_light_top(53)
    slot = soft_rect(110, 210, 274, 226)
    net = LocalOnly(slot, slot, truth)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "dark part"
    assert res.details["beside_added"] == 0.0 and res.details["light_added"] > 0.05
    assert len(net.inputs) == 4
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_a_printer_the_flattened_photo_found_in_part_is_found_on_the_local_level():
    """The network cuts the slot alone; on the flattened photo it cuts the top face and the front down
    to the slot, and the front's sides below it unsure (0.65), its middle not at all (a close-framed
    printer whose front carries a print: whites_close tune white_printer-9). Still unsure of the body,
    it looks once more, on the sweep's local level, and cuts the box there: taken, whole."""
    rgb, truth, front, top = printer_with_a_light_top(53)
    slot = soft_rect(110, 210, 274, 226)
    upper = np.maximum(top, soft_rect(60, 150, 324, 218))
    sides = np.maximum(soft_rect(60, 218, 95, 300), soft_rect(289, 218, 324, 300))
    net = LocalOnly(slot, np.maximum(np.maximum(upper, 0.65 * sides), slot), truth)
    res = matte(rgb, "auto", session=net)
    assert res.details["second_look_reason"] == "dark part" and res.details["flattened_added"] > 0.1
    assert "beside_added" not in res.details and res.details["light_added"] > 0.05
    assert len(net.inputs) == 3
    assert metrics.iou(res.alpha, truth) >= 0.98


def box_with_a_cast_wedge(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A white box on the sweep with a hard cast shadow's wedge joined to its left side, 35 % darker
    than the sweep and of its colour: (photo, truth, wedge)."""
    bg = blotchy_sweep(seed)
    box = soft_rect(140, 120, 300, 280)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    tri = np.array([[140, 200], [140, 280], [60, 280]], np.int32) * 4
    cv2.fillPoly(big, [tri], 1.0)
    wedge = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA) * (1 - box)
    shaded = bg * (1 - 0.35 * wedge[..., None])
    colour = np.broadcast_to(np.array([0.97, 0.97, 0.97], np.float32), bg.shape)
    return shoot(shaded, colour, box, seed), box, wedge > 0.5


def test_a_cast_shadows_wedge_is_no_part_the_network_dropped():
    """The colour model is sure of the box's hard shadow joined to its side; the network cuts the box
    alone. The wedge is solid, as dark as a shadow and of the sweep's colour: not added."""
    from engine.matting.auto.fusion import fuse

    rgb, box, wedge = box_with_a_cast_wedge(61)
    fast = matte_fast(rgb)
    assert fast.hard[wedge].mean() > 0.95  # the colour model takes the wedge as product
    fused = fuse(rgb, cv2.GaussianBlur(box, (0, 0), 1.0), fast)
    assert (fused.alpha > 0.5)[wedge].mean() < 0.05
    assert metrics.iou(fused.alpha, box) >= 0.97


def test_only_solid_neutral_pieces_in_a_shadows_range_are_cast_shadows():
    """A solid neutral wedge in a shadow's darkness is a shadow; a strip 2 px wide along a body (its
    shaded rim), a tinted piece (a grey part) and a piece darker than any shadow are not."""
    from engine.matting.auto.measures import SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT
    from engine.matting.auto.shadow_pieces import cast_shadow_pieces

    dark = np.zeros((SIZE, SIZE), np.float32)
    tint = np.zeros((SIZE, SIZE), np.float32)
    wedge = np.zeros((SIZE, SIZE), bool)
    wedge[50:120, 50:120] = True
    strip = np.zeros((SIZE, SIZE), bool)
    strip[200:350, 50:52] = True
    tinted = np.zeros((SIZE, SIZE), bool)
    tinted[200:260, 150:210] = True
    black = np.zeros((SIZE, SIZE), bool)
    black[200:260, 250:310] = True
    dark[wedge | strip | tinted] = 0.3
    dark[black] = 0.8
    tint[tinted] = 0.04
    shadow = cast_shadow_pieces(
        wedge | strip | tinted | black, dark, tint, SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT
    )
    assert shadow[wedge].all() and not shadow[strip | tinted | black].any()
