"""A batch end to end on real Ray and the embedded database: intake -> reserve -> run -> ZIP."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest

from data_jobs.download import job_output_zip
from data_jobs.jobs import add_zip, cancel_job, create_job, submit_job
from data_jobs.output_zip import read_manifest
from data_jobs.runner import run_job
from store.ledger import InsufficientCoins, Ledger
from tests.data_jobs.conftest import make_zip, mixed_zip, product_photo

pytestmark = pytest.mark.ray

FAST = {"method": "fast", "size": 400}


async def _funded_job(repos, blobs, settings, user, zip_bytes, *, coins=100, recipe=FAST, module="ready"):
    if coins:
        await Ledger(repos.db).credit(user, coins, "grant", f"grant:{user}")
    job = await create_job(repos, owner=user, module=module, template="#ffffff", recipe=recipe)
    report = await add_zip(repos, blobs, settings, job.id, io.BytesIO(zip_bytes))
    return job, report


async def test_mixed_zip_good_images_out_rest_reported_coins_match(ray_session, repos, blobs, settings, user):
    settings = settings.with_(blob_dir=str(blobs.root))
    data, good = mixed_zip(good=4)
    job, report = await _funded_job(repos, blobs, settings, user, data, module="look")
    price = (await repos.jobs.get(job.id)).price_per_image
    assert price == 2  # look's default price
    assert len(report.accepted) == 5  # 4 good + the corrupt JPEG (fails later, alone)
    await submit_job(repos, job.id)
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == 100 - 5 * price

    summary = await run_job(repos, settings, job.id)

    assert summary.status == "done"
    assert (summary.total, summary.done, summary.failed) == (5, 4, 1)
    final = await repos.jobs.get(job.id)
    assert final.coins.charged == 4 * price
    assert final.coins.held == 0
    assert await ledger.balance(user) == 100 - 4 * price
    assert await ledger.ledger_sum(user) == await ledger.balance(user)
    captures = [t for t in await repos.transactions.list_for_job(job.id) if t.kind == "capture"]
    assert len(captures) == 4 and len({t.key for t in captures}) == 4
    failed = await repos.images.list_for_job(job.id, status="failed")
    assert [im.input_name for im in failed] == ["corrupt.jpg"]
    assert failed[0].error

    out = await job_output_zip(repos, blobs, job.id)
    body = b"".join(out.chunks())
    assert len(body) == out.size
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = set(zf.namelist())
        manifest = {row["input_name"]: row for row in read_manifest(zf.read("manifest.csv"))}
        for name in good:
            assert manifest[name]["status"] == "done"
            assert manifest[name]["output_name"] in names
            assert 0 <= float(manifest[name]["quality_score"]) <= 1
            assert zf.read(manifest[name]["output_name"])[:3] == b"\xff\xd8\xff"
    assert manifest["corrupt.jpg"]["status"] == "failed" and manifest["corrupt.jpg"]["output_name"] == ""
    for rejected in ("notes.jpg", "../../etc/evil.jpg", "bomb.jpg", "inner.zip"):
        assert manifest[rejected]["status"] == "rejected" and manifest[rejected]["error"]
    assert names == {manifest[n]["output_name"] for n in good} | {"manifest.csv"}


async def test_insufficient_coins_refuses_before_any_work(repos, blobs, settings, user):
    data, _ = mixed_zip(good=3)
    job, _ = await _funded_job(repos, blobs, settings, user, data, coins=2)
    with pytest.raises(InsufficientCoins) as exc:
        await submit_job(repos, job.id)  # 4 images x 1 coin > 2
    assert exc.value.shortfall == 2
    after = await repos.jobs.get(job.id)
    assert after.status == "created" and after.coins.reserved == 0
    assert await Ledger(repos.db).balance(user) == 2
    assert {im.status for im in await repos.images.list_for_job(job.id)} == {"queued"}


async def test_cancel_before_run_releases_everything(repos, blobs, settings, user):
    data, _ = mixed_zip(good=3)
    job, _ = await _funded_job(repos, blobs, settings, user, data, coins=10)
    await submit_job(repos, job.id)
    assert await Ledger(repos.db).balance(user) == 6
    cancelled = await cancel_job(repos, job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.coins.held == 0 and cancelled.coins.released == 4
    assert await Ledger(repos.db).balance(user) == 10
    images = await repos.images.list_for_job(job.id)
    assert {im.status for im in images} == {"cancelled"} and all(im.error for im in images)
    assert cancelled.counters.total == 4
    summary = await run_job(repos, settings, job.id)  # a late runner does nothing
    assert summary.status == "cancelled" and summary.processed_now == 0


async def test_cancel_while_running_stops_work_and_releases(ray_session, repos, blobs, settings, user):
    from data_jobs.progress import watch_job
    from data_jobs.resume import start_job_in_background
    from tests.data_jobs.conftest import make_zip, product_photo

    settings = settings.with_(blob_dir=str(blobs.root))
    photos = {f"p{i:02d}.jpg": product_photo(700, seed=i) for i in range(30)}
    job, _ = await _funded_job(
        repos, blobs, settings, user, make_zip(photos), coins=100, recipe={"method": "fast", "size": 900}
    )
    await submit_job(repos, job.id)
    task = start_job_in_background(repos, settings, job.id, heartbeat_interval=0.2)
    seen = []
    async for progress in watch_job(repos, job.id, interval=0.05):
        seen.append(progress)
        if progress.done >= 2:
            break
    await cancel_job(repos, job.id)
    await asyncio.wait_for(task, timeout=120)

    final = await repos.jobs.get(job.id)
    assert final.status == "cancelled"
    assert final.counters.done < 30
    charged_images = [im for im in await repos.images.list_for_job(job.id) if im.charged]
    assert final.coins.charged == len(charged_images) * final.price_per_image
    assert final.coins.held == 0
    assert final.coins.released == 30 * final.price_per_image - final.coins.charged
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == 100 - final.coins.charged
    assert await ledger.ledger_sum(user) == await ledger.balance(user)
    assert all(p.status in ("queued", "running") for p in seen)
    # the database and the download agree on which images never ran; none is left queued/running
    images = {im.input_name: im for im in await repos.images.list_for_job(job.id)}
    assert {im.status for im in images.values()} == {"done", "cancelled"}
    assert final.counters.done == sum(im.status == "done" for im in images.values())
    out = await job_output_zip(repos, blobs, job.id)
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks()))) as zf:
        rows = {row["input_name"]: row for row in read_manifest(zf.read("manifest.csv"))}
    assert {name: row["status"] for name, row in rows.items()} == {
        name: im.status for name, im in images.items()
    }


async def test_streamed_upload_is_spooled_and_capped(repos, blobs, settings, user):
    from dataclasses import replace

    from data_jobs.errors import IntakeRefused
    from data_jobs.jobs import add_zip_stream

    data, good = mixed_zip(good=3)

    async def chunks(size=64 * 1024):
        for i in range(0, len(data), size):
            yield data[i : i + size]

    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe=FAST)
    report = await add_zip_stream(repos, blobs, settings, job.id, chunks())
    assert {a.name for a in report.accepted} == set(good) | {"corrupt.jpg"}
    assert (await repos.jobs.get(job.id)).counters.total == 4

    small = settings.with_(limits=replace(settings.limits, max_upload_bytes=len(data) - 1))
    job2 = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe=FAST)
    with pytest.raises(IntakeRefused) as exc:
        await add_zip_stream(repos, blobs, small, job2.id, chunks())
    assert exc.value.code == "too_large" and exc.value.http_status == 413
    assert (await repos.jobs.get(job2.id)).counters.total == 0


async def test_bad_recipe_and_template_are_refused_before_anything_is_stored(repos, user):
    from engine.errors import RecipeError
    from engine.templates import UnknownTemplate

    with pytest.raises(RecipeError):
        await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"aspect": "7:3"})
    with pytest.raises(RecipeError):
        await create_job(repos, owner=user, module="surprise", template="#ffffff")
    with pytest.raises(UnknownTemplate):
        await create_job(repos, owner=user, module="look", template="no-such-template")
    assert await repos.jobs.count(user) == 0


async def test_uploaded_template_is_rendered_from_its_blob(ray_session, repos, blobs, settings, user):
    """An admin upload (resolved by the API) travels as a spec; workers read its picture from blobs."""
    import numpy as np
    from PIL import Image

    from engine.templates.spec import TemplateSpec
    from tests.data_jobs.conftest import make_zip, product_photo

    settings = settings.with_(blob_dir=str(blobs.root))
    backdrop = np.zeros((300, 500, 3), np.uint8)
    backdrop[..., 0] = 200  # a flat red-ish wall
    backdrop[..., 2] = 40
    buf = io.BytesIO()
    Image.fromarray(backdrop).save(buf, "PNG")
    blobs.put_bytes("templates/uploads/red-wall.png", buf.getvalue())
    spec = TemplateSpec(
        id="red-wall",
        name="Red wall",
        category="upload",
        source="upload",
        floor_line=None,
        extra={"blob_key": "templates/uploads/red-wall.png"},
    )
    await Ledger(repos.db).credit(user, 10, "grant", f"grant:{user}")
    job = await create_job(
        repos, owner=user, module="look", template="red-wall", recipe=FAST, template_spec=spec
    )
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip({"a.jpg": product_photo(300)})))
    await submit_job(repos, job.id)
    summary = await run_job(repos, settings, job.id)
    assert (summary.status, summary.done) == ("done", 1)
    (image,) = await repos.images.list_for_job(job.id)
    out = np.asarray(Image.open(io.BytesIO(blobs.get_bytes(image.outputs["image"]))).convert("RGB"))
    corner = out[:20, :20].reshape(-1, 3).mean(axis=0)
    assert corner[0] > 150 and corner[1] < 80  # the upload's colour, not the default white


async def test_a_stalled_job_fails_and_gives_the_coins_back(ray_session, repos, blobs, settings, user):
    """Crashing workers are retried by Ray Data without limit; the runner's stall guard ends the job."""
    from data_jobs.runner import JobStalled

    settings = settings.with_(blob_dir=str(blobs.root))
    data, _ = mixed_zip(good=2)
    job, _ = await _funded_job(repos, blobs, settings, user, data, coins=10)
    await submit_job(repos, job.id)
    with pytest.raises(JobStalled):
        # no image can finish within a hundredth of a second of the workers being asked to start
        await run_job(repos, settings, job.id, stall_timeout=0.01)
    final = await repos.jobs.get(job.id)
    assert final.status == "failed" and "no image finished" in (final.error or "")
    assert final.coins.held == 0 and final.coins.charged == 0
    assert await Ledger(repos.db).balance(user) == 10
    assert {im.status for im in await repos.images.list_for_job(job.id)} == {"failed"}


async def test_a_preset_batch_reports_compliance_per_image_in_the_manifest(
    ray_session, repos, blobs, settings, user
):
    settings = settings.with_(blob_dir=str(blobs.root))
    entries = {"a.jpg": product_photo(240, seed=1), "b.jpg": product_photo(240, seed=2)}
    entries["corrupt.jpg"] = product_photo(240, seed=3)[:300]
    recipe = {"preset": "amazon", "method": "fast"}
    job, _ = await _funded_job(repos, blobs, settings, user, make_zip(entries), recipe=recipe)
    await submit_job(repos, job.id)

    summary = await run_job(repos, settings, job.id)

    assert (summary.done, summary.failed) == (2, 1)
    records = {im.input_name: im for im in await repos.images.list_for_job(job.id)}
    for name in ("a.jpg", "b.jpg"):
        report = records[name].compliance
        assert report["status"] == "pass" and report["reasons"] == [] and report["preset"] == "amazon"
        assert report["box_estimated"] is False and report["checks"]["background"]["ok"] is True
    assert records["corrupt.jpg"].compliance is None
    out = await job_output_zip(repos, blobs, job.id)
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks()))) as zf:
        manifest = {row["input_name"]: row for row in read_manifest(zf.read("manifest.csv"))}
    assert [(manifest[n]["compliance"], manifest[n]["reasons"]) for n in ("a.jpg", "b.jpg")] == [
        ("pass", "")
    ] * 2
    assert (manifest["corrupt.jpg"]["status"], manifest["corrupt.jpg"]["compliance"]) == ("failed", "")
