"""The CPU cuts of issue 12 keep the picture: each fast path against the plain float formula it
replaced (the code before the change, kept here as the reference), on studio shots of real objects.

Tolerance: at most 2/255 on any channel of any pixel and PSNR >= 45 dB over the canvas. Most pixels
are equal; the rest differ by the rounding of the straight uint8 product colour the fast blend
starts from, or by float32 against float64 arithmetic.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import emoji, studio
from engine.compose import ComposeParams, ShadowParams, compose, plan, product_box
from engine.compose.layout import clean_alpha
from engine.compose.light_match import tone_gains
from engine.compose.linear import _DECODE_LUT, _ENCODE_LUT, _ENCODE_STEPS, REC709_LUMA, to_linear, to_srgb
from engine.compose.shadow import STYLES, shadow_density
from engine.matting.cutout import cutout
from engine.matting.refine import guided_upsample, upsample_alpha
from engine.retouch import RetouchParams, analyse, apply_plan, sharpen
from engine.templates import render, resolve
from tests.engine_compose.conftest import spec

MAX_DIFF = 2
MIN_PSNR = 45.0


# --- the reference: the float code these paths replaced ------------------------------------------


def ref_to_srgb(linear: np.ndarray) -> np.ndarray:
    idx = (np.clip(linear, 0.0, 1.0) * _ENCODE_STEPS + 0.5).astype(np.int32)
    return _ENCODE_LUT[idx]


def ref_sharpen(rgb: np.ndarray, alpha: np.ndarray | None, amount: float) -> np.ndarray:
    y = cv2.transform(rgb.astype(np.float32), np.array([[0.299, 0.587, 0.114]], np.float32))
    y = y.reshape(rgb.shape[:2])
    detail = y - cv2.GaussianBlur(y, (0, 0), 1.0)
    delta = np.where(np.abs(detail) > 1.5, detail * np.float32(1.2 * amount), np.float32(0.0))
    if alpha is not None:
        delta *= alpha > 0.5
    step = np.rint(delta).astype(np.int16)
    return np.clip(rgb.astype(np.int16) + step[..., None], 0, 255).astype(np.uint8)


def ref_apply_plan(rgb: np.ndarray, plan) -> np.ndarray:
    from engine.retouch.apply import denoise, restore_clipped

    out = denoise(rgb, plan.denoise) if plan.denoise > 0 else rgb
    gains = np.asarray(plan.wb_gains, np.float32) * np.float32(plan.exposure_gain)
    lin = _DECODE_LUT[out] * gains
    restore_clipped(lin, out, gains)  # not a speed-up: the clipped-highlight rule, the same in both
    if plan.contrast > 0 or plan.black_point > 0:
        y = np.maximum(lin @ REC709_LUMA, 0.0)
        grid = np.linspace(0.0, 1.0, 1025)
        p = np.clip((grid - plan.black_point) / max(1e-3, 1.0 - plan.black_point), 0.0, 1.0)
        if plan.contrast > 0:
            k, mid = 6.0, plan.midtone
            sig = 1.0 / (1.0 + np.exp(-k * (p - mid)))
            lo, hi = 1.0 / (1.0 + np.exp(k * mid)), 1.0 / (1.0 + np.exp(-k * (1.0 - mid)))
            p = p + 0.5 * plan.contrast * ((sig - lo) / (hi - lo) - p)
        p_out = np.interp(np.sqrt(np.clip(y, 0.0, 1.0)), grid, p).astype(np.float32)
        ratio = np.where(y > 1e-5, (p_out * p_out) / np.maximum(y, 1e-5), 1.0).astype(np.float32)
        lin = lin * ratio[..., None]
    if plan.vibrance > 0:
        y = (lin @ REC709_LUMA)[..., None]
        mx, mn = lin.max(axis=2, keepdims=True), lin.min(axis=2, keepdims=True)
        sat = np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0)
        lin = np.maximum(y + (lin - y) * (1.0 + plan.vibrance * (1.0 - sat)), 0.0)
    return ref_to_srgb(lin)


def ref_compose(cut, tspec, params, background, size, amount) -> np.ndarray:
    """The whole product box in linear light, premultiplied, as compose did before issue 12."""
    canvas = (background.shape[1], background.shape[0]) if background is not None else size
    alpha = clean_alpha(cut[..., 3].astype(np.float32) / 255.0)
    cut = np.dstack([cut[..., :3], np.round(alpha * 255.0).astype(np.uint8)])
    box = product_box(alpha)
    where = plan(box, canvas, tspec, params)
    trimmed = cut[box.y0 : box.y1, box.x0 : box.x1]
    a = trimmed[..., 3].astype(np.float32) / 255.0
    premul = _DECODE_LUT[trimmed[..., :3]] * a[..., None]
    h, w = a.shape
    if (w, h) != (where.width, where.height):
        interp = cv2.INTER_AREA if where.width < w or where.height < h else cv2.INTER_CUBIC
        premul = cv2.resize(premul, (where.width, where.height), interpolation=interp)
        a = np.clip(cv2.resize(a, (where.width, where.height), interpolation=interp), 0.0, 1.0)
        premul = np.clip(premul, 0.0, a[..., None])
    if amount > 0:
        safe = np.where(a > 1e-6, a, 1.0)[..., None]
        straight = ref_sharpen(ref_to_srgb(premul / safe), a, amount)
        premul = _DECODE_LUT[straight] * a[..., None]
    if background is not None and params.light_match > 0:
        gains = tone_gains(tspec.tone, params.light_match)
        if not np.allclose(gains, 1.0):
            premul = premul * gains
    sp = params.shadow
    style = tspec.shadow_style if sp.style == "auto" else sp.style
    style = "contact" if style not in STYLES or style == "auto" else style
    density = shadow_density(
        a,
        where,
        canvas,
        style=style,
        opacity=sp.opacity,
        softness=tspec.light_softness if sp.softness is None else sp.softness,
        angle=tspec.light_direction if sp.angle is None else sp.angle,
        length=sp.length,
    )
    cw, ch = canvas
    x0, y0 = max(where.x, 0), max(where.y, 0)
    x1, y1 = min(where.x + where.width, cw), min(where.y + where.height, ch)
    fg = premul[y0 - where.y : y1 - where.y, x0 - where.x : x1 - where.x]
    fa = a[y0 - where.y : y1 - where.y, x0 - where.x : x1 - where.x]
    if background is None:
        out_a = np.zeros((ch, cw), np.float32) if density is None else density.copy()
        out_p = np.zeros((ch, cw, 3), np.float32)
        out_p[y0:y1, x0:x1] = fg
        out_a[y0:y1, x0:x1] = fa + out_a[y0:y1, x0:x1] * (1.0 - fa)
        out_p = np.minimum(out_p, out_a[..., None])
        safe = np.where(out_a > 1e-6, out_a, 1.0)[..., None]
        return np.dstack([ref_to_srgb(out_p / safe), np.round(out_a * 255.0).astype(np.uint8)])
    lin = _DECODE_LUT[background]
    if density is not None:
        lin = lin * (1.0 - density)[..., None]
    lin[y0:y1, x0:x1] = np.minimum(fg, 1.0) + lin[y0:y1, x0:x1] * (1.0 - fa[..., None])
    touched = np.zeros((ch, cw), bool)
    touched[y0:y1, x0:x1] = True
    if density is not None:
        touched |= density > 1e-4
    return np.where(touched[..., None], ref_to_srgb(lin), background)


# --- real-looking inputs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shots() -> list[studio.StudioShot]:
    return [
        studio.compose_shot(emoji.load_rgba(p), size=900, seed=500 + i)
        for i, p in enumerate(emoji.pick("test", 2))
    ]


def _check(new: np.ndarray, old: np.ndarray) -> None:
    assert new.shape == old.shape and new.dtype == old.dtype
    diff = np.abs(new.astype(np.int16) - old.astype(np.int16))
    mse = float((diff.astype(np.float64) ** 2).mean())
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)
    assert diff.max() <= MAX_DIFF, (
        f"max abs diff {diff.max()} > {MAX_DIFF} on {(diff > MAX_DIFF).sum()} values"
    )
    assert psnr >= MIN_PSNR, f"PSNR {psnr:.1f} dB"


CASES = [
    # (template, shadow, canvas (w, h), transparent)
    ("#ffffff", ShadowParams(style="contact"), (1000, 1000), False),
    ("wood-oak-table", ShadowParams(), (800, 1000), False),
    ("#2a3a5c", ShadowParams(style="both", opacity=0.7), (1200, 675), False),
    ("#ffffff", ShadowParams(style="cast"), (700, 700), True),
]


@pytest.mark.parametrize(("template", "shadow", "canvas", "transparent"), CASES)
def test_compose_matches_the_linear_float_blend(shots, template, shadow, canvas, transparent) -> None:
    tspec = resolve(template)
    params = ComposeParams(fill=0.85, margin=0.05, placement="centre", shadow=shadow, light_match=0.6)
    background = None if transparent else render(tspec, *canvas)
    for shot in shots:
        cut = cutout(shot.rgb, shot.alpha)

        def finish(rgb, alpha):
            return sharpen(rgb, alpha, 0.35)

        new = compose(cut, tspec, params, background=background, size=canvas, finish=finish)
        old = ref_compose(cut, tspec, params, background, canvas, 0.35)
        _check(new, old)


def test_light_match_and_no_finish_match_the_reference(shots) -> None:
    tspec = spec(tone=(240, 200, 150), shadow_style="cast")
    params = ComposeParams(fill=0.7, placement="centre", light_match=1.0)
    background = render(resolve("#d8c8b0"), 900, 900)
    cut = cutout(shots[0].rgb, shots[0].alpha)
    new = compose(cut, tspec, params, background=background)
    _check(new, ref_compose(cut, tspec, params, background, None, 0.0))


def test_retouch_matches_the_float_reference(shots) -> None:
    for shot in shots:
        for params in (RetouchParams(), RetouchParams(contrast=1.0, colour=1.0, denoise=0.0)):
            plan = analyse(shot.rgb, shot.alpha, params)
            _check(apply_plan(shot.rgb, plan), ref_apply_plan(shot.rgb, plan))
        for amount in (0.35, 1.0):
            assert np.array_equal(
                sharpen(shot.rgb, shot.alpha, amount), ref_sharpen(shot.rgb, shot.alpha, amount)
            )
            assert np.array_equal(sharpen(shot.rgb, None, amount), ref_sharpen(shot.rgb, None, amount))


def test_srgb_tables_match_the_formulas() -> None:
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(to_linear(codes), _DECODE_LUT[codes])
    assert np.array_equal(to_srgb(to_linear(codes)), codes)  # every code survives the round trip
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.2, 1.2, (64, 48, 3)).astype(np.float32)
    assert np.array_equal(to_srgb(x), ref_to_srgb(x))
    gain = rng.uniform(0.5, 2.0, (64, 48)).astype(np.float32)
    assert np.abs(to_srgb(x, gain=gain).astype(int) - ref_to_srgb(x * gain[..., None])).max() <= 1


def test_matte_upsampling_matches_the_reference(shots) -> None:
    for shot in shots:
        h, w = shot.alpha.shape
        low = cv2.resize(shot.alpha, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        guide = cv2.cvtColor(shot.rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2GRAY)
        smooth = cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)
        band = cv2.dilate(((smooth > 0.02) & (smooth < 0.98)).astype(np.uint8), None, iterations=2)
        old = np.clip(np.where(band > 0, guided_upsample(low, guide, r_lo=2, eps=2e-3), smooth), 0.0, 1.0)
        new = upsample_alpha(low, shot.rgb)
        assert new.dtype == np.float32 and new.shape == (h, w)
        assert np.abs(new - old).max() <= 2.0 / 255.0


def test_whole_factor_thumbnail_gives_the_same_retouch(shots) -> None:
    """analyse's thumbnail by a whole factor (a k x k box average) against the arbitrary-ratio
    640 px thumbnail it replaced: the plans agree closely and the retouched photos within the
    tolerance. The reference is analyse on the old thumbnail, which it takes as it is."""
    big = [
        studio.compose_shot(emoji.load_rgba(p), size=1600, seed=800 + i)
        for i, p in enumerate(emoji.pick("test", 2))
    ]
    for shot in [*shots, *big]:
        h, w = shot.alpha.shape
        r = 640 / max(h, w)
        size = (round(w * r), round(h * r))
        thumb = cv2.resize(shot.rgb, size, interpolation=cv2.INTER_AREA)
        thumb_alpha = cv2.resize(shot.alpha, size, interpolation=cv2.INTER_AREA)
        for params in (RetouchParams(), RetouchParams(contrast=1.0, colour=1.0)):
            new, old = analyse(shot.rgb, shot.alpha, params), analyse(thumb, thumb_alpha, params)
            assert np.abs(np.subtract(new.wb_gains, old.wb_gains)).max() < 0.01
            assert abs(new.exposure_gain - old.exposure_gain) < 0.01
            assert abs(new.midtone - old.midtone) < 0.01 and abs(new.vibrance - old.vibrance) < 0.01
            _check(apply_plan(shot.rgb, new), apply_plan(shot.rgb, old))


@pytest.mark.parametrize(
    ("small", "canvas"), [((420, 420), (2000, 2000)), ((300, 420), (1600, 2000)), ((420, 236), (1200, 675))]
)
def test_shadow_upscale_only_where_it_falls_matches_the_full_resize(small, canvas) -> None:
    """The shadow brought to the canvas only over the pixels it reaches, against OpenCV's linear
    resize of the whole small canvas: equal within 1e-4 of density (a hundredth of an 8-bit step)
    there, and exactly 0 outside, as the full resize is."""
    from engine.compose.shadow import _upscale_shadow

    rng = np.random.default_rng(4)
    sw, sh = small
    for case in range(3):
        s = np.zeros((sh, sw), np.float32)
        if case == 0:  # a contact band along the floor
            s[sh // 2 : sh // 2 + 40, 20 : sw - 30] = rng.random((40, sw - 50), dtype=np.float32)
        elif case == 1:  # touching the small canvas's corners
            s[0, 0], s[-1, -1] = 0.3, 0.2
        new, (ox, oy) = _upscale_shadow(s, canvas)
        old = cv2.resize(s, canvas, interpolation=cv2.INTER_LINEAR)
        assert new.shape == old.shape and new.dtype == np.float32
        assert np.abs(new - old).max() <= 1e-4
        assert not old[:oy].any() and not old[:, :ox].any()
        assert np.array_equal(new == 0, old == 0) or np.abs(new - old)[(new == 0) != (old == 0)].max() <= 1e-4


@pytest.mark.parametrize(("sigma_x", "sigma_y"), [(0.8, 0.7), (5.7, 4.2), (34.0, 15.0)])
def test_contact_footprint_blur_equals_the_2d_gaussian(sigma_x, sigma_y) -> None:
    """A one-row footprint blurred as row-blur times vertical kernel: the 2D Gaussian's numbers."""
    from engine.compose.shadow import _blur_line

    rng = np.random.default_rng(2)
    for row in (0, 200, 419):  # at the edges the vertical kernel is cut, as BORDER_CONSTANT does
        line = np.zeros((420, 380), np.float32)
        line[row, 30:340] = rng.random(310, dtype=np.float32)
        old = cv2.GaussianBlur(line, (0, 0), sigmaX=sigma_x, sigmaY=sigma_y, borderType=cv2.BORDER_CONSTANT)
        scale = np.float32(np.sqrt(2 * np.pi) * sigma_y)
        assert np.array_equal(_blur_line(line, sigma_x, sigma_y), old * scale)


def test_straight_colour_of_a_scaled_layer_equals_the_per_pixel_gain(shots) -> None:
    """Alpha divided out only where it is strictly between 0 and 1 gives the codes of dividing it
    out everywhere, whether or not the layer's cubic overshoot was clamped."""
    from engine.compose.layer import Layer

    for shot in shots:
        layer = Layer.from_rgba(cutout(shot.rgb, shot.alpha))
        lin = to_linear(np.ascontiguousarray(cutout(shot.rgb, shot.alpha)[..., :3]))
        assert np.array_equal(layer.premul, lin * layer.alpha[..., None])
        for clamp in (True, False):
            big = layer.resized(1400, 1300, clamp=clamp)
            inverse = np.divide(
                np.float32(1.0), big.alpha, out=np.zeros_like(big.alpha), where=big.alpha > 1e-6
            )
            expected = ref_to_srgb(big.premul * inverse[..., None])
            _same_but_exact_halves(big.straight_srgb(), expected)
        assert np.array_equal(
            layer.resized(1400, 1300, clamp=False).straight_srgb(), layer.resized(1400, 1300).straight_srgb()
        )


def _same_but_exact_halves(new: np.ndarray, old: np.ndarray) -> None:
    """OpenCV rounds the table index half to even where the reference adds 0.5 and floors: the
    codes differ by one at most, and only where the index lands exactly on a half at a code's
    boundary (a handful of values in millions)."""
    diff = np.abs(new.astype(np.int16) - old.astype(np.int16))
    assert diff.max() <= 1 and np.count_nonzero(diff) <= 1e-5 * diff.size, np.count_nonzero(diff)


def test_compose_of_an_already_cleaned_cutout_skips_nothing_it_needs(shots) -> None:
    """`cleaned=True` (the pipeline cleaned the matte before cutting out) gives the same picture
    as cleaning the cut-out's alpha again."""
    from engine.compose import compose_placed

    tspec = resolve("#ffffff")
    params = ComposeParams(fill=0.85, placement="centre", shadow=ShadowParams(style="contact"))
    background = render(tspec, 1000, 1000)
    for shot in shots:
        cut = cutout(shot.rgb, clean_alpha(shot.alpha))
        new, where_new = compose_placed(cut, tspec, params, background=background, cleaned=True)
        old, where_old = compose_placed(cut, tspec, params, background=background)
        assert where_new == where_old and np.array_equal(new, old)
