"""Read-only aggregates for the admin's analytics, over bounded ranges of inserted timestamps.

Only fields written at insert time (`created`) are filtered by date: nx-27017 stores a datetime written
by a later update as a string, so range queries on such fields would silently match nothing there.
Pipelines use only $match/$group/$sort/$limit with $sum and $dateToString, with a field or one
expression as the group `_id` (never a compound one), which both MongoDB and nx-27017 evaluate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

MAX_JOBS_SCANNED = 5000  # failure reasons are read for at most this many jobs of the range


def _in_range(start: dt.datetime, end: dt.datetime, **equal: Any) -> dict[str, Any]:
    """`created` in [start, end) plus equality conditions, as separate $and clauses: nx-27017's $match
    matches nothing when one field carries both $gte and $lt."""
    clauses: list[dict[str, Any]] = [{"created": {"$gte": start}}, {"created": {"$lt": end}}]
    clauses += [{k: v} for k, v in equal.items()]
    return {"$and": clauses}


def _day(field: str) -> dict[str, Any]:
    return {"$dateToString": {"format": "%Y-%m-%d", "date": f"${field}"}}


class AnalyticsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def _aggregate(self, collection: str, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cursor = await self.db[collection].aggregate(pipeline)
        return await cursor.to_list()

    async def ledger_by_day_and_kind(self, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """[{day, kind, amount, charge, count}] of applied ledger entries created in [start, end).

        One pipeline per kind, grouped by day: nx-27017 evaluates an expression as the whole `_id` but
        not inside a compound `_id` (it returns the literal), so `_id` is never compound here."""
        match = _in_range(start, end, state="applied")
        out: list[dict[str, Any]] = []
        for kind in sorted(await self.db["transactions"].distinct("kind", match)):
            rows = await self._aggregate(
                "transactions",
                [
                    {"$match": _in_range(start, end, state="applied", kind=kind)},
                    {
                        "$group": {
                            "_id": _day("created"),
                            "amount": {"$sum": "$amount"},
                            "charge": {"$sum": "$charge"},
                            "count": {"$sum": 1},
                        }
                    },
                ],
            )
            out += [
                {
                    "day": r["_id"],
                    "kind": kind,
                    "amount": int(r.get("amount") or 0),
                    "charge": int(r.get("charge") or 0),
                    "count": int(r.get("count") or 0),
                }
                for r in rows
            ]
        return out

    async def paid_by_provider(self, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """[{provider, amount, coins, count}] of payments created in range and paid (amounts in paise)."""
        rows = await self._aggregate(
            "payments",
            [
                {"$match": _in_range(start, end, status="paid")},
                {
                    "$group": {
                        "_id": "$provider",
                        "amount": {"$sum": "$amount"},
                        "coins": {"$sum": "$coins"},
                        "count": {"$sum": 1},
                    }
                },
            ],
        )
        return [
            {
                "provider": r["_id"],
                "amount": int(r.get("amount") or 0),
                "coins": int(r.get("coins") or 0),
                "count": int(r.get("count") or 0),
            }
            for r in rows
        ]

    async def jobs_in_range(self, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """The newest jobs created in range (at most MAX_JOBS_SCANNED): id, owner, template, status, counters."""
        cursor = (
            self.db["jobs"]
            .find(
                _in_range(start, end),
                {"_id": 1, "owner": 1, "template": 1, "status": 1, "counters": 1, "module": 1},
            )
            .sort("created", -1)
            .limit(MAX_JOBS_SCANNED)
        )
        return await cursor.to_list()

    async def failure_reasons(self, job_ids: list[str], *, limit: int = 20) -> list[dict[str, Any]]:
        """[{reason, count}] of failed images of these jobs, most frequent first."""
        if not job_ids:
            return []
        rows = await self._aggregate(
            "images",
            [
                {"$match": {"job": {"$in": job_ids}, "status": "failed"}},
                {"$group": {"_id": "$error", "count": {"$sum": 1}}},
                {"$sort": {"count": -1}},
                {"$limit": limit},
            ],
        )
        return [{"reason": r["_id"] or "unknown", "count": int(r["count"])} for r in rows]

    async def users_with_ledger_activity(self, start: dt.datetime, end: dt.datetime) -> set[str]:
        """Users with a purchase, reservation or capture in range (signed-in use that moved coins)."""
        users = await self.db["transactions"].distinct(
            "user",
            _in_range(start, end, state="applied", kind={"$in": ["purchase", "reserve", "capture"]}),
        )
        return {str(u) for u in users}
