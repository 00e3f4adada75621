"""Decode uploaded bytes into the engine's one pixel convention (8-bit sRGB RGB + optional float alpha).

Sellers upload whatever their camera, phone or design tool wrote: rotated JPEGs that rely on the EXIF
orientation tag, CMYK JPEGs from print workflows, 16-bit PNGs, palette PNGs, images tagged with a wide
gamut ICC profile. Everything downstream assumes upright 8-bit sRGB, so all of that is resolved here,
once. The format is decided by magic bytes, never by file name, and the pixel limit is checked from the
header before any pixel is decompressed, so a 50 KB "decompression bomb" cannot take a worker down.

A caller that will never show more than a given size asks for `min_size`: a larger photo is then
decoded reduced to that longest side (a JPEG first by libjpeg's DCT scaling, so the full image never
exists in memory; every format then by an area-averaging resize right after decoding, before any
conversion). The pixels one image costs downstream are then bounded by `min_size` squared, whatever
the camera: a 100-megapixel photo for a 2000 px output is worked on at 12 megapixels.
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, ImageOps

from engine.colour_profile import cmyk_to_srgb, fix_cmyk_polarity
from engine.errors import CorruptImage, ImageTooLarge, UnsupportedFormat

_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "tiff": "TIFF"}

# Formats we recognise but do not accept, so the error names what the user actually sent.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP"),
)


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # uint8 (H, W, 3) sRGB, upright
    alpha: np.ndarray | None  # float32 (H, W) 0..1, only when the source carried transparency
    format: str  # "jpeg" | "png" | "webp" | "bmp" | "tiff"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), the order PIL and users speak in."""
        return self.rgb.shape[1], self.rgb.shape[0]


def sniff_format(head: bytes) -> str | None:
    """The accepted format named by the first bytes of a file ("jpeg", "png", "webp", "bmp", "tiff"), else
    None. BMP and TIFF come straight from scanners and older studio software, so they are accepted too."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(head) >= 14:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def _describe_unknown(head: bytes) -> str:
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "HEIC/AVIF/MP4"
    return "unknown"


def decode_image(data: bytes, *, max_pixels: int, min_size: int | None = None) -> DecodedImage:
    """Decode JPEG/PNG/WebP/BMP/TIFF bytes to upright 8-bit sRGB; raise ImageError subclasses users can act on.

    With `min_size`, an image whose longest side is larger is decoded reduced to a longest side of
    exactly `min_size` (None: always full size)."""
    fmt = sniff_format(data[:16])
    if fmt is None:
        if not data:
            raise CorruptImage("the file is empty")
        kind = _describe_unknown(data[:16])
        raise UnsupportedFormat(
            f"unsupported image format ({kind}); accepted formats are JPEG, PNG, WebP, BMP and TIFF"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[fmt]])
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"image refused as a decompression bomb: {exc}") from exc
    except Exception as exc:  # PIL raises many types for damaged headers
        raise CorruptImage(f"cannot read the {fmt.upper()} header: the file is damaged or truncated") from exc

    width, height = im.size
    if width <= 0 or height <= 0:
        raise CorruptImage(f"the {fmt.upper()} header declares an empty image ({width}x{height})")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"image is {width}x{height} = {width * height:,} pixels, above the limit of {max_pixels:,}"
        )
    if fmt == "jpeg":
        plain = _plain_jpeg(data, im, min_size)
        if plain is not None:
            return DecodedImage(rgb=plain, alpha=None, format=fmt)
    factor = reduction_factor(width, height, min_size)
    if factor > 1 and fmt == "jpeg":
        # libjpeg scales by 1/2, 1/4 or 1/8 while decoding; draft picks the largest that stays >= this
        im.draft(im.mode, (math.ceil(width / factor), math.ceil(height / factor)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.seek(0)  # animated WebP/APNG: the first frame is the product photo
            im.load()
            im = fix_cmyk_polarity(im)  # needs the opened file's format and markers: before any resize
            im = _shrink(im, min_size)
            im = ImageOps.exif_transpose(im)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"image refused as a decompression bomb: {exc}") from exc
    except Exception as exc:
        raise CorruptImage(f"the {fmt.upper()} data is damaged or truncated ({exc})") from exc

    rgb, alpha = _to_srgb8(im, source_bits=png_bit_depth(data) if fmt == "png" else None)
    return DecodedImage(rgb=rgb, alpha=alpha, format=fmt)


_EXIF_ORIENTATION = 0x0112
# OpenCV's flags for 8-bit RGB in the file's own orientation (IMREAD_COLOR_RGB: OpenCV 4.10 and later)
_CV_PLAIN_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)


def _plain_jpeg(data: bytes, im: Image.Image, min_size: int | None) -> np.ndarray | None:
    """The pixels of a JPEG that needs nothing but decoding, by OpenCV; None for any other.

    Plain: colour (YCbCr or RGB, not CMYK or grey), no ICC profile, upright (no EXIF orientation
    other than 1), no larger than `min_size`, and whole (ending in its EOI marker: OpenCV fills a
    truncated file with grey where Pillow refuses it). Both decode with libjpeg-turbo's defaults,
    so the pixels are Pillow's (tested); OpenCV writes them straight into the array instead of
    Pillow's four-byte pixels and a copy of them, half the CPU of a 1600 px photo (issue 12)."""
    width, height = im.size
    if _CV_PLAIN_RGB is None or im.mode != "RGB" or "icc_profile" in im.info:
        return None
    if (min_size and min_size > 0 and max(width, height) > min_size) or data[-2:] != b"\xff\xd9":
        return None
    try:
        if im.getexif().get(_EXIF_ORIENTATION, 1) != 1:
            return None
    except Exception:  # a damaged EXIF block: Pillow's path decides what it means
        return None
    buf = np.frombuffer(data, np.uint8)
    rgb = cv2.imdecode(buf, _CV_PLAIN_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    if rgb is None or rgb.shape != (height, width, 3) or rgb.dtype != np.uint8:
        return None  # Pillow's path decides, and names what is wrong
    return rgb


def reduction_factor(width: int, height: int, min_size: int | None) -> int:
    """The largest integer factor that keeps the longest side at least `min_size` (1: no reduction)."""
    if not min_size or min_size <= 0:
        return 1
    return max(1, max(width, height) // int(min_size))


def _shrink(im: Image.Image, min_size: int | None) -> Image.Image:
    """Resize to a longest side of `min_size` (area average) before the pixels are converted."""
    width, height = im.size
    longest = max(width, height)
    if not min_size or min_size <= 0 or longest <= min_size:
        return im
    if im.mode in ("P", "1"):  # palette and bilevel images cannot be averaged as they are
        im = im.convert("RGBA" if "transparency" in im.info else "RGB") if im.mode == "P" else im.convert("L")
    elif im.mode.startswith("I;16"):
        im = im.convert("I")
    size = (max(1, round(width * min_size / longest)), max(1, round(height * min_size / longest)))
    info = dict(im.info)  # ICC profile, EXIF orientation ... survive the resize
    shrunk = im.resize(size, Image.Resampling.BOX)
    shrunk.info.update({k: v for k, v in info.items() if k not in shrunk.info})
    return shrunk


def png_bit_depth(data: bytes) -> int | None:
    """Bits per sample a PNG declares in its IHDR chunk (1, 2, 4, 8 or 16), None if unreadable."""
    if len(data) < 26 or data[12:16] != b"IHDR":
        return None
    bits = data[24]
    return bits if bits in (1, 2, 4, 8, 16) else None


def _to_srgb8(im: Image.Image, *, source_bits: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Normalise any PIL mode to (uint8 sRGB RGB, float32 alpha or None).

    `source_bits` is the bit depth the file declares (a PNG's IHDR); it decides how integer grey is
    scaled, because the pixel values cannot: a dark 16-bit photo has every value below 256."""
    icc = im.info.get("icc_profile")
    alpha: np.ndarray | None = None

    if im.mode == "P":
        has_transparency = "transparency" in im.info
        im = im.convert("RGBA" if has_transparency else "RGB")
    elif im.mode == "PA":
        im = im.convert("RGBA")

    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # Integer grey wider than 8 bits: scale the source's full range to 0..255 (never clip). Pillow
        # uses these modes only for sources of more than 8 bits (a 16-bit grey PNG opens as "I;16", or
        # as "I" in other Pillow versions), so an unknown depth means 16 bits.
        arr = np.asarray(im, dtype=np.float64)
        bits = 16 if im.mode.startswith("I;16") else (source_bits or 16)
        top = float((1 << bits) - 1)
        gray = np.clip(np.rint(arr * (255.0 / top)), 0, 255).astype(np.uint8)
        im = Image.fromarray(gray, "L")
    elif im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        hi = 1.0 if arr.max(initial=0) <= 1.0 else 255.0
        im = Image.fromarray(np.clip(np.rint(arr * (255.0 / hi)), 0, 255).astype(np.uint8), "L")

    if im.mode in ("RGBA", "LA", "RGBa", "La"):
        if im.mode in ("RGBa", "La"):
            im = im.convert("RGBA")
        a = np.asarray(im.getchannel("A"), dtype=np.float32) / 255.0
        if a.min() < 1.0:
            alpha = a
        im = im.convert("RGB" if im.mode == "RGBA" else "L")

    if im.mode == "1":
        im = im.convert("L")

    if im.mode == "CMYK":
        im = cmyk_to_srgb(im, icc, default_profile=_default_cmyk_profile())
    elif icc:
        im = _apply_icc(im, icc)

    if im.mode != "RGB":
        im = im.convert("RGB")  # L, YCbCr, LAB, RGBX (CMYK went through its profile above)
    rgb = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
    return rgb, alpha


_SRGB = ImageCms.createProfile("sRGB")


@functools.cache
def _default_cmyk_profile() -> bytes:
    """The CMYK space assumed for a CMYK photo without a profile (a CC0 SWOP-like press profile), as
    Photoshop assumes its working CMYK: ink numbers alone say nothing about colour."""
    return (Path(__file__).parent / "data" / "cmyk-default.icc").read_bytes()


def _apply_icc(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded ICC profile to sRGB; a broken profile falls back to the raw values."""
    if im.mode not in ("RGB", "CMYK", "L"):
        return im
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if im.mode == "L":
            # A gray profile cannot be mapped to an RGB output by every LittleCMS build: gray is gray.
            return im
        out = ImageCms.profileToProfile(
            im, src, _SRGB, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
        )
        return out if out is not None else im
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
