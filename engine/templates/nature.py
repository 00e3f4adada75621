"""Outdoor and nature sets: skies, beaches, dunes, misty hills, sunsets.

Depth is sold by atmospheric perspective: distant layers are lighter and closer to the sky colour,
near layers darker and more saturated. Horizons stay low and calm so a product can stand on the
foreground; ridgelines are sums of seeded sines in frame units, so they extend sideways at 16:9.
"""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, span, vignette
from engine.templates.noise import fbm, hash01
from engine.templates.overlays import leaves
from engine.templates.registry import family
from engine.templates.shapes import over, screen
from engine.templates.studio import sweep_base
from engine.templates.surfaces import concrete


def _ridge(fr: Frame, base: float, amp: float, seed: int, freq: float = 2.0) -> np.ndarray:
    k = np.arange(4)
    ph = hash01(k, k * 0 + 1, seed) * 2 * math.pi
    y = np.zeros_like(fr.u) + base
    for i in range(4):
        y = y + amp / (1.6**i) * np.sin(fr.u * freq * (1.9**i) + ph[i])
    return y


def sky(fr: Frame, p: dict) -> np.ndarray:
    t = span(fr, 90.0)
    img = colour.apply_ramp(t, colour.ramp(p["sky"]))
    if p.get("clouds", 0):
        c = fbm(fr, 1.6, p.get("seed", 1), octaves=6, freq_y=3.2)
        mask = smoothstep(0.55, 0.8, c) * smoothstep(0.0, -0.5, fr.v) * p["clouds"]
        img = over(img, colour.rgb(p.get("cloud", "#ffffff")), mask)
    return img


@family("sky")
def render_sky(fr: Frame, p: dict) -> np.ndarray:
    img = sky(fr, p)
    if p.get("sun"):
        su, sv = p["sun"]
        img = screen(img, colour.rgb(p.get("sun_colour", "#fff2c4")), gauss(fr, su, sv, 0.35) * 0.6)
        img = screen(img, colour.rgb("#fffaf0"), gauss(fr, su, sv, 0.06) * 0.9)
    return img


@family("landscape")
def render_landscape(fr: Frame, p: dict) -> np.ndarray:
    """Layered hills or dunes receding into haze, with the nearest layer as the ground."""
    seed = p.get("seed", 111)
    img = sky(fr, p)
    if p.get("sun"):
        su, sv = p["sun"]
        img = screen(img, colour.rgb(p.get("sun_colour", "#fff2c4")), gauss(fr, su, sv, 0.4) * 0.6)
        img = over(img, colour.rgb("#fff6dc"), gauss(fr, su, sv, 0.055) ** 4)
    layers = p["layers"]
    n = len(layers)
    for i, hexv in enumerate(layers):
        base = p.get("top", -0.4) + (p.get("bottom", -0.02) - p.get("top", -0.4)) * i / max(n - 1, 1)
        ridge = _ridge(fr, base, p.get("amp", 0.06) * (1.0 - 0.15 * i), seed + i, freq=p.get("freq", 2.2))
        mask = smoothstep(ridge - 0.002, ridge + 0.002, fr.v)
        c = colour.rgb(hexv)
        shade = 1.0 - 0.1 * smoothstep(ridge, ridge + 0.25, fr.v)
        img = over(img, c * shade[..., None], mask)
        haze = smoothstep(ridge + 0.12, ridge, fr.v) * mask * 0.25
        img = over(img, colour.rgb(p["sky"][-1]), haze)
    return img * vignette(fr, 0.1, cv=-0.2)[..., None]


@family("beach")
def render_beach(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 121)
    hz_sea, hz_sand = p.get("sea", -0.35), p.get("shore", -0.12)
    img = sky(fr, p)
    sea = colour.apply_ramp(
        np.clip((fr.v - hz_sea) / (hz_sand - hz_sea), 0, 1) + np.zeros_like(fr.u), colour.ramp(p["water"])
    )
    ripple = 1.0 + 0.05 * (fbm(fr, 1.5, seed, octaves=4, freq_y=40.0) - 0.5)
    img = over(img, sea * ripple[..., None], smoothstep(hz_sea - 0.001, hz_sea + 0.001, fr.v))
    shore = hz_sand + 0.012 * np.sin(fr.u * 7 + 1.0)
    sand = concrete(fr, {"base": p["sand"], "seed": seed, "contrast": 0.12})
    sand *= (0.92 + 0.12 * smoothstep(hz_sand, fr.bottom, fr.v))[..., None]
    foam = smoothstep(0.012, 0.0, np.abs(fr.v - shore)) * 0.7
    img = over(img, sand, smoothstep(shore - 0.002, shore + 0.004, fr.v))
    img = over(img, np.float32([1, 1, 1]), foam)
    return img


@family("leafwall")
def render_leafwall(fr: Frame, p: dict) -> np.ndarray:
    """A plain wall and floor in late sun, dappled by the shadow of a plant out of shot."""
    hz = p.get("horizon", -0.22)
    img = sweep_base(
        fr, {"wall": p["wall"], "horizon": hz, "blend": 0.16, "key_strength": 0.16, "vignette": 0.16}
    )
    img = screen(img, colour.rgb(p.get("sun", "#fff1d6")), gauss(fr, -0.35, hz - 0.3, 0.6) * 0.25)
    return leaves(img, fr, p.get("seed", 131), strength=p.get("strength", 0.28), v_max=hz + 0.02)
