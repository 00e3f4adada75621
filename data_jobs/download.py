"""The job's download as the API and the CLI serve it: image documents -> manifest rows -> ZIP."""

from __future__ import annotations

from data_jobs.errors import JobNotFound
from data_jobs.output_zip import ManifestRow, OutputZip, build_output_zip
from store.blobs import BlobStore
from store.documents import IMAGE_DONE, JOB_CANCELLED, Image
from store.repositories import Repositories


def _row(image: Image, job_status: str) -> ManifestRow:
    status = image.status
    error = image.error or ""
    if status in ("queued", "running"):
        status = "cancelled" if job_status == JOB_CANCELLED else "pending"
        error = error or ("the job was cancelled before this image ran" if status == "cancelled" else "")
    key = image.outputs.get("image") if image.status == IMAGE_DONE else None
    ext = key.rsplit(".", 1)[-1] if key and "." in key else None
    report = image.compliance if image.status == IMAGE_DONE and image.compliance else {}
    return ManifestRow(
        image.input_name,
        status,
        error=error,
        quality=image.quality,
        output_key=key,
        output_extension=ext,
        compliance=str(report.get("status", "")),
        reasons=tuple(str(r) for r in report.get("reasons", ())),
        outputs=tuple(image.output_items) if image.status == IMAGE_DONE else (),
    )


async def manifest_rows(repos: Repositories, job_id: str) -> list[ManifestRow]:
    """Images in upload order, then the entries intake rejected (with their reasons)."""
    job = await repos.jobs.find(job_id)
    if job is None:
        raise JobNotFound(job_id)
    rows = [_row(image, job.status) async for image in repos.images.iter_for_job(job_id)]
    for rejected in job.intake.rejected:
        rows.append(
            ManifestRow(
                rejected["name"], "rejected", error=rejected.get("detail") or rejected.get("code", "")
            )
        )
    return rows


async def job_output_zip(repos: Repositories, blobs: BlobStore, job_id: str) -> OutputZip:
    """Ready to stream: `zip.size` for Content-Length, `zip.chunks()` for the body (iterate in a
    thread: blob reads are synchronous)."""
    import asyncio

    rows = await manifest_rows(repos, job_id)
    return await asyncio.to_thread(build_output_zip, blobs, rows)
