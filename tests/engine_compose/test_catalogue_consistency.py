"""Catalogue consistency: one batch on one template looks like one shoot.

- Fill: on a floor template every product gets the same share of the canvas along its limiting side,
  whatever its shape (a wide card used to fill 80 % where a tall bottle filled 64 %).
- White point: photos of one product under different light (a window through the day) all come out
  on the same neutral backdrop; a deliberately coloured backdrop is still left alone.
benchmarks/consistency measures both over a batch of varied photos.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.compose import ProductBox, plan_placement
from engine.compose.linear import REC709_LUMA, to_linear
from engine.retouch import RetouchParams, analyse, apply_plan

from .conftest import make_product

SHAPES = {"wide card": (900, 300), "square box": (500, 500), "tall bottle": (200, 700), "slim pen": (60, 800)}


def _fill(canvas: tuple[int, int], size: tuple[int, int], floor: float | None, **kw) -> tuple[float, float]:
    """(fill ratio along the limiting side, bottom of the placed product / canvas height)."""
    w, h = size
    pl = plan_placement(
        ProductBox(100, 50, 100 + w, 50 + h), canvas, fill=0.8, margin=0.05, floor_line=floor, **kw
    )
    return max(pl.width / canvas[0], pl.height / canvas[1]), (pl.y + pl.height) / canvas[1]


@pytest.mark.parametrize("canvas", [(1000, 1000), (1600, 900), (800, 1000), (900, 1600)])
@pytest.mark.parametrize("floor", [0.8, 0.72])
def test_every_shape_standing_on_one_floor_gets_the_same_fill(canvas, floor):
    fills, bases = zip(*(_fill(canvas, s, floor) for s in SHAPES.values()), strict=True)
    tol = 2 / min(canvas)  # a pixel of rounding on either side
    assert max(fills) - min(fills) <= tol, dict(zip(SHAPES, fills, strict=True))
    assert fills[0] == pytest.approx(0.8 * floor, abs=tol)  # the stage above the floor, scaled by fill
    assert all(b == pytest.approx(floor, abs=1 / canvas[1]) for b in bases)  # all stand on the floor


@pytest.mark.parametrize("canvas", [(1000, 1000), (1600, 900)])
def test_centred_products_keep_the_plain_fill_rule(canvas):
    fills = [_fill(canvas, s, None)[0] for s in SHAPES.values()]
    assert max(fills) - min(fills) <= 2 / min(canvas)
    assert fills[0] == pytest.approx(0.8, abs=2 / min(canvas))


def test_a_stage_width_still_keeps_a_wide_product_on_the_podium():
    fill, base = _fill((1000, 1000), SHAPES["wide card"], 0.6, stage_width=0.3)
    assert fill == pytest.approx(0.3, abs=0.002) and base == pytest.approx(0.6, abs=0.001)


# Linear gains of a camera balanced for D65 shooting a white sweep under blackbody light (Planck's law
# through the CIE 1931 observer to linear sRGB, luminance 1): a window through the day.
LIGHTS = {
    "4200 K": (1.306, 0.953, 0.563),
    "4500 K": (1.245, 0.964, 0.631),
    "5000 K": (1.162, 0.978, 0.737),
    "6500 K": (1.0, 1.0, 1.0),
    "7500 K": (0.935, 1.006, 1.136),
    "9000 K": (0.868, 1.009, 1.296),
}


def _shot(cast, backdrop_level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """A muted product on a white sweep at `backdrop_level` (linear), seen under a light's cast."""
    photo, alpha, _ = make_product(300, 200, colour=(150, 120, 100), seed=3)
    lin = to_linear(photo).astype(np.float32)
    lin = np.where(alpha[..., None] < 0.02, lin * backdrop_level, lin) * np.asarray(cast, np.float32)
    srgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.clip(lin, 0, 1) ** (1 / 2.4) - 0.055)
    return np.clip(np.rint(srgb * 255), 0, 255).astype(np.uint8), alpha


def _backdrop_ratio(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The backdrop's linear R/G and B/G: (1, 1) is neutral."""
    ref = to_linear(rgb)[alpha < 0.01].mean(axis=0)
    return np.array([ref[0] / ref[1], ref[2] / ref[1]])


def test_one_product_under_a_days_light_comes_out_on_one_white_point():
    params = replace(RetouchParams.off(), white_balance=1.0)
    ratios = {}
    for name, cast in LIGHTS.items():
        rgb, alpha = _shot(cast)
        before = _backdrop_ratio(rgb, alpha)
        out = apply_plan(rgb, analyse(rgb, alpha, params))
        ratios[name] = _backdrop_ratio(out, alpha)
        if name != "6500 K":
            assert np.abs(before - 1).max() > 0.1, name  # the light really cast the photo
    worst = max(float(np.abs(r - 1).max()) for r in ratios.values())
    assert worst < 0.03, {k: v.round(3).tolist() for k, v in ratios.items()}


def test_a_warm_cast_that_clips_the_backdrop_is_still_measured_and_corrected():
    rgb, alpha = _shot(LIGHTS["4500 K"], backdrop_level=0.9)  # red clips on the bright sweep
    assert (rgb[alpha < 0.01][:, 0] == 255).mean() > 0.5
    plan = analyse(rgb, alpha, RetouchParams())
    assert plan.wb_gains[2] > 1.3 and plan.wb_gains[0] < 0.9  # blue up, red down: toward neutral


@pytest.mark.parametrize(
    "backdrop",
    [(1.0, 0.6, 0.6), (0.35, 0.55, 1.0), (1.0, 0.85, 0.4), (0.5, 1.0, 0.6)],
    ids=["pink paper", "saturated blue sweep", "butter yellow", "green screen"],
)
def test_a_coloured_backdrop_is_not_taken_for_the_light(backdrop):
    rgb, alpha = _shot(backdrop)
    plan = analyse(rgb, alpha, RetouchParams())
    assert max(abs(g - 1.0) for g in plan.wb_gains) < 1e-6, plan.wb_gains


def test_the_white_point_gains_keep_luminance():
    rgb, alpha = _shot(LIGHTS["4500 K"])
    gains = np.asarray(analyse(rgb, alpha, RetouchParams()).wb_gains)
    assert float(gains @ REC709_LUMA) == pytest.approx(1.0, abs=1e-4)
