"""Decoding: every accepted format and pixel mode ends as upright 8-bit sRGB; bad input is refused clearly."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from engine.decode import decode_image, sniff_format
from engine.errors import CorruptImage, ImageTooLarge, UnsupportedFormat

LIMIT = 50_000_000


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _pattern(w: int = 64, h: int = 48) -> np.ndarray:
    """A picture whose orientation is unambiguous: a red block at the top-left corner."""
    arr = np.full((h, w, 3), 230, np.uint8)
    arr[: h // 4, : w // 4] = (220, 20, 20)
    return arr


@pytest.mark.parametrize(
    "fmt,name",
    [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tiff")],
)
def test_formats_are_found_by_magic_bytes(fmt: str, name: str) -> None:
    data = _encode(Image.fromarray(_pattern()), fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    assert sniff_format(data[:16]) == name
    out = decode_image(data, max_pixels=LIMIT)
    assert out.format == name
    assert out.rgb.dtype == np.uint8 and out.rgb.shape == (48, 64, 3)
    assert out.alpha is None
    assert abs(int(out.rgb[2, 2, 0]) - 220) < 12 and out.rgb[2, 2, 1] < 40


def test_exif_orientation_is_applied() -> None:
    im = Image.fromarray(_pattern(64, 48))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated 90 degrees clockwise
    out = decode_image(_encode(im, "JPEG", quality=95, exif=exif.tobytes()), max_pixels=LIMIT)
    assert out.rgb.shape == (64, 48, 3)
    # After a clockwise turn the red top-left block sits at the top-right.
    assert out.rgb[2, -3, 0] > 180 and out.rgb[2, -3, 1] < 60
    assert out.rgb[-3, 2, 1] > 180


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red ink
    out = decode_image(_encode(cmyk, "JPEG", quality=95), max_pixels=LIMIT)
    assert out.rgb.shape == (32, 32, 3)
    r, g, b = (int(v) for v in out.rgb[16, 16])
    assert r > 200 and g < 60 and b < 60


def test_sixteen_bit_png_rgb_and_gray() -> None:
    rgb16 = np.zeros((20, 30, 3), np.uint16)
    rgb16[..., 0] = 65535  # BGR for OpenCV: blue full, red half
    rgb16[..., 2] = 32768
    ok, buf = cv2.imencode(".png", rgb16)
    assert ok
    out = decode_image(buf.tobytes(), max_pixels=LIMIT)
    assert out.rgb.dtype == np.uint8
    assert abs(int(out.rgb[5, 5, 2]) - 255) <= 1 and abs(int(out.rgb[5, 5, 0]) - 128) <= 1

    gray16 = Image.fromarray(np.full((10, 10), 65535 // 4, np.uint16))
    out = decode_image(_encode(gray16, "PNG"), max_pixels=LIMIT)
    assert out.rgb.shape == (10, 10, 3) and abs(int(out.rgb[0, 0, 0]) - 64) <= 1


def test_grayscale_palette_and_transparency() -> None:
    gray = Image.fromarray(np.full((8, 8), 100, np.uint8), "L")
    out = decode_image(_encode(gray, "JPEG", quality=95), max_pixels=LIMIT)
    assert out.rgb.shape == (8, 8, 3) and abs(int(out.rgb[4, 4, 1]) - 100) < 4

    pal = Image.fromarray(_pattern()).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    out = decode_image(_encode(pal, "PNG"), max_pixels=LIMIT)
    assert out.rgb.shape == (48, 64, 3) and out.alpha is None

    pal_t = pal.copy()
    pal_t.info["transparency"] = 0
    out = decode_image(_encode(pal_t, "PNG", transparency=0), max_pixels=LIMIT)
    assert out.alpha is not None and out.alpha.min() == 0.0

    rgba = np.dstack([_pattern(), np.full((48, 64), 255, np.uint8)])
    rgba[:, :10, 3] = 0
    rgba[:, 10:20, 3] = 128
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"), max_pixels=LIMIT)
    assert out.alpha is not None and out.alpha.dtype == np.float32
    assert out.alpha[0, 0] == 0.0 and abs(out.alpha[0, 15] - 128 / 255) < 1e-6 and out.alpha[0, 40] == 1.0
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "WEBP", lossless=True), max_pixels=LIMIT)
    assert out.format == "webp" and out.alpha is not None

    la = Image.fromarray(rgba[..., [0, 3]], "LA")
    out = decode_image(_encode(la, "PNG"), max_pixels=LIMIT)
    assert out.rgb.shape == (48, 64, 3) and out.alpha is not None


def test_icc_profile_is_applied_and_a_broken_one_is_survived() -> None:
    im = Image.fromarray(_pattern())
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = decode_image(_encode(im, "PNG", icc_profile=srgb), max_pixels=LIMIT)
    assert np.abs(out.rgb.astype(int) - _pattern().astype(int)).max() <= 3
    # A LAB-space profile tag on RGB data is nonsense; it must not crash the decode.
    out = decode_image(_encode(im, "PNG", icc_profile=b"not a profile at all"), max_pixels=LIMIT)
    assert out.rgb.shape == (48, 64, 3)


def test_pixel_limit_is_checked_before_decoding() -> None:
    data = _encode(Image.fromarray(_pattern(100, 100)), "PNG")
    with pytest.raises(ImageTooLarge, match="100x100"):
        decode_image(data, max_pixels=5000)


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (the body is a few bytes of zlib)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused() -> None:
    bomb = _png_bomb(60_000, 60_000)
    assert len(bomb) < 2000
    with pytest.raises(ImageTooLarge, match="limit|bomb"):
        decode_image(bomb, max_pixels=LIMIT)
    with pytest.raises(ImageTooLarge):
        decode_image(bomb, max_pixels=10**12)  # above Pillow's own guard: still refused, not decoded


def test_corrupt_and_unsupported_input() -> None:
    good = _encode(Image.fromarray(_pattern(200, 200)), "JPEG", quality=90)
    with pytest.raises(CorruptImage):
        decode_image(good[: len(good) // 3], max_pixels=LIMIT)
    png = _encode(Image.fromarray(_pattern(200, 200)), "PNG")
    with pytest.raises(CorruptImage):
        decode_image(png[:200], max_pixels=LIMIT)
    with pytest.raises(CorruptImage):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, max_pixels=LIMIT)
    with pytest.raises(CorruptImage):
        decode_image(b"", max_pixels=LIMIT)
    gif = _encode(Image.fromarray(_pattern()), "GIF")
    with pytest.raises(UnsupportedFormat, match="GIF"):
        decode_image(gif, max_pixels=LIMIT)
    with pytest.raises(UnsupportedFormat):
        decode_image(b"hello world, not an image", max_pixels=LIMIT)
    assert sniff_format(b"GIF89a") is None


def _gray16_png(values: np.ndarray) -> bytes:
    """A real 16-bit greyscale PNG (IHDR bit depth 16, colour type 0)."""
    data = _encode(Image.fromarray(values.astype(np.uint16)), "PNG")
    assert data[24] == 16 and data[25] == 0
    return data


def test_a_dark_sixteen_bit_gray_png_stays_dark_and_a_bright_one_bright() -> None:
    """Scaling follows the file's bit depth, not its pixel values: 0..200 out of 65535 is near-black."""
    dark = np.linspace(0, 200, 40 * 30).reshape(30, 40)
    out = decode_image(_gray16_png(dark), max_pixels=LIMIT)
    assert out.rgb.shape == (30, 40, 3) and int(out.rgb.max()) <= 1

    bright = np.linspace(60000, 65535, 40 * 30).reshape(30, 40)
    out = decode_image(_gray16_png(bright), max_pixels=LIMIT)
    assert int(out.rgb.min()) >= 233 and int(out.rgb.max()) == 255


def test_sixteen_bit_gray_decoded_as_mode_i_is_scaled_by_bit_depth() -> None:
    """Pillow versions other than ours open a 16-bit grey PNG as mode "I" (32-bit int) rather than
    "I;16"; the same dark photo must still come out near-black, whatever its brightest pixel."""
    from engine.decode import _to_srgb8, png_bit_depth

    data = _gray16_png(np.linspace(0, 200, 40 * 30).reshape(30, 40))
    as_i = Image.open(io.BytesIO(data)).convert("I")
    assert as_i.mode == "I" and np.asarray(as_i).max() == 200
    assert png_bit_depth(data) == 16
    for bits in (16, None):  # the PNG header's depth, or none known: Pillow's "I" means > 8 bits
        rgb, alpha = _to_srgb8(as_i.copy(), source_bits=bits)
        assert alpha is None and int(rgb.max()) <= 1

    bright = Image.open(io.BytesIO(_gray16_png(np.full((8, 8), 65535)))).convert("I")
    rgb, _ = _to_srgb8(bright, source_bits=16)
    assert int(rgb.min()) == 255


def test_png_bit_depth_reads_the_header() -> None:
    from engine.decode import png_bit_depth

    assert png_bit_depth(_encode(Image.fromarray(_pattern()), "PNG")) == 8
    assert png_bit_depth(_encode(Image.new("1", (9, 9)), "PNG")) == 1
    assert png_bit_depth(b"\x89PNG\r\n\x1a\n") is None
