"""End to end with the real parts: decode -> matte (fast) -> retouch -> compose -> export."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine.errors import CorruptImage, UnsupportedFormat
from engine.pipeline import parse_recipe, prepare_background, process_image
from engine.templates import catalog, get, solid

from .conftest import alpha_box, make_product


def studio_jpeg(colour=(40, 90, 200), size=(700, 900), cast=(1.0, 0.98, 0.93)) -> bytes:
    """A product shot on a slightly warm, slightly graded white sweep, as a camera JPEG."""
    _, alpha, product = make_product(600, 400, colour=colour)
    h, w = size[1], size[0]
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    bg = (238 + 10 * yy) * np.asarray(cast, np.float32)[None, None, :] * np.ones((h, w, 3), np.float32)
    y0, x0 = 120, 150
    a = np.zeros((h, w), np.float32)
    a[y0 : y0 + 600, x0 : x0 + 400] = alpha
    fg = np.zeros((h, w, 3), np.float32)
    fg[y0 : y0 + 600, x0 : x0 + 400] = product
    img = fg * a[..., None] + bg * (1 - a[..., None])
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_amazon_preset_end_to_end():
    recipe = parse_recipe({"preset": "amazon", "method": "fast"})
    result = process_image(studio_jpeg(), recipe, get(catalog()[0].id))  # the preset replaces the template
    im = _open(result.data)
    assert (result.width, result.height) == (2000, 2000) == im.size
    assert im.format == "JPEG" and im.mode == "RGB" and len(im.getexif()) == 0
    px = np.asarray(im)
    for y, x in [(0, 0), (0, 1999), (1999, 0), (1999, 1999), (1000, 5), (5, 1000)]:
        assert tuple(px[y, x]) == (255, 255, 255)
    blue = px[..., 2].astype(int) - px[..., 0].astype(int) > 60
    x0, y0, x1, y1 = alpha_box(blue.astype(np.float32))
    assert max(x1 - x0, y1 - y0) / 2000 == pytest.approx(0.85, abs=0.015)
    assert result.method == "fast" and 0.0 <= result.quality <= 1.0


def test_floor_template_puts_the_product_on_its_floor_line():
    spec = next(s for s in catalog() if s.floor_line is not None)
    recipe = parse_recipe({"size": 800, "method": "fast", "format": "webp"})
    result = process_image(studio_jpeg(), recipe, spec)
    im = _open(result.data)
    assert im.format == "WEBP" and im.size == (800, 800)
    px = np.asarray(im.convert("RGB")).astype(int)
    blue = (px[..., 2] - px[..., 0] > 60) & (px[..., 2] > 120)
    _, _, _, y1 = alpha_box(blue.astype(np.float32))
    assert y1 == pytest.approx(spec.floor_line * 800, abs=6)


def test_png_gives_a_transparent_cutout_at_the_canvas_size():
    recipe = parse_recipe({"format": "png", "aspect": "4:5", "size": 1000, "method": "fast"})
    result = process_image(studio_jpeg(), recipe, solid("#ffffff"))
    im = _open(result.data)
    assert im.mode == "RGBA" and im.size == (800, 1000)
    rgba = np.asarray(im)
    assert rgba[0, 0, 3] == 0 and rgba[500, 400, 3] == 255


def test_an_uploaded_cutout_keeps_its_own_alpha():
    _, alpha, product = make_product(300, 200)
    rgba = np.dstack([product, (alpha * 255).round().astype(np.uint8)])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    result = process_image(buf.getvalue(), parse_recipe({"size": 600}), solid("#202020"))
    assert result.method == "alpha" and result.quality == 1.0
    assert _open(result.data).size == (600, 600)


def test_a_prerendered_background_gives_the_same_result():
    recipe = parse_recipe({"size": 640, "method": "fast"})
    spec = next(s for s in catalog() if s.floor_line is not None)
    bg = prepare_background(recipe, spec)
    a = process_image(studio_jpeg(), recipe, spec, background=bg)
    b = process_image(studio_jpeg(), recipe, spec)
    assert a.data == b.data


def test_bad_images_raise_image_errors():
    recipe = parse_recipe({"size": 256, "method": "fast"})
    with pytest.raises(CorruptImage):
        process_image(studio_jpeg()[:400], recipe, solid("#ffffff"))
    with pytest.raises(UnsupportedFormat):
        process_image(b"GIF89a" + b"\0" * 100, recipe, solid("#ffffff"))


def test_a_preset_output_carries_its_compliance_report_from_the_placed_box():
    recipe = parse_recipe({"preset": "amazon", "method": "fast"})
    result = process_image(studio_jpeg(), recipe, solid("#ffffff"))
    report = result.compliance
    assert report is not None and report["status"] == "pass" and report["reasons"] == []
    assert report["preset"] == "amazon" and report["box_estimated"] is False  # composition's own box
    assert set(report["checks"]) >= {"background", "fill", "centring", "size", "format"}


def test_a_preset_output_that_breaks_a_rule_fails_with_a_reason():
    recipe = parse_recipe({"preset": "amazon", "method": "fast", "format": "png"})  # Amazon wants JPEG
    result = process_image(studio_jpeg(), recipe, solid("#ffffff"))
    report = result.compliance
    assert report["status"] == "fail" and report["checks"]["format"]["ok"] is False
    assert report["reasons"] == ["file is png, the preset asks for jpg"]


def test_no_preset_no_compliance_report():
    result = process_image(studio_jpeg(), parse_recipe({"size": 400, "method": "fast"}), solid("#ffffff"))
    assert result.compliance is None


def test_the_staged_path_reports_the_same_compliance():
    from engine.pipeline import finish_image, prepare_matte

    recipe = parse_recipe({"preset": "amazon", "method": "fast"})
    data = studio_jpeg()
    staged = finish_image(data, recipe, solid("#ffffff"), plan=prepare_matte(data, recipe))
    assert staged.compliance == process_image(data, recipe, solid("#ffffff")).compliance
