"""Batch jobs: create, upload, start, status, images, outputs, download, cancel, history, delete.

Every route works on the caller's own jobs only: another user's job id answers 404 exactly like an
unknown one. The money and state rules live in `data_jobs.jobs` (the CLI runs the same functions);
this module only translates HTTP to those calls and back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import mimetypes
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from data_jobs import jobs as job_ops
from data_jobs.accounting import quote
from data_jobs.intake import IntakeReport
from data_jobs.progress import JobProgress
from data_jobs.resume import start_job_in_background
from engine.surprise.options import MAX_SEED, MAX_VARIANTS, THEMES
from serve_apps.auth.deps import CurrentUser
from serve_apps.downloads import read_range, stored_archive
from serve_apps.errors import ApiError
from serve_apps.rate_limit import limit
from serve_apps.routes.templates import resolve_template_ref
from serve_apps.state import AppState, StateDep
from serve_apps.templates import offline_template_name, template_names
from serve_apps.tickets import issue_ticket
from serve_apps.uploads import form_files, multipart_body, read_form
from store.documents import IMAGE_DONE, JOB_RUNNING, Image, Job, User
from store.errors import NotFound

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")
MAX_FILES_PER_REQUEST = 1000
PREVIEW_SIDE = 320
# What a `Range` request can get besides 200, for every route that serves through `ranged_blob`.
RANGE_RESPONSES: dict[int | str, dict] = {
    206: {"description": "the requested byte range"},
    416: {"description": "the range lies outside the file"},
}


# --- bodies and answers ----------------------------------------------------------------------------


SURPRISE_FIELDS = ("theme", "variants", "video", "seed")


def _documented(schema: dict[str, Any]) -> Any:
    """A surprise field as /docs shows it (its type and range, from the engine's constants) while any
    value gets through to the engine's one validator (engine.surprise.parse_surprise_options): the API,
    the CLI and the SDK then refuse the same things with the same words, a wrong type included."""
    return Annotated[Any, WithJsonSchema({"anyOf": [schema, {"type": "null"}]})]


class JobCreate(BaseModel):
    """A job. Module `surprise` also takes `theme`, `variants` (1-8), `video` and `seed`; those four are
    checked by the engine's one validator (engine.surprise.parse_surprise_options), not here, so the
    API, the CLI and the SDK refuse the same things with the same words. A surprise job draws its
    backdrops from the theme, so it ignores `template_id` (clients may send their usual one)."""

    model_config = ConfigDict(extra="forbid")

    module: Literal["ready", "look", "surprise"] = "ready"
    template_id: str = Field(
        "#ffffff",
        min_length=1,
        max_length=200,
        description=(
            "ready and look: a template id from GET /v1/templates or a #RRGGBB colour. "
            "Ignored for module surprise, whose theme picks the templates (the job reports #ffffff)."
        ),
    )
    recipe: dict[str, Any] | None = None
    name: str = Field("", max_length=200)
    theme: _documented({"type": "string", "examples": list(THEMES)}) = Field(
        None,
        description=f"surprise only, required there: one of {', '.join(THEMES)} (GET /v1/surprise/themes)",
    )
    variants: _documented({"type": "integer", "minimum": 1, "maximum": MAX_VARIANTS}) = Field(
        None, description=f"surprise only: creative variants per product, 1 to {MAX_VARIANTS} (default 1)"
    )
    video: _documented({"type": "boolean"}) = Field(
        None, description="surprise only: also a short MP4 per product (default false)"
    )
    seed: _documented({"type": "integer", "minimum": 0, "maximum": MAX_SEED}) = Field(
        None, description=f"surprise only: 0 to {MAX_SEED} (default 0); the same seed gives the same variants"
    )

    def surprise_options(self) -> dict[str, Any] | None:
        """The surprise fields that were sent (None when none were and the module is not surprise)."""
        given = {k: getattr(self, k) for k in SURPRISE_FIELDS if getattr(self, k) is not None}
        return given if given or self.module == "surprise" else None


class JobCreated(BaseModel):
    id: str
    status: str
    price_per_image: int
    price_per_output: int
    outputs_per_image: int
    module: str
    template_id: str
    template_name: str
    surprise: dict[str, Any] | None = None


class JobOut(BaseModel):
    id: str
    name: str
    module: str
    template_id: str
    template_name: str
    recipe: dict[str, Any]
    status: str
    message: str
    total: int
    done: int
    failed: int
    finished: int
    # the quote: total (images) x outputs_per_image x price_per_output = quote coins
    price_per_image: int
    price_per_output: int
    outputs_per_image: int
    quote: int
    surprise: dict[str, Any] | None = None
    coins_reserved: int
    coins_charged: int
    coins_released: int
    coins_held: int
    rejected_count: int
    skipped_count: int
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    eta_s: float | None


class Rejected(BaseModel):
    name: str
    reason: str
    code: str


class UploadOut(BaseModel):
    accepted: int
    rejected: list[Rejected]
    skipped: int
    total: int
    price_per_output: int
    outputs_per_image: int
    quote: int


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    page: int
    page_size: int


class OutputOut(BaseModel):
    index: int
    name: str
    kind: Literal["image", "video"]
    content_type: str
    theme: str | None = None
    template: str | None = None
    seed: int | None = None
    variant: int | None = None
    url: str
    preview_url: str | None = None


class ImageOut(BaseModel):
    id: str
    name: str
    status: str
    reason: str | None
    quality: float | None
    method: str | None
    width: int | None
    height: int | None
    # the output checked against the recipe's preset: status pass|fail, reasons, each measurement;
    # null without a preset
    compliance: dict[str, Any] | None = None
    charged: bool
    output_url: str | None
    preview_url: str | None
    # a surprise image's every output (variants, then its video), each served by its own url
    outputs: list[OutputOut] = Field(default_factory=list)


class ImagePage(BaseModel):
    items: list[ImageOut]
    total: int
    page: int
    page_size: int


class Ticket(BaseModel):
    ticket: str
    expires_in: int
    url: str


def _when(value: Any) -> dt.datetime | None:
    """A stored timestamp as an aware datetime. nx-27017 hands back a datetime written by `$set` as
    text ("2026-11-26 13:32:58.492000", UTC), so both forms are read."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _iso(value: Any) -> str | None:
    when = _when(value)
    return when.isoformat() if when is not None else None


def eta_seconds(job: Job) -> float | None:
    """Seconds left at the pace so far; None until the first image finished or when not running."""
    finished = job.counters.done + job.counters.failed
    started = _when(job.started)
    if job.status != JOB_RUNNING or started is None or finished == 0:
        return None
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    left = max(0, job.counters.total - finished)
    return round(elapsed / finished * left, 1)


def template_name(job: Job, names: dict[str, str] | None = None) -> str:
    """The display name of the job's template: its current name (from `job_names`), else the name the
    job was created with (uploads), else the catalogue's, else the reference itself."""
    return (names or {}).get(job.template) or offline_template_name(job.template, job.template_spec)


def job_out(job: Job, names: dict[str, str] | None = None) -> dict[str, Any]:
    """A job as the API shows it; `names` (from `job_names`) are its template's current display name."""
    c = job.counters
    return {
        "id": job.id,
        "name": job.name,
        "module": job.module,
        "template_id": job.template,
        "template_name": template_name(job, names),
        "recipe": job.recipe,
        "status": job.status,
        "message": JobProgress.from_job(job).describe(),
        "total": c.total,
        "done": c.done,
        "failed": c.failed,
        "finished": c.done + c.failed,
        "price_per_image": job.price_per_image,
        "price_per_output": job.price_per_output,
        "outputs_per_image": job.outputs_per_image,
        "quote": quote(job),
        "surprise": job.surprise,
        "coins_reserved": job.coins.reserved,
        "coins_charged": job.coins.charged,
        "coins_released": job.coins.released,
        "coins_held": job.coins.held,
        "rejected_count": job.intake.rejected_count,
        "skipped_count": job.intake.skipped_count,
        "error": job.error,
        "created_at": _iso(job.created),
        "started_at": _iso(job.started),
        "finished_at": _iso(job.finished),
        "eta_s": eta_seconds(job),
    }


async def job_names(state: AppState, jobs: list[Job]) -> dict[str, str]:
    """Display names of the templates these jobs use, in one query."""
    return await template_names(state.db, [j.template for j in jobs])


def upload_out(report: IntakeReport, job: Job) -> dict[str, Any]:
    return {
        "accepted": len(report.accepted),
        "rejected": [{"name": r.name, "reason": r.detail, "code": r.code} for r in report.rejected],
        "skipped": len(report.skipped),
        "total": job.counters.total,
        "price_per_output": job.price_per_output,
        "outputs_per_image": job.outputs_per_image,
        "quote": quote(job),
    }


async def owned_job(state: AppState, user: User, job_id: str) -> Job:
    """The caller's job, or 404 (also for another user's job: its existence is not revealed)."""
    if len(job_id) > 64:
        raise NotFound(f"no job {job_id[:64]}")
    return await state.repos.jobs.get_for_owner(job_id, user.id)


async def readable_job(state: AppState, user: User, job_id: str) -> Job:
    """A job the caller may read: their own, or any job for an admin (support opens a seller's job page
    from the admin jobs list). Changing a job (upload, start, cancel, delete) stays with its owner."""
    if not user.is_admin:
        return await owned_job(state, user, job_id)
    if len(job_id) > 64:
        raise NotFound(f"no job {job_id[:64]}")
    return await state.repos.jobs.get(job_id)


# --- create, upload, start -------------------------------------------------------------------------


@router.post("", status_code=201, response_model=JobCreated)
async def create_job(
    request: Request,
    state: StateDep,
    user: CurrentUser,
    body: JobCreate,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """A job at today's price. Re-sending with the same `Idempotency-Key` returns the first job."""
    limit(request, "create_job")
    from data_jobs.jobs import spec_from_dict

    # a surprise job never uses the template (its theme picks them): not resolved, not refused
    spec = None if body.module == "surprise" else await resolve_template_ref(state, body.template_id)
    job = await job_ops.create_job(
        state.repos,
        owner=user.id,
        module=body.module,
        template=body.template_id.strip(),
        recipe=body.recipe,
        name=body.name,
        template_spec=spec_from_dict(spec) if spec and spec.get("source") == "upload" else None,
        idempotency_key=idempotency_key.strip() if idempotency_key and idempotency_key.strip() else None,
        surprise=body.surprise_options(),
    )
    return {
        "id": job.id,
        "status": job.status,
        "price_per_image": job.price_per_image,
        "price_per_output": job.price_per_output,
        "outputs_per_image": job.outputs_per_image,
        "surprise": job.surprise,
        "module": job.module,
        "template_id": job.template,
        # the job's own template: an idempotent replay answers the first job, whatever this body said
        "template_name": template_name(job, await job_names(state, [job])),
    }


@router.put(
    "/{job_id}/upload",
    response_model=UploadOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_zip(request: Request, state: StateDep, user: CurrentUser, job_id: str) -> Any:
    """A ZIP of photos as the raw request body (`Content-Type: application/zip`), streamed to disk and
    checked entry by entry; refused entries are listed with their reason, the rest become images."""
    await owned_job(state, user, job_id)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ZIP_TYPES:
        raise ApiError(
            415, f"send the ZIP with Content-Type: application/zip, not {content_type or 'nothing'}"
        )
    max_bytes = state.settings.limits.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"the upload is larger than {max_bytes} bytes", "too_large")
    report = await job_ops.add_zip_stream(state.repos, state.blobs, state.settings, job_id, request.stream())
    return upload_out(report, await state.repos.jobs.get(job_id))


@router.post(
    "/{job_id}/files",
    response_model=UploadOut,
    openapi_extra=multipart_body(
        {"files": "image files (JPEG, PNG, WebP, HEIC...); repeat the field for each"}, {}, many="files"
    ),
)
async def upload_files(request: Request, state: StateDep, user: CurrentUser, job_id: str) -> Any:
    """Loose image files (multipart, field `files` repeated), with the same checks as ZIP entries;
    the whole body is capped like a ZIP upload (413)."""
    await owned_job(state, user, job_id)
    form = await read_form(
        request, max_bytes=state.settings.limits.max_upload_bytes, max_files=MAX_FILES_PER_REQUEST
    )
    try:
        files = form_files(form, "files")
        if not files:
            raise ApiError(422, "send the images as multipart form field 'files' (repeated)")
        named = [(f.filename or f"file-{i}", f.file) for i, f in enumerate(files)]
        report = await job_ops.add_files(state.repos, state.blobs, state.settings, job_id, named)
    finally:
        await form.close()
    return upload_out(report, await state.repos.jobs.get(job_id))


@router.post("/{job_id}/start", status_code=202, response_model=JobOut)
async def start_job(state: StateDep, user: CurrentUser, job_id: str) -> Any:
    """Reserve the quote (402 with the shortfall when coins do not cover it) and start processing;
    follow it on `WS /v1/jobs/{id}/events` or by polling `GET /v1/jobs/{id}`."""
    await owned_job(state, user, job_id)
    job = await job_ops.submit_job(state.repos, job_id)
    start_job_in_background(state.repos, state.settings, job_id)
    return job_out(job, await job_names(state, [job]))


@router.post("/{job_id}/events-ticket", response_model=Ticket)
async def events_ticket(state: StateDep, user: CurrentUser, job_id: str) -> Any:
    """A single-use ticket, valid for a minute, that opens `WS /v1/jobs/{id}/events?ticket=...`."""
    job = await readable_job(state, user, job_id)
    ticket, ttl = await issue_ticket(state, job)
    return {"ticket": ticket, "expires_in": ttl, "url": f"/v1/jobs/{job.id}/events?ticket={ticket}"}


# --- reading -----------------------------------------------------------------------------------------


@router.get("", response_model=JobPage)
async def list_jobs(
    state: StateDep,
    user: CurrentUser,
    status: Annotated[
        Literal["created", "queued", "running", "done", "failed", "cancelled"] | None, Query()
    ] = None,
    module: Annotated[Literal["ready", "look", "surprise"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Your jobs, newest first."""
    repo = state.repos.jobs
    jobs = await repo.list_for_owner(
        user.id, status=status, module=module, limit=page_size, skip=(page - 1) * page_size
    )
    total = await repo.count(user.id, status=status, module=module)
    names = await job_names(state, jobs)
    items = [job_out(j, names) for j in jobs]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


@router.get("/{job_id}", response_model=JobOut)
async def get_job(state: StateDep, user: CurrentUser, job_id: str) -> Any:
    job = await readable_job(state, user, job_id)
    return job_out(job, await job_names(state, [job]))


def output_media_type(item: dict[str, Any]) -> str:
    """A surprise output's content type: by its kind, an image's format read from its blob key."""
    if item.get("kind") == "video":
        return "video/mp4"
    return mimetypes.guess_type(str(item.get("blob", "")))[0] or "application/octet-stream"


def outputs_out(job_id: str, image: Image) -> list[dict[str, Any]]:
    if image.status != IMAGE_DONE:
        return []
    base = f"/v1/jobs/{job_id}/images/{image.id}/outputs"
    return [
        {
            "index": i,
            "name": str(item.get("name") or ""),
            "kind": item["kind"],
            "content_type": output_media_type(item),
            "theme": item.get("theme"),
            "template": item.get("template"),
            "seed": item.get("seed"),
            "variant": item.get("variant"),
            "url": f"{base}/{i}",
            "preview_url": f"{base}/{i}?preview=true" if item["kind"] == "image" else None,
        }
        for i, item in enumerate(image.output_items)
    ]


def image_out(job_id: str, image: Image) -> dict[str, Any]:
    has_output = image.status == IMAGE_DONE and bool(image.outputs.get("image"))
    output = f"/v1/jobs/{job_id}/images/{image.id}/output" if has_output else None
    return {
        "id": image.id,
        "name": image.input_name,
        "status": image.status,
        "reason": image.error,
        "quality": image.quality,
        "method": image.method,
        "width": image.width,
        "height": image.height,
        "compliance": image.compliance if image.status == IMAGE_DONE else None,
        "charged": image.charged,
        "output_url": output,
        "preview_url": f"{output}?preview=true" if output else None,
        "outputs": outputs_out(job_id, image),
    }


@router.get("/{job_id}/images", response_model=ImagePage)
async def list_images(
    state: StateDep,
    user: CurrentUser,
    job_id: str,
    status: Annotated[Literal["queued", "running", "done", "failed", "cancelled"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """Per-image status in upload order, with the reason a failed image failed."""
    job = await readable_job(state, user, job_id)
    images = await state.repos.images.list_for_job(
        job.id, status=status, skip=(page - 1) * page_size, limit=page_size
    )
    total = await state.repos.images.count_for_job(job.id, status=status)
    return {
        "items": [image_out(job.id, im) for im in images],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


def _small_jpeg(data: bytes, side: int) -> bytes:
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as im:
        im.thumbnail((side, side), PILImage.Resampling.LANCZOS)
        if im.mode not in ("RGB", "L"):  # a transparent output previews on white
            canvas = PILImage.new("RGB", im.size, (255, 255, 255))
            canvas.paste(im, mask=im.convert("RGBA").getchannel("A"))
            im = canvas
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80)
        return out.getvalue()


@router.get(
    "/{job_id}/images/{image_id}/output",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def image_output(
    state: StateDep,
    user: CurrentUser,
    job_id: str,
    image_id: str,
    preview: Annotated[bool, Query(description="a 320 px JPEG instead of the full output")] = False,
) -> Response:
    job = await readable_job(state, user, job_id)
    if len(image_id) > 64:
        raise NotFound(f"no image {image_id[:64]}")
    image = await state.repos.images.get(image_id, job_id=job.id)
    key = image.outputs.get("image")
    if image.status != IMAGE_DONE or not key:
        raise ApiError(404, f"image {image.input_name!r} has no output ({image.status})", "no_output")
    data = await asyncio.to_thread(state.blobs.get_bytes, key)
    if preview:
        return Response(
            await asyncio.to_thread(_small_jpeg, data, PREVIEW_SIDE),
            media_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=3600"},
        )
    media = mimetypes.guess_type(key)[0] or "application/octet-stream"
    from data_jobs.output_zip import output_name

    name = output_name(image.input_name, key.rsplit(".", 1)[-1]).rsplit("/", 1)[-1]
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": _attachment(name), "Cache-Control": "private, max-age=3600"},
    )


@router.get(
    "/{job_id}/images/{image_id}/outputs/{index}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "video/mp4": {}}},
        **RANGE_RESPONSES,
    },
)
async def image_output_item(
    state: StateDep,
    user: CurrentUser,
    job_id: str,
    image_id: str,
    index: Annotated[int, Path(ge=0, le=1000)],
    preview: Annotated[bool, Query(description="a 320 px JPEG of an image output")] = False,
    range_header: Annotated[str | None, Header(alias="range", max_length=200)] = None,
    if_range: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """One output of a surprise image (the `index` of its `outputs` list): a variant as JPEG/PNG/WebP or
    its video as `video/mp4`, with `Range` (206/416) so a player can seek; `preview` for images."""
    job = await readable_job(state, user, job_id)
    if len(image_id) > 64:
        raise NotFound(f"no image {image_id[:64]}")
    image = await state.repos.images.get(image_id, job_id=job.id)
    if image.status != IMAGE_DONE or index >= len(image.output_items):
        count = len(image.output_items) if image.status == IMAGE_DONE else 0
        raise ApiError(
            404,
            f"image {image.input_name!r} has no output {index} ({image.status}, {count} outputs)",
            "no_output",
        )
    item = image.output_items[index]
    key = str(item["blob"])
    if preview:
        if item["kind"] != "image":
            raise ApiError(422, "a preview is for image outputs; play the video from its url instead")
        data = await asyncio.to_thread(state.blobs.get_bytes, key)
        return Response(
            await asyncio.to_thread(_small_jpeg, data, PREVIEW_SIDE),
            media_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=3600"},
        )
    size = await asyncio.to_thread(state.blobs.size, key)
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + f'-{size}"'
    name = str(item.get("name") or key.rsplit("/", 1)[-1]).rsplit("/", 1)[-1]
    headers = {"Content-Disposition": _disposition(name, "inline"), "Cache-Control": "private, max-age=3600"}
    return ranged_blob(
        state, key, size, etag, output_media_type(item), headers, range_header=range_header, if_range=if_range
    )


def _attachment(name: str) -> str:
    return _disposition(name, "attachment")


def _disposition(name: str, kind: str) -> str:
    from urllib.parse import quote as urlquote

    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name) or "download"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{urlquote(name)}"


# --- download ----------------------------------------------------------------------------------------


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | Literal["unsatisfiable"]:
    """(first, last) byte of a single `bytes=` range, None to send everything (no header, several
    ranges or a form we do not serve), or "unsatisfiable" (416)."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_s, dash, last_s = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_s == "":  # suffix: the last N bytes
            n = int(last_s)
            if n <= 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        first = int(first_s)
        last = int(last_s) if last_s else size - 1
    except ValueError:
        return None
    if first < 0 or (last_s and last < first):  # not a valid range: ignored, as RFC 9110 says
        return None
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


@router.get(
    "/{job_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}},
        **RANGE_RESPONSES,
    },
)
async def download(
    state: StateDep,
    user: CurrentUser,
    job_id: str,
    range_header: Annotated[str | None, Header(alias="range", max_length=200)] = None,
    if_range: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The outputs and `manifest.csv` as one ZIP, streamed; resumable with `Range` (206/416), checked
    with `ETag`/`If-Range`. Available once the job has finished (done, failed or cancelled)."""
    job = await readable_job(state, user, job_id)
    if not job.is_terminal:
        raise ApiError(
            409, f"job {job.id} is {job.status}; the download is ready when it finishes", "not_ready"
        )
    archive = await stored_archive(state, job)
    name = f"drisya-{job.name}.zip" if job.name else f"drisya-{job.id}.zip"
    headers = {"Content-Disposition": _attachment(name), "Cache-Control": "private, no-transform"}
    return ranged_blob(
        state,
        archive.key,
        archive.size,
        archive.etag,
        "application/zip",
        headers,
        range_header=range_header,
        if_range=if_range,
    )


def ranged_blob(
    state: AppState,
    key: str,
    size: int,
    etag: str,
    media_type: str,
    headers: dict[str, str],
    *,
    range_header: str | None,
    if_range: str | None,
) -> StreamingResponse:
    """A stored blob that does not change under its key, streamed whole (200) or as the one byte range
    asked for (206; 416 outside the file), named by `etag` so `If-Range` resumes only the same bytes.
    The job's ZIP and a surprise output (a player seeking in a video) are both served by this."""
    headers = {"Accept-Ranges": "bytes", "ETag": etag, **headers}
    wanted = parse_range(range_header, size)
    if if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's partial copy is of another version: send the whole file
    if wanted == "unsatisfiable":
        raise ApiError(
            416,
            f"the range lies outside the file ({size} bytes)",
            headers={"Content-Range": f"bytes */{size}", "ETag": etag},
        )
    first, last = (0, size - 1) if wanted is None else wanted
    headers["Content-Length"] = str(last - first + 1)
    status = 200
    if wanted is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        status = 206
    return StreamingResponse(
        read_range(state.blobs, key, first, last), status_code=status, media_type=media_type, headers=headers
    )


# --- cancel, delete ----------------------------------------------------------------------------------


@router.post("/{job_id}/cancel", response_model=JobOut)
async def cancel_job(state: StateDep, user: CurrentUser, job_id: str) -> Any:
    """Stop the job; every coin not yet charged comes back. Finished images stay charged."""
    await owned_job(state, user, job_id)
    job = await job_ops.cancel_job(state.repos, job_id)
    return job_out(job, await job_names(state, [job]))


@router.delete("/{job_id}", status_code=204, response_class=Response)
async def delete_job(state: StateDep, user: CurrentUser, job_id: str) -> Response:
    """Delete the job, its images and every stored input and output (409 while it is queued or
    running: cancel it first)."""
    await owned_job(state, user, job_id)
    await job_ops.delete_job(state.repos, state.blobs, job_id, owner=user.id)
    return Response(status_code=204)
