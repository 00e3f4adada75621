"""Studio sweeps: a paper backdrop curving from wall into floor, lit by a large soft key light.

The look comes from three things a photographer sees on a real sweep: the horizon is not a line but a
soft curve (the paper bends), the light falls off away from the key (brightest just behind the product),
and the floor is a touch darker than the wall near the camera. Sizes are in short-side units, so the
light pool stays round at 16:9.
"""

from __future__ import annotations

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, vignette
from engine.templates.overlays import window
from engine.templates.registry import family
from engine.templates.shapes import ellipse


def sweep_base(fr: Frame, p: dict) -> np.ndarray:
    wall = colour.rgb(p["wall"])
    floor = colour.rgb(p.get("floor") or colour.shade(p["wall"], -0.035))
    horizon = p.get("horizon", -0.28)
    blend = p.get("blend", 0.26)
    t = smoothstep(horizon - blend / 2, horizon + blend / 2, fr.v)  # (H, 1): 0 wall, 1 floor
    base = colour.mix(wall, floor, t)  # (H, 1, 3)
    # Light: a broad pool from the key plus a gentle falloff to the top of the wall and the front of the floor.
    ku, kv = p.get("key", (-0.25, -0.45))
    light = 1.0 + p.get("key_strength", 0.10) * (gauss(fr, ku, kv, p.get("key_radius", 0.75)) - 0.5)
    light = light * vignette(fr, p.get("vignette", 0.14), cv=horizon)
    front = 1.0 - p.get("front_dark", 0.05) * smoothstep(0.0, fr.bottom + 0.05, fr.v)
    img = base * (light * front)[..., None]
    return img.astype(np.float32)


@family("sweep")
def render_sweep(fr: Frame, p: dict) -> np.ndarray:
    return sweep_base(fr, p)


@family("sweep_spot")
def render_sweep_spot(fr: Frame, p: dict) -> np.ndarray:
    """A darker sweep with a pool of light on the wall behind the product, as with a snooted strobe."""
    img = sweep_base(fr, {**p, "key_strength": 0.0, "vignette": p.get("vignette", 0.35)})
    pool = gauss(fr, 0.0, p.get("spot_v", -0.32), p.get("spot_r", 0.42), p.get("spot_r", 0.42) * 0.9)
    glow = colour.rgb(p.get("glow", "#ffffff"))
    lit = colour.rgb(colour.shade(p["wall"], p.get("lift", 0.3)))
    img = img + (lit * glow - img) * (pool * p.get("spot", 0.95))[..., None]
    # The same light lands on the floor as a flattened pool in front of the wall.
    floor_pool = ellipse(fr, 0.0, 0.0, 0.5, 0.09, blur=0.08)
    img = img + (lit * glow * 0.85 - img) * (floor_pool * 0.5)[..., None]
    return np.clip(img, 0, 1)


@family("split")
def render_split(fr: Frame, p: dict) -> np.ndarray:
    """Two-tone set: a coloured wall and a contrasting tabletop meeting at a crisp but not harsh edge."""
    wall = colour.rgb(p["wall"])
    floor = colour.rgb(p["floor"])
    horizon = p.get("horizon", -0.18)
    t = smoothstep(horizon - 0.004, horizon + 0.004, fr.v)
    base = wall + (floor - wall) * t[..., None]
    # The tabletop catches more light at its front edge; the wall darkens slightly toward the top.
    ku, kv = p.get("key", (-0.3, -0.5))
    light = 1.0 + 0.08 * (gauss(fr, ku, kv, 0.9) - 0.5)
    light = light * vignette(fr, p.get("vignette", 0.12), cv=horizon)
    edge_shadow = 1.0 - 0.06 * np.exp(-(((fr.v - horizon) / 0.025) ** 2)) * (fr.v < horizon)
    img = base * (light * edge_shadow)[..., None]
    if p.get("blinds"):
        img = window(img, fr, horizon, strength=p.get("blinds_strength", 0.07))
    return img.astype(np.float32)
