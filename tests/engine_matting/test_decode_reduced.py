"""Large photos decoded reduced when the caller needs fewer pixels: the size asked for, the same picture,
the source's transparency and orientation kept, and the pixel limit still judged on the full size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine.decode import decode_image, reduction_factor
from engine.errors import ImageTooLarge
from engine.pipeline import decode_size, parse_recipe, process_image
from engine.templates import resolve

LIMIT = 50_000_000


def _photo(w: int, h: int) -> np.ndarray:
    """A dark block on a light backdrop, its top-left corner red (shows orientation)."""
    arr = np.full((h, w, 3), 240, np.uint8)
    arr[h // 4 : h * 3 // 4, w // 3 : w * 2 // 3] = (40, 90, 160)
    arr[: h // 8, : w // 8] = (220, 20, 20)
    return arr


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_reduction_factor_keeps_the_longest_side_at_least_min_size() -> None:
    assert reduction_factor(4000, 3000, None) == 1
    assert reduction_factor(4000, 3000, 4001) == 1
    assert reduction_factor(4000, 3000, 1000) == 4
    assert reduction_factor(3000, 4000, 1300) == 3


@pytest.mark.parametrize(
    "min_size,expected", [(None, (3000, 4000)), (5000, (3000, 4000)), (1500, (1125, 1500)), (900, (675, 900))]
)
def test_a_jpeg_is_decoded_reduced_to_the_size_asked_for(min_size, expected) -> None:
    data = _encode(Image.fromarray(_photo(3000, 4000)), "JPEG", quality=92)
    out = decode_image(data, max_pixels=LIMIT, min_size=min_size)
    assert out.size == expected
    small = np.asarray(Image.fromarray(_photo(3000, 4000)).resize(out.size, Image.Resampling.BOX), np.float32)
    assert np.abs(out.rgb.astype(np.float32) - small).mean() < 4.0  # the same picture, only smaller


def test_a_png_with_alpha_is_reduced_before_conversion_and_keeps_its_transparency() -> None:
    rgba = np.dstack([_photo(2400, 1200), np.full((1200, 2400), 255, np.uint8)])
    rgba[:, :600, 3] = 0  # the left quarter transparent
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"), max_pixels=LIMIT, min_size=1000)
    assert out.size == (1000, 500)
    assert out.alpha is not None
    assert out.alpha[:, :249].max() == 0.0 and out.alpha[:, 251:].min() == 1.0


def test_palette_and_16_bit_pngs_are_reduced_too() -> None:
    palette = Image.fromarray(_photo(2000, 1000)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert decode_image(_encode(palette, "PNG"), max_pixels=LIMIT, min_size=500).size == (500, 250)
    grey16 = Image.fromarray((np.tile(np.linspace(0, 65535, 2000), (1000, 1))).astype(np.uint16))
    out = decode_image(_encode(grey16, "PNG"), max_pixels=LIMIT, min_size=1000)
    assert out.size == (1000, 500)
    assert out.rgb[:, 0].mean() < 10 and out.rgb[:, -1].mean() > 245  # scaled by 16 bits, not clipped


def test_exif_orientation_is_applied_after_the_reduction() -> None:
    im = Image.fromarray(_photo(4000, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show upright
    out = decode_image(_encode(im, "JPEG", exif=exif.tobytes()), max_pixels=LIMIT, min_size=1000)
    assert out.size == (500, 1000)  # 1/4 of 4000x2000, turned upright
    assert tuple(out.rgb[5, -5]) == pytest.approx((220, 20, 20), abs=30)  # red corner now top-right


def test_the_pixel_limit_is_judged_on_the_full_size() -> None:
    data = _encode(Image.fromarray(_photo(4000, 3000)), "JPEG", quality=80)
    with pytest.raises(ImageTooLarge):
        decode_image(data, max_pixels=10_000_000, min_size=500)


def test_process_image_needs_twice_the_output_and_at_least_the_working_size() -> None:
    amazon = parse_recipe({"preset": "amazon", "method": "fast"})
    assert decode_size(amazon) == 4000
    assert decode_size(parse_recipe({"size": 300}), working_size=1024) == 1024
    data = _encode(Image.fromarray(_photo(6000, 4000)), "JPEG", quality=90)
    result = process_image(data, parse_recipe({"size": 600, "method": "fast"}), resolve("#ffffff"))
    assert (result.width, result.height) == (600, 600)
    out = np.asarray(Image.open(io.BytesIO(result.data)).convert("RGB"))
    assert out[300, 300, 2] > out[300, 300, 0] + 60  # the blue product is on the canvas
