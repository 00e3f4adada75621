"""Encoded results round-trip with the right mode, sRGB tagging and no camera metadata."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine.errors import RecipeError
from engine.export import ExportOptions, encode


def _gradient(h=120, w=160, alpha=False):
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.dstack([xx * 255 // w, yy * 255 // h, np.full_like(xx, 90)]).astype(np.uint8)
    if not alpha:
        return rgb
    a = np.zeros((h, w), np.uint8)
    a[20:100, 30:130] = 255
    a[20:100, 30] = 100
    return np.dstack([rgb, a])


@pytest.mark.parametrize("fmt, pil_format", [("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP")])
def test_rgb_round_trip(fmt, pil_format):
    img = _gradient()
    data = encode(img, ExportOptions(format=fmt, quality=92))
    im = Image.open(io.BytesIO(data))
    assert im.format == pil_format and im.mode == "RGB" and im.size == (160, 120)
    assert len(im.getexif()) == 0
    assert "exif" not in im.info and "xmp" not in im.info
    assert im.info.get("icc_profile")  # tagged sRGB
    back = np.asarray(im.convert("RGB")).astype(int)
    tolerance = 0 if fmt == "png" else 6
    assert np.abs(back - img).mean() <= max(tolerance, 0.0) + 0.01


def test_jpeg_is_baseline_unless_asked_and_quality_matters():
    img = _gradient(400, 400)
    img = (
        (img.astype(int) + np.random.default_rng(1).integers(0, 30, img.shape)).clip(0, 255).astype(np.uint8)
    )
    hi, lo = encode(img, ExportOptions(quality=95)), encode(img, ExportOptions(quality=50))
    assert not Image.open(io.BytesIO(hi)).info.get("progressive")
    assert len(lo) < len(hi)
    progressive = encode(img, ExportOptions(quality=95, progressive=True))
    assert Image.open(io.BytesIO(progressive)).info.get("progressive") == 1


def test_png_keeps_the_cutout_alpha_exactly():
    rgba = _gradient(alpha=True)
    im = Image.open(io.BytesIO(encode(rgba, ExportOptions(format="png"))))
    assert im.mode == "RGBA"
    assert np.array_equal(np.asarray(im), rgba)


def test_webp_keeps_alpha_too():
    rgba = _gradient(alpha=True)
    im = Image.open(io.BytesIO(encode(rgba, ExportOptions(format="webp", quality=90))))
    assert im.mode == "RGBA"
    assert np.array_equal(np.asarray(im)[..., 3] > 127, rgba[..., 3] > 127)


def test_icc_can_be_left_out():
    data = encode(_gradient(), ExportOptions(format="jpg", embed_icc=False))
    assert not Image.open(io.BytesIO(data)).info.get("icc_profile")


def test_jpeg_refuses_alpha_and_bad_options_are_named():
    with pytest.raises(ValueError, match="alpha"):
        encode(_gradient(alpha=True), ExportOptions(format="jpg"))
    with pytest.raises(RecipeError, match="format"):
        encode(_gradient(), ExportOptions(format="gif"))
    with pytest.raises(RecipeError, match="quality"):
        encode(_gradient(), ExportOptions(quality=0))


def test_the_same_image_encodes_to_the_same_bytes_in_another_process():
    """The embedded sRGB profile carries no creation time, so reruns and replicas write equal files."""
    import subprocess
    import sys

    script = (
        "import hashlib, numpy as np; from engine.export import ExportOptions, encode; "
        "img = np.arange(48 * 64 * 3, dtype=np.uint32).reshape(48, 64, 3).astype(np.uint8); "
        "print(hashlib.sha256(encode(img, ExportOptions(format='{fmt}'))).hexdigest())"
    )
    for fmt in ("jpg", "png"):
        digests = {
            subprocess.run(
                [sys.executable, "-c", script.format(fmt=fmt)], capture_output=True, text=True, check=True
            ).stdout.strip()
            for _ in range(2)
        }
        assert len(digests) == 1, fmt


def _pillow_jpeg(img, options: ExportOptions) -> bytes:
    """The JPEG as `encode` wrote it with Pillow before issue 12's OpenCV encoder."""
    from engine.export import jpeg_mcu, srgb_icc_profile

    buf = io.BytesIO()
    Image.fromarray(img).save(
        buf,
        "JPEG",
        quality=options.quality,
        progressive=options.progressive,
        optimize=True,
        subsampling="4:2:0" if jpeg_mcu(options) == 16 else "4:4:4",
        icc_profile=srgb_icc_profile(),
    )
    return buf.getvalue()


@pytest.mark.parametrize("quality, progressive", [(90, False), (85, False), (95, True), (60, False)])
def test_opencv_jpeg_decodes_to_pillows_pixels_with_the_same_profile(quality, progressive):
    """OpenCV's encoder (the same libjpeg-turbo, without Pillow's copy of the pixels) gives a file
    that decodes to exactly the pixels of the Pillow-written one, about as large, with the same
    sRGB profile, baseline or progressive as asked."""
    from engine.export import srgb_icc_profile

    rng = np.random.default_rng(quality)
    img = (_gradient(333, 250).astype(int) + rng.integers(0, 40, (333, 250, 3))).clip(0, 255).astype(np.uint8)
    options = ExportOptions(quality=quality, progressive=progressive)
    ours, theirs = (
        Image.open(io.BytesIO(encode(img, options))),
        Image.open(io.BytesIO(_pillow_jpeg(img, options))),
    )
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))
    assert ours.info["icc_profile"] == srgb_icc_profile()
    assert bool(ours.info.get("progressive")) == progressive
    assert abs(len(encode(img, options)) - len(_pillow_jpeg(img, options))) <= 0.02 * len(
        _pillow_jpeg(img, options)
    )


def test_an_icc_profile_too_large_for_one_segment_is_split_and_reads_back_whole():
    from engine.export import with_icc_profile

    profile = bytes(np.random.default_rng(2).integers(0, 256, 150_000, dtype=np.uint8))
    data = with_icc_profile(encode(_gradient(), ExportOptions(embed_icc=False)), profile)
    im = Image.open(io.BytesIO(data))
    assert im.info["icc_profile"] == profile
    assert np.abs(np.asarray(im).astype(int) - _gradient()).mean() < 6
    with pytest.raises(ValueError, match="JPEG"):
        with_icc_profile(b"\x89PNG", profile)
