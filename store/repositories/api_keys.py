"""API keys for the SDK: stored hashed, found by their visible prefix.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import (
    ApiKey,
    utcnow,
)
from store.errors import Conflict, NotFound

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
        # $currentDate, not $set of a datetime: nx-27017 stores a $set datetime as a string
        await self.col.update_one({"_id": key.id}, {"$currentDate": {"last_used": True}})
        key.last_used = utcnow()
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
