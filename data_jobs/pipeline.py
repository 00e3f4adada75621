"""The Ray Data side of a batch: image references in, small status rows out.

Only references travel between the driver and Ray (image id, input blob key, output key stem): the
stages read inputs from blob storage and write outputs there themselves, so the driver never holds
image bytes and its memory stays flat however large the job. The stages themselves (prepare ->
network -> finish) are in `data_jobs.stages`; here are the rows, the resource plan, the job's sealed
arguments and `ImageWorker`, the whole engine for one image (the one-image path of `POST /enhance`).
Each row is processed in its own try/except: a bad image becomes a failed row with a reason, never
a failed job.
"""

from __future__ import annotations

import json
import logging
import math
import time
import traceback
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from cluster.settings import Settings
from engine.templates.spec import TemplateSpec
from store.blobs import BlobStore

if TYPE_CHECKING:
    from engine.pipeline import NetworkFirst

log = logging.getLogger(__name__)

# Columns of every result row; the driver relies on these names.
RESULT_COLUMNS = (
    "image_id",
    "status",
    "error_code",
    "error",
    "output_key",
    "output_extension",
    "output_bytes",
    "quality",
    "method",
    "width",
    "height",
    "seconds",
)
# The output's preset check (engine.compliance `as_dict()`) as JSON text, "" without a preset: a
# string column keeps every block format happy where a column of dicts would not.
COMPLIANCE_COLUMN = "compliance"
# A surprise image's outputs (the variants, then the video) as JSON text, "" for other modules: a list
# of {name, blob, kind, theme, template, seed, variant}, the image document's `output_items`.
OUTPUTS_COLUMN = "outputs"


@dataclass(frozen=True)
class ImageRef:
    """What the dataset carries per image: ids and blob keys, never pixels."""

    image_id: str
    input_key: str
    output_stem: str  # the output key without extension; the extension follows the recipe's format

    def as_row(self) -> dict[str, str]:
        return {"image_id": self.image_id, "input_key": self.input_key, "output_stem": self.output_stem}


@dataclass(frozen=True)
class PoolPlan:
    """How many actors, and what each reserves. Declared from the cluster's resources, not guessed."""

    min_size: int
    max_size: int
    num_cpus: float
    num_gpus: float
    batch_size: int
    worker_bytes: int = 0  # estimated peak memory of one actor (0: not estimated)
    limited_by: str = "cpu"  # what decided max_size: cpu | memory | max_actors | images
    gpus: float = 0.0  # the cluster's GPUs, for the network stage to share (these CPU workers hold none)
    cpus: float = 0.0  # the cluster's CPUs less `reserve_cpus`: what the batch's stages may hold (0: unknown)


# CPUs a job running beside the Serve app leaves it (the API and an enhance replica): a batch plans on
# the cluster's CPUs less these, and the enhance deployment grows only into what a batch can spare
# (`data_jobs.stages.batch_floor_cpus`). 0 for a CLI batch with no server.
SERVE_RESERVE_CPUS = 1.0

MiB = 1024**2
# Peak memory of one actor, measured on this project's machine (`/usr/bin/time -v drisya enhance`,
# amazon preset): the process with its imports and a 2000x2000 canvas ~320 MB; the ISNet fp16 session
# on onnxruntime's CPU provider +1.3 GB; each decoded pixel ~28 B through matting, retouch and compose.
WORKER_BASE_BYTES = 400 * MiB
MODEL_SESSION_BYTES = 1400 * MiB
BYTES_PER_WORKING_PIXEL = 32
BYTES_PER_CANVAS_PIXEL = 24  # the rendered background and the composed output, float work included
BYTES_PER_SOURCE_PIXEL = 4  # a PNG or WebP is decoded whole (8-bit RGBA) before it is reduced


def estimate_worker_bytes(recipe: Any, limits: Any, surprise: dict[str, Any] | None = None) -> int:
    """An actor's peak memory for this recipe under these limits, the worst input allowed.

    A surprise job (`surprise`: its options) also holds the graded backdrops it reuses
    (engine.surprise.variants keeps 8) and, for a video, every composed variant: 3 bytes a canvas
    pixel each.

    Photos are decoded reduced to `engine.pipeline.decode_size` (longest side), so the pixels worked
    on are at most that squared, and never more than the pixel limit; a non-JPEG source is first
    held whole for a moment (at most the pixel limit at 4 bytes a pixel)."""
    from engine.pipeline import decode_size, parse_recipe

    recipe = parse_recipe(recipe) if isinstance(recipe, dict) else recipe
    side = decode_size(recipe, limits.working_size)
    working = min(limits.max_image_pixels, side * side)
    width, height = recipe.canvas()
    image = max(BYTES_PER_WORKING_PIXEL * working, BYTES_PER_SOURCE_PIXEL * limits.max_image_pixels)
    model = MODEL_SESSION_BYTES if needs_model(recipe) else 0
    held = 0
    if surprise is not None:
        from engine.surprise import parse_surprise_options
        from engine.surprise.variants import BACKDROPS_KEPT

        opts = parse_surprise_options(surprise)
        held = 3 * width * height * ((opts.variants if opts.video else 1) + BACKDROPS_KEPT)
    return WORKER_BASE_BYTES + model + BYTES_PER_CANVAS_PIXEL * width * height + image + held


def plan_actor_pool(
    resources: dict[str, float],
    *,
    images: int,
    reserve_cpus: float = SERVE_RESERVE_CPUS,
    max_actors: int | None = None,
    worker_bytes: int | None = None,
) -> PoolPlan:
    """Size the batch's CPU workers for the cluster we are on.

    Each takes one CPU: decoding, retouching, composing and encoding a 1600px photo is CPU work even
    when the matting model runs on a GPU. `reserve_cpus` stay free for Ray Serve's replicas and Ray
    Data's own tasks. GPUs do not limit them: only the network stage's actors hold the GPUs
    (`data_jobs.stages.plan_stages` sizes those from `gpus`), so a 16-CPU, 1-GPU node keeps 15 CPU
    slots busy. (They once did: when every worker held a model session with a share of the card, at
    most 8 per GPU; that cap left half of an H100 node's cores idle, issue 12.) With `worker_bytes`
    (see `estimate_worker_bytes`) and the cluster's `memory` resource known, no more workers run
    than fit in memory together, so a node with many cores and little memory is not driven into swap
    or the OOM killer by large photos (at least one always runs).
    """
    gpus = float(resources.get("GPU", 0) or 0)
    declared_cpus = float(resources.get("CPU", 0) or 0)
    cpus = declared_cpus or 1.0
    top, limited_by = max(1, int(math.floor(cpus - reserve_cpus))), "cpu"
    batch_size = 8 if gpus > 0 else 4
    if max_actors is not None and max_actors < top:
        top, limited_by = max(1, max_actors), "max_actors"
    memory = float(resources.get("memory", 0) or 0)
    if worker_bytes and memory > 0:
        memory_slots = max(1, int(memory // worker_bytes))
        if memory_slots < top:
            top, limited_by = memory_slots, "memory"
    # No more workers than there are batches to feed them.
    batches = math.ceil(max(images, 1) / batch_size)
    if batches < top:
        top, limited_by = max(1, batches), "images"
    # each worker's share of the GPUs, never more than one card nor more than the cluster has
    num_gpus = math.floor(min(1.0, gpus / top) * 1000) / 1000 if gpus > 0 else 0.0
    return PoolPlan(
        min_size=1,
        max_size=top,
        num_cpus=1.0,
        num_gpus=num_gpus,
        batch_size=batch_size,
        worker_bytes=int(worker_bytes or 0),
        limited_by=limited_by,
        gpus=gpus,
        cpus=max(0.0, declared_cpus - reserve_cpus),
    )


def failed_result_row(
    image_id: str, *, error_code: str = "", error: str = "", seconds: float = 0.0
) -> dict[str, Any]:
    """A result row for an image that produced nothing (yet): every result column at its empty value.
    The one-image worker starts from it and fills it in; a stage's failed row is returned as it is."""
    return {
        "image_id": image_id,
        "status": "failed",
        "error_code": error_code,
        "error": error,
        "output_key": "",
        "output_extension": "",
        "output_bytes": -1,
        "quality": math.nan,
        "method": "",
        "width": -1,
        "height": -1,
        "seconds": seconds,
        COMPLIANCE_COLUMN: "",
        OUTPUTS_COLUMN: "",
    }


class ImageWorker:
    """The callable class Ray Data runs on each actor of the pool.

    Constructed once per actor: builds the blob store from settings, validates the recipe, resolves
    the template and loads the matting model (unless the recipe's method never needs it).
    """

    def __init__(
        self,
        settings: Settings,
        recipe: dict[str, Any],
        template: TemplateSpec,
        *,
        network_first: NetworkFirst = False,
        surprise: dict[str, Any] | None = None,
    ) -> None:
        import cv2

        from cluster.model_store import model_family, resolve_model
        from engine.pipeline import parse_recipe
        from store.blobs import blob_store_from_settings

        # an actor of the pool holds one CPU (the pool plan): OpenCV's default pool of every core would
        # make the node's actors fight over them, as the stage tasks' `_one_cpu` explains
        cv2.setNumThreads(1)
        self.settings = settings
        # a surprise job's options (engine.surprise.options); None: one composed output per image
        self.surprise = surprise
        self.network_first = network_first  # how `auto` runs (engine.pipeline.AUTO_MODES): as the batch does
        self.blobs = blob_store_from_settings(settings)
        self.recipe = parse_recipe(recipe)
        # every image of a job lands on the same canvas: render the template once per actor
        self.template, self.background = background_for(self.recipe, template, self.blobs, settings)
        self.session = None
        if _method(self.recipe) != "fast":
            from engine.matting.model import get_session

            path = resolve_model(settings, fetch_if_missing=False, log=log.info)
            # a configured U2-Net/BiRefNet needs its own pre/post-processing, not ISNet's
            self.session = get_session(path, model_family(settings), settings.model_runtime)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows = [self._process_one(str(i), str(k), str(o)) for i, k, o in _zip_refs(batch)]
        return {
            col: np.array([r[col] for r in rows])
            for col in (*RESULT_COLUMNS, COMPLIANCE_COLUMN, OUTPUTS_COLUMN)
        }

    def _process_one(self, image_id: str, input_key: str, output_stem: str) -> dict[str, Any]:
        from engine.errors import ImageError
        from engine.pipeline import process_image

        started = time.perf_counter()
        row = failed_result_row(image_id)
        try:
            data = self.blobs.get_bytes(input_key)
            if self.surprise is not None:
                from engine.surprise.source import photo_and_matte

                rgb, alpha, method, quality = photo_and_matte(
                    data,
                    self.recipe,
                    session=self.session,
                    network_first=self.network_first,
                    max_pixels=self.settings.limits.max_image_pixels,
                    working_size=self.settings.limits.working_size,
                )
                row.update(surprise_outputs(self.blobs, output_stem, rgb, alpha, self.recipe, self.surprise))
                row.update(quality=float(quality), method=method)
                row["seconds"] = time.perf_counter() - started
                return row
            result = process_image(
                data,
                self.recipe,
                self.template,
                background=self.background,
                session=self.session,
                max_pixels=self.settings.limits.max_image_pixels,
                working_size=self.settings.limits.working_size,
                network_first=self.network_first,
            )
            row.update(store_output(self.blobs, output_stem, result))
        except ImageError as exc:
            row.update(error_code=exc.code, error=str(exc) or exc.code)
        except MemoryError:
            row.update(error_code="too_large", error="the image needs more memory than a worker has")
        except Exception as exc:  # noqa: BLE001 - one image must never take down the batch
            log.error("image %s failed unexpectedly:\n%s", image_id, traceback.format_exc())
            row.update(error_code="internal_error", error=f"processing failed: {type(exc).__name__}: {exc}")
        row["seconds"] = time.perf_counter() - started
        return row


def store_output(blobs: BlobStore, output_stem: str, result: Any) -> dict[str, Any]:
    """Write a processed image (engine.pipeline.ProcessResult) as `<output_stem>.<ext>` and give the
    columns of its `done` row; one place for the batch's finish stage and the one-image worker."""
    ext = result.extension.lstrip(".")
    key = f"{output_stem}.{ext}"
    blobs.put_bytes(key, result.data)
    return {
        "status": "done",
        "output_key": key,
        "output_extension": ext,
        "output_bytes": len(result.data),
        "quality": float(result.quality),
        "method": result.method,
        "width": int(result.width),
        "height": int(result.height),
        COMPLIANCE_COLUMN: json.dumps(result.compliance) if result.compliance is not None else "",
        OUTPUTS_COLUMN: "",
    }


def surprise_outputs(
    blobs: BlobStore,
    output_stem: str,
    rgb: np.ndarray,
    alpha: np.ndarray,
    recipe: Any,
    options: dict[str, Any],
) -> dict[str, Any]:
    """A surprise image: its variants (+ video) from the one matte (engine.surprise.render), each
    written as `<output_stem>-<theme>-<n>.<ext>` (the video `<output_stem>-<theme>.mp4`), and the
    columns of its `done` row. The row's output key, size and dimensions are the FIRST variant's, so
    paths that know one output per image keep working; `outputs` lists them all (contract of issue 13)."""
    from engine.surprise.render import render_surprise

    items = []
    first: dict[str, Any] | None = None
    for out in render_surprise(rgb, alpha, recipe, options):
        key = f"{output_stem}-{out.name}"
        blobs.put_bytes(key, out.data)
        items.append(
            {
                "name": out.name,
                "blob": key,
                "kind": out.kind,
                "theme": out.theme,
                "template": out.template,
                "seed": out.seed,
                "variant": out.variant,
            }
        )
        if first is None:
            first = {
                "output_key": key,
                "output_extension": out.extension,
                "output_bytes": len(out.data),
                "width": out.width,
                "height": out.height,
            }
    assert first is not None  # at least one variant: the options parser guarantees it
    return {"status": "done", **first, COMPLIANCE_COLUMN: "", OUTPUTS_COLUMN: json.dumps(items)}


class JobArgs:
    """What a pool actor is built from (settings, recipe, template), sealed from Ray Data's eyes.

    Ray Data walks its operators' constructor arguments to export them as execution metadata
    (dataclasses turned into dicts, everything else into `str`). The settings carry credentials
    (database URI, S3 keys, secrets) that must not end up there, so they travel inside this plain
    object, whose `str` names only the recipe."""

    def __init__(
        self,
        settings: Settings,
        recipe: dict[str, Any],
        template: TemplateSpec,
        *,
        network_first: NetworkFirst = False,
        surprise: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.recipe = recipe
        self.template = template
        self.surprise = surprise  # a surprise job's options; None for other modules
        # how `auto` runs (engine.pipeline.AUTO_MODES; data_jobs.stages.auto_network_first decides it
        # per cluster): see engine.pipeline.matting_route and matting_options
        self.network_first = network_first
        self.token = uuid.uuid4().hex  # names the job's per-process caches in the stage workers

    def __repr__(self) -> str:
        return f"JobArgs(template={self.template.id!r})"


def background_for(recipe: Any, template: TemplateSpec, blobs: Any, settings: Settings):
    """(template, background pixels) at the recipe's canvas. Built-ins and colours render from code;
    an uploaded template is read from its blob and cover-fitted, its floor line re-expressed."""
    from engine.pipeline import prepare_background

    if template.source == "builtin":
        # built-ins render from this version's code (and `get` loads the renderer registry, which an
        # unpickled spec alone does not in a fresh worker process)
        from engine.templates import get

        template = get(template.id)
    spec = recipe.template_for(template)
    if recipe.is_transparent() or spec.source != "upload":
        return template, prepare_background(recipe, template)
    from engine.decode import decode_image
    from engine.templates.upload import render_upload

    width, height = recipe.canvas()
    rgb = decode_image(
        blobs.get_bytes(spec.extra["blob_key"]), max_pixels=settings.limits.max_image_pixels
    ).rgb
    background, floor = render_upload(rgb, width, height, spec.floor_line)
    return replace(spec, floor_line=floor), background


def _zip_refs(batch: dict[str, np.ndarray]):
    return zip(batch["image_id"], batch["input_key"], batch["output_stem"], strict=True)


def _method(recipe: Any) -> str:
    return str(getattr(recipe, "method", "auto"))


def needs_model(recipe: Any) -> bool:
    """The "fast" method is colour-based; "auto" may escalate to the model, "model" always uses it."""
    return _method(recipe) != "fast"


def build_dataset(
    refs: list[ImageRef],
    *,
    settings: Settings,
    recipe: dict[str, Any],
    template: TemplateSpec,
    plan: PoolPlan,
    network_first: NetworkFirst = False,
    surprise: dict[str, Any] | None = None,
):
    """The lazy dataset: refs -> prepare (CPU tasks) -> network (actor pool, only for a recipe that
    may need it) -> finish (CPU tasks) -> result rows. See `data_jobs.stages`. `surprise`: a surprise
    job's options; its finish stage then makes every variant (+ video) from the one matte."""
    from data_jobs.stages import build_staged_dataset, plan_stages

    args = JobArgs(settings, recipe, template, network_first=network_first, surprise=surprise)
    return build_staged_dataset(
        [r.as_row() for r in refs],
        args=args,
        plan=plan_stages(plan, actors_per_gpu=settings.network_actors_per_gpu),
        network=needs_model(recipe if not isinstance(recipe, dict) else _recipe(recipe)),
    )


def _recipe(recipe: dict[str, Any]) -> Any:
    from engine.pipeline import parse_recipe

    return parse_recipe(recipe)
