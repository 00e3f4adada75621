"""The per-image work behind `POST /v1/enhance` and `POST /v1/preview`, and how the API reaches it.

`Enhancer` does the pixels (the engine, through the batch worker so one image is processed exactly as
in a job); it lives in its own Serve deployment (`serve_apps.enhance_deployment`) so decoding, matting
and composing never run in the ingress. The ingress reaches it through a deployment handle kept in
`AppState.extras[HANDLE_KEY]`; a plain uvicorn app (tests, debugging) has no handle and runs the same
`Enhancer` in a worker thread instead, so both paths execute the same code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np

from cluster.settings import Settings
from serve_apps.state import AppState

log = logging.getLogger("drisya.enhance")

HANDLE_KEY = "enhance_handle"
_LOCAL_KEY = "enhance_local"
PREVIEW_MAX_SIDE = 800
WORKER_CACHE = 8  # (recipe, template) pairs whose rendered background a replica keeps


class Enhancer:
    """One image at a time, for any recipe and template; the model is loaded once per process."""

    def __init__(self, settings: Settings) -> None:
        from store.blobs import blob_store_from_settings

        self.settings = settings
        self.blobs = blob_store_from_settings(settings)
        self._workers: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._network_first: str | None = None

    def network_first(self) -> str:
        """How `auto` runs here (engine.pipeline.AUTO_MODES), decided as a batch decides it
        (`data_jobs.stages.auto_network_first` over the cluster's resources), once per replica:
        so one image through `POST /v1/enhance` is matted as the same image in a job. Without Ray
        (a plain uvicorn app) the cluster is this process, which has no GPU for Ray to name."""
        if self._network_first is None:
            import ray

            from data_jobs.stages import auto_network_first

            resources = ray.cluster_resources() if ray.is_initialized() else {}
            self._network_first = auto_network_first(resources, self.settings.auto_route)
        return self._network_first

    def warm(self) -> bool:
        """Load the matting model now when it is on disk (a replica answers its first request without
        the load); False when it is not fetched, in which case only the `fast` method can run."""
        from cluster.model_store import model_family, resolve_model
        from engine.matting.model import get_session

        try:
            path = resolve_model(self.settings, fetch_if_missing=False, log=log.info)
        except Exception as exc:  # noqa: BLE001 - a missing model is reported per request instead
            log.warning("matting model not loaded: %s", exc)
            return False
        get_session(path, model_family(self.settings), self.settings.model_runtime)
        return True

    def _worker(self, recipe: dict[str, Any], template: dict[str, Any]) -> Any:
        """The batch worker for this recipe and template (its background rendered once and reused)."""
        from data_jobs.jobs import spec_from_dict
        from data_jobs.pipeline import ImageWorker

        key = json.dumps([recipe, template], sort_keys=True, default=str)
        with self._lock:
            if key in self._workers:
                self._workers.move_to_end(key)
                return self._workers[key]
        worker = ImageWorker(
            self.settings, recipe, spec_from_dict(template), network_first=self.network_first()
        )
        with self._lock:
            self._workers[key] = worker
            while len(self._workers) > WORKER_CACHE:
                self._workers.popitem(last=False)
        return worker

    def enhance(
        self,
        image_id: str,
        input_key: str,
        output_stem: str,
        recipe: dict[str, Any],
        template: dict[str, Any],
    ) -> dict[str, Any]:
        """Process one stored input into `<output_stem>.<ext>`; the result row the batch runner gets
        (status done|failed, error, output_key, quality ...). Bad images are a failed row, not a raise."""
        batch = {
            "image_id": np.array([image_id]),
            "input_key": np.array([input_key]),
            "output_stem": np.array([output_stem]),
        }
        worker = self._worker(recipe, template)
        row = {col: _plain(values[0]) for col, values in worker(batch).items()}
        raw = row.get("compliance")
        row["compliance"] = json.loads(raw) if raw else None  # the exact placed box's preset check
        return row

    def preview(self, data: bytes, recipe: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
        """`{"jpeg": bytes}`: the product on the template, longest side at most PREVIEW_MAX_SIDE; or
        `{"status", "error", "detail"}` for an image the engine refuses (returned, not raised, so the
        reason crosses the deployment handle as a value rather than a wrapped traceback)."""
        from cluster.model_store import ModelFetchError
        from engine.errors import ImageError, ImageTooLarge, UnsupportedFormat
        from engine.matting.model import ModelLoadError

        try:
            return {"jpeg": self._preview(data, recipe, template)}
        except (ModelFetchError, ModelLoadError) as exc:
            detail = (
                f"the matting model is not available ({exc}); the recipe's method 'fast' works without it"
            )
            return {"status": 503, "error": "model_unavailable", "detail": detail}
        except ImageError as exc:
            status = (
                415 if isinstance(exc, UnsupportedFormat) else 413 if isinstance(exc, ImageTooLarge) else 422
            )
            return {"status": status, "error": exc.code, "detail": str(exc) or exc.code}

    def _preview(self, data: bytes, recipe: dict[str, Any], template: dict[str, Any]) -> bytes:
        from data_jobs.jobs import spec_from_dict
        from data_jobs.pipeline import background_for
        from engine.pipeline import parse_recipe, process_image

        parsed = preview_recipe(parse_recipe(recipe))
        spec, background = background_for(parsed, spec_from_dict(template), self.blobs, self.settings)
        session = None
        if parsed.method != "fast":
            from cluster.model_store import model_family, resolve_model
            from engine.matting.model import get_session

            path = resolve_model(self.settings, fetch_if_missing=False, log=log.info)
            session = get_session(path, model_family(self.settings), self.settings.model_runtime)
        result = process_image(
            data,
            parsed,
            spec,
            background=background,
            session=session,
            max_pixels=self.settings.limits.max_image_pixels,
        )
        return shrink_jpeg(result.data)


def preview_recipe(recipe: Any) -> Any:
    """The recipe for a preview: the same layout as a JPEG, at most 800 px on its longest side (a
    preset's canvas is fixed, so a preset's preview is shrunk after rendering instead)."""
    changes: dict[str, Any] = {"format": "jpg", "quality": 82, "transparent": False}
    if recipe.preset_rule is None:
        changes["size"] = min(PREVIEW_MAX_SIDE, recipe.size)
    return replace(recipe, **changes)


def shrink_jpeg(data: bytes, max_side: int = PREVIEW_MAX_SIDE) -> bytes:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if max(im.size) <= max_side:
            return data
        im = im.convert("RGB")
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        im.save(out, "JPEG", quality=82)
        return out.getvalue()


def _plain(value: Any) -> Any:
    """numpy scalars -> Python values (the row crosses Ray and becomes JSON)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


async def call(state: AppState, method: str, *args: Any) -> Any:
    """Run `Enhancer.<method>(*args)` in the enhance deployment, or in a thread when there is none."""
    handle = state.extras.get(HANDLE_KEY)
    if handle is not None:
        return await getattr(handle, method).remote(*args)
    local = state.extras.get(_LOCAL_KEY)
    if local is None:
        local = state.extras[_LOCAL_KEY] = Enhancer(state.settings)
    return await asyncio.to_thread(getattr(local, method), *args)
