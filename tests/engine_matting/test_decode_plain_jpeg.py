"""A JPEG that needs nothing but decoding is decoded by OpenCV (issue 12: half the CPU of Pillow's
path for a 1600 px photo): the same pixels as Pillow's path, and every other JPEG still goes there."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

import engine.decode as decode
from engine.decode import decode_image
from engine.errors import CorruptImage

LIMIT = 50_000_000


def _photo(w: int, h: int, seed: int = 0) -> np.ndarray:
    """Smooth shading, hard edges and noise: every kind of block a product photo has."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.dstack([xx * 255 // max(1, w - 1), yy * 255 // max(1, h - 1), (xx + yy) % 256]).astype(np.int32)
    arr[h // 3 : h // 2, w // 4 : w // 2] = (200, 30, 40)
    arr += rng.integers(-12, 13, arr.shape)
    return arr.clip(0, 255).astype(np.uint8)


def _jpeg(arr: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _pillows(data: bytes, monkeypatch, **kw) -> np.ndarray:
    """decode_image as it was: Pillow's path for every JPEG."""
    with monkeypatch.context() as m:
        m.setattr(decode, "_plain_jpeg", lambda *a: None)
        return decode_image(data, max_pixels=LIMIT, **kw).rgb


@pytest.mark.parametrize(
    "kw",
    [
        {"quality": 90, "subsampling": "4:2:0"},
        {"quality": 95, "subsampling": "4:4:4"},
        {"quality": 75, "subsampling": "4:2:2"},
        {"quality": 85, "progressive": True},
        {"quality": 60, "optimize": True, "subsampling": "4:2:0"},
    ],
)
@pytest.mark.parametrize("size", [(320, 240), (333, 251), (17, 9)])
def test_a_plain_jpeg_decodes_to_pillows_pixels(kw, size, monkeypatch) -> None:
    data = _jpeg(_photo(*size), **kw)
    assert decode._plain_jpeg(data, Image.open(io.BytesIO(data)), None) is not None  # OpenCV's path
    ours = decode_image(data, max_pixels=LIMIT)
    assert ours.format == "jpeg" and ours.alpha is None and ours.rgb.flags.c_contiguous
    assert np.array_equal(ours.rgb, _pillows(data, monkeypatch))


def test_an_upright_exif_tag_is_plain_too(monkeypatch) -> None:
    exif = Image.Exif()
    exif[0x0112] = 1
    data = _jpeg(_photo(120, 80), quality=90, exif=exif.tobytes())
    assert decode._plain_jpeg(data, Image.open(io.BytesIO(data)), None) is not None
    assert np.array_equal(decode_image(data, max_pixels=LIMIT).rgb, _pillows(data, monkeypatch))


def test_jpegs_that_need_more_than_decoding_take_pillows_path() -> None:
    photo = _photo(120, 80)
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = _jpeg(photo, quality=90, exif=exif.tobytes())
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = _jpeg(photo, quality=90, icc_profile=srgb)
    grey = _jpeg(photo[..., 0], quality=90)
    cmyk = io.BytesIO()
    Image.fromarray(photo).convert("CMYK").save(cmyk, "JPEG", quality=90)
    plain = _jpeg(photo, quality=90)
    cases = {"rotated": (rotated, None), "icc": (tagged, None), "grey": (grey, None)}
    cases |= {"cmyk": (cmyk.getvalue(), None), "larger than asked": (plain, 100)}
    cases |= {"trailing bytes": (plain + b"\x00" * 7, None)}
    for name, (data, min_size) in cases.items():
        assert decode._plain_jpeg(data, Image.open(io.BytesIO(data)), min_size) is None, name
    assert decode_image(rotated, max_pixels=LIMIT).rgb.shape == (120, 80, 3)  # turned upright


def test_a_truncated_jpeg_is_still_refused() -> None:
    good = _jpeg(_photo(200, 200), quality=90)
    for cut in (len(good) // 3, len(good) - 2):
        with pytest.raises(CorruptImage):
            decode_image(good[:cut], max_pixels=LIMIT)
