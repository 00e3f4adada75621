"""The one entry point that turns a TemplateSpec into pixels at any size and aspect.

Smooth content is rendered at a bounded working size and upscaled with bicubic interpolation in float,
then film grain and dithering are added at the final size: that keeps a 2000x2000 render fast, makes every
size look the same, and the dither stops 8-bit banding in wide soft gradients.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.templates import colour, families  # noqa: F401  (families: registers every renderer)
from engine.templates.frame import Frame
from engine.templates.noise import hash01
from engine.templates.registry import FAMILIES, Family, RenderFn, family, lookup
from engine.templates.spec import TemplateSpec

MAX_SIDE = 12_000
MAX_ASPECT = 10.0  # scenes are drawn in short-side units: a 40:1 strip would be 40 scenes' worth of work


def _tile(seed: int, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A tileable (size, size, 3) noise tile: unit-variance grain and triangular dither."""
    yy, xx = np.mgrid[0:size, 0:size]
    # Three uniforms summed have standard deviation 0.5: doubled, a unit-variance luminance grain.
    grain = (hash01(xx, yy, seed + 11) + hash01(xx, yy, seed + 12) + hash01(xx, yy, seed + 13) - 1.5) * 2.0
    # Triangular (two-uniform) dither of +-1 code value per channel breaks 8-bit bands without visible noise.
    dither = np.stack(
        [hash01(xx, yy, seed + k) + hash01(xx, yy, seed + 7 + k) - 1.0 for k in range(3)], axis=2
    )
    return grain[..., None].astype(np.float32), dither.astype(np.float32)


_TILES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def finish(img: np.ndarray, width: int, height: int, grain: float, seed: int = 1) -> np.ndarray:
    """Upscale a float image to the output size and quantise it to uint8 with grain and dither."""
    if img.shape[1] != width or img.shape[0] != height:
        img = cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)
    if seed not in _TILES:
        _TILES[seed] = _tile(seed)
    g, d = _TILES[seed]
    reps = (-(-height // g.shape[0]), -(-width // g.shape[1]), 1)
    noise = np.tile(g, reps)[:height, :width] * (grain * 255.0) + np.tile(d, reps)[:height, :width]
    out = img * 255.0
    out += noise
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def render(spec: TemplateSpec, width: int, height: int) -> np.ndarray:
    """Render a template at width x height as uint8 RGB; never stretched: see `engine.templates.frame`."""
    width, height = int(width), int(height)
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"render size {width}x{height} out of range (1..{MAX_SIDE} per side)")
    if max(width, height) > MAX_ASPECT * min(width, height) + 1:
        raise ValueError(f"aspect ratio of {width}x{height} is beyond {MAX_ASPECT:g}:1")
    if spec.source == "solid":
        c = colour.rgb(spec.colours[0] if spec.colours else spec.extra.get("hex", "#ffffff"))
        return np.broadcast_to(np.round(c * 255).astype(np.uint8), (height, width, 3)).copy()
    fam_name = spec.extra.get("family")
    if spec.source == "upload" or fam_name is None:
        raise ValueError(
            f"template {spec.id!r} is an uploaded image: render it with engine.templates.upload.render_upload"
        )
    fam = lookup(fam_name)
    scale = min(1.0, fam.max_work / max(width, height))
    ww, wh = max(2, int(round(width * scale))), max(2, int(round(height * scale)))
    floor = spec.floor_line if spec.floor_line is not None else 0.5
    fr = Frame(ww, wh, floor)
    img = np.asarray(fam.fn(fr, spec.extra.get("params", {})), dtype=np.float32)
    if img.shape != (wh, ww, 3):
        img = np.broadcast_to(img, (wh, ww, 3))
    # The grain tile's seed is a function of the id alone (its length, kept so existing pixels stay
    # the same), never of the template's position in the catalogue.
    return finish(np.ascontiguousarray(img, dtype=np.float32), width, height, fam.grain, seed=len(spec.id))


__all__ = ["FAMILIES", "MAX_ASPECT", "MAX_SIDE", "Family", "RenderFn", "family", "finish", "render"]
