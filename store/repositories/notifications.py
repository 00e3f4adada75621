"""Notifications sent (or being sent): one document per notification, claimed by inserting its unique key.

The key names the event (`job:<id>:<status>`, `low-balance:<ledger key>`), so however many API replicas
notice the same event, exactly one insert wins and only that replica sends. A claim whose sender failed
(SMTP down) or died (the claim is older than `stale_after_s`) is taken again by one conditional update,
a bounded number of times. Claim times are epoch seconds (numbers), because nx-27017 stores a datetime
written by an update as a string, which would break the staleness comparison.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories).
"""

from __future__ import annotations

import time
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import utcnow

SENDING = "sending"
SENT = "sent"
FAILED = "failed"
MAX_ATTEMPTS = 5


class NotificationsRepo:
    def __init__(self, db: AsyncDatabase, *, stale_after_s: float = 300.0) -> None:
        self.col = db["notifications"]
        self.stale_after_s = stale_after_s

    async def claim(self, key: str, *, user: str, kind: str, owner: str) -> bool:
        """True if this caller may send the notification `key` now (and must mark it sent or failed)."""
        now = time.time()
        try:
            await self.col.insert_one(
                {
                    "key": key,
                    "user": user,
                    "kind": kind,
                    "state": SENDING,
                    "owner": owner,
                    "attempts": 1,
                    "claimed_ts": now,
                    "created": utcnow(),
                }
            )
            return True
        except DuplicateKeyError:
            pass
        retake = {"$set": {"state": SENDING, "owner": owner, "claimed_ts": now}, "$inc": {"attempts": 1}}
        for query in (
            {"key": key, "state": FAILED, "attempts": {"$lt": MAX_ATTEMPTS}},
            {"key": key, "state": SENDING, "claimed_ts": {"$lt": now - self.stale_after_s}},
        ):
            if await self.col.find_one_and_update(query, retake) is not None:
                return True
        return False

    async def mark_sent(self, key: str, owner: str, where: str) -> None:
        await self.col.update_one(
            {"key": key, "owner": owner},
            {"$set": {"state": SENT, "where": where[:300], "sent_ts": time.time()}},
        )

    async def mark_failed(self, key: str, owner: str, error: str) -> None:
        await self.col.update_one(
            {"key": key, "owner": owner}, {"$set": {"state": FAILED, "error": error[:500]}}
        )

    async def known(self, keys: list[str]) -> set[str]:
        """The keys that already have a notification (sent, sending or failed)."""
        if not keys:
            return set()
        cursor = self.col.find({"key": {"$in": keys}}, {"key": 1, "state": 1, "attempts": 1})
        out = set()
        async for doc in cursor:
            if doc.get("state") != FAILED or int(doc.get("attempts", 0)) >= MAX_ATTEMPTS:
                out.add(doc["key"])
        return out

    async def for_user(self, user: str, *, limit: int = 50) -> list[dict[str, Any]]:
        cursor = self.col.find({"user": user}, {"_id": 0}).sort("created", -1).limit(max(1, min(limit, 500)))
        return await cursor.to_list()
