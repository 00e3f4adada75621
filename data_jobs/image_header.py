"""An image's pixel dimensions from its first bytes, without decoding it.

Intake uses this to judge an image entry on what it really is: a flat 20-megapixel BMP, an
uncompressed TIFF or a PNG saved without compression shrinks 1000:1 inside a ZIP, yet it is an honest
photo, not a zip bomb. What an image may expand to is bounded by its pixel count (and that is bounded
by the decoder's pixel limit), so an entry whose header names its dimensions is held to that bound
instead of to a compression ratio. Only the header is parsed here; decoding stays in engine.decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Bytes per pixel an uncompressed image may need at most (16-bit RGBA; TIFF may hold 32-bit floats).
_BYTES_PER_PIXEL = {"tiff": 16}
_DEFAULT_BYTES_PER_PIXEL = 8
METADATA_SLACK = 1024 * 1024  # EXIF, ICC profiles, thumbnails, text chunks beside the pixels
HEAD_BYTES = 256 * 1024  # JPEG may put EXIF and several ICC segments before its frame header

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageHeader:
    format: str  # jpeg | png | webp | bmp | tiff
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def max_file_bytes(self) -> int:
        """The most bytes an honest file with these dimensions needs (row padding and metadata included)."""
        per_pixel = _BYTES_PER_PIXEL.get(self.format, _DEFAULT_BYTES_PER_PIXEL)
        return per_pixel * (self.pixels + self.width + self.height) + METADATA_SLACK


def read_header(head: bytes) -> ImageHeader | None:
    """The dimensions named by the file's header, or None when `head` does not hold a readable one."""
    try:
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return _png(head)
        if head[:3] == b"\xff\xd8\xff":
            return _jpeg(head)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(head)
        if head[:2] == b"BM":
            return _bmp(head)
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff(head)
    except (struct.error, IndexError):
        return None
    return None


def _valid(fmt: str, width: int, height: int) -> ImageHeader | None:
    return ImageHeader(fmt, width, height) if width > 0 and height > 0 else None


def _png(head: bytes) -> ImageHeader | None:
    if head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", head, 16)
    return _valid("png", width, height)


def _jpeg(head: bytes) -> ImageHeader | None:
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", head, pos + 2)
        if marker in _JPEG_SOF:
            height, width = struct.unpack_from(">HH", head, pos + 5)
            return _valid("jpeg", width, height)
        if marker in (0xD9, 0xDA) or length < 2:  # end of image or scan data before any frame header
            return None
        pos += 2 + length
    return None


def _webp(head: bytes) -> ImageHeader | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return _valid("webp", width, height)
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack_from("<HH", head, 26)
        return _valid("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            return None
        bits = int.from_bytes(head[21:25], "little")
        return _valid("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


def _bmp(head: bytes) -> ImageHeader | None:
    (dib_size,) = struct.unpack_from("<I", head, 14)
    if dib_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack_from("<HH", head, 18)
    elif dib_size >= 40:
        width, height = struct.unpack_from("<ii", head, 18)
    else:
        return None
    return _valid("bmp", width, abs(height))


def _tiff(head: bytes) -> ImageHeader | None:
    """The first image's ImageWidth (256) and ImageLength (257) from the first IFD, when it lies in
    `head` (libtiff may put it after the pixels: then the entry is judged on its ratio)."""
    order = "<" if head[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", head, 4)
    (count,) = struct.unpack_from(order + "H", head, ifd)
    dims: dict[int, int] = {}
    for i in range(min(count, 512)):
        tag, kind, _n = struct.unpack_from(order + "HHI", head, ifd + 2 + 12 * i)
        if tag in (256, 257):
            value_fmt = order + ("H" if kind == 3 else "I")
            (dims[tag],) = struct.unpack_from(value_fmt, head, ifd + 2 + 12 * i + 8)
    if 256 not in dims or 257 not in dims:
        return None
    return _valid("tiff", dims[256], dims[257])
