"""`POST /v1/enhance`: one image now, answered with the processed image.

Charged exactly like a one-image job, through the same functions as a batch (`data_jobs.jobs`): the
job is created and its image checked like an upload, the price is reserved, the image is processed in
the enhance deployment, a success is captured once and anything else released. The job stays in the
caller's history (`GET /v1/jobs`), with its output downloadable like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from data_jobs import jobs as job_ops
from data_jobs.runner import DEFAULT_STALE_AFTER, new_runner_id
from serve_apps import enhance_service
from serve_apps.auth.deps import CurrentUser
from serve_apps.errors import ApiError
from serve_apps.rate_limit import limit
from serve_apps.routes.templates import (
    PREVIEW_FORM,
    parse_recipe_field,
    read_image_form,
    resolve_template_ref,
)
from serve_apps.state import AppState, StateDep
from store.blobs import job_key
from store.documents import Job
from store.repositories import ImageResult

router = APIRouter(prefix="/v1", tags=["enhance"])
log = logging.getLogger("drisya.enhance")

HEARTBEAT_S = 5.0
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


async def _beat(state: AppState, job_id: str, runner_id: str) -> None:
    """Keep the lease fresh while the deployment works, so the resume watch does not run it again."""
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        with contextlib.suppress(Exception):
            await state.repos.jobs.heartbeat(job_id, runner_id)


def _result(image_id: str, row: dict[str, Any]) -> ImageResult:
    done = row.get("status") == "done"
    return ImageResult(
        image_id=image_id,
        status="done" if done else "failed",
        outputs={"image": str(row["output_key"])} if done else {},
        error=None if done else str(row.get("error") or row.get("error_code") or "failed"),
        quality=row.get("quality"),
        method=row.get("method") or None,
        width=int(row["width"]) if done else None,
        height=int(row["height"]) if done else None,
        compliance=row.get("compliance") if done else None,
    )


def compliance_header(report: dict[str, Any]) -> str:
    """`pass`, or `fail: reason; reason`, as a header can carry it (Latin-1, one line)."""
    status = str(report.get("status", ""))
    reasons = "; ".join(str(r) for r in report.get("reasons") or ())
    text = f"{status}: {reasons}" if status == "fail" and reasons else status
    return " ".join(text.split()).encode("latin-1", "replace").decode("latin-1")


async def _run(state: AppState, job: Job) -> tuple[Job, dict[str, Any]]:
    runner_id = new_runner_id()
    job, image = await job_ops.claim_single_image(
        state.repos, job.id, runner_id, stale_after=DEFAULT_STALE_AFTER
    )
    beat = asyncio.create_task(_beat(state, job.id, runner_id))
    try:
        row = await enhance_service.call(
            state,
            "enhance",
            image.id,
            image.input_blob,
            job_key(job.id, "outputs", f"{image.seq:06d}"),
            job.recipe,
            await _template_dict(state, job),
        )
    except Exception as exc:  # noqa: BLE001 - the deployment failed: the image fails, nothing is charged
        log.exception("enhance of job %s failed in the deployment", job.id)
        row = {
            "status": "failed",
            "error_code": "unavailable",
            "error": f"the image service failed ({type(exc).__name__}); nothing was charged, try again",
        }
    finally:
        beat.cancel()
    final = await job_ops.finish_single_image(state.repos, job, _result(image.id, row))
    return final, row


async def _template_dict(state: AppState, job: Job) -> dict[str, Any]:
    spec = await job_ops.job_template(state.repos, job)
    return job_ops.spec_to_dict(spec)


@router.post(
    "/enhance",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        402: {"description": "not enough coins (the body says the shortfall)"},
    },
    openapi_extra=PREVIEW_FORM,
)
async def enhance(request: Request, state: StateDep, user: CurrentUser) -> Response:
    """The processed image in the recipe's format. Costs one image at the module's price; a failed
    image costs nothing. Headers: `X-Drisya-Job`, `X-Drisya-Coins-Charged`, `X-Drisya-Quality`,
    `X-Drisya-Compliance` (with a preset: `pass` or `fail: reasons`; the image record has every check)."""
    limit(request, "enhance")
    form = await read_image_form(request, state.settings.limits.max_entry_bytes)
    fields = parse_recipe_field(form.recipe)
    module_name = form.module or str(fields.get("module") or "ready")
    spec = await resolve_template_ref(state, form.template)
    job = await job_ops.create_job(
        state.repos,
        owner=user.id,
        module=module_name,
        template=form.template.strip(),
        recipe=fields,
        name="enhance",
        template_spec=job_ops.spec_from_dict(spec) if spec.get("source") == "upload" else None,
    )
    try:
        await job_ops.add_files(
            state.repos, state.blobs, state.settings, job.id, [(form.filename, form.data)]
        )
        job = await job_ops.submit_job(state.repos, job.id)
    except Exception:
        # refused before any coin moved (bad file, 402): no half-made job stays in the history
        with contextlib.suppress(Exception):
            await job_ops.delete_job(state.repos, state.blobs, job.id, owner=user.id)
        raise
    final, row = await _run(state, job)
    if row.get("status") != "done":
        code = str(row.get("error_code") or "image_failed")
        status = {"unsupported_format": 415, "image_too_large": 413, "too_large": 413, "unavailable": 503}
        status = status.get(code, 422)
        raise ApiError(
            status, str(row.get("error") or "the image could not be processed"), code, job_id=final.id
        )
    output = await asyncio.to_thread(state.blobs.get_bytes, str(row["output_key"]))
    ext = str(row.get("output_extension") or "jpg")
    quality = row.get("quality")
    headers = {
        "X-Drisya-Job": final.id,
        "X-Drisya-Coins-Charged": str(final.coins.charged),
        "Cache-Control": "no-store",
    }
    if quality is not None:
        headers["X-Drisya-Quality"] = f"{float(quality):.3f}"
    if row.get("compliance"):
        headers["X-Drisya-Compliance"] = compliance_header(row["compliance"])
    return Response(output, media_type=MEDIA_TYPES.get(ext, "application/octet-stream"), headers=headers)
