"""A surprise job end to end on local Ray: every variant and the video from one matte, stored per
image as `output_items`, a bad photo failing alone, and the ZIP grouped by product."""

from __future__ import annotations

import io
import zipfile

import av
import cv2
import numpy as np
import pytest

from data_jobs.download import job_output_zip
from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.output_zip import read_manifest
from data_jobs.runner import RunSummary, run_job
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo

pytestmark = pytest.mark.ray


async def _run_surprise_job(
    repos, blobs, settings, user: str, photos: dict[str, bytes], *, recipe: dict, surprise: dict
) -> tuple[str, RunSummary]:
    """A surprise job as the API makes one (coins granted, the ZIP taken in, submitted), run to its end."""
    settings = settings.with_(blob_dir=str(blobs.root))
    await Ledger(repos.db).credit(user, 500, "grant", f"grant:{user}")
    job = await create_job(
        repos, owner=user, module="surprise", template="#ffffff", recipe=recipe, surprise=surprise
    )
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    return job.id, await run_job(repos, settings, job.id)


async def test_surprise_job_variants_video_and_grouped_zip(ray_session, repos, blobs, settings, user):
    photos = {"shoes/red.jpg": product_photo(320, seed=1), "mug.jpg": product_photo(320, seed=2)}
    photos["broken.jpg"] = product_photo(320, seed=3)[:400]
    surprise = {"theme": "pastel", "variants": 2, "video": True, "seed": 9}
    job_id, summary = await _run_surprise_job(
        repos, blobs, settings, user, photos, recipe={"method": "fast", "size": 256}, surprise=surprise
    )

    assert (summary.status, summary.done, summary.failed) == ("done", 2, 1)
    done = await repos.images.list_for_job(job_id, status="done")
    for image in done:
        items = image.output_items
        assert [(i["kind"], i["variant"]) for i in items] == [("image", 1), ("image", 2), ("video", 0)]
        assert all(i["theme"] == "pastel" and i["seed"] == 9 for i in items)
        assert items[0]["template"] != items[1]["template"]
        assert image.outputs["image"] == items[0]["blob"]  # the first variant, for one-output paths
        assert blobs.get_bytes(items[0]["blob"])[:3] == b"\xff\xd8\xff"
        assert (image.width, image.height) == (256, 256)
    failed = await repos.images.list_for_job(job_id, status="failed")
    assert [im.input_name for im in failed] == ["broken.jpg"] and failed[0].output_items == []

    out = await job_output_zip(repos, blobs, job_id)
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks()))) as zf:
        names = set(zf.namelist())
        manifest = read_manifest(zf.read("manifest.csv"))
        video = zf.read("shoes/red/red-pastel.mp4")
        variant = zf.read("mug/mug-pastel-2.jpg")
    assert names == {
        "shoes/red/red-pastel-1.jpg",
        "shoes/red/red-pastel-2.jpg",
        "shoes/red/red-pastel.mp4",
        "mug/mug-pastel-1.jpg",
        "mug/mug-pastel-2.jpg",
        "mug/mug-pastel.mp4",
        "manifest.csv",
    }
    image = cv2.imdecode(np.frombuffer(variant, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (256, 256, 3)
    with av.open(io.BytesIO(video)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.average_rate == 30
        assert (stream.codec_context.width, stream.codec_context.height) == (256, 256)
    rows = [r for r in manifest if r["input_name"] in ("shoes/red.jpg", "mug.jpg")]
    assert len(rows) == 6
    assert {r["variant"] for r in rows} == {"1", "2", "0"}
    assert all(r["theme"] == "pastel" and r["seed"] == "9" and r["status"] == "done" for r in rows)
    assert all(r["template"] for r in rows if r["variant"] != "0")
    broken = [r for r in manifest if r["input_name"] == "broken.jpg"]
    assert broken[0]["status"] == "failed" and broken[0]["error"]


@pytest.mark.model
async def test_surprise_job_through_the_network_stage(ray_session, repos, blobs, settings, user):
    """`model`: prepare -> network actor -> finish, the variants made from the network's matte."""
    job_id, summary = await _run_surprise_job(
        repos,
        blobs,
        settings,
        user,
        {"box.jpg": product_photo(300, seed=6)},
        recipe={"method": "model", "size": 200},
        surprise={"theme": "tech", "variants": 2},
    )

    assert (summary.status, summary.done, summary.failed) == ("done", 1, 0)
    (image,) = await repos.images.list_for_job(job_id, status="done")
    assert image.method == "model"
    assert [i["variant"] for i in image.output_items] == [1, 2]
    assert all(blobs.exists(i["blob"]) for i in image.output_items)
