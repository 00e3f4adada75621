"""Podium and pedestal scenes: a product plinth in a room, lit from the upper left.

The floor line of these templates is the top of the main podium (v = 0), so composition stands the
product on the plinth. Shading is computed, not painted: a cylinder's body follows a Lambert falloff
across its normal, tops are lit brighter than fronts, and every plinth sits in a contact shadow and casts
a soft shadow away from the key, which is what makes a 3D scene read as photographed.
"""

from __future__ import annotations

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep
from engine.templates.noise import fbm
from engine.templates.overlays import bokeh, leaves, window
from engine.templates.registry import family
from engine.templates.shapes import ellipse, multiply, over, polygons, screen, soften
from engine.templates.studio import sweep_base

LIGHT = -0.75  # radians: the key light's angle around a vertical cylinder, negative = from the left
SQUASH = 0.17  # ellipse height / width for the tops: a camera slightly above the plinth


def _ground_shadows(
    img: np.ndarray, fr: Frame, cu: float, base_v: float, r: float, tint: np.ndarray
) -> np.ndarray:
    contact = ellipse(fr, cu + 0.02, base_v + 0.004, r * 1.08, r * SQUASH * 1.4, blur=0.012)
    cast = ellipse(fr, cu + r * 0.9, base_v - 0.005, r * 1.25, r * SQUASH * 1.2, blur=0.05)
    img = multiply(img, tint, cast * 0.35)
    return multiply(img, tint, contact * 0.55)


def cylinder(img: np.ndarray, fr: Frame, cu: float, top_v: float, r: float, h: float, col: str) -> np.ndarray:
    c = colour.rgb(col)
    base_v = top_v + h
    tint = colour.rgb(colour.shade(col, -0.25))
    img = _ground_shadows(img, fr, cu, base_v, r, tint * 0.6)
    ry = r * SQUASH
    body = polygons(fr, [np.array([[cu - r, top_v], [cu + r, top_v], [cu + r, base_v], [cu - r, base_v]])])
    body = np.maximum(body, ellipse(fr, cu, base_v, r, ry))
    n = np.clip((fr.u - cu) / r, -0.999, 0.999)
    theta = np.arcsin(n)
    lam = (
        0.64 + 0.36 * np.maximum(0.0, np.cos(theta - LIGHT)) + 0.06 * smoothstep(0.6, 1.0, n)
    )  # bounce on the right
    ao = 1.0 - 0.12 * smoothstep(base_v - 0.08, base_v + ry, fr.v)
    img = over(img, c * (lam * ao)[..., None], body)
    top = ellipse(fr, cu, top_v, r, ry)
    top_shade = 1.08 + 0.05 * (gauss(fr, cu - r * 0.4, top_v, r * 0.8) - 0.5)
    img = over(img, np.clip(c * top_shade[..., None], 0, 1), top)
    rim = np.clip(top - ellipse(fr, cu, top_v - ry * 0.08, r * 0.985, ry * 0.93), 0, 1)
    return screen(img, np.float32([1, 1, 1]), rim * 0.35 * (fr.v > top_v))


def box(img: np.ndarray, fr: Frame, cu: float, top_v: float, r: float, h: float, col: str) -> np.ndarray:
    c = colour.rgb(col)
    d = r * SQUASH * 1.2
    front_top, base_v = top_v + d, top_v + d + h
    img = _ground_shadows(img, fr, cu, base_v - d * 0.3, r * 1.05, colour.rgb(colour.shade(col, -0.25)) * 0.6)
    front = polygons(
        fr, [np.array([[cu - r, front_top], [cu + r, front_top], [cu + r, base_v], [cu - r, base_v]])]
    )
    grad = 0.86 - 0.06 * smoothstep(cu - r, cu + r, fr.u) - 0.06 * smoothstep(front_top, base_v, fr.v)
    img = over(img, c * grad[..., None], front)
    top = polygons(
        fr,
        [
            np.array(
                [
                    [cu - r * 0.93, top_v - d],
                    [cu + r * 0.93, top_v - d],
                    [cu + r, front_top],
                    [cu - r, front_top],
                ]
            )
        ],
    )
    img = over(img, np.clip(c * 1.07, 0, 1), top)
    edge = polygons(
        fr,
        [
            np.array(
                [
                    [cu - r, front_top - 0.002],
                    [cu + r, front_top - 0.002],
                    [cu + r, front_top + 0.003],
                    [cu - r, front_top + 0.003],
                ]
            )
        ],
    )
    return screen(img, np.float32([1, 1, 1]), edge * 0.3)


def arch(
    img: np.ndarray, fr: Frame, cu: float, width: float, top: float, bottom: float, col: str
) -> np.ndarray:
    """A rounded-top panel on the wall, with a soft drop shadow so it stands off the wall."""
    r = width / 2
    shape = polygons(
        fr, [np.array([[cu - r, top + r], [cu + r, top + r], [cu + r, bottom], [cu - r, bottom]])]
    )
    shape = np.maximum(shape, ellipse(fr, cu, top + r, r, r))
    shadow = soften(np.roll(shape, int(fr.s * 0.015), axis=1), fr, 0.025)
    img = multiply(img, np.float32([0.2, 0.2, 0.2]), shadow * 0.25)
    c = colour.rgb(col)
    lit = 1.0 + 0.06 * (gauss(fr, cu - r, top + r, width) - 0.5)
    return over(img, c * lit[..., None], shape)


@family("podium")
def render_podium(fr: Frame, p: dict) -> np.ndarray:
    h = p.get("height", 0.24)
    wall = p["wall"]
    img = sweep_base(
        fr,
        {
            "wall": wall,
            "floor": p.get("floor"),
            "horizon": h - p.get("room_depth", 0.2),
            "blend": 0.18,
            "key_strength": 0.14,
            "vignette": p.get("vignette", 0.18),
        },
    )
    seed = p.get("seed", 7)
    hz = h - p.get("room_depth", 0.2)
    if p.get("texture_wall"):
        img *= (1.0 + 0.05 * (fbm(fr, 3.0, seed, octaves=4) - 0.5))[..., None]
    if p.get("arch"):
        arch_top = max(p.get("arch_top", -0.75), fr.top + 0.06)
        img = arch(img, fr, p.get("arch_u", 0.0), p.get("arch_w", 0.62), arch_top, hz + 0.02, p["arch"])
    if p.get("bokeh"):
        img = bokeh(img, fr, p["bokeh"], seed, hz, size=p.get("bokeh_size", 0.045))
    if p.get("blinds"):
        img = window(img, fr, hz)
    if p.get("leaves"):
        img = leaves(img, fr, seed, v_max=hz)
    shape = p.get("shape", "cylinder")
    draw = box if shape == "box" else cylinder
    r = p.get("radius", 0.3)
    for extra in p.get("others", []):  # (du, dtop, r, h_scale_unused, colour): smaller plinths behind
        du, dtop, rr, hexv = extra
        img = draw(img, fr, du, dtop, rr, h - dtop, hexv)
    img = draw(img, fr, 0.0, 0.0, r, h, p["podium"])
    if p.get("front"):
        du, rr, hexv = p["front"]
        img = draw(img, fr, du, h * 0.55, rr, h * 0.45, hexv)
    return np.clip(img, 0, 1)
