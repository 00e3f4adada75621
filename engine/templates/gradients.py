"""Soft gradients, mesh gradients and duotones: backgrounds with no floor, for centred products.

A plain two-stop linear gradient looks like a default; what makes these read as designed is a gentle
low-frequency warp of the gradient coordinate (no ruler-straight bands), colour mixed in OKLab, and
mesh gradients built from a few large soft light pools rather than hard stops.
"""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, span, vignette
from engine.templates.noise import fbm
from engine.templates.registry import family
from engine.templates.shapes import over


@family("linear")
def render_linear(fr: Frame, p: dict) -> np.ndarray:
    t = span(fr, p.get("angle", 90.0))
    warp = p.get("warp", 0.06)
    if warp:
        t = t + warp * (fbm(fr, 1.2, p.get("seed", 1), octaves=2) - 0.5)
    img = colour.apply_ramp(np.clip(t, 0, 1), colour.ramp(p["stops"]))
    if p.get("glow"):
        g = gauss(fr, *p.get("glow_at", (0.0, -0.1)), p.get("glow_r", 0.6))
        img = over(img, colour.rgb(p["glow"]), g * p.get("glow_strength", 0.35))
    return img * vignette(fr, p.get("vignette", 0.08), cv=0.0)[..., None]


@family("mesh")
def render_mesh(fr: Frame, p: dict) -> np.ndarray:
    """Large soft colour pools over a base, as in a mesh gradient; blobs are (u, v, radius, hex)."""
    img = fr.blank(colour.rgb(p["base"]))
    seed = p.get("seed", 3)
    wob = fbm(fr, 1.0, seed, octaves=2) - 0.5
    for k, (bu, bv, r, hexv) in enumerate(p["blobs"]):
        g = gauss(fr, bu, bv, r * 1.1, r * 0.9)
        g = np.clip(g * (1.0 + 0.8 * wob * (1 if k % 2 else -1)), 0, 1)
        img = over(img, colour.rgb(hexv), g * p.get("strength", 0.85))
    return img * vignette(fr, p.get("vignette", 0.06), cv=0.0)[..., None]


@family("duotone")
def render_duotone(fr: Frame, p: dict) -> np.ndarray:
    """Two colours divided by a slow wave, with a soft shadow along the edge so it reads as paper layers."""
    a, b = colour.rgb(p["a"]), colour.rgb(p["b"])
    ang = math.radians(p.get("angle", 20.0))
    d = fr.u * math.sin(ang) + fr.v * math.cos(ang) - p.get("offset", 0.0)
    wave = p.get("amp", 0.06) * np.sin(fr.u * p.get("freq", 5.0) + p.get("phase", 0.0))
    edge = d - wave
    t = smoothstep(-0.003, 0.003, edge)
    img = a + (b - a) * t[..., None]
    shadow = smoothstep(0.07, 0.0, edge) * (edge > 0)
    img = img * (1.0 - 0.16 * shadow)[..., None]
    img = img * (1.0 + 0.06 * (gauss(fr, -0.3, -0.4, 0.8) - 0.5))[..., None]
    return img


@family("radial")
def render_radial(fr: Frame, p: dict) -> np.ndarray:
    """A glow behind the product fading to the edge colour: spotlight without a set."""
    r = np.sqrt((fr.u / p.get("rx", 0.9)) ** 2 + ((fr.v - p.get("cv", -0.05)) / p.get("ry", 0.8)) ** 2)
    t = np.clip(r, 0, 1.4) / 1.4
    t = t + 0.03 * (fbm(fr, 1.5, p.get("seed", 5), octaves=2) - 0.5)
    return colour.apply_ramp(np.clip(t, 0, 1), colour.ramp(p["stops"]))
