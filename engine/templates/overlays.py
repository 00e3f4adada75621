"""Light and shadow laid over a finished set: bokeh, window blinds, a window's patch of sun and the
dappled shadow of leaves. Shared by several families (studio, podium, nature, festive), so they live
below all of them."""

from __future__ import annotations

import math

import numpy as np

from engine.templates import colour
from engine.templates.frame import Frame, gauss, smoothstep
from engine.templates.noise import scatter
from engine.templates.shapes import discs, polygons, screen


def bokeh(
    img: np.ndarray,
    fr: Frame,
    colours: list[str],
    seed: int,
    v_max: float,
    size: float = 0.04,
    density: float = 0.15,
) -> np.ndarray:
    """Out-of-focus lights: discs of varied size and brightness, thinning out toward the floor."""
    u, v, r = scatter(fr, density, seed, v_limits=(fr.top, v_max))
    fade = np.clip((v_max - v) / 0.35, 0, 1)
    for k, hexv in enumerate(colours):
        sel = ((r[:, 3] * len(colours)).astype(int) % len(colours) == k) & (r[:, 2] > 0.3)
        items = [
            (u[i], v[i], size * (0.4 + 1.2 * r[i, 0] ** 2), (0.12 + 0.4 * r[i, 1]) * fade[i])
            for i in np.nonzero(sel)[0]
        ]
        img = screen(img, colour.rgb(hexv), discs(fr, items, blur=size * 0.12))
    return img


def blinds(
    img: np.ndarray,
    fr: Frame,
    v_max: float,
    strength: float = 0.09,
    angle: float = 35.0,
    period: float = 0.085,
) -> np.ndarray:
    """Sunlight through window blinds falling across the wall: soft diagonal bars of light in a patch
    that fades out, as a window's light does, rather than stripes wall to wall."""
    a = math.radians(angle)
    coord = fr.u * math.cos(a) + fr.v * math.sin(a)
    bars = smoothstep(-0.7, 0.7, np.sin(2 * math.pi * coord / period))
    region = gauss(fr, -0.3, v_max - 0.35, 0.55, 0.4) * smoothstep(v_max + 0.02, v_max - 0.04, fr.v)
    return img * (1.0 - strength + strength * 2.0 * (bars * region + (1 - region) * 0.5))[..., None]


def window(
    img: np.ndarray, fr: Frame, v_max: float, strength: float = 0.07, shear: float = 0.5
) -> np.ndarray:
    """Late sun through a four-pane window, falling on the wall as a sheared patch of light with the
    cross of the frame in shadow; edges are soft because the sun is not a point."""
    half_w, half_h, bar, soft = 0.15, 0.18, 0.01, 0.02
    cu = max(-0.3, fr.u_range[0] + half_w + shear * half_h + 0.04)  # fully inside the frame at 1:1
    cv = v_max - 0.3
    a = (fr.u - cu) - shear * (fr.v - cv)
    b = fr.v - cv
    inside = smoothstep(half_w + soft, half_w - soft, np.abs(a)) * smoothstep(
        half_h + soft, half_h - soft, np.abs(b)
    )
    mullion = np.maximum(
        smoothstep(bar + soft, bar - soft * 0.5, np.abs(a)),
        smoothstep(bar + soft, bar - soft * 0.5, np.abs(b)),
    )
    light = inside * (1.0 - mullion) * smoothstep(v_max + 0.01, v_max - 0.03, fr.v)
    warm = np.float32([1.0, 0.97, 0.9])
    return np.clip(img * (1.0 - strength * 0.5 + strength * 2.0 * light[..., None] * warm), 0, 1)


def leaves(img: np.ndarray, fr: Frame, seed: int, strength: float = 0.25, v_max: float = 0.3) -> np.ndarray:
    """Dappled shadow of leaves from a plant out of shot, cast on the wall from the upper left."""
    u, v, r = scatter(fr, 0.07, seed, v_limits=(fr.top, v_max))
    keep = (u < -0.05 + 0.4 * r[:, 2]) & (r[:, 3] > 0.25)
    polys = []
    for i in np.nonzero(keep)[0]:
        length, width, ang = 0.05 + 0.06 * r[i, 0], 0.012 + 0.015 * r[i, 1], r[i, 2] * math.pi
        t = np.linspace(0, 2 * math.pi, 14, endpoint=False)
        x, y = length * np.cos(t), width * np.sin(t)
        polys.append(
            np.stack(
                [u[i] + x * math.cos(ang) - y * math.sin(ang), v[i] + x * math.sin(ang) + y * math.cos(ang)],
                1,
            )
        )
    mask = polygons(fr, polys, blur=0.012) * smoothstep(0.25, -0.35, fr.u)
    return img * (1.0 - strength * mask)[..., None]
