"""A job's life before and around its run: create, add inputs, submit (reserve the quote), cancel.

The API and the CLI both call these functions, so a local `drisya batch` goes through the same
validation and the same accounting as a paid job on the server. The run itself is `runner.run_job`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any, BinaryIO

from cluster.settings import Settings
from data_jobs.accounting import capture_images, release_held, reserve_quote
from data_jobs.errors import JobNotFound, JobStateError
from data_jobs.intake import IntakeReport, discard_accepted, intake_files, intake_zip
from engine.templates.spec import TemplateSpec
from store.blobs import BlobStore
from store.documents import JOB_CANCELLED, JOB_CREATED, JOB_DONE, JOB_QUEUED, JOB_RUNNING, Image, Job
from store.errors import InvalidTransition
from store.job_coins import image_price
from store.reconcile import close_cancelled_job
from store.repositories import ImageResult, Repositories

BATCH_MODULES = ("ready", "look", "surprise")
# the engine module a surprise job's recipe is parsed as: each variant is a composition on a template
SURPRISE_RECIPE_MODULE = "look"
# the template a surprise job records: its theme draws the templates, so the one it was sent is ignored
SURPRISE_TEMPLATE = "#ffffff"
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # uploads larger than this spill to a temp file, never to RAM
MAX_REPORTED_ENTRIES = 2000  # rejected/skipped entries kept on the job (the rest are counted)


def validate_recipe(module: str, recipe: dict[str, Any] | None) -> dict[str, Any]:
    """The recipe, normalised by the engine; RecipeError (a 422 for the API) before anything is stored."""
    from engine.pipeline import parse_recipe

    if module not in BATCH_MODULES:
        from engine.errors import RecipeError

        raise RecipeError(f"module must be one of {', '.join(BATCH_MODULES)}, not {module!r}")
    expected = SURPRISE_RECIPE_MODULE if module == "surprise" else module
    merged = dict(recipe or {})
    if merged.get("module", module) not in (module, expected):
        from engine.errors import RecipeError

        raise RecipeError(f"the recipe is for module {merged['module']!r} but the job is {module!r}")
    merged["module"] = expected
    return parse_recipe(merged).to_dict()


def validate_surprise(module: str, options: dict[str, Any] | None) -> dict[str, Any] | None:
    """A surprise job's options, normalised by the engine's one validator (RecipeError, a 422 for the
    API, before anything is stored); None for other modules, which take no options."""
    if module != "surprise":
        if options is not None:
            from engine.errors import RecipeError

            raise RecipeError(f"theme, variants, video and seed are for module surprise, not {module!r}")
        return None
    from dataclasses import asdict

    from engine.surprise import parse_surprise_options

    return asdict(parse_surprise_options(options))


def outputs_for(module: str, options: dict[str, Any] | None) -> int:
    """Outputs one accepted image yields: the engine's rule for a surprise job, 1 otherwise."""
    if module != "surprise" or options is None:
        return 1
    from engine.surprise import outputs_per_image, parse_surprise_options

    return outputs_per_image(parse_surprise_options(options))


def validate_template(ref: str) -> str:
    """Raises engine.templates.UnknownTemplate for an id that is neither built in nor a colour."""
    from engine.templates import resolve

    resolve(ref)
    return ref


async def create_job(
    repos: Repositories,
    *,
    owner: str,
    module: str,
    template: str,
    recipe: dict[str, Any] | None = None,
    name: str = "",
    template_spec: TemplateSpec | None = None,
    idempotency_key: str | None = None,
    surprise: dict[str, Any] | None = None,
) -> Job:
    """A job in status `created`, priced at today's module price (later price changes do not apply).

    A surprise job needs `surprise` (theme, variants, video, seed); each image costs the price per
    output times the outputs it yields (store.job_coins.image_price). It ignores `template` (and
    `template_spec`): its theme draws the templates, and it records SURPRISE_TEMPLATE.

    `template` is a built-in id or "#rrggbb". For templates only the caller can resolve (an admin
    upload, looked up by the API), pass the resolved `template_spec`: it is stored on the job so the
    workers can render it without a database (an upload's picture is read from its blob key).
    With `idempotency_key`, creating again with the same key returns the owner's first job."""
    normalised = validate_recipe(module, recipe)
    options = validate_surprise(module, surprise)
    if module == "surprise":  # the theme picks the templates: whatever was sent is not used, nor checked
        template, template_spec = SURPRISE_TEMPLATE, None
    if template_spec is None:
        validate_template(template)
    outputs = outputs_for(module, options)
    price = image_price(await repos.settings.price(module), outputs)
    return await repos.jobs.create(
        owner,
        module,
        template,
        normalised,
        name=name,
        price_per_image=price,
        template_spec=spec_to_dict(template_spec) if template_spec is not None else None,
        idempotency_key=idempotency_key,
        outputs_per_image=outputs,
        surprise=options,
    )


def spec_to_dict(spec: TemplateSpec) -> dict[str, Any]:
    return {
        f.name: (list(v) if isinstance(v, tuple) else v)
        for f in fields(spec)
        for v in [getattr(spec, f.name)]
    }


def spec_from_dict(d: dict[str, Any]) -> TemplateSpec:
    known = {f.name for f in fields(TemplateSpec)}
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in known}
    return TemplateSpec(**values)


async def job_template(repos: Repositories, job: Job) -> TemplateSpec:
    """The template a job renders on: the spec stored at creation, else the built-in/colour by id."""
    if job.template_spec:
        return spec_from_dict(job.template_spec)
    from engine.templates import resolve

    return resolve(job.template)


async def _job_accepting_inputs(repos: Repositories, job_id: str) -> Job:
    job = await repos.jobs.find(job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.status != JOB_CREATED:
        raise JobStateError(None, f"job {job_id} is {job.status}; inputs can only be added before it starts")
    return job


async def add_zip(
    repos: Repositories, blobs: BlobStore, settings: Settings, job_id: str, source: str | Path | BinaryIO
) -> IntakeReport:
    """Validate a ZIP entry by entry and register each accepted image on the job."""
    await _job_accepting_inputs(repos, job_id)
    report = await asyncio.to_thread(
        intake_zip, source, blobs, job_id, settings.limits, upload=_upload_token()
    )
    await _register(repos, blobs, job_id, report)
    return report


async def add_zip_stream(
    repos: Repositories, blobs: BlobStore, settings: Settings, job_id: str, chunks: Any
) -> IntakeReport:
    """An upload arriving as (async) chunks: spooled to a temp file (a ZIP needs seeking to its
    central directory), capped at `max_upload_bytes`, then handled as `add_zip`."""
    from data_jobs.errors import IntakeRefused

    limit = settings.limits.max_upload_bytes
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=_spool_dir(settings)) as spool:
        total = 0
        async for chunk in _as_async(chunks):
            total += len(chunk)
            if total > limit:
                raise IntakeRefused("too_large", f"the upload is larger than {limit} bytes")
            await asyncio.to_thread(spool.write, chunk)
        spool.seek(0)
        return await add_zip(repos, blobs, settings, job_id, spool)


async def _as_async(chunks: Any) -> AsyncIterator[bytes]:
    """One loop for both kinds of upload body: an ASGI stream (async) or a plain iterable."""
    if hasattr(chunks, "__aiter__"):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


def _spool_dir(settings: Settings) -> str | None:
    path = settings.data_path / "tmp"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return str(path)
    except OSError:
        return None


async def add_files(
    repos: Repositories,
    blobs: BlobStore,
    settings: Settings,
    job_id: str,
    files: Iterable[tuple[str, BinaryIO | bytes]],
) -> IntakeReport:
    """Loose image files (a multi-file upload) with the same per-entry checks as ZIP entries."""
    await _job_accepting_inputs(repos, job_id)
    report = await asyncio.to_thread(
        intake_files, files, blobs, job_id, settings.limits, upload=_upload_token()
    )
    await _register(repos, blobs, job_id, report)
    return report


def _upload_token() -> str:
    return uuid.uuid4().hex[:8]


async def _register(repos: Repositories, blobs: BlobStore, job_id: str, report: IntakeReport) -> None:
    """Count the upload on the job, then insert its images numbered from the range that count claimed.

    Counting first is one conditional update: an upload that finishes after the job was submitted is
    refused whole (its images would run beyond the coins reserved), and uploads that run at the same
    time each get their own sequence numbers (outputs are stored by sequence number)."""
    try:
        job = await repos.jobs.add_total(job_id, len(report.accepted))
    except InvalidTransition as exc:
        await asyncio.to_thread(discard_accepted, report, blobs)
        raise JobStateError(None, str(exc)) from exc
    start_seq = job.counters.total - len(report.accepted)
    await repos.images.insert_many(
        job_id, [(a.name, a.blob_key, a.size) for a in report.accepted], start_seq=start_seq
    )
    rejected = [{"name": r.name, "code": r.code, "detail": r.detail} for r in report.rejected]
    skipped = [{"name": s.name, "code": s.code, "detail": s.detail} for s in report.skipped]
    notes = [{"name": n.name, "code": n.code, "detail": n.detail} for n in report.notes]
    if rejected or skipped or notes:
        await repos.jobs.record_intake(job_id, rejected, skipped, keep=MAX_REPORTED_ENTRIES, notes=notes)


async def submit_job(repos: Repositories, job_id: str) -> Job:
    """Reserve the quote and queue the job. InsufficientCoins leaves the job `created`, nothing spent."""
    job = await repos.jobs.find(job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.status != JOB_CREATED:
        raise JobStateError(None, f"job {job_id} is {job.status}; it was already submitted")
    if job.counters.total == 0:
        raise JobStateError("no_images", "the job has no images; upload a ZIP or image files first")
    await reserve_quote(repos, job)
    try:
        return await repos.jobs.set_status(job_id, JOB_QUEUED, from_statuses=[JOB_CREATED])
    except InvalidTransition as exc:
        # cancelled while the quote was being reserved: the cancel may have released before the
        # hold existed, so give it back here rather than leave it held on a finished job
        await release_held(repos, job_id, reason="submit-refused")
        raise JobStateError(None, str(exc)) from exc


async def cancel_job(repos: Repositories, job_id: str) -> Job:
    """Stop a job and give back every coin not yet captured.

    The job becomes `cancelled` at once; a runner notices on its next heartbeat, stops feeding work
    and marks the images that never ran `cancelled` (an image it finishes meanwhile is recorded, free).
    Without a runner (created, queued) they are marked here. The hold is released here so the coins
    come back even when no runner is alive."""
    job = await repos.jobs.find(job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.is_terminal:
        return job
    try:
        await repos.jobs.set_status(
            job_id, JOB_CANCELLED, from_statuses=[JOB_CREATED, JOB_QUEUED, JOB_RUNNING]
        )
    except InvalidTransition:
        return await repos.jobs.get(job_id)
    await release_held(repos, job_id, reason="cancel")
    if job.status != JOB_RUNNING:
        # no runner holds it (should one have claimed it just now, it finds the job cancelled at its
        # first heartbeat and its results for these images are not applied: they stay free)
        await close_cancelled_job(repos, job_id)
    return await repos.jobs.get(job_id)


async def claim_single_image(
    repos: Repositories, job_id: str, runner_id: str, *, stale_after: dt.timedelta
) -> tuple[Job, Image]:
    """Become the runner of a submitted one-image job that is processed outside Ray Data (the API's
    `POST /v1/enhance`). The caller keeps the lease alive (`repos.jobs.heartbeat`) while it works, so
    the resume watch leaves the job alone; should the caller die, the job is resumed like any other."""
    job = await repos.jobs.claim(job_id, runner_id, stale_after=stale_after)
    if job is None:
        raise JobStateError("job_busy", f"job {job_id} is being run by another live runner")
    images = await repos.images.unfinished(job_id)
    if len(images) != 1:
        raise JobStateError(None, f"job {job_id} has {len(images)} unfinished images, not one")
    await repos.images.mark_running([images[0].id])
    return job, images[0]


async def finish_single_image(repos: Repositories, job: Job, result: ImageResult) -> Job:
    """Record the one image's result with the batch's money rules: a success is captured once (same
    key as a batch capture), a failure is not charged, and whatever is still held is released; the
    job ends `done` (with `failed` = 1 when the image failed). Safe to call again."""
    applied = await repos.images.record_results([result])
    if applied:
        done = int(result.status == "done")
        await repos.jobs.increment_counters(job.id, done=done, failed=1 - done)
    if result.status == "done":
        await capture_images(repos, job, [result.image_id])
    await release_held(repos, job.id, reason="end")
    try:
        return await repos.jobs.set_status(job.id, JOB_DONE, from_statuses=[JOB_RUNNING])
    except InvalidTransition:  # cancelled meanwhile: its state stands
        return await repos.jobs.get(job.id)


async def delete_job(repos: Repositories, blobs: BlobStore, job_id: str, *, owner: str | None = None) -> None:
    """Delete a job that is not queued or running, its images and all its blobs (inputs, outputs).

    The job document goes first, in one conditional delete, so no runner can claim it afterwards;
    JobStateError (409) while it is queued or running, JobNotFound for an unknown (or not owned) job."""
    from store.blobs import job_key
    from store.errors import NotFound

    try:
        await repos.jobs.delete_idle(job_id, owner)
    except NotFound:
        raise JobNotFound(job_id) from None
    except InvalidTransition as exc:
        raise JobStateError("job_active", str(exc)) from exc
    await repos.images.delete_for_job(job_id)
    await asyncio.to_thread(blobs.delete_prefix, job_key(job_id) + "/")
