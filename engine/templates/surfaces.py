"""Natural surfaces from procedural noise: marble, wood, concrete, linen, paper, terrazzo.

Each texture is a function of a Frame, so it can fill the canvas as a flat lay or be rendered off-screen
and laid into perspective as a tabletop under a wall. Real surfaces are never uniform: every texture
mixes a low-frequency mottle (light and wear) with its characteristic detail, and keeps contrast low
enough that a product in front of it stays the subject.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep, vignette
from engine.templates.noise import fbm, hash01, ridged, scatter, value_noise
from engine.templates.registry import family
from engine.templates.shapes import over, polygons


def marble(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 11)
    base = colour.rgb(p["base"])
    base2 = colour.rgb(p.get("base2") or colour.shade(p["base"], -0.04))
    vein = colour.rgb(p["vein"])
    cloud = fbm(fr, 1.6, seed, octaves=3)
    img = colour.mix(base, base2, smoothstep(0.3, 0.75, cloud))
    a = math.radians(p.get("angle", 35.0))
    turb = fbm(fr, 1.4, seed + 5, octaves=4, gain=0.55)
    phase = (fr.u * math.cos(a) + fr.v * math.sin(a)) * p.get("freq", 5.0) + turb * p.get("turb", 7.0)
    ridge = 1.0 - np.abs(np.sin(phase))
    main = ridge ** p.get("sharp", 10.0)
    halo = ridge**3 * 0.18  # the stone clouds up around a vein before the vein itself
    fine = ridged(fr, 2.0, seed + 9, octaves=3, gain=0.5) ** 24
    veins = main * p.get("vein_strength", 0.6) + halo + fine * p.get("fine", 0.18)
    veins = veins * smoothstep(0.3, 0.65, fbm(fr, 0.9, seed + 13, octaves=2))  # veins fade in and out
    veins = cv2.GaussianBlur(np.clip(veins, 0, 1), (0, 0), max(0.6, fr.s * 0.0012))
    img = over(img, vein, veins)
    if p.get("gold"):
        g = (1.0 - np.abs(np.sin(phase * 0.5 + 1.3))) ** 40
        img = over(img, colour.rgb(p["gold"]), g * 0.8)
    return img


def wood(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 21)
    plank = p.get("plank", 0.22)
    idx = np.floor(fr.v / plank)
    local = fr.v - idx * plank
    pid = idx.astype(np.int64)
    ph = hash01(pid, pid * 0 + 3, seed)  # (H, 1) per-plank randoms
    tint = hash01(pid, pid * 0 + 5, seed) - 0.5
    n = fbm(fr, 1.2, seed, octaves=5, freq_y=24.0)
    rings = 0.5 + 0.5 * np.sin(2 * math.pi * (fr.v * p.get("rings", 9.0) + n * 3.0 + ph * 7.0 + 0.15 * fr.u))
    rings = rings**2.5
    fibre = value_noise(fr, 3.0, seed + 3, freq_y=260.0)
    t = np.clip(0.55 * rings + 0.25 * fibre + 0.2 * n + tint * p.get("plank_var", 0.35), 0, 1)
    img = colour.apply_ramp(t, colour.ramp(p["stops"]))
    seam = smoothstep(0.004, 0.0, local) + smoothstep(plank - 0.003, plank, local)
    return img * (1.0 - 0.35 * np.clip(seam, 0, 1))[..., None]


def concrete(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 31)
    base = colour.rgb(p["base"])
    mott = fbm(fr, 2.0, seed, octaves=6, gain=0.55)
    speck = value_noise(fr, 220.0, seed + 1)
    pits = smoothstep(0.86, 0.95, value_noise(fr, 90.0, seed + 2)) * smoothstep(
        0.4, 0.7, fbm(fr, 3.0, seed + 3, octaves=2)
    )
    lum = 1.0 + p.get("contrast", 0.16) * (mott - 0.5) + 0.05 * (speck - 0.5) - p.get("pits", 0.1) * pits
    return base * lum[..., None]


def linen(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 41)
    base = colour.rgb(p["base"])
    threads = p.get("threads", 190.0)
    h = value_noise(fr, 2.5, seed, freq_y=threads)
    w = value_noise(fr, threads, seed + 1, freq_y=2.5)
    slub = smoothstep(0.8, 0.95, value_noise(fr, 6.0, seed + 2, freq_y=threads * 0.5))
    weave = np.sin(fr.u * threads * math.pi) * np.sin(fr.v * threads * math.pi)
    mott = fbm(fr, 1.5, seed + 3, octaves=3)
    lum = 1.0 + 0.07 * (h - 0.5) + 0.07 * (w - 0.5) + 0.012 * weave + 0.05 * slub + 0.08 * (mott - 0.5)
    return base * lum[..., None]


def paper(fr: Frame, p: dict) -> np.ndarray:
    """Paper: cloudy formation (uneven pulp density), a fine tooth, and a few faint, short fibres."""
    seed = p.get("seed", 51)
    base = colour.rgb(p["base"])
    fibre = colour.rgb(p.get("fibre") or colour.shade(p["base"], -0.1))
    formation = fbm(fr, 3.0, seed, octaves=5, gain=0.6)
    tooth = value_noise(fr, 160.0, seed + 4)
    lum = 1.0 + p.get("contrast", 0.07) * (formation - 0.5) + 0.03 * (tooth - 0.5)
    img = base * lum[..., None]
    f1 = ridged(fr, 9.0, seed + 1, octaves=1, freq_y=1.2, angle=25.0) ** 60
    f2 = ridged(fr, 9.0, seed + 2, octaves=1, freq_y=1.2, angle=-65.0) ** 60
    clump = smoothstep(0.45, 0.7, value_noise(fr, 5.0, seed + 3))
    return over(img, fibre, np.clip(f1 + f2, 0, 1) * clump * p.get("fibres", 0.35))


def terrazzo(fr: Frame, p: dict) -> np.ndarray:
    seed = p.get("seed", 61)
    img = concrete(fr, {"base": p["base"], "seed": seed, "contrast": 0.08})
    chips = p["chips"]
    u, v, r = scatter(fr, p.get("cell", 0.055), seed, margin=0.05)
    layers: list[list[np.ndarray]] = [[] for _ in chips]
    for k in range(len(u)):
        size = 0.006 + 0.02 * r[k, 0] ** 2
        nvert = 5 + int(r[k, 1] * 3)
        ang = np.linspace(0, 2 * math.pi, nvert, endpoint=False) + r[k, 2] * 6
        rad = size * (0.65 + 0.35 * hash01(np.arange(nvert), np.full(nvert, k), seed))
        layers[int(r[k, 3] * len(chips)) % len(chips)].append(
            np.stack([u[k] + rad * np.cos(ang), v[k] + rad * np.sin(ang) * 0.85], axis=1)
        )
    for hexv, polys in zip(chips, layers, strict=True):
        if polys:
            img = over(img, colour.rgb(hexv), polygons(fr, polys, blur=0.0008))
    return img


TEXTURES = {
    "marble": marble,
    "wood": wood,
    "concrete": concrete,
    "linen": linen,
    "paper": paper,
    "terrazzo": terrazzo,
}


def texture(fr: Frame, p: dict) -> np.ndarray:
    return TEXTURES[p["texture"]](fr, p).astype(np.float32)


@family("flat", max_work=1024, grain=0.008)
def render_flat(fr: Frame, p: dict) -> np.ndarray:
    """The texture fills the canvas, lit by a broad soft light from the top left (a flat lay)."""
    img = texture(fr, p)
    light = 1.0 + p.get("light", 0.08) * (gauss(fr, -0.45, -0.55, 0.9) - 0.5)
    return img * (light * vignette(fr, p.get("vignette", 0.12), cv=0.0))[..., None]


@family("tabletop", max_work=1024, grain=0.007)
def render_tabletop(fr: Frame, p: dict) -> np.ndarray:
    """A wall above and the textured tabletop below, laid into perspective with a homography."""
    hz = p.get("horizon", -0.2)
    hz_y = int(round(fr.px(0, hz)[1]))
    hz_y = min(max(hz_y, 1), fr.height - 1)
    wall = colour.rgb(p["wall"])
    img = fr.blank(wall)
    wl = 1.0 + 0.12 * (gauss(fr, -0.3, hz - 0.25, 0.8) - 0.5)
    img *= (wl * vignette(fr, 0.2, cv=hz))[..., None]
    if p.get("wall_texture"):
        img *= (1.0 + 0.05 * (fbm(fr, 3.0, 77, octaves=4) - 0.5))[..., None]
    # Off-screen top view of the table, 2x wider than the canvas. It is rendered at 60% resolution: the
    # back is compressed by perspective anyway and the front reads as slightly out of focus, as in a photo.
    rows = fr.height - hz_y
    q = 0.6
    tw, th = max(8, int(fr.width * 2.0 * q)), max(8, int(2.2 * rows * q))
    if p.get("lengthwise"):  # boards running away from the camera: perspective shows in their lines
        tex = np.ascontiguousarray(texture(Frame(th, tw, 0.5, unit=fr.s * 1.1 * q), p).transpose(1, 0, 2))
    else:
        tex = texture(Frame(tw, th, 0.5, unit=fr.s * 1.1 * q), p)
    src = np.float32([[0, 0], [tw, 0], [tw, th], [0, th]])
    dst = np.float32(
        [
            [-0.45 * fr.width, hz_y],
            [1.45 * fr.width, hz_y],
            [2.1 * fr.width, fr.height + rows * 0.2],
            [-1.1 * fr.width, fr.height + rows * 0.2],
        ]
    )
    m = cv2.getPerspectiveTransform(src, dst)
    table = cv2.warpPerspective(
        tex, m, (fr.width, fr.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    on_table = (np.arange(fr.height)[:, None] >= hz_y).astype(np.float32)
    # The table darkens toward the back (less light reaches it) and catches the key toward the front.
    tl = 0.86 + 0.18 * smoothstep(hz, fr.bottom, fr.v) + 0.1 * (gauss(fr, -0.25, 0.05, 0.7) - 0.5)
    table = table * tl[..., None]
    img = img + (table - img) * on_table[..., None]
    # Ambient occlusion where wall meets table.
    ao = np.exp(-(((fr.v - hz) / 0.03) ** 2)) * (fr.v < hz)
    img *= (1.0 - 0.12 * ao)[..., None]
    return img
