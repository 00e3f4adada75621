"""The matte's shape as doubt (a cast shadow taken beside the product, a screen's frame found on one side
only), and faint regions left where nothing more was found."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import shadow_tint
from engine.matting.score import REVIEW_LINE, darkening, fused_quality
from engine.matting.shape_doubts import frame_balance, shadow_kept
from tests.engine_matting.score_doubts import CLEAN

SWEEP = np.array([236, 237, 240], np.float32)


def _phone(shadow_blur: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rgb, backdrop 0..1, shadow mask): a white-framed phone on a light sweep, with a grey cast
    shadow falling to its left (blurred by `shadow_blur` px: a penumbra; None: no shadow)."""
    h, w = 220, 220
    rgb = np.broadcast_to(SWEEP, (h, w, 3)).copy()
    shadow = np.zeros((h, w), np.float32)
    if shadow_blur is not None:
        cv2.fillPoly(
            shadow, [np.array([[20, 130], [60, 130], [90, 175], [90, 190], [45, 190]], np.int32)], 1.0
        )
        shadow = cv2.GaussianBlur(shadow, (0, 0), shadow_blur) if shadow_blur else shadow
        rgb *= 1.0 - 0.3 * shadow[..., None]  # darkens R, G and B alike, as a shadow does
    rgb[40:190, 90:150] = 250  # the frame, lighter than the sweep
    rgb[58:170, 100:140] = (18, 18, 24)  # the screen
    return rgb.round().astype(np.uint8), np.broadcast_to(SWEEP / 255.0, (h, w, 3)).copy(), shadow > 0.5


def _signals(rgb: np.ndarray, background: np.ndarray, final: np.ndarray) -> tuple[float, float]:
    raw = darkening(rgb, background)
    dark = cv2.GaussianBlur(raw, (0, 0), 2.0)
    return shadow_kept(final, dark, shadow_tint(rgb, background), raw), frame_balance(final, dark)


def _phone_mask(shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[40:190, 90:150] = True
    return mask


def test_a_soft_shadow_taken_beside_a_phone_is_kept_shadow():
    rgb, background, shadow = _phone(shadow_blur=3.0)
    phone = _phone_mask(shadow.shape)
    kept, balance = _signals(rgb, background, phone | shadow)
    assert kept > 0.1
    assert balance < 0.5  # the matte reaches far past the screen on the left, not on the right
    kept, balance = _signals(rgb, background, phone)
    assert kept == 0.0
    assert balance > 0.85  # top band 18 px, bottom 20


def test_a_crisp_grey_part_beside_the_product_is_no_shadow():
    # a grey card standing beside the phone: its edge is a step, not a penumbra
    rgb, background, shadow = _phone(shadow_blur=0.0)
    kept, _ = _signals(rgb, background, _phone_mask(shadow.shape) | shadow)
    assert kept == 0.0


def test_a_grey_part_under_the_product_is_no_shadow():
    # a soft grey part under the body (a bulb's base in its shadow): under it, not beside it
    rgb, background, _ = _phone(shadow_blur=None)
    base = np.zeros(rgb.shape[:2], np.float32)
    base[190:215, 100:140] = 1.0
    base = cv2.GaussianBlur(base, (0, 0), 3.0)
    rgb = (rgb * (1.0 - 0.3 * base[..., None])).round().astype(np.uint8)
    kept, _ = _signals(rgb, background, _phone_mask(base.shape) | (base > 0.5))
    assert kept == 0.0


def test_a_frame_band_left_out_unbalances_the_screen():
    rgb, background, _ = _phone(shadow_blur=None)
    phone = _phone_mask(rgb.shape[:2])
    phone[40:56] = False  # the frame's top band left out: the matte ends at the screen's top
    _, balance = _signals(rgb, background, phone)
    assert balance < 0.2


def test_a_matte_without_a_screen_is_balanced():
    rgb, background, _ = _phone(shadow_blur=None)
    card = np.zeros(rgb.shape[:2], bool)
    card[10:30, 10:200] = True  # light sweep only: no screen in it
    assert frame_balance(card, cv2.GaussianBlur(darkening(rgb, background), (0, 0), 2.0)) == 1.0


def test_the_shape_doubts_flag_and_rank():
    assert fused_quality(**CLEAN) == 1.0
    assert fused_quality(**CLEAN, shadow_kept=0.04, balance=0.6) == 1.0
    assert fused_quality(**CLEAN, shadow_kept=0.2) < REVIEW_LINE
    assert fused_quality(**CLEAN, balance=0.1) < REVIEW_LINE
    assert REVIEW_LINE < fused_quality(**CLEAN, balance=0.4) < 1.0


def test_faint_regions_left_where_nothing_more_was_found_flag_past_a_shrubs_sweep_share():
    # a plant found whole leaves some faint sweep around it (0.31-0.37 of it); one without its pot more
    assert fused_quality(**{**CLEAN, "left_out": 0.35}, nothing_more_found=True) > REVIEW_LINE
    assert fused_quality(**{**CLEAN, "left_out": 0.5}, nothing_more_found=True) < REVIEW_LINE
