"""Batch jobs: submit a ZIP, a folder or a list of photos; follow, download, cancel.

`client.jobs.submit(...)` makes three calls: create (with an Idempotency-Key, so a retried create
returns the same job), upload (streamed), start (reserves the quote: `InsufficientCoins` says the
shortfall). It returns a `Job` (or an `AsyncJob` from `AsyncClient`) that is already running.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

from drisya_client import downloads, events, uploads
from drisya_client.errors import DrisyaError, ValidationError
from drisya_client.models import TERMINAL, Image, Page, Progress

Source = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def recipe_of(
    recipe: dict[str, Any] | None,
    *,
    preset: str | None = None,
    aspect: str | None = None,
    size: int | None = None,
    format: str | None = None,  # noqa: A002 - the recipe's own field name
) -> dict[str, Any] | None:
    """The recipe with the common fields given as arguments merged in (arguments win)."""
    merged = dict(recipe or {})
    for key, value in (("preset", preset), ("aspect", aspect), ("size", size), ("format", format)):
        if value is not None:
            merged[key] = value
    return merged or None


class _JobBase:
    """What a job looks like; the fields are those of `GET /v1/jobs/{id}` (all kept in `data`)."""

    def __init__(self, http: Any, data: dict[str, Any], upload: dict[str, Any] | None = None) -> None:
        self._http = http
        self.data = data
        self.upload = upload or {}
        """The upload's answer: `accepted`, `rejected` (`[{name, reason, code}]`), `quote`."""

    id = property(lambda self: self.data["id"])
    status = property(lambda self: self.data["status"])
    total = property(lambda self: int(self.data.get("total") or 0))
    done = property(lambda self: int(self.data.get("done") or 0))
    failed = property(lambda self: int(self.data.get("failed") or 0))
    message = property(lambda self: self.data.get("message", ""))
    coins_charged = property(lambda self: int(self.data.get("coins_charged") or 0))

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return list(self.upload.get("rejected") or [])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.status} {self.done}+{self.failed}/{self.total}>"

    def _update(self, response: Any) -> Any:
        self.data = response.json()
        return self

    @staticmethod
    def _images(d: dict[str, Any]) -> Page[Image]:
        return Page([Image.from_dict(i) for i in d["items"]], d["total"], d["page"], d["page_size"])


def _bar(job: _JobBase, stream: Any) -> Any:
    from drisya_client.progressbar import Bar

    return Bar(f"job {job.id[:8]}", stream or sys.stderr)


class Job(_JobBase):
    """A job on the server (blocking methods)."""

    def refresh(self) -> Job:
        """Read the job's current state from the server."""
        return self._http.call("GET", f"/v1/jobs/{self.id}", then=self._update)

    def start(self) -> Job:
        """Reserve the quote and start (after `submit(start=False)`, or after a top-up);
        `InsufficientCoins` with the shortfall when the wallet does not cover it."""
        return self._http.call("POST", f"/v1/jobs/{self.id}/start", idempotent=False, then=self._update)

    def events(self, *, interval: float = 1.0, websocket: bool = True) -> Iterator[Progress]:
        """Progress events until the final one: over the WebSocket, or by polling every `interval`
        seconds when the socket cannot be used (or `websocket=False`)."""
        return events.iter_events(self._http, self.id, interval=interval, websocket=websocket)

    def wait(self, *, progress: bool = False, timeout: float | None = None, stream: Any = None) -> Job:
        """Block until the job is done, failed or cancelled, drawing a bar on stderr when `progress`;
        `TimeoutError` after `timeout` seconds (the job keeps running)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _bar(self, stream) if progress else None
        try:
            for event in self.events():
                if bar is not None:
                    bar.show(event.finished, event.total, event.message)
                if deadline is not None and time.monotonic() > deadline and not event.is_final:
                    raise TimeoutError(f"job {self.id} is still {event.status} after {timeout} s")
        finally:
            if bar is not None:
                bar.close()
        return self.refresh()

    def images(self, *, status: str | None = None) -> list[Image]:
        """Every image of the job with its status and reason (all pages)."""
        out: list[Image] = []
        page = 1
        while True:
            params = {"page": page, "page_size": 200, **({"status": status} if status else {})}
            got = self._http.call(
                "GET", f"/v1/jobs/{self.id}/images", params=params, then=lambda r: self._images(r.json())
            )
            out.extend(got.items)
            if not got.items or len(out) >= got.total:
                return out
            page += 1

    def download(self, path: str | os.PathLike[str], *, progress: bool | Any = False) -> Path:
        """Save the result ZIP (outputs + manifest.csv) to `path`, resuming an interrupted download.
        `progress`: True for a bar on stderr, or a callable `progress(bytes_written, bytes_total)`."""
        callback, bar = _download_progress(progress)
        try:
            return downloads.download(self._http, f"/v1/jobs/{self.id}/download", path, callback)
        finally:
            if bar is not None:
                bar.close()

    def cancel(self) -> Job:
        """Stop the job; coins not yet charged come back."""
        return self._http.call("POST", f"/v1/jobs/{self.id}/cancel", idempotent=True, then=self._update)

    def delete(self) -> None:
        """Delete the job and its stored files (cancel a running job first)."""
        self._http.call("DELETE", f"/v1/jobs/{self.id}")


class AsyncJob(_JobBase):
    """A job on the server (`AsyncClient`): the same methods as `Job`, as coroutines."""

    async def refresh(self) -> AsyncJob:
        return await self._http.call("GET", f"/v1/jobs/{self.id}", then=self._update)

    async def start(self) -> AsyncJob:
        return await self._http.call("POST", f"/v1/jobs/{self.id}/start", idempotent=False, then=self._update)

    def events(self, *, interval: float = 1.0, websocket: bool = True) -> AsyncIterator[Progress]:
        return events.aiter_events(self._http, self.id, interval=interval, websocket=websocket)

    async def wait(
        self, *, progress: bool = False, timeout: float | None = None, stream: Any = None
    ) -> AsyncJob:
        import asyncio

        bar = _bar(self, stream) if progress else None

        async def follow() -> None:
            async for event in self.events():
                if bar is not None:
                    bar.show(event.finished, event.total, event.message)

        try:
            await asyncio.wait_for(follow(), timeout)
        except TimeoutError:
            raise TimeoutError(f"job {self.id} did not finish within {timeout} s") from None
        finally:
            if bar is not None:
                bar.close()
        return await self.refresh()

    async def images(self, *, status: str | None = None) -> list[Image]:
        out: list[Image] = []
        page = 1
        while True:
            params = {"page": page, "page_size": 200, **({"status": status} if status else {})}
            got = await self._http.call(
                "GET", f"/v1/jobs/{self.id}/images", params=params, then=lambda r: self._images(r.json())
            )
            out.extend(got.items)
            if not got.items or len(out) >= got.total:
                return out
            page += 1

    async def download(self, path: str | os.PathLike[str], *, progress: bool | Any = False) -> Path:
        callback, bar = _download_progress(progress)
        try:
            return await downloads.adownload(self._http, f"/v1/jobs/{self.id}/download", path, callback)
        finally:
            if bar is not None:
                bar.close()

    async def cancel(self) -> AsyncJob:
        return await self._http.call("POST", f"/v1/jobs/{self.id}/cancel", idempotent=True, then=self._update)

    async def delete(self) -> None:
        await self._http.call("DELETE", f"/v1/jobs/{self.id}")


def _download_progress(progress: bool | Any) -> tuple[Any, Any]:
    if callable(progress):
        return progress, None
    if progress:
        from drisya_client.progressbar import Bar

        bar = Bar("download")
        return bar.bytes_callback(), bar
    return None, None


def _upload_progress(progress: bool | Any) -> tuple[Any, Any]:
    if callable(progress):
        return progress, None
    if progress:
        from drisya_client.progressbar import Bar

        bar = Bar("upload")
        return bar.bytes_callback(), bar
    return None, None


def _create_body(
    template: str, module: str, recipe: dict[str, Any] | None, name: str, surprise: dict[str, Any]
) -> dict[str, Any]:
    """The `POST /v1/jobs` body. The surprise fields (`theme`, `variants`, `video`, `seed`) go as given
    when set: the server's validator decides, so its 422 (a `ValidationError`) says what is wrong."""
    body: dict[str, Any] = {"module": module, "template_id": template, "name": name}
    if recipe:
        body["recipe"] = recipe
    body.update({k: v for k, v in surprise.items() if v is not None})
    return body


def _upload_request(plan: uploads.UploadPlan) -> dict[str, str]:
    headers = {"Content-Type": "application/zip"}
    if plan.zip_path is not None:
        headers["Content-Length"] = str(plan.total_bytes)
    return headers


class Jobs:
    """`client.jobs` (blocking)."""

    job_class = Job

    def __init__(self, http: Any) -> None:
        self._http = http

    def submit(
        self,
        source: Source,
        *,
        template: str = "#ffffff",
        module: str = "ready",
        recipe: dict[str, Any] | None = None,
        name: str = "",
        progress: bool | Any = False,
        start: bool = True,
        idempotency_key: str | None = None,
        theme: str | None = None,
        variants: int | None = None,
        video: bool | None = None,
        seed: int | None = None,
    ) -> Job:
        """Create a job, upload `source` (a .zip, a folder, or a list of image paths) and start it.

        `module="surprise"` with `theme` (see `GET /v1/surprise/themes`), `variants` (1-8), `video`
        and `seed` asks for themed variants and a video per product, priced per output.

        `progress`: True for an upload bar on stderr, or `progress(bytes_sent, bytes_total)`.
        `start=False` stops after the upload (the job waits in status `created`).
        Raises `ValidationError` (with `.rejected`) when the upload is refused (the empty job is
        deleted), `InsufficientCoins` (with `.shortfall`, and `.job`: the uploaded job, waiting to be
        started after a top-up) when the wallet does not cover the quote."""
        plan = uploads.plan(source)
        job = self.create(
            template=template,
            module=module,
            recipe=recipe,
            name=name,
            idempotency_key=idempotency_key,
            theme=theme,
            variants=variants,
            video=video,
            seed=seed,
        )
        callback, bar = _upload_progress(progress)
        try:
            answer = self._http.request(
                "PUT",
                f"/v1/jobs/{job.id}/upload",
                idempotent=False,
                headers=_upload_request(plan),
                content=uploads.iter_body(plan, callback),
            ).json()
        except ValidationError:
            with contextlib.suppress(DrisyaError):
                job.delete()  # refused as a whole: no empty job stays in the history
            raise
        finally:
            if bar is not None:
                bar.close()
        job.upload = answer
        if start:
            try:
                job.start()
            except DrisyaError as exc:
                exc.job = job  # e.g. InsufficientCoins: top up, then `exc.job.start()`, or delete it
                raise
        return job

    def create(
        self,
        *,
        template: str = "#ffffff",
        module: str = "ready",
        recipe: dict[str, Any] | None = None,
        name: str = "",
        idempotency_key: str | None = None,
        theme: str | None = None,
        variants: int | None = None,
        video: bool | None = None,
        seed: int | None = None,
    ) -> Job:
        """An empty job (status `created`); safe to retry: the same key returns the same job."""
        surprise = {"theme": theme, "variants": variants, "video": video, "seed": seed}
        key = idempotency_key or uuid.uuid4().hex
        created = self._http.request(
            "POST",
            "/v1/jobs",
            idempotent=True,
            headers={"Idempotency-Key": key},
            json=_create_body(template, module, recipe, name, surprise),
        ).json()
        return self.get(created["id"])

    def get(self, job_id: str) -> Job:
        return self._http.call("GET", f"/v1/jobs/{job_id}", then=lambda r: Job(self._http, r.json()))

    def list(self, *, status: str | None = None, page: int = 1, page_size: int = 20) -> Page[Job]:
        """Your jobs, newest first."""
        params: dict[str, Any] = {
            "page": page,
            "page_size": page_size,
            **({"status": status} if status else {}),
        }
        return self._http.call(
            "GET", "/v1/jobs", params=params, then=lambda r: _job_page(self._http, r.json(), Job)
        )


class AsyncJobs:
    """`client.jobs` of `AsyncClient`: the same methods as `Jobs`, as coroutines."""

    def __init__(self, http: Any) -> None:
        self._http = http

    async def submit(
        self,
        source: Source,
        *,
        template: str = "#ffffff",
        module: str = "ready",
        recipe: dict[str, Any] | None = None,
        name: str = "",
        progress: bool | Any = False,
        start: bool = True,
        idempotency_key: str | None = None,
        theme: str | None = None,
        variants: int | None = None,
        video: bool | None = None,
        seed: int | None = None,
    ) -> AsyncJob:
        plan = uploads.plan(source)
        job = await self.create(
            template=template,
            module=module,
            recipe=recipe,
            name=name,
            idempotency_key=idempotency_key,
            theme=theme,
            variants=variants,
            video=video,
            seed=seed,
        )
        callback, bar = _upload_progress(progress)
        try:
            response = await self._http.request(
                "PUT",
                f"/v1/jobs/{job.id}/upload",
                idempotent=False,
                headers=_upload_request(plan),
                content=uploads.aiter_body(plan, callback),
            )
        except ValidationError:
            with contextlib.suppress(DrisyaError):
                await job.delete()
            raise
        finally:
            if bar is not None:
                bar.close()
        job.upload = response.json()
        if start:
            try:
                await job.start()
            except DrisyaError as exc:
                exc.job = job
                raise
        return job

    async def create(
        self,
        *,
        template: str = "#ffffff",
        module: str = "ready",
        recipe: dict[str, Any] | None = None,
        name: str = "",
        idempotency_key: str | None = None,
        theme: str | None = None,
        variants: int | None = None,
        video: bool | None = None,
        seed: int | None = None,
    ) -> AsyncJob:
        surprise = {"theme": theme, "variants": variants, "video": video, "seed": seed}
        key = idempotency_key or uuid.uuid4().hex
        created = (
            await self._http.request(
                "POST",
                "/v1/jobs",
                idempotent=True,
                headers={"Idempotency-Key": key},
                json=_create_body(template, module, recipe, name, surprise),
            )
        ).json()
        return await self.get(created["id"])

    async def get(self, job_id: str) -> AsyncJob:
        return await self._http.call(
            "GET", f"/v1/jobs/{job_id}", then=lambda r: AsyncJob(self._http, r.json())
        )

    async def list(self, *, status: str | None = None, page: int = 1, page_size: int = 20) -> Page[AsyncJob]:
        params: dict[str, Any] = {
            "page": page,
            "page_size": page_size,
            **({"status": status} if status else {}),
        }
        return await self._http.call(
            "GET", "/v1/jobs", params=params, then=lambda r: _job_page(self._http, r.json(), AsyncJob)
        )


def _job_page(http: Any, d: dict[str, Any], cls: type[_JobBase]) -> Page[Any]:
    return Page([cls(http, j) for j in d["items"]], d["total"], d["page"], d["page_size"])
