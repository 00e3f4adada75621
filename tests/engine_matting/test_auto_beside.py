"""What `auto` takes from its look past a found part (`merge_beside`), on small scenes built here.

- A white pot turned from the light is a few percent darker than the sweep all over: it is a body the
  look found, though darker than `SHADOW_DARKENING` (whites tune: pots at 0.055-0.09, missed whole).
- A cast shadow's fringe is as dark, but it ramps across a band: not a body.
- A gap between a plant's branches that the paint closed is outlined by the paint alone: not a body.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto import (
    BESIDE_ZONE,
    SHADOW_DARKENING,
    _darkening,
    even_solid_pieces,
    merge_beside,
)

H = W = 200
SWEEP = 0.9


def sweep() -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8, backdrop float) of an even light sweep."""
    background = np.full((H, W, 3), SWEEP, np.float32)
    return np.round(background * 255).astype(np.uint8), background


def zone_of(first: np.ndarray) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * BESIDE_ZONE + 1,) * 2)
    return cv2.dilate((first > 0.1).astype(np.uint8), kernel) > 0


def test_a_grey_pot_the_look_past_found_is_added() -> None:
    """Leaves on top (the first answer), a pot below them 8 % darker than the sweep: the look past
    found the pot, and it is taken though darker than a shadow's least darkening."""
    rgb, background = sweep()
    first = np.zeros((H, W), np.float32)
    first[30:80, 70:130] = 1.0  # the plant
    pot = np.zeros((H, W), bool)
    pot[80:150, 75:125] = True
    rgb[pot] = np.round(SWEEP * 0.92 * 255)
    assert float(np.median(_darkening(rgb, background)[pot])) > SHADOW_DARKENING + 0.01
    beside = pot.astype(np.float32)
    merged, share = merge_beside(first, beside, zone_of(first), rgb, background)
    assert share > 0.05
    core = cv2.erode(pot.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert (merged[core] == 1.0).all()


def test_a_cast_shadows_fringe_is_not_a_body() -> None:
    """A soft cast shadow beside the plant: its fringe is between the two darkness limits, but its
    darkening ramps across it, so no pixel darker than a shadow's least darkening is added."""
    rgb, background = sweep()
    first = np.zeros((H, W), np.float32)
    first[30:80, 70:130] = 1.0
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    distance = np.hypot((xx - 100) / 60.0, (yy - 130) / 30.0)  # an ellipse under the plant
    depth = np.clip((1.3 - distance) / 0.6, 0.0, 1.0) * 0.3  # 0.3 inside, a wide ramp out to 0
    shade = 1.0 - depth
    rgb = np.round(np.clip(SWEEP * np.repeat(shade[..., None], 3, axis=2) * 255, 0, 255)).astype(np.uint8)
    beside = (distance < 1.4).astype(np.float32)  # the look took the shadow and its fringe
    beside[first > 0] = 0.0
    merged, _ = merge_beside(first, beside, zone_of(first), rgb, background)
    darkening = cv2.GaussianBlur(_darkening(rgb, background), (0, 0), 2.0)
    added = (merged > 0.5) & ~(first > 0.5) & ~zone_of(first)
    assert not (added & (darkening > SHADOW_DARKENING + 0.01)).any()


def test_even_solid_pieces_keeps_a_body_and_drops_a_band() -> None:
    darkening = np.zeros((H, W), np.float32)
    body = np.zeros((H, W), bool)
    body[20:80, 20:80] = True
    darkening[body] = 0.08
    band = np.zeros((H, W), bool)
    band[120:128, 20:180] = True  # a fringe 8 px wide: no core
    darkening[120:128, 20:180] = np.linspace(0.06, 0.15, 8, dtype=np.float32)[:, None]
    kept = even_solid_pieces(body | band, darkening)
    assert kept[body].all() and not kept[band].any()
    # a solid piece whose darkening ramps (a soft shadow's edge) is not evenly shaded
    wide = np.zeros((H, W), bool)
    wide[100:180, 100:180] = True
    darkening[100:180, 100:180] = np.linspace(0.0, 0.15, 80, dtype=np.float32)[None, :]
    assert not even_solid_pieces(wide, darkening).any()


def test_a_gap_the_paint_closed_is_not_added() -> None:
    """Two branches (the first answer) joined at both ends around a gap of sweep: on the painted photo
    the look past reads the gap as a light body, but its outline is the paint's edge all round."""
    rgb, background = sweep()
    first = np.zeros((H, W), np.float32)
    first[40:160, 60:75] = 1.0
    first[40:160, 125:140] = 1.0
    first[40:55, 60:140] = 1.0
    first[145:160, 60:140] = 1.0
    rgb[first > 0] = (40, 110, 40)
    gap = np.zeros((H, W), bool)
    gap[55:145, 75:125] = True
    beside = gap.astype(np.float32)
    merged, share = merge_beside(first, beside, zone_of(first), rgb, background)
    assert share == 0.0
    assert (merged[gap] < 0.5).all()
