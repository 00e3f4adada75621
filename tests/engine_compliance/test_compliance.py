"""Each output is checked against its preset's rules, with reasons a seller can act on."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
from PIL import Image

from engine.compliance import check_output, estimate_product_box
from engine.pipeline import parse_recipe, prepare_background, process_image
from engine.presets import get_preset
from engine.templates import resolve
from tests.engine_compose.test_pipeline import studio_jpeg


def _jpeg(img: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _amazon_output(**recipe) -> bytes:
    r = parse_recipe({"preset": "amazon", "method": "fast", **recipe})
    spec = resolve("#ffffff")
    return process_image(studio_jpeg(), r, spec, background=prepare_background(r, spec)).data


def test_a_real_amazon_output_passes_every_rule():
    report = check_output(_amazon_output(), get_preset("amazon"))
    assert report.status == "pass", report.reasons
    assert {c.name for c in report.checks} == {
        "background",
        "fill",
        "centring",
        "size",
        "format",
        "file_size",
    }
    assert report.box_estimated


def test_a_png_for_amazon_fails_on_format_only():
    report = check_output(_amazon_output(format="png", transparent=False), get_preset("amazon"))
    assert report.status == "fail"
    assert [c.name for c in report.checks if not c.ok] == ["format"]
    assert report.reasons == ["file is png, the preset asks for jpg"]


def test_off_white_frame_small_product_and_small_canvas_are_each_named():
    img = np.full((800, 800, 3), 253, np.uint8)  # #FDFDFD, not #FFFFFF
    img[300:500, 350:450] = (30, 60, 160)  # a product filling 25 % along its limiting side
    report = check_output(_jpeg(img), get_preset("amazon"))
    failed = {c.name for c in report.checks if not c.ok}
    assert failed == {"background", "fill", "size"}
    assert "not pure #ffffff" in report.summary()
    assert "the preset asks 85%" in report.summary()
    assert "longer side 800 px is below the 1000 px" in report.summary()


def test_off_centre_product_and_file_size_limit():
    img = np.full((1200, 1200, 3), 255, np.uint8)
    img[50:1100, 40:640] = (30, 60, 160)  # fills 87.5 %, pushed to the left (clear of the frame band)
    data = _jpeg(img)
    tight = replace(get_preset("amazon"), max_bytes=len(data) - 1)
    report = check_output(data, tight)
    failed = {c.name for c in report.checks if not c.ok}
    assert failed == {"centring", "file_size"}


def test_given_product_box_is_used_instead_of_the_estimate():
    img = np.full((1000, 1000, 3), 255, np.uint8)
    report = check_output(_jpeg(img), get_preset("amazon"), product_box=(75, 75, 925, 925))
    assert report.status == "pass" and not report.box_estimated
    assert check_output(_jpeg(img), get_preset("amazon")).reasons == ["no product visible in the output"]


def test_estimated_box_leaves_neutral_shadows_out():
    img = np.full((600, 600, 3), 255, np.uint8)
    img[100:400, 200:400] = (200, 40, 40)
    img[400:450, 120:480] = 205  # a grey floor shadow, wider than the product
    assert estimate_product_box(img, "#ffffff") == (200, 100, 400, 400)


def test_no_preset_means_not_checked():
    report = check_output(_jpeg(np.full((50, 50, 3), 10, np.uint8)), None)
    assert report.status == "n/a" and report.summary() == "n/a" and report.reasons == []
