"""Images of a job: per-image status, results, charge flags.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from store.documents import (
    IMAGE_CANCELLED,
    IMAGE_DONE,
    IMAGE_FAILED,
    IMAGE_QUEUED,
    IMAGE_RUNNING,
    IMAGE_STATUSES,
    UNFINISHED_IMAGE_STATUSES,
    Image,
    utcnow,
)
from store.errors import InvalidValue, NotFound
from store.repositories._common import page_size

OUTPUT_KINDS = ("image", "video")


@dataclass
class ImageResult:
    """What a worker reports for one image; applied to the `images` collection in bulk."""

    image_id: str
    status: str  # "done" | "failed"
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    quality: float | None = None
    method: str | None = None
    width: int | None = None
    height: int | None = None
    compliance: dict[str, Any] | None = None  # engine.compliance `as_dict()` of the output; None: no preset
    # a surprise image's outputs (the done row's `outputs` list, see Image.output_items); empty else
    output_items: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in (IMAGE_DONE, IMAGE_FAILED):
            raise InvalidValue(f"an image result is done or failed, not {self.status!r}")
        for item in self.output_items:
            if not isinstance(item, dict) or not item.get("blob") or item.get("kind") not in OUTPUT_KINDS:
                raise InvalidValue(
                    f"an output item needs a blob and a kind ({' or '.join(OUTPUT_KINDS)}), not {item!r}"
                )


class ImagesRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["images"]

    async def insert_many(
        self, job_id: str, inputs: Iterable[tuple[str, str] | tuple[str, str, int]], *, start_seq: int = 0
    ) -> list[Image]:
        """One queued image per (input name, input blob key[, size in bytes]), numbered from `start_seq`."""
        images = []
        for offset, item in enumerate(inputs):
            name, blob = item[0], item[1]
            size = item[2] if len(item) > 2 else None  # type: ignore[misc]
            images.append(
                Image(job=job_id, input_name=name, input_blob=blob, seq=start_seq + offset, size_bytes=size)
            )
        if images:
            await self.col.insert_many([im.to_doc() for im in images], ordered=True)
        return images

    async def find(self, image_id: str) -> Image | None:
        doc = await self.col.find_one({"_id": image_id})
        return Image.from_doc(doc) if doc else None

    async def get(self, image_id: str, *, job_id: str | None = None) -> Image:
        query: dict[str, Any] = {"_id": image_id}
        if job_id is not None:
            query["job"] = job_id
        doc = await self.col.find_one(query)
        if doc is None:
            raise NotFound(f"no image {image_id}")
        return Image.from_doc(doc)

    async def list_for_job(
        self, job_id: str, *, status: str | None = None, skip: int = 0, limit: int = 100
    ) -> list[Image]:
        query: dict[str, Any] = {"job": job_id}
        if status:
            if status not in IMAGE_STATUSES:
                raise InvalidValue(f"unknown image status {status!r}")
            query["status"] = status
        cursor = self.col.find(query).sort("seq", ASCENDING).skip(max(0, skip)).limit(page_size(limit))
        return [Image.from_doc(d) for d in await cursor.to_list()]

    async def count_for_job(self, job_id: str, *, status: str | None = None) -> int:
        """How many images `list_for_job` pages through (with the same status filter)."""
        query: dict[str, Any] = {"job": job_id}
        if status:
            if status not in IMAGE_STATUSES:
                raise InvalidValue(f"unknown image status {status!r}; one of {', '.join(IMAGE_STATUSES)}")
            query["status"] = status
        return await self.col.count_documents(query)

    async def iter_for_job(self, job_id: str, *, status: str | None = None, batch: int = 500):
        """Every image of a job in upload order, fetched page by page (for ZIP downloads, manifests)."""
        skip = 0
        while True:
            page = await self.list_for_job(job_id, status=status, skip=skip, limit=batch)
            for image in page:
                yield image
            if len(page) < batch:
                return
            skip += len(page)

    async def unfinished(self, job_id: str) -> list[Image]:
        """Queued or running images: what a (resumed) runner still has to process."""
        cursor = self.col.find({"job": job_id, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}}).sort(
            "seq", ASCENDING
        )
        return [Image.from_doc(d) for d in await cursor.to_list()]

    async def count_by_status(self, job_id: str) -> dict[str, int]:
        """Images per status; `cancelled` is listed only for a job that has some (the rare case)."""
        counts = {s: 0 for s in IMAGE_STATUSES}
        for status in IMAGE_STATUSES:
            counts[status] = await self.col.count_documents({"job": job_id, "status": status})
        if not counts[IMAGE_CANCELLED]:
            del counts[IMAGE_CANCELLED]
        return counts

    async def mark_running(self, image_ids: Sequence[str]) -> int:
        if not image_ids:
            return 0
        result = await self.col.update_many(
            {"_id": {"$in": list(image_ids)}, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}},
            {"$set": {"status": IMAGE_RUNNING, "updated": utcnow()}, "$inc": {"attempts": 1}},
        )
        return result.modified_count

    async def record_results(self, results: Sequence[ImageResult]) -> list[ImageResult]:
        """Apply results in one bulk write; returns those that changed an unfinished image.

        An image that is already done or failed is left alone, so replaying results after a resume
        neither double-counts nor overwrites. (One runner holds a job at a time, see JobsRepo.claim,
        so the read-then-write here does not race with another writer of the same images.)
        """
        if not results:
            return []
        ids = [r.image_id for r in results]
        open_ids = {
            d["_id"]
            for d in await self.col.find(
                {"_id": {"$in": ids}, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}}, {"_id": 1}
            ).to_list()
        }
        now = utcnow()
        ops = []
        applied = []
        for r in results:
            if r.image_id not in open_ids:
                continue
            values = {k: v for k, v in asdict(r).items() if k != "image_id"}
            values["updated"] = now
            ops.append(
                UpdateOne(
                    {"_id": r.image_id, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}}, {"$set": values}
                )
            )
            applied.append(r)
            open_ids.discard(r.image_id)  # a result listed twice applies once
        if ops:
            await self.col.bulk_write(ops, ordered=False)
        return applied

    async def mark_charged(self, image_ids: Sequence[str]) -> int:
        if not image_ids:
            return 0
        result = await self.col.update_many({"_id": {"$in": list(image_ids)}}, {"$set": {"charged": True}})
        return result.modified_count

    async def requeue_running(self, job_id: str) -> int:
        """Images left 'running' by a dead runner go back to the queue."""
        result = await self.col.update_many(
            {"job": job_id, "status": IMAGE_RUNNING}, {"$set": {"status": IMAGE_QUEUED, "updated": utcnow()}}
        )
        return result.modified_count

    async def cancel_unfinished(self, job_id: str, error: str) -> int:
        """Queued or running images of a cancelled job become `cancelled` (they will never run)."""
        result = await self.col.update_many(
            {"job": job_id, "status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}},
            {"$set": {"status": IMAGE_CANCELLED, "error": error, "updated": utcnow()}},
        )
        return result.modified_count

    async def jobs_with_unfinished(self) -> list[str]:
        """Ids of the jobs that still have queued or running images."""
        ids = await self.col.distinct("job", {"status": {"$in": list(UNFINISHED_IMAGE_STATUSES)}})
        return [str(i) for i in ids]

    async def done_uncharged(self, job_id: str) -> list[Image]:
        """Done images whose capture has not been recorded yet (a runner died in between)."""
        cursor = self.col.find({"job": job_id, "status": IMAGE_DONE, "charged": False}).sort("seq", ASCENDING)
        return [Image.from_doc(d) for d in await cursor.to_list()]

    async def delete_for_job(self, job_id: str) -> int:
        result = await self.col.delete_many({"job": job_id})
        return result.deleted_count
