"""The download's manifest rows: every image in upload order, then what intake rejected."""

from __future__ import annotations

import io
import zipfile

from benchmarks.hostile import uploads
from data_jobs.download import job_output_zip, manifest_rows
from data_jobs.jobs import add_zip, create_job
from data_jobs.output_zip import read_manifest


async def test_rejected_entries_of_a_hostile_upload_reach_the_manifest(repos, blobs, settings, user) -> None:
    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"method": "fast"})
    data = uploads.RawZip(
        [
            uploads.entry("=good.jpg", uploads.photo(seed=1)),
            uploads.entry("notes.jpg", b"plain text, not a photo\n" * 10),
        ]
    ).build()
    report = await add_zip(repos, blobs, settings, job.id, io.BytesIO(data))
    assert [a.name for a in report.accepted] == ["=good.jpg"]
    rows = await manifest_rows(repos, job.id)
    assert [(r.input_name, r.status) for r in rows] == [("=good.jpg", "pending"), ("notes.jpg", "rejected")]
    assert "not a JPEG" in rows[1].error
    out = await job_output_zip(repos, blobs, job.id)
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks()))) as zf:
        manifest = read_manifest(zf.read("manifest.csv"))
    assert [m["input_name"] for m in manifest] == ["'=good.jpg", "notes.jpg"]


async def test_a_repaired_name_is_kept_on_the_job_as_a_note(repos, blobs, settings, user) -> None:
    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"method": "fast"})
    report = await add_zip(repos, blobs, settings, job.id, io.BytesIO(uploads.bad_name_beside_good(good=2)))
    assert len(report.accepted) == 3 and len(report.notes) == 1
    intake = (await repos.jobs.get(job.id)).intake
    assert [(n["name"], n["code"]) for n in intake.notes] == [(report.notes[0].name, "name_not_utf8")]
    assert intake.rejected == [] and intake.rejected_count == 0


async def test_a_recorded_compliance_report_fills_the_manifest_columns(repos, blobs, settings, user) -> None:
    from store.repositories import ImageResult

    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"preset": "amazon"})
    images = await repos.images.insert_many(
        job.id, [("good.jpg", "in/0"), ("off.jpg", "in/1"), ("bad.jpg", "in/2")]
    )
    fail = {
        "status": "fail",
        "preset": "amazon",
        "reasons": [
            "product fills 70% of the frame, the preset asks 85%",
            "file is png, the preset asks for jpg",
        ],
        "checks": {},
        "box_estimated": False,
    }
    passed = dict(fail, status="pass", reasons=[])
    applied = await repos.images.record_results(
        [
            ImageResult(images[0].id, "done", {"image": "out/0.jpg"}, compliance=passed),
            ImageResult(images[1].id, "done", {"image": "out/1.png"}, compliance=fail),
            ImageResult(images[2].id, "failed", error="corrupt"),
        ]
    )
    assert len(applied) == 3
    rows = await manifest_rows(repos, job.id)
    assert [(r.input_name, r.compliance, r.reasons) for r in rows] == [
        ("good.jpg", "pass", ()),
        ("off.jpg", "fail", tuple(fail["reasons"])),
        ("bad.jpg", "", ()),
    ]
