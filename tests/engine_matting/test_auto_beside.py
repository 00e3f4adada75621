"""What `auto` takes from its look past a found part (`merge_beside`), and the notches in a light
body's outline it fills (`fill_light_notches`), on small scenes built here.

- A white pot turned from the light is a few percent darker than the sweep all over: it is a body the
  look found, though darker than `SHADOW_DARKENING` (whites tune: pots at 0.055-0.09, missed whole).
- A cast shadow's fringe is as dark, but it ramps across a band: not a body.
- A gap between a plant's branches that the paint closed is outlined by the paint alone: not a body.
- A strip of a phone's white frame left out of the matte has the frame's colour: filled; a bay of
  sweep in an outline has the sweep's: left open.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.edges import fill_light_notches
from engine.matting.auto.look_past import (
    BESIDE_ENCLOSED,
    BESIDE_RING,
    BESIDE_ZONE,
    even_solid_pieces,
    merge_beside,
)
from engine.matting.auto.measures import SHADOW_DARKENING, Tones
from engine.matting.masks import inner_edge
from engine.matting.score import darkening as _darkening

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
    merged, share = merge_beside(first, beside, zone_of(first), Tones(rgb, background))
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
    merged, _ = merge_beside(first, beside, zone_of(first), Tones(rgb, background))
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
    merged, share = merge_beside(first, beside, zone_of(first), Tones(rgb, background))
    assert share == 0.0
    assert (merged[gap] < 0.5).all()


def phone_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rgb, backdrop, phone mask, screen mask): a dark screen in a white frame 12 px wide with a
    faint warm cast (2 % off the sweep), on a slightly textured light sweep."""
    rng = np.random.default_rng(3)
    background = np.full((H, W, 3), SWEEP, np.float32)
    photo = background * (1.0 + 0.004 * rng.standard_normal((H, W, 1)).astype(np.float32))
    phone = np.zeros((H, W), bool)
    phone[30:170, 60:140] = True
    screen = np.zeros((H, W), bool)
    screen[42:158, 72:128] = True
    photo[phone] = np.array([0.93, 0.91, 0.89], np.float32)
    photo[screen] = 0.05
    return np.round(np.clip(photo, 0, 1) * 255).astype(np.uint8), background, phone, screen


def test_a_notch_in_a_light_frame_is_filled() -> None:
    """The matte has the screen and the frame but a strip of the frame (6 px wide, 80 px long, beside
    the screen) is missing: its colour is the frame's, so it is filled."""
    rgb, background, phone, screen = phone_scene()
    mask = phone.copy()
    mask[60:140, 66:72] = False  # a notch along the screen's left edge, open to nothing
    filled = fill_light_notches(mask, rgb, background, _darkening(rgb, background))
    assert filled[60:140, 66:72].all()
    assert not (filled & ~phone).any()


def test_a_gap_of_sweep_in_an_outline_stays_open() -> None:
    """A notch whose pixels are the sweep's (a mug's handle gap, a bay between two parts) stays open
    however narrow: its colour is the backdrop's, not the light body's."""
    rgb, background, phone, screen = phone_scene()
    bay = np.zeros((H, W), bool)
    bay[60:140, 60:70] = True  # the outline has a bay 10 px deep, and the photo shows sweep there
    rgb[bay] = np.round(SWEEP * 255)
    mask = phone & ~bay
    filled = fill_light_notches(mask, rgb, background, _darkening(rgb, background))
    assert not filled[bay].any()


def test_a_gap_between_dark_stems_stays_open() -> None:
    """Two dark stems with a narrow gap between them, a little light part at its end, and the gap's
    pixels pulled toward that part's colour (lens blur and JPEG's halved chroma bleed the stems into
    it): the gap is flanked by dark product, not by a light body, so it stays open."""
    rgb, background = sweep()
    mask = np.zeros((H, W), bool)
    mask[40:160, 80:92] = True  # stem
    mask[40:160, 100:112] = True  # stem
    rgb[mask] = (30, 90, 30)
    light = np.zeros((H, W), bool)
    light[156:164, 92:100] = True  # a light part at the gap's end
    mask |= light
    rgb[light] = (240, 225, 205)
    gap = np.zeros((H, W), bool)
    gap[40:156, 92:100] = True
    sweep_colour = np.round(SWEEP * 255)
    rgb[gap] = np.round(sweep_colour + 0.6 * (np.array([240, 225, 205]) - sweep_colour)).astype(np.uint8)
    filled = fill_light_notches(mask, rgb, background, _darkening(rgb, background))
    assert not filled[gap].any()


def test_a_body_peppered_with_paint_that_reaches_past_it_is_added() -> None:
    """A light box whose front carries a print the first answer took as its motifs (a grid of small
    pieces) and nothing else: painted out, the motifs punch holes all over the body the look found, and
    most of its outline runs along the paint, as a gap's does. But the body reaches well past the
    paint's extent (below the printed rows): it is a body, and it is added."""
    rgb, background = sweep()
    body = np.zeros((H, W), bool)
    body[30:180, 20:180] = True
    rgb[body] = np.round(SWEEP * 1.03 * 255)
    first = np.zeros((H, W), np.float32)
    for y in range(40, 120, 20):
        for x in range(28, 172, 20):
            first[y : y + 8, x : x + 8] = 1.0  # the print's motifs, found
    zone = zone_of(first)
    beside = body.astype(np.float32)  # the look on the painted photo found the body
    merged, share = merge_beside(first, beside, zone, Tones(rgb, background))
    assert share > 0.3
    assert (merged[130:175, 25:175] == 1.0).all()  # the body below the print
    # most of its outline is the paint's: without the extent test it is taken for a closed gap
    found = cv2.morphologyEx((body & ~zone).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    edge = inner_edge(found)
    near = cv2.dilate(zone.astype(np.uint8), np.ones((2 * BESIDE_RING + 1,) * 2, np.uint8)) > 0
    assert np.count_nonzero(edge & near) > BESIDE_ENCLOSED * np.count_nonzero(edge)
