"""Admin-uploaded backgrounds: validation, analysis (floor line, tone, colours) and rendering.

An upload is a photograph, so unlike a procedural template it cannot be re-drawn at a new aspect ratio.
Rendering it is a cover fit: scale so the image covers the requested canvas, then crop the excess from
the sides (or top and bottom). The trade-off is documented to admins: a wide photo used for a 4:5 output
loses its sides; it is never stretched. The vertical crop keeps the floor line inside the frame, and
the returned floor line is re-expressed in the cropped canvas so products still stand on the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.decode import decode_image, sniff_format
from engine.errors import CorruptImage, ImageError, ImageTooLarge, UnsupportedFormat
from engine.templates import colour


class ImageTooSmall(ImageError):
    code = "image_too_small"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 50_000_000
    min_short_side: int = 800  # a template shown at 2000 px from an 800 px photo is already a 2.5x upscale


@dataclass(frozen=True)
class UploadAnalysis:
    rgb: np.ndarray
    format: str  # "jpeg" | "png"
    width: int
    height: int
    floor_line: float | None
    tone: tuple[int, int, int]
    colours: tuple[str, ...]


def validate_upload(data: bytes, limits: UploadLimits = UploadLimits()) -> tuple[np.ndarray, str]:
    """Bytes to an upright uint8 RGB array, or an ImageError naming what is wrong."""
    if not data:
        raise CorruptImage("the file is empty")
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(
            f"the file is {len(data) / 1e6:.1f} MB; templates are limited to {limits.max_bytes / 1e6:.0f} MB"
        )
    fmt = sniff_format(data[:16])
    if fmt not in ("jpeg", "png"):
        kind = "WebP" if fmt == "webp" else "not a PNG or JPEG image"
        raise UnsupportedFormat(f"template backgrounds must be PNG or JPEG (the file is {kind})")
    decoded = decode_image(data, max_pixels=limits.max_pixels)
    rgb = decoded.rgb
    if decoded.alpha is not None:
        # A background has nothing behind it: flatten transparency onto white, as a viewer would show it.
        a = decoded.alpha[..., None]
        rgb = np.clip(rgb.astype(np.float32) * a + 255.0 * (1 - a) + 0.5, 0, 255).astype(np.uint8)
    h, w = rgb.shape[:2]
    if min(h, w) < limits.min_short_side:
        raise ImageTooSmall(
            f"the image is {w}x{h}; template backgrounds need at least {limits.min_short_side} px on the short side"
        )
    return rgb, decoded.format


def estimate_floor_line(rgb: np.ndarray) -> float | None:
    """Where products should stand, from the strongest horizontal edge (a wall/table line) in the lower
    part of the image; None when there is none (products are then centred)."""
    small = cv2.resize(
        rgb, (256, max(16, round(256 * rgb.shape[0] / rgb.shape[1]))), interpolation=cv2.INTER_AREA
    )
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    rows = cv2.GaussianBlur(lab.mean(axis=1)[:, None, :], (1, 5), 0)[:, 0, :]
    diff = np.linalg.norm(np.diff(rows, axis=0), axis=1)
    h = len(rows)
    lo, hi = int(h * 0.35), int(h * 0.92)
    if hi <= lo + 1:
        return None
    k = lo + int(np.argmax(diff[lo:hi]))
    if diff[k] < 4.0:  # a change of ~4 Lab units per row is a visible edge; below that, no floor
        return None
    horizon = (k + 1) / h
    return float(round(min(0.95, horizon + 0.5 * (1.0 - horizon)), 3))


def analyse(rgb: np.ndarray) -> tuple[tuple[int, int, int], tuple[str, ...]]:
    small = cv2.resize(rgb, (72, 72), interpolation=cv2.INTER_AREA)
    mid = small[12:60, 12:60].reshape(-1, 3).mean(axis=0)
    return tuple(int(round(x)) for x in mid), colour.dominant_colours(small, 4)  # type: ignore[return-value]


def analyse_upload(
    data: bytes, limits: UploadLimits = UploadLimits(), floor_line: float | None = None
) -> UploadAnalysis:
    rgb, fmt = validate_upload(data, limits)
    floor = floor_line if floor_line is not None else estimate_floor_line(rgb)
    tone, colours = analyse(rgb)
    return UploadAnalysis(rgb, fmt, rgb.shape[1], rgb.shape[0], floor, tone, colours)


def render_upload(
    rgb: np.ndarray, width: int, height: int, floor_line: float | None = None
) -> tuple[np.ndarray, float | None]:
    """Cover-fit the uploaded image to width x height; returns the canvas and its floor line."""
    ih, iw = rgb.shape[:2]
    scale = max(width / iw, height / ih)
    sw, sh = max(width, round(iw * scale)), max(height, round(ih * scale))
    x0 = (sw - width) // 2
    if floor_line is None:
        y0 = (sh - height) // 2
    else:
        # Keep the floor at the same fraction of the canvas when possible, else as close as the crop allows.
        y0 = int(round(floor_line * sh - floor_line * height))
        y0 = min(max(y0, 0), sh - height)
    # Crop in source pixels first so only the visible part is resampled.
    sx0, sy0 = x0 / scale, y0 / scale
    crop = rgb[int(sy0) : int(np.ceil(sy0 + height / scale)), int(sx0) : int(np.ceil(sx0 + width / scale))]
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    out = cv2.resize(crop, (width, height), interpolation=interp)
    new_floor = None if floor_line is None else float(np.clip((floor_line * sh - y0) / height, 0.0, 1.0))
    return out, new_floor
