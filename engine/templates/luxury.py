"""Dark and luxury backdrops: low-key sets where light is scarce and therefore precious.

Low-key images look expensive when the darks are rich rather than black (a hint of the hue survives),
when there is one deliberate source of light, and when texture (velvet, brushed metal) shows only where
that light grazes it.
"""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, vignette
from engine.templates.noise import fbm, value_noise
from engine.templates.registry import family
from engine.templates.shapes import screen


@family("velvet", grain=0.008)
def render_velvet(fr: Frame, p: dict) -> np.ndarray:
    """Draped velvet: long soft folds whose crests catch a sheen."""
    seed = p.get("seed", 71)
    n = fbm(fr, 0.9, seed, octaves=3, freq_y=0.35)
    folds = np.sin(2 * math.pi * (fr.u * 1.4 + fr.v * 0.25 + n * 0.9))
    sheen = smoothstep(0.0, 1.0, folds) ** 1.5
    dark = colour.rgb(p["base"])
    hi = colour.rgb(p.get("sheen") or colour.shade(p["base"], 0.2))
    img = colour.mix(dark, hi, sheen * 0.9 + 0.1 * (n - 0.5))
    img = img * (1.0 - 0.35 * smoothstep(0.3, -0.8, folds))[..., None]
    return img * vignette(fr, 0.4, cv=-0.2)[..., None]


@family("brushed", grain=0.01)
def render_brushed(fr: Frame, p: dict) -> np.ndarray:
    """Brushed metal: fine horizontal streaks with a broad anisotropic highlight."""
    seed = p.get("seed", 81)
    streak = (
        value_noise(fr, 1.5, seed, freq_y=420.0) * 0.6 + value_noise(fr, 4.0, seed + 1, freq_y=160.0) * 0.4
    )
    band = gauss(fr, 0.0, p.get("band_v", -0.35), 2.5, 0.35)
    t = np.clip(0.18 + 0.55 * band + 0.18 * (streak - 0.5), 0, 1)
    return colour.apply_ramp(t, colour.ramp(p["stops"]))


@family("glow")
def render_glow(fr: Frame, p: dict) -> np.ndarray:
    """A dark set with a coloured halo behind the product and a glossy floor reflecting it."""
    base = colour.rgb(p["base"])
    img = fr.blank(base)
    hz = p.get("horizon", -0.05)
    halo = gauss(fr, 0.0, p.get("halo_v", -0.35), p.get("halo_r", 0.45))
    img = screen(img, colour.rgb(p["glow"]), halo * p.get("strength", 0.75))
    floor = smoothstep(hz - 0.004, hz + 0.004, fr.v)
    refl = gauss(fr, 0.0, hz + 0.02, 0.5, 0.08) * floor
    img = img * (1.0 - 0.35 * floor)[..., None]
    img = screen(img, colour.rgb(p["glow"]), refl * 0.35)
    return img * vignette(fr, 0.45, cv=-0.2)[..., None]
