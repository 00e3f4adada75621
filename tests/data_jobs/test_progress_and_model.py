"""Progress subscribers see a running job move to its end; one batch through the real ISNet model."""

from __future__ import annotations

import io
import zipfile

import pytest

from data_jobs.download import job_output_zip
from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.output_zip import read_manifest
from data_jobs.progress import JobProgress, subscribe
from data_jobs.resume import start_job_in_background
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo

pytestmark = pytest.mark.ray


async def _job(repos, blobs, settings, user, n, recipe):
    await Ledger(repos.db).credit(user, 100, "grant", f"grant:{user}")
    job = await create_job(
        repos, owner=user, module="look", template="studio-sweep-white", recipe=recipe
    )  # built-in: drawn in each actor
    photos = {f"p{i}.jpg": product_photo(400, seed=i) for i in range(n)}
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    return job


async def test_subscriber_follows_a_running_job_to_its_end(ray_session, repos, blobs, settings, user):
    settings = settings.with_(blob_dir=str(blobs.root))
    job = await _job(repos, blobs, settings, user, 8, {"method": "fast", "size": 500})
    events: list[JobProgress] = []

    async def on_event(progress: JobProgress) -> None:
        events.append(progress)

    task = start_job_in_background(repos, settings, job.id)
    final = await subscribe(repos, job.id, on_event, interval=0.1)
    await task
    assert final.status == "done" and final.is_terminal
    assert (final.done, final.failed, final.total) == (8, 0, 8)
    assert events[-1] == final
    assert any(e.status == "running" for e in events)
    finished = [e.finished for e in events]
    assert finished == sorted(finished)  # counters only move forward
    assert all(e.total == 8 for e in events)
    assert final.describe() == "Done 8/8"
    assert final.to_dict()["finished"] == 8


@pytest.mark.model
async def test_batch_through_the_real_matting_model(ray_session, repos, blobs, settings, user):
    from cluster.model_store import resolve_model

    resolve_model(settings, fetch_if_missing=False)  # `make setup` fetched it; fail loudly otherwise
    settings = settings.with_(blob_dir=str(blobs.root))
    job = await _job(repos, blobs, settings, user, 2, {"method": "model", "size": 512, "aspect": "4:5"})
    from data_jobs.runner import run_job

    summary = await run_job(repos, settings, job.id)
    assert (summary.status, summary.done, summary.failed) == ("done", 2, 0)
    images = await repos.images.list_for_job(job.id)
    assert {im.method for im in images} == {"model"}
    out = await job_output_zip(repos, blobs, job.id)
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks()))) as zf:
        rows = read_manifest(zf.read("manifest.csv"))
        from PIL import Image

        for row in rows:
            assert row["status"] == "done" and float(row["quality_score"]) > 0
            assert Image.open(io.BytesIO(zf.read(row["output_name"]))).size == (410, 512)
