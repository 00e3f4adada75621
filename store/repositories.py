"""Async repositories: the only code that knows collection names and query shapes.

Every state change is a single conditional update (`find_one_and_update` / `update_one` with the
expected current state in the filter), so two API replicas or a resumed runner cannot both win a
transition. Queries stay within what both MongoDB and nx-27017 support: no `$not`, no matching of
missing fields with `None`, no `$ne` against arrays (nx-27017 evaluates those differently).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import (
    IMAGE_CANCELLED,
    IMAGE_DONE,
    IMAGE_FAILED,
    IMAGE_QUEUED,
    IMAGE_RUNNING,
    IMAGE_STATUSES,
    JOB_CREATED,
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_STATUSES,
    MODULES,
    PAYMENT_CREATED,
    PAYMENT_FAILED,
    PAYMENT_PAID,
    ROLES,
    TERMINAL_JOB_STATUSES,
    UNFINISHED_IMAGE_STATUSES,
    ApiKey,
    BillingSettings,
    Image,
    Job,
    Payment,
    Transaction,
    User,
    utcnow,
)
from store.errors import Conflict, DuplicateEmail, InvalidTransition, InvalidValue, NotFound
from store.passwords import hash_password, needs_rehash, verify_password

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PAGE = 500


def normalize_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidValue(f"not a valid email address: {email!r}")
    return value


def _page(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _digest(text: str) -> str:
    """A short, field-name-safe digest (no '.' or '$') for using arbitrary ids as map keys."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- users ---------------------------------------------------------------------------------------


class UsersRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["users"]
        # a real hash, so an unknown email costs as much time as a wrong password
        self._dummy_hash: str | None = None

    async def create(self, email: str, password: str, *, role: str = "client", name: str = "") -> User:
        """A new user with a zero balance (coins only ever arrive through the ledger)."""
        if role not in ROLES:
            raise InvalidValue(f"role must be one of {', '.join(ROLES)}")
        user = User(
            email=normalize_email(email),
            password_hash=await asyncio.to_thread(hash_password, password),
            role=role,
            name=name.strip()[:200],
        )
        try:
            await self.col.insert_one(user.to_doc())
        except DuplicateKeyError:
            raise DuplicateEmail(f"an account with {user.email} already exists") from None
        return user

    async def find(self, user_id: str) -> User | None:
        doc = await self.col.find_one({"_id": user_id})
        return User.from_doc(doc) if doc else None

    async def get(self, user_id: str) -> User:
        user = await self.find(user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        return user

    async def by_email(self, email: str) -> User | None:
        try:
            value = normalize_email(email)
        except InvalidValue:
            return None
        doc = await self.col.find_one({"email": value})
        return User.from_doc(doc) if doc else None

    async def verify_credentials(self, email: str, password: str) -> User | None:
        """The user if email and password match and the account is not blocked, else None."""
        user = await self.by_email(email)
        if user is None:
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.to_thread(hash_password, secrets.token_hex(16))
            await asyncio.to_thread(verify_password, self._dummy_hash, password)
            return None
        if not await asyncio.to_thread(verify_password, user.password_hash, password):
            return None
        if user.blocked:
            return None
        if needs_rehash(user.password_hash):
            new_hash = await asyncio.to_thread(hash_password, password)
            await self.col.update_one({"_id": user.id}, {"$set": {"password_hash": new_hash}})
        now = utcnow()
        await self.col.update_one({"_id": user.id}, {"$set": {"last_login": now}})
        user.last_login = now
        return user

    async def set_password(self, user_id: str, password: str) -> None:
        new_hash = await asyncio.to_thread(hash_password, password)
        await self._set(user_id, {"password_hash": new_hash})

    async def set_blocked(self, user_id: str, blocked: bool) -> User:
        return await self._set(user_id, {"blocked": bool(blocked)})

    async def set_role(self, user_id: str, role: str) -> User:
        if role not in ROLES:
            raise InvalidValue(f"role must be one of {', '.join(ROLES)}")
        return await self._set(user_id, {"role": role})

    async def _set(self, user_id: str, values: dict[str, Any]) -> User:
        doc = await self.col.find_one_and_update(
            {"_id": user_id}, {"$set": values}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return User.from_doc(doc)

    async def list(self, *, role: str | None = None, limit: int = 50, skip: int = 0) -> list[User]:
        query: dict[str, Any] = {"role": role} if role else {}
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(_page(limit))
        return [User.from_doc(d) for d in await cursor.to_list()]

    async def count(self, *, role: str | None = None) -> int:
        return await self.col.count_documents({"role": role} if role else {})

    async def any_admin(self) -> bool:
        return await self.col.find_one({"role": "admin"}, {"_id": 1}) is not None


# --- API keys ------------------------------------------------------------------------------------

API_KEY_PREFIX = "drs_"


class ApiKeysRepo:
    """API keys look like `drs_<prefix>_<secret>`; the prefix finds the record, the sha256 of the whole key
    proves it. API keys are 256-bit random, so a fast hash is enough (argon2 is for low-entropy passwords)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["api_keys"]

    @staticmethod
    def _hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    async def create(self, user_id: str, name: str = "") -> tuple[ApiKey, str]:
        """Returns the record and the key itself, which is shown once and never stored."""
        for _ in range(5):
            prefix = secrets.token_hex(6)
            raw = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
            key = ApiKey(user=user_id, prefix=prefix, hash=self._hash(raw), name=name.strip()[:100])
            try:
                await self.col.insert_one(key.to_doc())
                return key, raw
            except DuplicateKeyError:
                continue
        raise Conflict("could not allocate a unique API key prefix")

    async def verify(self, raw: str) -> ApiKey | None:
        if not raw or not raw.startswith(API_KEY_PREFIX):
            return None
        prefix, sep, _ = raw[len(API_KEY_PREFIX) :].partition("_")
        if not sep:
            return None
        doc = await self.col.find_one({"prefix": prefix})
        if doc is None:
            return None
        key = ApiKey.from_doc(doc)
        if key.revoked or not hmac.compare_digest(key.hash, self._hash(raw)):
            return None
        now = utcnow()
        await self.col.update_one({"_id": key.id}, {"$set": {"last_used": now}})
        key.last_used = now
        return key

    async def list_for(self, user_id: str) -> list[ApiKey]:
        cursor = self.col.find({"user": user_id}).sort("created", DESCENDING)
        return [ApiKey.from_doc(d) for d in await cursor.to_list()]

    async def revoke(self, user_id: str, key_id: str) -> ApiKey:
        doc = await self.col.find_one_and_update(
            {"_id": key_id, "user": user_id},
            {"$set": {"revoked": True}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no API key {key_id}")
        return ApiKey.from_doc(doc)


# --- jobs ----------------------------------------------------------------------------------------


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
    ) -> Job:
        if module not in MODULES:
            raise InvalidValue(f"module must be one of {', '.join(MODULES)}")
        job = Job(
            owner=owner,
            module=module,
            template=template,
            recipe=dict(recipe or {}),
            name=name.strip()[:200],
            price_per_image=int(price_per_image),
        )
        await self.col.insert_one(job.to_doc())
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

    async def list_for_owner(
        self, owner: str | None, *, status: str | None = None, limit: int = 50, skip: int = 0
    ) -> list[Job]:
        """Newest first; `owner=None` lists every user's jobs (admin views)."""
        query: dict[str, Any] = {}
        if owner is not None:
            query["owner"] = owner
        if status:
            query["status"] = status
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(_page(limit))
        return [Job.from_doc(d) for d in await cursor.to_list()]

    async def count(self, owner: str | None = None, *, status: str | None = None) -> int:
        query: dict[str, Any] = {}
        if owner is not None:
            query["owner"] = owner
        if status:
            query["status"] = status
        return await self.col.count_documents(query)

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
            self.col.find({"status": {"$in": list(statuses)}}).sort("created", ASCENDING).limit(_page(limit))
        )
        return [Job.from_doc(d) for d in await cursor.to_list()]


# --- images --------------------------------------------------------------------------------------


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

    def __post_init__(self) -> None:
        if self.status not in (IMAGE_DONE, IMAGE_FAILED):
            raise InvalidValue(f"an image result is done or failed, not {self.status!r}")


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
        cursor = self.col.find(query).sort("seq", ASCENDING).skip(max(0, skip)).limit(_page(limit))
        return [Image.from_doc(d) for d in await cursor.to_list()]

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


# --- transactions (read side; writes go through store.ledger) --------------------------------------


class TransactionsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["transactions"]

    async def list_for_user(
        self, user_id: str, *, kind: str | None = None, limit: int = 50, skip: int = 0
    ) -> list[Transaction]:
        query: dict[str, Any] = {"user": user_id, "state": "applied"}
        if kind:
            query["kind"] = kind
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(_page(limit))
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    async def list_for_job(self, job_id: str) -> list[Transaction]:
        cursor = self.col.find({"job": job_id, "state": "applied"}).sort("created", ASCENDING)
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    async def by_key(self, key: str) -> Transaction | None:
        doc = await self.col.find_one({"key": key})
        return Transaction.from_doc(doc) if doc else None


# --- payments ------------------------------------------------------------------------------------


class PaymentsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["payments"]

    async def create(
        self,
        user_id: str,
        *,
        provider: str,
        provider_order_id: str,
        pack: str,
        coins: int,
        amount: int,
        currency: str = "INR",
    ) -> Payment:
        payment = Payment(
            user=user_id,
            provider=provider,
            provider_order_id=provider_order_id,
            pack=pack,
            coins=int(coins),
            amount=int(amount),
            currency=currency,
        )
        try:
            await self.col.insert_one(payment.to_doc())
        except DuplicateKeyError:
            raise Conflict(f"a payment for order {provider_order_id} already exists") from None
        return payment

    async def get(self, payment_id: str, *, user_id: str | None = None) -> Payment:
        query: dict[str, Any] = {"_id": payment_id}
        if user_id is not None:
            query["user"] = user_id
        doc = await self.col.find_one(query)
        if doc is None:
            raise NotFound(f"no payment {payment_id}")
        return Payment.from_doc(doc)

    async def by_order(self, provider_order_id: str) -> Payment | None:
        doc = await self.col.find_one({"provider_order_id": provider_order_id})
        return Payment.from_doc(doc) if doc else None

    async def list_for_user(self, user_id: str | None, *, limit: int = 50, skip: int = 0) -> list[Payment]:
        query = {"user": user_id} if user_id is not None else {}
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(_page(limit))
        return [Payment.from_doc(d) for d in await cursor.to_list()]

    async def mark_paid(
        self, provider_order_id: str, *, provider_payment_id: str | None = None
    ) -> Payment | None:
        """created -> paid, once. Returns the payment if this call made the transition, else None."""
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, "status": PAYMENT_CREATED},
            {
                "$set": {
                    "status": PAYMENT_PAID,
                    "provider_payment_id": provider_payment_id,
                    "updated": utcnow(),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return Payment.from_doc(doc) if doc else None

    async def mark_failed(self, provider_order_id: str, error: str) -> Payment | None:
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, "status": PAYMENT_CREATED},
            {"$set": {"status": PAYMENT_FAILED, "error": error[:500], "updated": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        return Payment.from_doc(doc) if doc else None

    async def record_event(self, provider_order_id: str, event_id: str) -> bool:
        """Remember a provider (webhook) event id; False if it was seen before, so it is processed once."""
        slot = f"events.{_digest(event_id)}"
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, slot: {"$exists": False}},
            {"$set": {slot: True, "updated": utcnow()}},
        )
        return doc is not None


# --- settings ------------------------------------------------------------------------------------


class SettingsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["settings"]

    async def billing(self) -> BillingSettings:
        doc = await self.col.find_one({"_id": "billing"})
        return BillingSettings.from_doc(doc) if doc else BillingSettings()

    async def save_billing(self, billing: BillingSettings) -> BillingSettings:
        for module, price in billing.pricing.items():
            if module not in MODULES or int(price) < 0:
                raise InvalidValue(f"invalid price {price!r} for module {module!r}")
        billing.updated = utcnow()
        doc = billing.to_doc()
        await self.col.replace_one({"_id": "billing"}, doc, upsert=True)
        return billing

    async def set_price(self, module: str, coins: int) -> BillingSettings:
        """One field, one atomic update: two admins pricing different modules at once both win."""
        if module not in MODULES:
            raise InvalidValue(f"module must be one of {', '.join(MODULES)}")
        if isinstance(coins, bool) or not isinstance(coins, int) or coins < 0:
            raise InvalidValue(f"a price is a whole number of coins >= 0, not {coins!r}")
        await self.col.update_one(
            {"_id": "billing"}, {"$set": {f"pricing.{module}": coins, "updated": utcnow()}}, upsert=True
        )
        return await self.billing()

    async def price(self, module: str) -> int:
        return (await self.billing()).price(module)


# --- all of them ---------------------------------------------------------------------------------


class Repositories:
    """Every repository on one database, built once per process (API replica, runner)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.users = UsersRepo(db)
        self.api_keys = ApiKeysRepo(db)
        self.jobs = JobsRepo(db)
        self.images = ImagesRepo(db)
        self.transactions = TransactionsRepo(db)
        self.payments = PaymentsRepo(db)
        self.settings = SettingsRepo(db)
