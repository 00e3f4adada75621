"""The ledger's read side; writes go through store.ledger.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from store.documents import (
    Transaction,
)
from store.repositories._common import page_size


class TransactionsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["transactions"]

    async def list_for_user(
        self, user_id: str, *, kind: str | None = None, limit: int = 50, skip: int = 0
    ) -> list[Transaction]:
        query: dict[str, Any] = {"user": user_id, "state": "applied"}
        if kind:
            query["kind"] = kind
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(page_size(limit))
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    async def count_for_user(self, user_id: str, *, kind: str | None = None) -> int:
        query: dict[str, Any] = {"user": user_id, "state": "applied"}
        if kind:
            query["kind"] = kind
        return await self.col.count_documents(query)

    async def debits_since(self, since: Any, *, limit: int = 1000) -> list[Transaction]:
        """Applied entries that lowered a balance (amount < 0) created at or after `since`, oldest first."""
        cursor = (
            self.col.find({"created": {"$gte": since}, "amount": {"$lt": 0}, "state": "applied"})
            .sort("created", ASCENDING)
            .limit(max(1, min(limit, 10_000)))
        )
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    async def list_for_job(self, job_id: str) -> list[Transaction]:
        cursor = self.col.find({"job": job_id, "state": "applied"}).sort("created", ASCENDING)
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    async def by_key(self, key: str) -> Transaction | None:
        doc = await self.col.find_one({"key": key})
        return Transaction.from_doc(doc) if doc else None
