"""Festive and seasonal sets: Diwali, Holi, Eid, Christmas, New Year, Valentine's, sale banners.

Festival imagery turns cheap fastest, so these stay photographic: the festival is carried by light
(diyas, fairy lights, lanterns) and colour, kept to the edges and the background, while the middle where
the product stands stays calm. No text: sellers add their own offer copy.
"""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, span, vignette
from engine.templates.noise import fbm, hash01, scatter
from engine.templates.overlays import bokeh
from engine.templates.registry import family
from engine.templates.shapes import discs, ellipse, lines, multiply, over, polygons, screen, star
from engine.templates.studio import sweep_base


def _backdrop(fr: Frame, p: dict) -> np.ndarray:
    """Wall-to-floor sweep in the festival's base colour, darker and moodier than a studio sweep."""
    return sweep_base(
        fr,
        {
            "wall": p["wall"],
            "floor": p.get("floor"),
            "horizon": p.get("horizon", -0.22),
            "blend": 0.2,
            "key_strength": 0.25,
            "key": (0.0, -0.4),
            "vignette": p.get("vignette", 0.4),
        },
    )


def string_lights(
    img: np.ndarray, fr: Frame, colour_hex: str, seed: int, sag: float = 0.12, rows: int = 2
) -> np.ndarray:
    """Fairy lights hung in catenary curves across the top of the frame."""
    u0, u1 = fr.u_range
    for row in range(rows):
        top = fr.top + 0.04 + row * 0.13
        us = np.arange(u0 - 0.05, u1 + 0.05, 0.045)
        phase = hash01(np.arange(len(us)), np.full(len(us), row), seed)
        span = 0.9
        vs = top + sag * (1 - ((np.mod(us + row * 0.3, span) / span) * 2 - 1) ** 2)
        wire = lines(fr, [(us[i], vs[i], us[i + 1], vs[i + 1]) for i in range(len(us) - 1)], 0.0015)
        img = multiply(img, np.float32([0.1, 0.08, 0.05]), wire * 0.6)
        items = [(us[i], vs[i] + 0.008, 0.006 + 0.003 * phase[i], 1.0) for i in range(len(us))]
        glow = discs(fr, [(u, v, r * 4, 0.5) for u, v, r, _ in items], blur=0.012)
        img = screen(img, colour.rgb(colour_hex), glow * 0.6)
        img = screen(img, np.float32([1, 0.97, 0.9]), discs(fr, items, blur=0.002))
    return img


@family("lights")
def render_lights(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 91)
    img = _backdrop(fr, p)
    img = bokeh(
        img,
        fr,
        p["bokeh"],
        seed,
        p.get("horizon", -0.22) - 0.02,
        size=p.get("bokeh_size", 0.035),
        density=0.12,
    )
    if p.get("string"):
        img = string_lights(img, fr, p["string"], seed)
    if p.get("snow"):
        u, v, r = scatter(fr, 0.05, seed + 3)
        items = [
            (u[i], v[i], 0.002 + 0.006 * r[i, 0] ** 2, 0.5 + 0.5 * r[i, 1])
            for i in range(len(u))
            if r[i, 2] > 0.35
        ]
        img = screen(img, np.float32([1, 1, 1]), discs(fr, items, blur=0.002) * 0.8)
    return np.clip(img, 0, 1)


def diya(img: np.ndarray, fr: Frame, u: float, v: float, size: float) -> np.ndarray:
    """A clay lamp: a shaded bowl, a teardrop flame and a warm pool of light around it."""
    glow = gauss(fr, u, v - size * 0.9, size * 5.0, size * 4.0)
    img = screen(img, colour.rgb("#ffb347"), glow * 0.55)
    bowl = ellipse(fr, u, v, size * 1.3, size * 0.55) * (fr.v > v - size * 0.05)
    rim = ellipse(fr, u, v - size * 0.02, size * 1.3, size * 0.22)
    clay = colour.rgb("#8a3b1e") * (0.75 + 0.35 * smoothstep(u + size, u - size, fr.u))[..., None]
    img = over(img, clay, np.maximum(bowl, rim))
    img = over(img, colour.rgb("#f2a13a"), ellipse(fr, u, v - size * 0.04, size * 1.05, size * 0.12) * 0.8)
    flame = polygons(
        fr,
        [
            np.array(
                [
                    [u, v - size * 1.9],
                    [u + size * 0.28, v - size * 0.6],
                    [u, v - size * 0.3],
                    [u - size * 0.28, v - size * 0.6],
                ]
            )
        ],
        blur=size * 0.12,
    )
    img = over(img, colour.rgb("#ffd27a"), flame)
    return screen(
        img,
        np.float32([1, 1, 0.9]),
        ellipse(fr, u, v - size * 0.75, size * 0.12, size * 0.3, blur=size * 0.1),
    )


@family("diyas")
def render_diyas(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 93)
    img = _backdrop(fr, p)
    img = bokeh(img, fr, ["#ffb347", "#ffd27a"], seed, -0.3, size=0.03, density=0.13)
    if p.get("marigold"):
        # Garlands hanging down both sides: one antialiased draw per colour, one for the shading between.
        u0, u1 = fr.u_range
        flowers: dict[str, list] = {"#f39c12": [], "#e74c3c": []}
        gaps = []
        for side in (-1, 1):
            for k in range(14):
                t = k / 13
                uu = side * (u1 - 0.06 - 0.02 * math.sin(t * 9))
                vv = fr.top + t * 0.55
                flowers["#f39c12" if k % 3 else "#e74c3c"].append((uu, vv, 0.028, 1.0))
                gaps.append((uu + 0.006, vv + 0.008, 0.012, 0.5))
        for hexv, items in flowers.items():
            img = over(img, colour.rgb(hexv), discs(fr, items, blur=0.003))
        img = multiply(img, np.float32([0.6, 0.3, 0.1]), discs(fr, gaps, blur=0.006))
    u0, u1 = fr.u_range
    hz = p.get("horizon", -0.22)
    spots = [u for u in np.arange(u0 + 0.12, u1 - 0.05, 0.26) if abs(u) > 0.3]
    for i, u in enumerate(spots):
        img = diya(img, fr, float(u), hz + 0.1 + 0.05 * (i % 2), 0.03)
    return np.clip(img, 0, 1)


@family("holi")
def render_holi(fr: Frame, p: dict) -> np.ndarray:
    """Clouds of coloured powder drifting in from the edges, with scattered grains."""
    seed = p.get("seed", 95)
    img = sweep_base(
        fr, {"wall": p.get("wall", "#faf7f2"), "horizon": -0.2, "key_strength": 0.06, "vignette": 0.08}
    )
    spots = [(-0.75, -0.55), (0.75, -0.45), (-0.65, 0.15), (0.7, 0.2), (0.0, -0.95)]
    for k, hexv in enumerate(p["colours"]):
        cu, cv = spots[k % len(spots)]
        cu *= max(1.0, fr.u_range[1] / 0.5) * 0.75
        cloud = fbm(fr, 2.2, seed + 17 * k, octaves=4)
        mask = gauss(fr, cu, cv, 0.42, 0.36) * smoothstep(0.35, 0.7, cloud + 0.25 * gauss(fr, cu, cv, 0.25))
        img = over(img, colour.rgb(hexv), np.clip(mask * 1.3, 0, 0.92))
        u, v, r = scatter(fr, 0.035, seed + k)
        items = [
            (u[i], v[i], 0.002 + 0.004 * r[i, 0], 1.0)
            for i in range(len(u))
            if r[i, 1] < math.exp(-((u[i] - cu) ** 2 + (v[i] - cv) ** 2) / 0.2)
        ]
        img = over(img, colour.rgb(hexv), discs(fr, items) * 0.85)
    return img


@family("night")
def render_night(fr: Frame, p: dict) -> np.ndarray:
    """Eid / Ramadan: a night-blue sky with a crescent moon, stars and hanging lanterns."""
    seed = p.get("seed", 97)
    t = span(fr, 90.0)
    img = colour.apply_ramp(t, colour.ramp(p["stops"]))
    u, v, r = scatter(fr, 0.06, seed, margin=0.0, v_limits=(fr.top, -0.24))
    items = [
        (u[i], v[i], 0.0012 + 0.0035 * r[i, 0] ** 4, 0.3 + 0.7 * r[i, 1] ** 2)
        for i in range(len(u))
        if r[i, 2] > 0.4
    ]
    img = screen(img, np.float32([1, 0.97, 0.88]), discs(fr, items, blur=0.0012))
    u0, u1 = fr.u_range
    side = p.get("moon_side", 1)
    mu, mv = (u1 - 0.2) * side, fr.top + 0.17
    moon = np.clip(
        ellipse(fr, mu, mv, 0.085, 0.085, blur=0.002)
        - ellipse(fr, mu + 0.04, mv - 0.025, 0.075, 0.075, blur=0.002),
        0,
        1,
    )
    img = screen(img, colour.rgb("#ffe7a8"), gauss(fr, mu, mv, 0.22) * 0.25)
    img = over(img, colour.rgb("#ffe9b0"), moon)
    for i in range(3):
        lu = -side * (u1 - 0.09 - 0.12 * i)
        length = (0.14, 0.26, 0.08)[i]
        lv = fr.top + length
        img = over(img, colour.rgb("#c9a35a"), lines(fr, [(lu, fr.top, lu, lv)], 0.002) * 0.8)
        body = polygons(
            fr,
            [
                np.array(
                    [
                        [lu - 0.025, lv + 0.02],
                        [lu + 0.025, lv + 0.02],
                        [lu + 0.035, lv + 0.07],
                        [lu + 0.02, lv + 0.11],
                        [lu - 0.02, lv + 0.11],
                        [lu - 0.035, lv + 0.07],
                    ]
                )
            ],
            blur=0.001,
        )
        img = screen(img, colour.rgb("#ffb347"), gauss(fr, lu, lv + 0.07, 0.09) * 0.5)
        img = over(img, colour.rgb("#ffd58a"), body)
        cap = np.array([[lu - 0.018, lv], [lu + 0.018, lv], [lu + 0.026, lv + 0.02], [lu - 0.026, lv + 0.02]])
        img = over(img, colour.rgb("#8c6a2f"), polygons(fr, [cap, cap + [0, 0.11]]))
    floor = smoothstep(-0.2, -0.19, fr.v)
    img = img * (1.0 - 0.3 * floor)[..., None]
    img = screen(img, colour.rgb("#ffcf8a"), gauss(fr, 0.0, -0.02, 0.6, 0.1) * floor * 0.12)
    return img * vignette(fr, 0.25, cv=-0.2)[..., None]


@family("confetti")
def render_confetti(fr: Frame, p: dict) -> np.ndarray:
    """Confetti and streamers concentrated at the edges (the centre is the product's)."""
    seed = p.get("seed", 99)
    img = sweep_base(
        fr, {"wall": p["wall"], "horizon": -0.22, "key_strength": 0.12, "vignette": p.get("vignette", 0.2)}
    )
    u, v, r = scatter(fr, p.get("cell", 0.045), seed)
    cols = p["colours"]
    layers: list[list[np.ndarray]] = [[] for _ in cols]
    for i in range(len(u)):
        d = math.hypot(u[i] / 0.55, (v[i] + 0.3) / 0.6)
        if r[i, 0] > (d - 0.55) * 1.6:
            continue
        size = 0.008 + 0.01 * r[i, 1]
        a = r[i, 2] * math.pi
        shape = int(r[i, 3] * 100) % 3
        if shape == 0:
            t = np.linspace(0, 2 * math.pi, 12, endpoint=False)
            poly = np.stack([u[i] + size * np.cos(t), v[i] + size * np.sin(t)], 1)
        elif shape == 1:
            poly = star(u[i], v[i], size * 1.3, 5, 0.45, a * 57)
        else:
            c, s = math.cos(a), math.sin(a)
            w, h = size * 1.6, size * 0.6
            poly = np.array(
                [
                    [u[i] + c * x - s * y, v[i] + s * x + c * y]
                    for x, y in [(-w, -h), (w, -h), (w, h), (-w, h)]
                ]
            )
        layers[int(r[i, 3] * 977) % len(cols)].append(poly)
    for hexv, polys in zip(cols, layers, strict=True):
        if polys:
            m = polygons(fr, polys)
            img = multiply(
                img, np.float32([0.5, 0.5, 0.5]), np.roll(m, max(1, int(fr.s * 0.004)), axis=0) * 0.25
            )
            img = over(img, colour.rgb(hexv), m)
    return img


@family("burst")
def render_burst(fr: Frame, p: dict) -> np.ndarray:
    """Sale energy without text: rays from behind the product in two close tones, a glow, and a
    bold band at the bottom."""
    ang = np.arctan2(fr.v + 0.3, fr.u)
    n = p.get("rays", 16)
    ray = smoothstep(-0.08, 0.08, np.sin(ang * n))
    a, b = colour.rgb(p["a"]), colour.rgb(p["b"])
    img = a + (b - a) * ray[..., None]
    img = screen(img, colour.rgb(p.get("glow", "#ffffff")), gauss(fr, 0.0, -0.3, 0.45) * 0.45)
    if p.get("band"):
        edge = fr.v - 0.06 * fr.u - p.get("band_v", 0.3)
        img = multiply(img, np.float32([0.3, 0.3, 0.3]), smoothstep(-0.03, 0.0, edge) * 0.4)
        img = over(img, colour.rgb(p["band"]), smoothstep(-0.001, 0.001, edge))
    return img * vignette(fr, 0.2, cv=-0.2)[..., None]


@family("hearts")
def render_hearts(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 101)
    img = _backdrop(fr, {**p, "vignette": 0.25})
    u, v, r = scatter(fr, 0.13, seed, v_limits=(fr.top, -0.3))
    t = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    hx, hy = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    for layer, (blur, alpha) in enumerate([(0.01, 0.35), (0.002, 0.75)]):
        polys = []
        for i in range(len(u)):
            if int(r[i, 3] * 2) != layer or r[i, 2] < 0.35:
                continue
            s = (0.002 + 0.0025 * r[i, 0]) * (1.6 if layer == 0 else 1.0)
            polys.append(np.stack([u[i] + hx * s, v[i] + hy * s], 1))
        img = screen(img, colour.rgb(p["heart"]), polygons(fr, polys, blur=blur) * alpha)
    return img
