"""Retouch: each correction does its job, stays bounded, and switched off changes nothing."""

from __future__ import annotations

from dataclasses import fields, replace

import cv2
import numpy as np
import pytest

from engine.compose.linear import to_linear, to_srgb
from engine.errors import RecipeError
from engine.retouch import RetouchParams, analyse, apply_plan, denoise, retouch, sharpen

from .conftest import make_product


def _scene(cast=(1.0, 1.0, 1.0), exposure=1.0, seed=0):
    """A product on a white backdrop, seen through a colour cast and an exposure error."""
    photo, alpha, _ = make_product(300, 200, colour=(140, 125, 110), seed=seed)  # a muted product
    lin = (photo.astype(np.float32) / 255.0) ** 2.2 * np.asarray(cast, np.float32) * exposure
    return (np.clip(lin, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8), alpha


def test_everything_off_is_the_identity():
    rgb, alpha = _scene(cast=(0.9, 1.0, 1.1), exposure=0.6)
    assert retouch(rgb, alpha, RetouchParams.off()) is rgb
    assert np.array_equal(apply_plan(rgb, analyse(rgb, alpha, RetouchParams.off())), rgb)


@pytest.mark.parametrize("name", [f.name for f in fields(RetouchParams)])
def test_each_switch_off_leaves_its_correction_out(name):
    rgb, alpha = _scene(cast=(0.9, 1.0, 1.12), exposure=0.55)
    only = replace(RetouchParams.off(), **{name: 1.0})
    assert not np.array_equal(retouch(rgb, alpha, only), rgb), f"{name} on should change this photo"
    assert np.array_equal(retouch(rgb, alpha, replace(only, **{name: 0.0})), rgb)


def test_white_balance_neutralises_the_cast_measured_on_the_backdrop():
    rgb, alpha = _scene(cast=(1.0, 0.97, 0.85))  # warm cast
    out = retouch(rgb, alpha, replace(RetouchParams.off(), white_balance=1.0))
    bg_before, bg_after = rgb[alpha < 0.01].mean(axis=0), out[alpha < 0.01].mean(axis=0)
    assert bg_before[0] - bg_before[2] > 8
    assert abs(bg_after[0] - bg_after[2]) < 2.5


def test_a_coloured_backdrop_is_not_mistaken_for_a_cast():
    rgb, alpha = _scene(cast=(1.0, 0.6, 0.6))  # a pink backdrop by choice
    out = retouch(rgb, alpha, replace(RetouchParams.off(), white_balance=1.0))
    assert np.array_equal(out, rgb)


def test_exposure_lifts_an_underexposed_shot_without_clipping_the_product():
    rgb, alpha = _scene(exposure=0.55)
    out = retouch(rgb, alpha, replace(RetouchParams.off(), exposure=1.0))
    assert out[alpha < 0.01].mean() > rgb[alpha < 0.01].mean() + 20
    product = out[alpha > 0.99]
    assert (product >= 254).mean() < 0.01


def test_a_well_exposed_shot_is_left_alone():
    rgb, alpha = _scene()
    plan = analyse(rgb, alpha, RetouchParams())
    assert plan.exposure_gain == pytest.approx(1.0, abs=0.02)
    assert max(abs(g - 1) for g in plan.wb_gains) < 0.02


def test_sharpen_touches_luminance_only():
    rgb, alpha = _scene()
    out = sharpen(rgb, alpha, 1.0)
    assert not np.array_equal(out, rgb)
    chroma_before = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(int)
    chroma_after = cv2.cvtColor(out, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(int)
    unclipped = (out > 0).all(axis=2) & (out < 255).all(axis=2)
    assert np.abs(chroma_after - chroma_before)[unclipped].max() <= 1


def test_denoise_removes_chroma_noise_and_keeps_edges():
    rng = np.random.default_rng(3)
    clean = np.zeros((100, 100, 3), np.uint8)
    clean[:, :50] = (60, 60, 60)
    clean[:, 50:] = (200, 200, 200)
    noisy = np.clip(clean + rng.normal(0, 8, clean.shape), 0, 255).astype(np.uint8)
    out = denoise(noisy, 0.6)
    assert np.abs(out.astype(int) - clean).mean() < np.abs(noisy.astype(int) - clean).mean() * 0.7
    assert out[:, 45].mean() < 80 and out[:, 55].mean() > 180  # the edge stays where it was


def test_bad_strengths_are_refused_by_name():
    with pytest.raises(RecipeError, match="retouch.sharpen"):
        RetouchParams(sharpen=2.0).validate()
    with pytest.raises(RecipeError, match="retouch.denoise"):
        RetouchParams(denoise="lots").validate()


def test_clipped_highlights_stay_neutral_when_white_balance_scales_their_channel_down():
    """A white print under cool light: blue clipped on the print and nearly on the backdrop. The full
    correction scales blue down, which turned the print yellow; it stays neutral white now, while an
    unclipped mid-tone of the same photo gets the ordinary correction and a saturated blue whose
    clipped channel is its brightest keeps its hue."""
    rgb, alpha = _scene(cast=(0.86, 0.96, 1.0))  # cool light: blue strongest
    h, w = alpha.shape
    rgb[h // 2 - 20 : h // 2, w // 2 - 20 : w // 2] = (255, 255, 255)  # the clipped white print
    rgb[h // 2 : h // 2 + 20, w // 2 - 20 : w // 2] = (30, 80, 255)  # a saturated blue, blue clipped
    plan = analyse(rgb, alpha, replace(RetouchParams.off(), white_balance=1.0))
    gains = np.asarray(plan.wb_gains) * plan.exposure_gain
    assert gains[2] < 0.97 < 1.03 < gains[0], f"the cool cast must be corrected: {gains}"
    out = apply_plan(rgb, plan)
    print_ = out[h // 2 - 18 : h // 2 - 2, w // 2 - 18 : w // 2 - 2].reshape(-1, 3).astype(int)
    assert (print_.max(axis=1) - print_.min(axis=1)).max() <= 1, "the clipped white print got tinted"
    assert print_.min() >= 254
    # without the rule the same gains make it yellow: blue well below red
    plain = to_srgb(np.asarray(gains, np.float32)).astype(int)
    assert plain[0] - plain[2] >= 5, plain
    blue = out[h // 2 + 2 : h // 2 + 18, w // 2 - 18 : w // 2 - 2].reshape(-1, 3).astype(int)
    assert (blue[:, 2] - blue[:, 0]).min() > 150 and (blue[:, 2] < 255).all()
    # a mid-tone, far from clipping, gets the ordinary correction
    mid = np.full((4, 4, 3), (120, 128, 140), np.uint8)
    expected = to_srgb(to_linear(mid) * np.asarray(gains, np.float32))
    assert np.array_equal(apply_plan(mid, plan), expected)


def test_clipped_pixels_follow_how_clipped_they_were():
    """The pull grows with the clipped channel's code: none below the ramp, full at 255."""
    from engine.retouch.apply import CLIP_RAMP, restore_clipped

    codes = np.array([[[250, 250, c] for c in (200, CLIP_RAMP[0], 251, 255)]], np.uint8)
    gains = np.array([1.1, 1.0, 0.8], np.float32)
    lin = (codes.astype(np.float32) / 255.0) ** 2.2 * gains
    before = lin.copy()
    restore_clipped(lin, codes, gains)
    assert np.array_equal(lin[0, :2], before[0, :2])  # below the ramp: untouched
    assert before[0, 2, 2] < lin[0, 2, 2] < lin[0, 3, 2]
    assert lin[0, 3, 2] == pytest.approx(min(1.0, float(before[0, 3].max())))
    assert np.array_equal(lin[..., :2], before[..., :2])  # channels scaled up are never changed
