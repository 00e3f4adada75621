"""Compliance report: does one finished output meet its marketplace preset's rules?

Sellers lose listings over rules they cannot see in a picture: a main image whose frame is #FDFDFD
instead of #FFFFFF, a product that fills 70 % where 85 % is asked, a 900 px file where zoom needs 1000.
So every output is checked against its preset (engine.presets) and the result travels with it: the
batch manifest's `compliance` / `reasons` columns, the API's image record, `drisya enhance`'s line.

Checks, each skipped when the preset states no such rule:
- background: the outer band (the band composition keeps free of shadows, engine.compose.shadow)
  is the required colour, every pixel within `PURITY_TOLERANCE` levels (lossy encoders may move a
  flat colour by a level; Amazon's 255,255,255 survives JPEG exactly);
- fill: the product's share of the canvas along its limiting side is at least the preset's fill
  minus `FILL_SLACK`;
- centring: the product box's centre is within `CENTRE_TOLERANCE` of the canvas centre;
- size: the output's shorter and longer sides reach the preset's minimums;
- format: the file is of the preset's format;
- file size: the encoded bytes are within the platform's upload limit.

The product box should come from composition (it knows exactly where it placed the product); without
one it is estimated from the pixels, which is reported as such, because on a pure backdrop a neutral
shadow and a white product both look like "not background".

Pure: bytes or arrays in, a report out; no I/O.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from engine.compose.shadow import edge_band
from engine.export import ExportOptions, encode, jpeg_mcu, normalise_format
from engine.presets import Preset

PURITY_TOLERANCE = 1  # levels per channel a required background colour may be off by, after encoding
FILL_SLACK = 0.03  # rounding of the layout and a product's own soft edge
CENTRE_TOLERANCE = 0.05  # of the canvas side

__all__ = ["Check", "ComplianceReport", "check_output", "estimate_product_box", "pixels_as_encoded"]


@dataclass(frozen=True)
class Check:
    name: str  # background | fill | centring | size | format | file_size
    ok: bool
    value: str  # what was measured, in words a seller can read
    reason: str = ""  # why it fails, and what to do; empty when ok


@dataclass(frozen=True)
class ComplianceReport:
    preset: str | None
    checks: tuple[Check, ...] = ()
    box_estimated: bool = False

    @property
    def status(self) -> str:
        """`pass`, `fail`, or `n/a` when there is no preset to check against."""
        if self.preset is None:
            return "n/a"
        return "pass" if all(c.ok for c in self.checks) else "fail"

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if not c.ok]

    def summary(self) -> str:
        """One line: `pass`, `n/a` or `fail: reason; reason`."""
        return self.status if self.status != "fail" else "fail: " + "; ".join(self.reasons)

    def as_dict(self) -> dict:
        """For the API's image record and the manifest: status, reasons and every measurement."""
        return {
            "status": self.status,
            "preset": self.preset,
            "reasons": self.reasons,
            "checks": {c.name: {"ok": c.ok, "value": c.value} for c in self.checks},
            "box_estimated": self.box_estimated,
        }


def _hex_rgb(colour: str) -> np.ndarray:
    h = colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], np.int16)


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
        return np.asarray(im)


def pixels_as_encoded(source: np.ndarray, colour: str | None, options: ExportOptions) -> np.ndarray | None:
    """`source` when the file it was encoded into with `options` decodes to the same background
    band, so the check can run on it instead of decoding the file again (issue 12: that decode
    was most of the check's CPU); None when only the decoded file can tell.

    PNG is lossless. A JPEG coding unit (MCU) is coded from its own pixels, and a flat one of a
    colour decodes to one value wherever it lies; so when every MCU the band touches is exactly
    `colour` (with 4:2:0 chroma also the next MCU inwards, whose chroma the decoder's smooth
    upsampling reads), and a flat image of `colour` comes back from the encoder unchanged, the
    band of the decoded file is exactly `colour` too. WebP predicts blocks from their neighbours:
    decoded. For the check's other rules give it composition's product box: estimated from
    pixels, a box may differ by the encoder's noise."""
    fmt = normalise_format(options.format)
    if fmt == "png" or colour is None:  # lossless, or no band to check: only the size is read
        return source
    if fmt != "jpg" or source.ndim != 3 or source.shape[2] != 3:
        return None
    rgb = tuple(int(c) for c in _hex_rgb(colour))
    if not _flat_survives(rgb, options):
        return None
    h, w = source.shape[:2]
    b, mcu = edge_band((w, h)), jpeg_mcu(options)
    extra = mcu if mcu > 8 else 0
    near = -(-b // mcu) * mcu + extra  # the MCUs from the top / left edge
    top, left = (h - b) // mcu * mcu - extra, (w - b) // mcu * mcu - extra  # from the far edges
    if min(near, top, left) <= 0 or near >= min(h, w):
        return None
    strips = (source[:near], source[top:], source[:, :near], source[:, left:])
    exact = all(cv2.countNonZero(cv2.inRange(s, rgb, rgb)) == s.shape[0] * s.shape[1] for s in strips)
    return source if exact else None


@lru_cache(maxsize=64)
def _flat_survives(rgb: tuple[int, int, int], options: ExportOptions) -> bool:
    """Whether a flat image of this colour decodes to exactly this colour after `encode`."""
    flat = np.empty((64, 64, 3), np.uint8)
    flat[:] = rgb
    return bool(np.array_equal(_decode(encode(flat, options)), flat))


def _format_of(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "unknown"


def estimate_product_box(pixels: np.ndarray, background: str) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of what is not backdrop and not a neutral shadow on it; None if nothing is.

    A shadow on a plain backdrop darkens it without changing its hue, so pixels darker than the
    backdrop by a neutral amount are left out; everything else that departs by more than a JPEG's
    noise is product. Specks smaller than 0.01 % of the canvas are ignored.
    """
    rgb = pixels[..., :3].astype(np.int16)
    bg = _hex_rgb(background)
    diff = rgb - bg
    departs = np.abs(diff).max(axis=2) > 6
    ratio = rgb.astype(np.float32) / np.maximum(bg.astype(np.float32), 1.0)
    neutral_dark = (ratio.max(axis=2) - ratio.min(axis=2) < 0.03) & (diff.max(axis=2) < 0)
    mask = departs & ~neutral_dark
    if pixels.shape[2] == 4:
        mask |= (pixels[..., 3] > 127) & ~neutral_dark
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 1e-4 * mask.size]
    if not keep:
        return None
    x0 = min(stats[i, cv2.CC_STAT_LEFT] for i in keep)
    y0 = min(stats[i, cv2.CC_STAT_TOP] for i in keep)
    x1 = max(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] for i in keep)
    y1 = max(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in keep)
    return int(x0), int(y0), int(x1), int(y1)


def _largest_difference(strip: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """max over R, G, B of |strip - colour| per pixel, uint8 (h, w)."""
    r, g, b = cv2.split(cv2.absdiff(strip, (*colour, 0)))
    return cv2.max(cv2.max(r, g), b)


def _background_check(pixels: np.ndarray, colour: str) -> Check:
    h, w = pixels.shape[:2]
    b = edge_band((w, h))
    rgb = np.ascontiguousarray(pixels[..., :3]) if pixels.shape[2] != 3 else pixels
    want = tuple(int(c) for c in _hex_rgb(colour))
    # each strip's per-pixel largest channel difference by OpenCV on uint8 (no int16 copy of the
    # band), counted and maxed strip by strip: the corners count twice, as in one concatenation
    offs = [_largest_difference(strip, want) for strip in (rgb[:b], rgb[-b:], rgb[:, :b], rgb[:, -b:])]
    total = sum(o.size for o in offs)
    bad = sum(o.size - cv2.countNonZero(cv2.compare(o, PURITY_TOLERANCE, cv2.CMP_LE)) for o in offs) / total
    off = np.array([int(o.max()) for o in offs])
    alpha_ok = pixels.shape[2] != 4 or bool((pixels[..., 3][:b] == 255).all())
    ok = bad == 0.0 and alpha_ok
    value = f"outer {b} px band: {100 * (1 - bad):.2f}% exactly {colour.lower()} (max off {int(off.max())})"
    if not alpha_ok:
        return Check(
            "background",
            False,
            value,
            f"background must be opaque {colour.lower()}, the output is transparent",
        )
    return Check(
        "background",
        ok,
        value,
        "" if ok else f"background is not pure {colour.lower()}: {100 * bad:.1f}% of the outer band differs",
    )


def check_output(
    data: bytes,
    preset: Preset | None,
    *,
    pixels: np.ndarray | None = None,
    product_box: tuple[int, int, int, int] | None = None,
) -> ComplianceReport:
    """Check encoded output `data` against `preset`; `pixels` (decoded data, or what
    `pixels_as_encoded` vouches for) saves decoding it again; `product_box` (x0, y0, x1, y1 in output pixels) is where composition placed the product."""
    if preset is None:
        return ComplianceReport(None)
    img = pixels if pixels is not None else _decode(data)
    h, w = img.shape[:2]
    checks: list[Check] = []
    if preset.background:
        checks.append(_background_check(img, preset.background))

    estimated = product_box is None
    box = product_box or estimate_product_box(img, preset.background or "#ffffff")
    if box is None:
        checks.append(Check("fill", False, "no product found", "no product visible in the output"))
    else:
        x0, y0, x1, y1 = box
        fill = max((x1 - x0) / w, (y1 - y0) / h)
        ok = fill >= preset.fill - FILL_SLACK
        checks.append(
            Check(
                "fill",
                ok,
                f"{fill:.0%} of the frame (asked {preset.fill:.0%})",
                "" if ok else f"product fills {fill:.0%} of the frame, the preset asks {preset.fill:.0%}",
            )
        )
        dx, dy = ((x0 + x1) / 2 - w / 2) / w, ((y0 + y1) / 2 - h / 2) / h
        off = max(abs(dx), abs(dy))
        ok = off <= CENTRE_TOLERANCE
        checks.append(
            Check(
                "centring",
                ok,
                f"centre off by {100 * dx:+.1f}% x, {100 * dy:+.1f}% y",
                "" if ok else f"product is off-centre by {100 * off:.1f}% of the frame",
            )
        )

    short, long_ = min(w, h), max(w, h)
    size_reasons = []
    if preset.min_short and short < preset.min_short:
        size_reasons.append(f"shorter side {short} px is below the {preset.min_short} px the preset asks")
    if preset.min_long and long_ < preset.min_long:
        size_reasons.append(f"longer side {long_} px is below the {preset.min_long} px the preset asks")
    checks.append(Check("size", not size_reasons, f"{w}x{h}", "; ".join(size_reasons)))

    fmt = _format_of(data)
    want = normalise_format(preset.format)
    checks.append(
        Check("format", fmt == want, fmt, "" if fmt == want else f"file is {fmt}, the preset asks for {want}")
    )
    if preset.max_bytes:
        ok = len(data) <= preset.max_bytes
        checks.append(
            Check(
                "file_size",
                ok,
                f"{len(data) / 1e6:.2f} MB",
                ""
                if ok
                else f"file is {len(data) / 1e6:.1f} MB, over the {preset.max_bytes / 1e6:.0f} MB upload limit",
            )
        )
    return ComplianceReport(preset.name, tuple(checks), estimated)
