"""Jobs: creation, status transitions, counters, the runner's lease.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import (
    JOB_CREATED,
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_STATUSES,
    MODULES,
    TERMINAL_JOB_STATUSES,
    Job,
    JobIntake,
    utcnow,
)
from store.errors import InvalidTransition, InvalidValue, NotFound
from store.repositories._common import page_size


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _expiry(value: Any) -> float:
    """A stored ticket expiry (epoch seconds); anything unreadable counts as expired."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


INTAKE_WRITE_ATTEMPTS = 20  # optimistic retries when several uploads of one job record at once


def idempotent_job_id(owner: str, key: str) -> str:
    """The id a create with this Idempotency-Key gets: 24 hex digits like every other job id, derived
    from owner and key, so a re-sent create collides on `_id` (unique on every server) and finds the
    first job instead of making a second one."""
    return hashlib.sha256(f"job-create\x00{owner}\x00{key}".encode()).hexdigest()[:24]


class JobsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["jobs"]

    async def create(
        self,
        owner: str,
        module: str,
        template: str,
        recipe: dict[str, Any] | None = None,
        *,
        name: str = "",
        price_per_image: int = 0,
        template_spec: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        outputs_per_image: int = 1,
        surprise: dict[str, Any] | None = None,
    ) -> Job:
        """Insert a job in status `created`. With `idempotency_key`, a second create by the same owner
        with the same key returns the first job unchanged (whatever the second one asked for).
        A surprise job carries its options (`surprise`, validated by the caller against the engine);
        other modules carry none."""
        if module not in MODULES:
            raise InvalidValue(f"module must be one of {', '.join(MODULES)}")
        if (module == "surprise") != (surprise is not None):
            raise InvalidValue(
                "a surprise job needs its options (theme, variants, video); other modules none"
            )
        if outputs_per_image < 1:
            raise InvalidValue(f"outputs per image must be at least 1, not {outputs_per_image}")
        job = Job(
            owner=owner,
            module=module,
            template=template,
            recipe=dict(recipe or {}),
            name=name.strip()[:200],
            price_per_image=int(price_per_image),
            template_spec=dict(template_spec) if template_spec else None,
            outputs_per_image=int(outputs_per_image),
            surprise=dict(surprise) if surprise is not None else None,
        )
        if idempotency_key is not None:
            job.id = idempotent_job_id(owner, idempotency_key)
        try:
            await self.col.insert_one(job.to_doc())
        except DuplicateKeyError:
            if idempotency_key is None:
                raise
            return await self.get_for_owner(job.id, owner)
        return job

    async def find(self, job_id: str) -> Job | None:
        doc = await self.col.find_one({"_id": job_id})
        return Job.from_doc(doc) if doc else None

    async def get(self, job_id: str) -> Job:
        job = await self.find(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job

    async def get_for_owner(self, job_id: str, owner: str) -> Job:
        """The job if `owner` owns it; NotFound otherwise (never reveal other users' job ids)."""
        doc = await self.col.find_one({"_id": job_id, "owner": owner})
        if doc is None:
            raise NotFound(f"no job {job_id}")
        return Job.from_doc(doc)

    @staticmethod
    def _history_query(owner: str | None, status: str | None, module: str | None) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if owner is not None:
            query["owner"] = owner
        if status:
            if status not in JOB_STATUSES:
                raise InvalidValue(f"unknown job status {status!r}; one of {', '.join(JOB_STATUSES)}")
            query["status"] = status
        if module:
            if module not in MODULES:
                raise InvalidValue(f"unknown module {module!r}; one of {', '.join(MODULES)}")
            query["module"] = module
        return query

    async def list_for_owner(
        self,
        owner: str | None,
        *,
        status: str | None = None,
        module: str | None = None,
        limit: int = 50,
        skip: int = 0,
    ) -> list[Job]:
        """Newest first; `owner=None` lists every user's jobs (admin views)."""
        query = self._history_query(owner, status, module)
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(page_size(limit))
        return [Job.from_doc(d) for d in await cursor.to_list()]

    async def count(
        self, owner: str | None = None, *, status: str | None = None, module: str | None = None
    ) -> int:
        return await self.col.count_documents(self._history_query(owner, status, module))

    async def record_intake(
        self,
        job_id: str,
        rejected: Sequence[dict[str, str]],
        skipped: Sequence[dict[str, str]],
        *,
        keep: int,
        notes: Sequence[dict[str, str]] = (),
    ) -> JobIntake:
        """Append an upload's refused, skipped and noted entries to the job (lists capped at `keep`).

        A read-modify-write guarded by `intake.version` (nx-27017 stores `$push`ed sub-documents as
        JSON strings, so arrays are rewritten whole): an upload that loses the race re-reads and retries,
        so two uploads finishing together both keep their entries."""
        for _ in range(INTAKE_WRITE_ATTEMPTS):
            doc = await self.col.find_one({"_id": job_id}, {"intake": 1})
            if doc is None:
                raise NotFound(f"no job {job_id}")
            current = Job.from_doc({**doc, "owner": "", "module": "", "template": ""}).intake
            updated = JobIntake(
                rejected=(current.rejected + list(rejected))[:keep],
                skipped=(current.skipped + list(skipped))[:keep],
                notes=(current.notes + list(notes))[:keep],
                rejected_count=current.rejected_count + len(rejected),
                skipped_count=current.skipped_count + len(skipped),
                version=current.version + 1,
            )
            # a job written before `intake` was a declared field has none: its first write is unguarded
            guard = {"intake.version": current.version} if doc.get("intake") else {}
            result = await self.col.update_one(
                {"_id": job_id, **guard},
                {"$set": {"intake": asdict(updated), "updated": utcnow()}},
            )
            if result.matched_count == 1:
                return updated
        raise InvalidTransition(f"job {job_id}: too many uploads at once; send this one again")

    async def add_events_ticket(self, job_id: str, ticket_digest: str, expires: dt.datetime) -> None:
        """Remember a WebSocket ticket (by digest only) until it is used or expires. Expiry is kept as
        epoch seconds and judged here, not in a query (nx-27017 stores a datetime set on a dotted path
        as text); expired tickets of the job are dropped on the way, so the map stays small."""
        doc = await self.col.find_one({"_id": job_id}, {"events_tickets": 1})
        if doc is None:
            raise NotFound(f"no job {job_id}")
        now = utcnow().timestamp()
        stale = {
            f"events_tickets.{d}": ""
            for d, exp in (doc.get("events_tickets") or {}).items()
            if _expiry(exp) <= now
        }
        update: dict[str, Any] = {"$set": {f"events_tickets.{ticket_digest}": _aware(expires).timestamp()}}
        if stale:
            update["$unset"] = stale
        await self.col.update_one({"_id": job_id}, update)

    async def consume_events_ticket(self, job_id: str, ticket_digest: str) -> Job | None:
        """The job if the ticket was issued for it and has not expired, else None. One conditional
        update removes it, so a ticket opens one WebSocket however many clients race with it."""
        if not ticket_digest or not all(c in "0123456789abcdef" for c in ticket_digest):
            return None
        field_name = f"events_tickets.{ticket_digest}"
        doc = await self.col.find_one_and_update(
            {"_id": job_id, field_name: {"$exists": True}},
            {"$unset": {field_name: ""}},
            return_document=ReturnDocument.BEFORE,
        )
        if (
            doc is None
            or _expiry((doc.get("events_tickets") or {}).get(ticket_digest)) <= utcnow().timestamp()
        ):
            return None
        return Job.from_doc(doc)

    async def delete_idle(self, job_id: str, owner: str | None) -> Job:
        """Delete a job that no runner is working on (created, or finished); its images and blobs are
        the caller's to remove. InvalidTransition while it is queued or running, NotFound otherwise
        (also for another owner's job)."""
        query: dict[str, Any] = {"_id": job_id}
        if owner is not None:
            query["owner"] = owner
        doc = await self.col.find_one_and_delete(
            {**query, "status": {"$in": [JOB_CREATED, *TERMINAL_JOB_STATUSES]}}
        )
        if doc is not None:
            return Job.from_doc(doc)
        current = await self.col.find_one(query, {"status": 1})
        if current is None:
            raise NotFound(f"no job {job_id}")
        raise InvalidTransition(
            f"job {job_id} is {current['status']}; cancel it (POST /v1/jobs/{job_id}/cancel) before deleting it"
        )

    async def update_fields(self, job_id: str, values: dict[str, Any]) -> Job:
        """Set plain fields (recipe, template, name...) while the job has not started."""
        doc = await self.col.find_one_and_update(
            {"_id": job_id, "status": JOB_CREATED},
            {"$set": {**values, "updated": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            job = await self.get(job_id)
            raise InvalidTransition(f"job {job_id} is {job.status}; it can no longer be changed")
        return Job.from_doc(doc)

    async def set_status(
        self,
        job_id: str,
        status: str,
        *,
        from_statuses: Sequence[str] | None = None,
        error: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Job:
        """Move a job to `status` if it is currently in one of `from_statuses` (default: any non-terminal).

        Terminal statuses are final: a finished job is never reopened by a late writer.
        """
        if status not in JOB_STATUSES:
            raise InvalidValue(f"unknown job status {status!r}")
        allowed = (
            list(from_statuses)
            if from_statuses is not None
            else [s for s in JOB_STATUSES if s not in TERMINAL_JOB_STATUSES]
        )
        now = utcnow()
        values: dict[str, Any] = {"status": status, "updated": now, **(extra or {})}
        if error is not None:
            values["error"] = error
        if status == JOB_RUNNING:
            values.setdefault("heartbeat", now)
        if status in TERMINAL_JOB_STATUSES:
            values["finished"] = now
            values["runner"] = None
        doc = await self.col.find_one_and_update(
            {"_id": job_id, "status": {"$in": allowed}},
            {"$set": values},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            job = await self.get(job_id)
            if job.status == status:
                return job
            raise InvalidTransition(f"job {job_id} is {job.status}, cannot become {status}")
        job = Job.from_doc(doc)
        if status == JOB_RUNNING and job.started is None:
            await self.col.update_one({"_id": job_id, "started": None}, {"$set": {"started": now}})
            job.started = now
        return job

    async def set_total(self, job_id: str, total: int) -> None:
        await self.col.update_one(
            {"_id": job_id}, {"$set": {"counters.total": int(total), "updated": utcnow()}}
        )

    async def add_total(self, job_id: str, count: int) -> Job:
        """Count newly uploaded images (uploads may arrive in several requests)."""
        doc = await self.col.find_one_and_update(
            {"_id": job_id, "status": JOB_CREATED},
            {"$inc": {"counters.total": int(count)}, "$set": {"updated": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            job = await self.get(job_id)
            raise InvalidTransition(f"job {job_id} is {job.status}; no more images can be added")
        return Job.from_doc(doc)

    async def increment_counters(self, job_id: str, *, done: int = 0, failed: int = 0) -> Job:
        now = utcnow()
        doc = await self.col.find_one_and_update(
            {"_id": job_id},
            {"$inc": {"counters.done": int(done), "counters.failed": int(failed)}, "$set": {"updated": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no job {job_id}")
        return Job.from_doc(doc)

    async def set_counters(self, job_id: str, *, total: int, done: int, failed: int) -> None:
        """Overwrite the counters with values recounted from the images (used after a resume)."""
        await self.col.update_one(
            {"_id": job_id},
            {
                "$set": {
                    "counters.total": int(total),
                    "counters.done": int(done),
                    "counters.failed": int(failed),
                    "updated": utcnow(),
                }
            },
        )

    async def claim(self, job_id: str, runner: str, *, stale_after: dt.timedelta) -> Job | None:
        """Become the job's runner: a queued job, a running job whose runner stopped beating for
        `stale_after`, or a job this runner already holds. None if another live runner holds it."""
        now = utcnow()
        take = {"$set": {"status": JOB_RUNNING, "runner": runner, "heartbeat": now, "updated": now}}
        for query in (
            {"_id": job_id, "status": JOB_QUEUED},
            {"_id": job_id, "status": JOB_RUNNING, "runner": runner},
            {"_id": job_id, "status": JOB_RUNNING, "heartbeat": {"$lt": now - stale_after}},
        ):
            doc = await self.col.find_one_and_update(query, take, return_document=ReturnDocument.AFTER)
            if doc is not None:
                job = Job.from_doc(doc)
                if job.started is None:
                    await self.col.update_one({"_id": job_id}, {"$set": {"started": now}})
                    job.started = now
                return job
        return None

    async def heartbeat(self, job_id: str, runner: str) -> bool:
        """Refresh the runner's lease; False means the job was taken over or finished (stop working)."""
        now = utcnow()
        result = await self.col.update_one(
            {"_id": job_id, "status": JOB_RUNNING, "runner": runner},
            {"$set": {"heartbeat": now, "updated": now}},
        )
        return result.matched_count == 1

    async def dead_runners(self, *, stale_after: dt.timedelta) -> list[Job]:
        """Running jobs whose runner has not beaten for `stale_after`: candidates for resuming."""
        cutoff = utcnow() - stale_after
        cursor = self.col.find({"status": JOB_RUNNING, "heartbeat": {"$lt": cutoff}}).sort(
            "heartbeat", ASCENDING
        )
        return [Job.from_doc(d) for d in await cursor.to_list()]

    async def with_status(self, statuses: Sequence[str], *, limit: int = 500) -> list[Job]:
        cursor = (
            self.col.find({"status": {"$in": list(statuses)}})
            .sort("created", ASCENDING)
            .limit(page_size(limit))
        )
        return [Job.from_doc(d) for d in await cursor.to_list()]
