"""`auto`'s further looks in the staged batch: on a white phone on white, `auto` looks at the photo
again with the backdrop divided out and then past the screen. The network stage takes those looks
(the finish stage has no network) and, since auto had to run to the end there to know them, hands on
its finished matte; so the batch's picture is the one-image path's (`drisya enhance`,
`POST /v1/enhance`) within the uint8 rounding of the matte, and not the picture of the first look
alone, which is what the finish stage used to make of it."""

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


class CountingSession:
    """The real model session, counting the network runs the network stage asks it for."""

    def __init__(self, session) -> None:
        self.session = session
        self.runs = 0

    def predict_batch(self, images: list[np.ndarray]) -> list[np.ndarray]:
        self.runs += len(images)
        return self.session.predict_batch(images)

    def predict_u8(self, image: np.ndarray) -> np.ndarray:
        self.runs += 1
        return self.session.predict_u8(image)


def white_phone(blobs) -> tuple[bytes, dict[str, np.ndarray]]:
    """A white phone on white (whites tune), stored as `phone.png`; (its bytes, the stage refs)."""
    shot = whites.shot(whites.Item("white_phone", "tune", 2), size=384)  # three looks with ISNet
    data = cv2.imencode(".png", cv2.cvtColor(shot.rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    blobs.put_bytes("phone.png", data)
    refs = {
        "image_id": np.array(["phone"]),
        "input_key": np.array(["phone.png"]),
        "output_stem": np.array(["out/phone"]),
    }
    return data, refs


def test_the_batch_takes_autos_further_looks_and_matches_the_one_image_path(blobs, settings) -> None:
    data, refs = white_phone(blobs)
    settings = settings.with_(blob_dir=str(blobs.root))
    args = JobArgs(settings, RECIPE, resolve("#ffffff"))

    stage = NetworkStage(args)
    stage.session = CountingSession(stage.session)
    networked = stage(prepare_stage(refs, args))
    (row,) = _rows(networked)
    assert not row["error_code"], row["error"]
    assert stage.session.runs == 3  # the first look, the second, the look past the screen
    # auto ran to the end in the network stage: its matte goes on, not the looks
    assert row["method"] == "auto:model" and len(row["alpha"]) == 384 * 384 and not len(row["net_matte"])
    (done,) = _rows(finish_stage(networked, args))
    assert done["status"] == "done" and done["method"] == "auto:model"
    batch = _pixels(blobs.get_bytes(done["output_key"]))

    session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    recipe, template = parse_recipe(RECIPE), resolve("#ffffff")
    single = process_image(data, recipe, template, session=session)
    one = _pixels(single.data)
    diff = np.abs(batch - one)
    assert batch.shape == one.shape and float(diff.mean()) < 0.05 and np.percentile(diff, 99.9) <= 3
    assert abs(single.quality - float(done["quality"])) < 0.02

    # the first look alone (what the finish stage used to make of it): another picture
    alone = process_image(data, recipe, template, session=session, network_first="network")
    assert float(np.abs(_pixels(alone.data) - one).mean()) > 0.5
