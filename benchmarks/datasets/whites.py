"""White-on-white stress shots with exact alpha: light products on light, photographed, unevenly lit sweeps.

Why this slice exists: the colour model fits a smooth polynomial to the backdrop, and the emoji studio
backdrops are exactly such a polynomial, so that benchmark cannot show where the colour model is blind.
Here nothing is polynomial and little contrasts:

- products that are white, cream, silver or glass (a white card with a print, a white phone with its
  screen, a white printer with a dark slot, a silver bottle, a cream mug whose handle is a true hole,
  a glass bottle and a light bulb with partial alpha, an open shrub whose gaps are backdrop);
- backdrops from real photographs: the fine luminance detail of CC0 / public-domain photographs shipped
  in scikit-image's wheel (paper, gravel, grass, brick) laid at low amplitude on a light sweep, lit
  unevenly (a random smooth field, a spotlight falloff, a wall-to-floor bend), never a polynomial;
- product surfaces carry the fine detail of real photographs too (porcelain, fur, fabric, metal);
- soft floor shadows and hard cast shadows, signal-dependent sensor noise, JPEG 72-92.

Splits use disjoint photographs: `tune` (paper `text`, `grass`; surfaces from `coffee`, `chelsea`) and
`holdout` (`gravel`, `brick`; surfaces from `astronaut`, `rocket`) with disjoint seeds, so figures on
`holdout` come from textures no tuning run ever saw. Every shot is reproducible from (kind, split, index).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

from benchmarks.datasets.studio import StudioShot

KINDS = (
    "white_card",
    "white_phone",
    "white_printer",
    "silver_bottle",
    "cream_mug",
    "glass_bottle",
    "bulb",
    "shrub",
)
SPLITS = ("tune", "holdout")
_BACKDROPS = {"tune": ("text", "grass"), "holdout": ("gravel", "brick")}
_SURFACES = {"tune": ("coffee", "chelsea"), "holdout": ("astronaut", "rocket")}
SOURCES = (
    "scikit-image 0.26 wheel (skimage/data): text (public domain, Wikipedia), grass (CC0, DeviantArt "
    "linolafett), gravel and brick (CC0, CC0Textures), coffee (CC0, Rachel Michetti), chelsea (CC0, "
    "Stefan van der Walt), astronaut (public domain, NASA), rocket (public domain, SpaceX)"
)


@cache
def _photo(name: str) -> np.ndarray:
    """Luminance of one scikit-image sample photograph, float32 0..1 (installed with rembg's deps)."""
    try:
        import skimage.data as data
    except ImportError as exc:  # pragma: no cover - depends on the bench extra
        raise SystemExit("scikit-image is needed: .venv/bin/pip install -e '.[bench]'") from exc
    img = np.asarray(getattr(data, name)(), dtype=np.float32) / 255.0
    return img @ np.array([0.299, 0.587, 0.114], np.float32) if img.ndim == 3 else img


def _detail(name: str, h: int, w: int, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Zero-mean, unit-std fine detail from a random crop of a photograph, tiled and rescaled to (h, w)."""
    src = _photo(name)
    sh, sw = src.shape
    ch, cw = max(16, int(sh * rng.uniform(0.4, 0.9))), max(16, int(sw * rng.uniform(0.4, 0.9)))
    y, x = int(rng.integers(0, sh - ch + 1)), int(rng.integers(0, sw - cw + 1))
    crop = src[y : y + ch, x : x + cw]
    reps = max(1, int(np.ceil(max(h, w) / (max(ch, cw) * scale))))
    tiled = np.tile(crop, (reps, reps))
    tiled = cv2.resize(tiled, (w, h), interpolation=cv2.INTER_LINEAR)
    high = tiled - cv2.GaussianBlur(tiled, (0, 0), 6.0)
    return (high / max(float(high.std()), 1e-4)).astype(np.float32)


def _backdrop(h: int, w: int, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    base = rng.uniform(0.86, 0.985)
    field = cv2.resize(rng.normal(0, 1, (4, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    uneven = 1 + rng.uniform(0.02, 0.07) * field / max(float(np.abs(field).max()), 1e-3)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, rho = w * rng.uniform(0.2, 0.8), h * rng.uniform(0.0, 0.5), rng.uniform(0.5, 1.2) * w
    spot = 1 / (1 + ((xs - cx) ** 2 + (ys - cy) ** 2) / rho**2)  # a lamp's falloff: rational, not polynomial
    horizon = h * rng.uniform(0.45, 0.7)
    bend = 1 - rng.uniform(0.0, 0.06) / (1 + np.exp((ys - horizon) / (h * 0.04)))  # wall darker than floor
    tex_name = str(rng.choice(_BACKDROPS[split]))
    tex = _detail(tex_name, h, w, rng, rng.uniform(0.8, 2.0)) * rng.uniform(0.006, 0.02)
    lum = base * uneven * (0.8 + 0.2 * spot) / 0.95 * bend * (1 + tex)
    cast = 1 + rng.normal(0, 0.012, 3)
    bg = np.clip(lum[..., None] * cast[None, None, :], 0, 1).astype(np.float32)
    return bg, {"base": float(base), "texture": tex_name}


def _product(
    kind: str, s: int, rng: np.random.Generator, surface: str, k: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """(colour s x s x 3, alpha s x s) of one product, drawn at `k` times its size and reduced for
    camera-like edges (a close shot's large product at 2x: at 4x it took 13 s a shot)."""
    n = s * k
    cov = np.zeros((n, n), np.float32)
    col = np.zeros((n, n, 3), np.float32)

    def p(v: float) -> int:
        return int(round(v * n))

    white = np.array([rng.uniform(0.93, 1.0)] * 3, np.float32) * (1 + rng.normal(0, 0.006, 3))
    if kind == "white_card":
        cv2.rectangle(cov, (p(0.1), p(0.25)), (p(0.9), p(0.75)), 1.0, -1)
        col[:] = white
        cv2.putText(
            col, "DRISYA", (p(0.22), p(0.55)), cv2.FONT_HERSHEY_SIMPLEX, n / 260, (0.2, 0.3, 0.6), k * 3
        )
    elif kind == "white_phone":
        cv2.rectangle(cov, (p(0.3), p(0.05)), (p(0.7), p(0.95)), 1.0, -1)
        col[:] = white * 0.97
        cv2.rectangle(col, (p(0.33), p(0.1)), (p(0.67), p(0.88)), (0.06, 0.07, 0.09), -1)
    elif kind == "white_printer":
        top = np.array([[0.05, 0.35], [0.95, 0.35], [0.85, 0.2], [0.15, 0.2]]) * n
        cv2.fillPoly(cov, [top.astype(np.int32)], 1.0)
        cv2.rectangle(cov, (p(0.05), p(0.35)), (p(0.95), p(0.85)), 1.0, -1)
        col[:] = white * 0.96
        cv2.fillPoly(col, [top.astype(np.int32)], tuple(float(c) for c in white))
        cv2.rectangle(col, (p(0.2), p(0.55)), (p(0.8), p(0.6)), (0.15, 0.15, 0.16), -1)
    elif kind == "silver_bottle":
        cv2.rectangle(cov, (p(0.32), p(0.3)), (p(0.68), p(0.95)), 1.0, -1)
        cv2.rectangle(cov, (p(0.43), p(0.08)), (p(0.57), p(0.3)), 1.0, -1)
        xs = np.linspace(-1, 1, n, dtype=np.float32)[None, :]
        shade = 0.72 + 0.22 * np.cos(xs * 5.0 + rng.uniform(0, 1))
        col[:] = np.repeat(shade[..., None], 3, axis=2) * np.array([0.98, 0.99, 1.0], np.float32)
    elif kind == "cream_mug":
        cv2.rectangle(cov, (p(0.15), p(0.2)), (p(0.65), p(0.9)), 1.0, -1)
        cv2.ellipse(cov, (p(0.65), p(0.52)), (p(0.2), p(0.22)), 0, 0, 360, 1.0, -1)
        hole = np.zeros_like(cov)
        cv2.ellipse(hole, (p(0.67), p(0.52)), (p(0.11), p(0.13)), 0, 0, 360, 1.0, -1)
        hole[:, : p(0.65)] = 0
        cov = np.clip(cov - hole, 0, 1)
        col[:] = np.array([0.97, 0.93, 0.84], np.float32) * rng.uniform(0.95, 1.0)
    elif kind == "glass_bottle":
        body = np.zeros_like(cov)
        cv2.rectangle(body, (p(0.3), p(0.3)), (p(0.7), p(0.95)), 1.0, -1)
        cv2.rectangle(body, (p(0.44), p(0.06)), (p(0.56), p(0.3)), 1.0, -1)
        rim = body - cv2.erode(body, np.ones((p(0.03), p(0.03)), np.uint8))
        cov = np.maximum(body * rng.uniform(0.55, 0.75), rim * 0.95)  # glass: partial, above one half
        cv2.rectangle(cov, (p(0.42), p(0.04)), (p(0.58), p(0.1)), 1.0, -1)  # an opaque cap
        col[:] = np.array([0.8, 0.88, 0.85], np.float32)
        cv2.rectangle(col, (p(0.36), p(0.35)), (p(0.4), p(0.9)), (1.0, 1.0, 1.0), -1)  # highlight
    elif kind == "bulb":
        glass = np.zeros_like(cov)
        cv2.circle(glass, (p(0.5), p(0.38)), p(0.3), 1.0, -1)
        cv2.rectangle(glass, (p(0.38), p(0.55)), (p(0.62), p(0.72)), 1.0, -1)
        cov = glass * rng.uniform(0.55, 0.75)
        glow = cv2.GaussianBlur(np.float32(glass > 0) * 1.0, (0, 0), n * 0.06)
        cov = np.maximum(cov, glow * glass * 0.8)
        cv2.rectangle(cov, (p(0.4), p(0.72)), (p(0.6), p(0.92)), 1.0, -1)  # metal base, opaque
        col[:] = (1.0, 0.97, 0.88)
        col[p(0.72) :, :] = (0.7, 0.7, 0.72)
    elif kind == "shrub":
        leaf = (rng.uniform(0.1, 0.3), rng.uniform(0.4, 0.6), rng.uniform(0.1, 0.25))
        cv2.rectangle(cov, (p(0.38), p(0.78)), (p(0.62), p(0.98)), 1.0, -1)  # pot
        for _ in range(9):
            a = rng.uniform(-2.4, -0.7)
            end = (p(0.5 + 0.42 * np.cos(a)), p(0.78 + 0.65 * np.sin(a)))
            cv2.line(cov, (p(0.5), p(0.78)), end, 1.0, max(2, p(0.012)))
            for t in np.linspace(0.45, 1.0, 4):
                c = (int(p(0.5) + (end[0] - p(0.5)) * t), int(p(0.78) + (end[1] - p(0.78)) * t))
                cv2.circle(cov, c, p(rng.uniform(0.02, 0.04)), 1.0, -1)
        col[:] = leaf
        col[p(0.78) :, :] = white * 0.95  # a white pot
    else:
        raise ValueError(f"unknown kind {kind!r}; choose from {KINDS}")
    detail = _detail(surface, n, n, rng, 1.0) * rng.uniform(0.01, 0.03)
    col = np.clip(col * (1 + detail[..., None]), 0, 1)
    alpha = cv2.resize(cov, (s, s), interpolation=cv2.INTER_AREA)
    pre = cv2.resize(col * cov[..., None], (s, s), interpolation=cv2.INTER_AREA)
    colour = pre / np.maximum(alpha[..., None], 1e-4)
    return np.clip(colour, 0, 1), np.clip(alpha, 0, 1)


@dataclass(frozen=True)
class Item:
    kind: str
    split: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.index}"


def pick(split: str, count: int) -> list[Item]:
    """`count` shots of one split, cycling through every kind so each kind is present."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {SPLITS}")
    return [Item(KINDS[i % len(KINDS)], split, i // len(KINDS)) for i in range(count)]


def shot(item: Item, *, size: int = 1024, scale: float = 1.0) -> StudioShot:
    """One reproducible white-on-white shot; the seed depends on the kind, split and index only.
    `scale` draws the product that many times larger (`close_shot`), every random draw unchanged."""
    seed = (KINDS.index(item.kind) * 1000 + item.index) * 2 + SPLITS.index(item.split) + 50_000
    rng = np.random.default_rng(seed)
    h = w = size
    bg, params = _backdrop(h, w, rng, item.split)
    s = min(int(size * rng.uniform(0.4, 0.7) * scale), int(size * CLOSE_MOST))
    col, a = _product(item.kind, s, rng, str(rng.choice(_SURFACES[item.split])), 4 if scale <= 1.0 else 2)
    x0, y0 = int((w - s) * rng.uniform(0.25, 0.75)), int((h - s) * rng.uniform(0.3, 0.8))
    alpha = np.zeros((h, w), np.float32)
    alpha[y0 : y0 + s, x0 : x0 + s] = a
    fg = np.zeros((h, w, 3), np.float32)
    fg[y0 : y0 + s, x0 : x0 + s] = col

    shade = np.zeros((h, w), np.float32)
    ys, xs = np.nonzero(alpha > 0.5)
    kind = str(rng.choice(["soft", "hard", "both"]))
    if kind in ("soft", "both"):
        cv2.ellipse(
            shade,
            (int(xs.mean()), int(ys.max())),
            (max(4, int((xs.max() - xs.min()) * 0.55)), max(3, int(s * 0.05))),
            0,
            0,
            360,
            1.0,
            -1,
        )
        shade = cv2.GaussianBlur(shade, (0, 0), max(2.0, s * 0.03))
    if kind in ("hard", "both"):
        base = float(ys.max())
        shear = rng.uniform(-0.8, 0.8)
        m = np.float32([[1, shear, -shear * base], [0, 0.35, base * 0.65]])  # projected onto the floor
        cast = cv2.warpAffine((alpha > 0.5).astype(np.float32), m, (w, h))
        shade = np.maximum(shade, cv2.GaussianBlur(cast, (0, 0), rng.uniform(0.8, 3.0)))
    opacity = rng.uniform(0.15, 0.4)
    bg = bg * (1 - opacity * shade[..., None])
    img = fg * alpha[..., None] + bg * (1 - alpha[..., None])
    noise = rng.uniform(0.5, 3.0) / 255.0
    img = img + rng.normal(0, 1, img.shape).astype(np.float32) * noise * np.sqrt(np.clip(img, 0.05, 1))
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    quality = int(rng.integers(72, 93))
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, "JPEG", quality=quality)
    u8 = np.asarray(Image.open(buf).convert("RGB"))
    params.update({"scale": scale, "shadow": kind, "shadow_opacity": float(opacity), "jpeg_quality": quality})
    return StudioShot(u8, alpha, params)


CLOSE_SCALE = 2.0  # a close shot's product is drawn this many times larger on the same sweep (at most
CLOSE_MOST = 0.96  # this share of the frame's side)


def close_shot(item: Item, *, size: int = 1024) -> StudioShot:
    """The same shot framed the way sellers frame: the product filling most of the picture.

    `shot` places a product whose box spans 0.3-0.6 of the frame's side (12 % of its area) on a
    wide sweep; marketplace photos fill the frame (Amazon asks for 85 %), and on such framing `auto`
    measured far lower (stop 25, tune whites 3-8 cut to 640 px around the product: IoU 0.9878 ->
    0.9673, 1 -> 5 images below 0.9). The same draws as `shot` (product, sweep, light, shadow, noise,
    JPEG), with the product `CLOSE_SCALE` times larger: its box 0.6-0.87 of the frame's side."""
    return shot(item, size=size, scale=CLOSE_SCALE)


# the benchmarks' slice names for the two framings, one owner for matting_quality and matting_speed
SLICES = {"whites": shot, "whites_close": close_shot}
