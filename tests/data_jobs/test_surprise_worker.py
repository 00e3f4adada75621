"""The one-image worker (`ImageWorker`, the path of `POST /enhance`) on a surprise job: the same
outputs as the batch, and a bad photo failing alone."""

from __future__ import annotations

import json

import numpy as np

from data_jobs.pipeline import OUTPUTS_COLUMN, ImageWorker
from engine.templates import resolve
from tests.data_jobs.conftest import product_photo


def test_worker_makes_every_output_and_fails_a_bad_photo_alone(settings, blobs):
    settings = settings.with_(blob_dir=str(blobs.root))
    blobs.put_bytes("in/a.jpg", product_photo(260, seed=1))
    blobs.put_bytes("in/b.jpg", b"not a photo at all")
    worker = ImageWorker(
        settings,
        {"module": "look", "method": "fast", "size": 200, "format": "webp"},
        resolve("#ffffff"),
        surprise={"theme": "nature", "variants": 2, "video": False, "seed": 3},
    )
    rows = worker(
        {
            "image_id": np.array(["a", "b"]),
            "input_key": np.array(["in/a.jpg", "in/b.jpg"]),
            "output_stem": np.array(["out/000001", "out/000002"]),
        }
    )
    assert list(rows["status"]) == ["done", "failed"]
    items = json.loads(str(rows[OUTPUTS_COLUMN][0]))
    assert [i["name"] for i in items] == ["nature-1.webp", "nature-2.webp"]
    assert [i["blob"] for i in items] == ["out/000001-nature-1.webp", "out/000001-nature-2.webp"]
    assert str(rows["output_key"][0]) == items[0]["blob"]
    assert all(blobs.get_bytes(i["blob"])[8:12] == b"WEBP" for i in items)
    assert int(rows["width"][0]) == 200
    assert str(rows["error_code"][1]) and str(rows[OUTPUTS_COLUMN][1]) == ""


def test_worker_memory_estimate_counts_the_variants_it_holds(settings):
    from data_jobs.pipeline import estimate_worker_bytes

    recipe = {"module": "look", "method": "fast", "size": 2000}
    plain = estimate_worker_bytes(recipe, settings.limits)
    two = estimate_worker_bytes(recipe, settings.limits, {"theme": "tech", "variants": 2})
    eight = estimate_worker_bytes(recipe, settings.limits, {"theme": "tech", "variants": 8, "video": True})
    assert plain < two < eight
    # a video holds all eight composed 2000 px variants, images alone one at a time
    assert eight - two == 7 * 3 * 2000 * 2000
