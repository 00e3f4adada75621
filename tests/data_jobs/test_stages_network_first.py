"""Network-first `auto` in the staged batch (what DRISYA_AUTO_ROUTE=hardware runs on a GPU cluster):
on a white phone on white, the network looks first, then auto takes its further looks (the flattened
photo, then past the screen) and fuses with the colour model. The network stage takes all three looks
and hands on auto's finished matte, so the batch's picture is the one-image path's (`drisya enhance`,
`POST /v1/enhance`, both `process_image`) with the same mode, within the uint8 rounding of the matte;
and it is not the picture of the network's answer alone (DRISYA_AUTO_ROUTE=network)."""

from __future__ import annotations

import numpy as np
import pytest

from cluster.model_store import model_family, resolve_model
from data_jobs.pipeline import JobArgs
from data_jobs.stages import NetworkStage, finish_stage, prepare_stage
from engine.matting.model import get_session
from engine.pipeline import NETWORK_FIRST, NETWORK_ONLY, parse_recipe, process_image
from engine.templates.catalog import resolve
from tests.data_jobs.test_stages_looks import RECIPE, CountingSession, _pixels, _rows, white_phone

pytestmark = pytest.mark.model


def test_network_first_batch_keeps_autos_looks_and_fusion_and_matches_the_one_image_path(
    blobs, settings
) -> None:
    data, refs = white_phone(blobs)
    settings = settings.with_(blob_dir=str(blobs.root))
    args = JobArgs(settings, RECIPE, resolve("#ffffff"), network_first=NETWORK_FIRST)

    prepared = prepare_stage(refs, args)
    assert len(prepared["net_input"][0]) and not len(prepared["alpha"][0])  # no decision without it
    stage = NetworkStage(args)
    stage.session = CountingSession(stage.session)
    (row,) = _rows(networked := stage(prepared))
    assert not row["error_code"], row["error"]
    assert stage.session.runs == 3  # the first look, the second, the look past the screen
    assert row["method"] == "auto:model" and len(row["alpha"]) == 384 * 384
    (done,) = _rows(finish_stage(networked, args))
    assert done["status"] == "done" and done["method"] == "auto:model"
    batch = _pixels(blobs.get_bytes(done["output_key"]))

    session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    recipe, template = parse_recipe(RECIPE), resolve("#ffffff")
    single = process_image(data, recipe, template, session=session, network_first=NETWORK_FIRST)
    one = _pixels(single.data)
    diff = np.abs(batch - one)
    assert batch.shape == one.shape and float(diff.mean()) < 0.05 and np.percentile(diff, 99.9) <= 3
    assert single.method == done["method"] and abs(single.quality - float(done["quality"])) < 0.02

    # the network's answer alone (the `network` route): the phone's white frame is lost, another picture
    alone = process_image(data, recipe, template, session=session, network_first=NETWORK_ONLY)
    assert alone.method == "auto:model"
    assert float(np.abs(_pixels(alone.data) - one).mean()) > 0.5
