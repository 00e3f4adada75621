"""The colour model on synthetic product shots: holes stay holes, flat interiors and thin parts stay."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.datasets import metrics, synthetic
from engine.matting import MatteOptions, cutout, matte
from engine.matting.fast import fit_background, matte_fast

EASY = ["mug", "laptop", "plant", "card", "bag"]


@pytest.mark.parametrize("name", EASY)
def test_fast_on_product_shots(name: str, scenes) -> None:
    sc = scenes[name]
    res = matte(sc.rgb, "fast")
    assert res.method == "fast"
    assert res.alpha.dtype == np.float32 and res.alpha.shape == sc.alpha.shape
    assert metrics.iou(res.alpha, sc.alpha) >= 0.98
    assert metrics.boundary_f(res.alpha, sc.alpha) >= 0.95
    for probe, ((y, x), expected) in sc.probes.items():
        assert abs(float(res.alpha[y, x]) - expected) < 0.1, f"{name}: {probe} should be {expected}"
    assert res.quality >= 0.8


def test_soft_floor_shadow_is_background_unless_kept(scenes) -> None:
    sc = scenes["mug"]
    y0, y1, x0, x1 = sc.shadow_box
    assert sc.alpha[y0:y1, x0:x1].max() == 0.0 and sc.rgb[y0:y1, x0:x1].mean() < 200  # there is a shadow
    dropped = matte(sc.rgb, "fast").alpha
    kept = matte(sc.rgb, "fast", options=MatteOptions(keep_shadows=True)).alpha
    assert dropped[y0:y1, x0:x1].max() < 0.1
    # A kept shadow is a semi-transparent layer as dark as the shadow was (opacity 0.35 at its core).
    assert 0.08 < kept[y0:y1, x0:x1].mean() < 0.5
    (y, x), _ = sc.probes["body"]
    assert kept[y, x] > 0.95 and kept[sc.probes["handle_hole"][0]] < 0.1


def test_background_model_follows_gradient_and_cast(scenes) -> None:
    sc = scenes["card"]
    img = sc.rgb.astype(np.float32) / 255.0
    bg, sigma, _ = fit_background(img)
    outside = sc.alpha == 0
    outside[int(sc.shadow_box[0]) - 10 :, :] = False  # the shadow is not part of the sweep
    err = np.abs(bg - img)[outside]
    assert float(np.median(err)) < 0.01 and sigma < 0.02
    # The warm cast (blue lowest) is in the model, not flattened to grey.
    assert bg[..., 2].mean() < bg[..., 0].mean() - 0.01


def test_grey_untextured_product_is_flagged_not_trusted(scenes) -> None:
    """A mid-grey smooth product looks like a shadow to colours alone: fast must say it is unsure."""
    res = matte_fast(scenes["grey_bottle"].rgb)
    assert res.confidence < 0.5


def test_large_images_keep_full_resolution() -> None:
    sc = synthetic.scene("plant", size=(1500, 2000), seed=5)
    res = matte(sc.rgb, "fast", options=MatteOptions(working_size=768))
    assert res.alpha.shape == (1500, 2000)
    assert metrics.iou(res.alpha, sc.alpha) >= 0.98
    assert metrics.boundary_f(res.alpha, sc.alpha, tolerance=3) >= 0.9
    (y, x), _ = sc.probes["stem"]
    assert res.alpha[y, x] > 0.5  # a 3 px stem at full size survives the trip through 768 px


def test_cutout_has_no_white_halo() -> None:
    """Edge colours are decontaminated: a dark product's soft edge does not keep the white backdrop."""
    h = w = 200
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - 100, xx - 100)
    alpha = np.clip(60.5 - r, 0.0, 1.0).astype(np.float32)
    alpha = np.clip((62.0 - r) / 4.0, 0.0, 1.0).astype(np.float32)  # a 4 px soft edge
    product = np.array([20, 30, 120], np.float32)
    white = np.array([245, 245, 245], np.float32)
    rgb = np.clip(alpha[..., None] * product + (1 - alpha[..., None]) * white, 0, 255).astype(np.uint8)
    rgba = cutout(rgb, alpha)
    assert rgba.shape == (h, w, 4) and rgba.dtype == np.uint8
    edge = (alpha > 0.1) & (alpha < 0.9)
    naive = rgb[edge].astype(np.float32).mean(axis=0)
    clean = rgba[..., :3][edge].astype(np.float32).mean(axis=0)
    assert naive.mean() > 100  # the raw edge is washed out towards white
    assert np.abs(clean - product).max() < 25  # the cut-out edge has the product's colour
    # On a black template the decontaminated edge is never brighter than the product itself + noise.
    on_black = rgba[..., :3].astype(np.float32) * (rgba[..., 3:4] / 255.0)
    assert on_black[edge].max() <= product.max() + 10


def test_method_and_input_validation() -> None:
    rgb = np.full((10, 10, 3), 240, np.uint8)
    with pytest.raises(ValueError, match="unknown matting method"):
        matte(rgb, "magic")
    with pytest.raises(ValueError, match="uint8"):
        matte(rgb.astype(np.float32), "fast")


@pytest.mark.parametrize("shape", [(1, 1), (3, 300), (300, 3), (24, 24)])
def test_degenerate_images_do_not_break(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    for rgb in (np.full((*shape, 3), 245, np.uint8), rng.integers(0, 256, (*shape, 3), dtype=np.uint8)):
        res = matte(rgb, "fast")
        assert res.alpha.shape == shape and np.isfinite(res.alpha).all()
        assert 0.0 <= res.quality <= 1.0
        assert cutout(rgb, res.alpha).shape == (*shape, 4)


def test_empty_backdrop_is_flagged() -> None:
    """No product at all: nothing is cut out and the result is marked doubtful."""
    sc = synthetic.scene("card", seed=9)
    blank = np.full_like(sc.rgb, 0)
    blank[:] = np.median(sc.rgb.reshape(-1, 3), axis=0).astype(np.uint8)
    res = matte(blank, "fast")
    assert res.alpha.max() < 0.5 and res.quality < 0.5


def test_segmentation_only_run_shares_the_full_runs_evidence_and_backdrop(scenes) -> None:
    """`auto` stops the colour model at its segmentation when the backdrop probe already sent the image
    to the network: the evidence and backdrop it fuses with are those of the full run, and the mask is
    the full run's plus the soft outer fringe that edge refinement would have trimmed (5 px at most)."""
    import cv2

    from engine.matting.fast import backdrop_fit

    sc = scenes["mug"]
    fit = backdrop_fit(sc.rgb)
    full = matte_fast(sc.rgb, fit=fit)
    quick = matte_fast(sc.rgb, fit=fit, refine=False)
    assert np.array_equal(quick.evidence, full.evidence) and np.array_equal(quick.background, full.background)
    assert not (full.hard & ~quick.hard).any()
    near = cv2.dilate(full.hard.astype(np.uint8), np.ones((11, 11), np.uint8)) > 0  # within 5 px
    assert not (quick.hard & ~near).any()
    assert quick.confidence == 0.0 and quick.details["bg_noise"] == full.details["bg_noise"]
