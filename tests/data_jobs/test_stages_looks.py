"""`auto`'s further looks in the staged batch: on a white phone on white, `auto` looks at the photo
again with the backdrop divided out and then past the screen. The network stage takes those looks
(the finish stage has no network) and the finish stage replays them, so the batch's picture is the
one-image path's (`drisya enhance`, `POST /v1/enhance`) within the uint8 rounding of the mattes, and
not the picture of the first look alone, which is what the finish stage used to make of it."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.datasets import whites
from cluster.model_store import model_family, resolve_model
from data_jobs.pipeline import JobArgs
from data_jobs.stages import NetworkStage, finish_stage, prepare_stage
from engine.matting.model import get_session
from engine.pipeline import parse_recipe, process_image
from engine.templates.catalog import resolve

pytestmark = pytest.mark.model

RECIPE = {"method": "auto", "size": 400, "format": "png"}


def _rows(columns: dict[str, np.ndarray]) -> list[dict]:
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.int16)


def test_the_batch_takes_autos_further_looks_and_matches_the_one_image_path(blobs, settings) -> None:
    shot = whites.shot(whites.Item("white_phone", "tune", 2), size=384)  # three looks with ISNet
    data = cv2.imencode(".png", cv2.cvtColor(shot.rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    blobs.put_bytes("phone.png", data)
    refs = {
        "image_id": np.array(["phone"]),
        "input_key": np.array(["phone.png"]),
        "output_stem": np.array(["out/phone"]),
    }
    settings = settings.with_(blob_dir=str(blobs.root))
    args = JobArgs(settings, RECIPE, resolve("#ffffff"))

    networked = NetworkStage(args)(prepare_stage(refs, args))
    (row,) = _rows(networked)
    assert not row["error_code"], row["error"]
    side = int(row["net_side"])
    assert len(row["net_matte"]) == 3 * side * side  # the first look, the second, the look past the screen
    (done,) = _rows(finish_stage(networked, args))
    assert done["status"] == "done" and done["method"] == "auto:model"
    batch = _pixels(blobs.get_bytes(done["output_key"]))

    session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    single = process_image(data, parse_recipe(RECIPE), resolve("#ffffff"), session=session)
    one = _pixels(single.data)
    diff = np.abs(batch - one)
    assert batch.shape == one.shape and float(diff.mean()) < 0.05 and np.percentile(diff, 99.9) <= 3

    # the first look handed out for every look (what the finish stage used to do): another picture
    first_only = {k: v.copy() for k, v in networked.items()}
    first_only["net_matte"][0] = row["net_matte"][: side * side] * 3
    (alone,) = _rows(finish_stage(first_only, args))
    assert float(np.abs(_pixels(blobs.get_bytes(alone["output_key"])) - one).mean()) > 0.5
