"""Grey parts and hard cast shadows side by side (whites tune: a light bulb's metal base in its own cast
shadow), on small shots these tests build; the colour model and the fusion are the real ones, the network
is a stand-in that answers as ISNet did on those shots.

- A nearly neutral base (tint below `SHADOW_TINT`) beside a neutral shadow stands out from that shadow
  by colour: it is added, the shadow is not.
- A cast shadow whose own tint is above `SHADOW_TINT` (a sweep near clipping) does not stand out from
  its own penumbra: it is not added.
- A look that dropped a shadow leaves the network's answer just below one half over it; a lower level
  of the network's output that takes that back (the shadow's outline is a real step) is not taken.
"""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np

from benchmarks.datasets import metrics
from engine.matting.auto.fusion import fuse
from engine.matting.auto.grey_parts import neutral_shadow
from engine.matting.auto.level import network_level
from engine.matting.auto.measures import SHADOW_TINT, shadow_tint
from engine.matting.fast import matte_fast
from tests.engine_matting.test_auto_fusion import SIZE, shoot, sweep


def soft_shape(draw) -> np.ndarray:
    """An anti-aliased shape's coverage: `draw(canvas, k)` paints it at 4x (k = 4), then reduced."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    draw(big, 4)
    return cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def bulb(
    seed: int,
    base_colour: tuple[float, float, float] | None,
    shadow_blue: float = 0.0,
    penumbra: float = 1.0,
    foot: int = 262,
    depth: int = 22,
):
    """(photo, truth, globe, base, shadow): a light globe whose grey metal base sits in a hard cast shadow
    30 % darker than the sweep, reaching to the left around the row `foot`, `depth` px up and down (no
    base: `base_colour` None).
    `shadow_blue` tints the shadow (its blue channel darkens that share less), as a sweep clipped in
    one channel shows its shadows."""
    globe = soft_shape(lambda c, k: cv2.circle(c, (192 * k, 140 * k), 70 * k, 1.0, -1))
    base = soft_shape(lambda c, k: cv2.rectangle(c, (166 * k, 206 * k), (218 * k - 1, 280 * k - 1), 1.0, -1))
    cast = soft_shape(
        lambda c, k: cv2.ellipse(c, (150 * k, foot * k), (95 * k, depth * k), 0, 0, 360, 1.0, -1)
    )
    cast = cv2.GaussianBlur(cast, (0, 0), penumbra)
    bg = sweep(seed)
    shade = 1 - 0.3 * cast[..., None] * np.array([1.0, 1.0, 1.0 - shadow_blue], np.float32)
    bg = bg * shade
    if base_colour is None:
        base = np.zeros_like(globe)
    truth = np.maximum(globe, base)
    colour = np.full((SIZE, SIZE, 3), 0.97, np.float32)
    colour[base > 0.5] = base_colour or 0.97
    rgb = shoot(bg, colour, truth, seed)
    clear = cv2.dilate((truth > 0.01).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    shadow = (cast > 0.5) & clear  # beyond the product's blurred rim
    return rgb, truth, globe, base, shadow


def test_a_nearly_neutral_base_beside_its_neutral_shadow_is_added():
    """The network cuts the globe alone; the base is grey with a faint blue cast (tint 0.018, below
    `SHADOW_TINT`) and as dark as the shadow around it. Beside that shadow (tint near 0) it stands out
    by colour: fusion adds the base, not the shadow."""
    rgb, truth, globe, base, shadow = bulb(41, (0.6, 0.6, 0.618))
    fast = matte_fast(rgb)
    tint = shadow_tint(rgb, fast.background)
    assert float(np.median(tint[base > 0.99])) < SHADOW_TINT  # no fixed bar would take it
    res = fuse(rgb, cv2.GaussianBlur(globe, (0, 0), 1.0), fast)
    assert np.mean(res.alpha[base > 0.99] > 0.5) > 0.9
    assert np.mean(res.alpha[shadow] > 0.5) < 0.02
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_a_bluish_cast_shadow_beside_the_body_is_not_added():
    """No base this time: the globe stands on the sweep and casts a shadow from its foot whose tint is
    above `SHADOW_TINT` in its core (a blue cast). Its penumbra has the same cast for its darkness: per
    unit of darkening the core does not stand out from the shadow around it, so it is no grey part."""
    rgb, _, globe, _, shadow = bulb(43, None, shadow_blue=0.09, penumbra=2.0, foot=200)
    fast = matte_fast(rgb)
    tint = shadow_tint(rgb, fast.background)
    assert float(np.median(tint[shadow])) > SHADOW_TINT  # a fixed bar would take it
    res = fuse(rgb, cv2.GaussianBlur(globe, (0, 0), 1.0), fast)
    assert np.mean(res.alpha[shadow] > 0.5) < 0.02


def test_a_lower_level_does_not_take_back_a_dropped_shadow():
    """A box found whole, and the network's leftover answer (0.3) over the cast shadow beside it, as a
    look that dropped the shadow leaves it. The shadow's outline is a real step, so without the
    backdrop a lower level would take it; with it, what that level adds is darker than the sweep by a
    shadow's share, and the cut stays at one half."""
    bg = sweep(45)
    box = soft_shape(lambda c, k: cv2.rectangle(c, (100 * k, 100 * k), (200 * k - 1, 260 * k - 1), 1.0, -1))
    cast = soft_shape(lambda c, k: cv2.rectangle(c, (200 * k, 190 * k), (330 * k - 1, 260 * k - 1), 1.0, -1))
    cast = cv2.GaussianBlur(cast, (0, 0), 1.0) * (box < 0.5)
    bg = bg * (1 - 0.25 * cast[..., None])
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), 0.97, np.float32), box, 45)
    network = np.maximum(cv2.GaussianBlur(box, (0, 0), 1.0), 0.3 * cast)
    assert network_level(rgb, network) < 0.5  # the shadow's step passes as an edge
    assert network_level(rgb, network, matte_fast(rgb).background) == 0.5


def test_a_neutral_shadow_the_network_took_with_the_base_is_dropped():
    """The network took the globe, the base and the shadow around the base as one (sure of all three).
    Inside its answer, what the colour model left out splits in two: the base (bluish) and the shadow
    (the sweep's colour, per unit of darkening a fifth of the base's tint or less): the shadow goes,
    the base stays."""
    rgb, truth, globe, base, shadow = bulb(47, (0.6, 0.6, 0.625), penumbra=2.0, depth=30)
    cast = (cv2.dilate(shadow.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0).astype(np.float32)
    network = cv2.GaussianBlur(np.maximum(truth, cast), (0, 0), 1.0)
    res = fuse(rgb, network, matte_fast(rgb))
    assert np.mean(res.alpha[shadow] > 0.5) < 0.05  # its rim along the base may stay
    assert np.mean(res.alpha[base > 0.99] > 0.5) > 0.95
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_a_shaded_grey_body_the_network_took_is_not_split():
    """A silver bottle turned from the light: grey, shaded from 10 % to 35 % darker than the sweep
    across its width, neutral throughout; the colour model leaves its shaded half out. Its tint per unit
    of darkening is alike across it, so nothing in it is taken for a shadow."""
    bg = sweep(49)
    body = soft_shape(lambda c, k: cv2.rectangle(c, (120 * k, 80 * k), (260 * k - 1, 320 * k - 1), 1.0, -1))
    across = np.linspace(0.0, 1.0, SIZE, dtype=np.float32)[None, :].repeat(SIZE, axis=0)
    shade = (0.9 * (0.9 - 0.25 * np.clip((across - 120 / SIZE) / (140 / SIZE), 0, 1)))[..., None]
    colour = np.repeat(shade, 3, axis=2) * np.array([0.99, 1.0, 1.01], np.float32)
    rgb = shoot(bg, colour, body, 49)
    res = fuse(rgb, cv2.GaussianBlur(body, (0, 0), 1.0), matte_fast(rgb))
    assert metrics.iou(res.alpha, body) >= 0.97


def test_a_neutral_band_inside_a_grey_part_is_no_shadow():
    """A grey part (bluish) with a neutral, evenly darker band of shading across its middle, all of it
    left out by the colour model (a grey emoji's shading): the band splits off as a shadow would, but
    it lies inside the answer, its outline nowhere against the backdrop, so it stays. The same band
    beside the part, reaching out over the sweep, is a cast shadow and goes."""
    size = 200
    background = np.full((size, size, 3), 0.9, np.float32)
    part = np.zeros((size, size), bool)
    part[40:160, 50:150] = True
    band = np.zeros_like(part)
    band[80:120, 50:150] = True
    colour = np.where(part[..., None], np.float32([0.6, 0.6, 0.64]), background)
    colour[band] = 0.9 * 0.6
    rgb = np.round(colour * 255).astype(np.uint8)
    fast = SimpleNamespace(hard=np.zeros_like(part), background=background)
    assert not neutral_shadow(part, fast, rgb).any()
    # the band moved out beside the part: most of its outline is against the sweep
    beside = np.zeros_like(part)
    beside[80:120, 150:190] = True
    colour = np.where(part[..., None], np.float32([0.6, 0.6, 0.64]), background)
    colour[beside] = 0.9 * 0.6
    rgb = np.round(colour * 255).astype(np.uint8)
    dropped = neutral_shadow(part | beside, fast, rgb)
    assert dropped[85:115, 158:185].all() and not dropped[part].any()
