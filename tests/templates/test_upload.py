"""Admin upload validation and analysis: bad files are refused with a clear reason, good ones analysed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine import templates as tpl
from engine.errors import CorruptImage, ImageTooLarge, UnsupportedFormat
from engine.templates.upload import (
    ImageTooSmall,
    UploadLimits,
    analyse_upload,
    estimate_floor_line,
    render_upload,
    validate_upload,
)


def encode(rgb: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def table_scene() -> np.ndarray:
    """A wall over a table (edge at 60% of the height), like a typical product-shot background."""
    return tpl.render(tpl.get("scene-navy-white"), 1200, 900)


def test_good_jpeg_is_validated_and_analysed(table_scene: np.ndarray) -> None:
    a = analyse_upload(encode(table_scene, "JPEG", quality=90))
    assert (a.format, a.width, a.height) == ("jpeg", 1200, 900)
    assert a.rgb.shape == (900, 1200, 3) and a.rgb.dtype == np.uint8
    assert a.floor_line is not None and 0.7 < a.floor_line < 0.9  # below the table edge at ~0.62
    assert len(a.tone) == 3 and a.colours[0].startswith("#")


def test_given_floor_line_wins(table_scene: np.ndarray) -> None:
    assert analyse_upload(encode(table_scene, "PNG"), floor_line=0.7).floor_line == 0.7


def test_plain_background_has_no_floor() -> None:
    rgb = tpl.render(tpl.get("gradient-ocean"), 1000, 1000)
    # A gradient has no edge: products are centred instead of stood on a line.
    assert estimate_floor_line(rgb) is None


def test_transparent_png_is_flattened_on_white() -> None:
    rgba = np.zeros((900, 900, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:450, :, 3] = 255
    rgb, fmt = validate_upload(encode(rgba, "PNG"))
    assert fmt == "png" and tuple(rgb[10, 10]) == (200, 0, 0) and tuple(rgb[800, 10]) == (255, 255, 255)


@pytest.mark.parametrize(
    "data, error, words",
    [
        (b"GIF89a" + b"\0" * 100, UnsupportedFormat, "PNG or JPEG"),
        (b"just some text, not an image at all", UnsupportedFormat, "PNG or JPEG"),
        (b"", CorruptImage, "empty"),
    ],
)
def test_wrong_type_is_refused(data: bytes, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        validate_upload(data)


def test_webp_is_refused_for_templates() -> None:
    data = encode(np.full((900, 900, 3), 128, np.uint8), "WEBP")
    with pytest.raises(UnsupportedFormat, match="WebP"):
        validate_upload(data)


def test_too_big_file_is_refused(table_scene: np.ndarray) -> None:
    data = encode(table_scene, "PNG")
    with pytest.raises(ImageTooLarge, match="MB"):
        validate_upload(data, UploadLimits(max_bytes=len(data) - 1))


def test_too_many_pixels_is_refused(table_scene: np.ndarray) -> None:
    with pytest.raises(ImageTooLarge):
        validate_upload(encode(table_scene, "JPEG"), UploadLimits(max_pixels=1000 * 800))


def test_too_small_is_refused() -> None:
    with pytest.raises(ImageTooSmall, match="at least 800"):
        validate_upload(encode(np.full((300, 400, 3), 200, np.uint8), "PNG"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_corrupt_file_is_refused(table_scene: np.ndarray, fmt: str) -> None:
    data = encode(table_scene, fmt)
    with pytest.raises(CorruptImage):
        validate_upload(data[: len(data) // 3])


def test_cover_fit_never_stretches(table_scene: np.ndarray) -> None:
    out, floor = render_upload(table_scene, 1000, 1000, 0.8)
    assert out.shape == (1000, 1000, 3) and floor is not None
    # Square from 4:3: scaled to 1333x1000 and cropped at the sides, so a column of the output is the
    # source column at the same relative height, unstretched.
    expected = np.asarray(Image.fromarray(table_scene).resize((1333, 1000), Image.BICUBIC))[:, 166:1166]
    assert np.abs(out.astype(int) - expected.astype(int)).mean() < 3
    wide, wfloor = render_upload(table_scene, 1600, 900, 0.8)
    assert wide.shape == (900, 1600, 3)
    assert wfloor is not None and 0.0 <= wfloor <= 1.0
    assert abs(wfloor - 0.8) < 0.1
