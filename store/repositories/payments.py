"""Payments: provider orders, their status and the provider events already seen.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import (
    PAYMENT_CREATED,
    PAYMENT_FAILED,
    PAYMENT_PAID,
    Payment,
)
from store.errors import Conflict, NotFound
from store.repositories._common import field_digest, page_size


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
        promo_code: str | None = None,
        payment_id: str | None = None,
    ) -> Payment:
        payment = Payment(
            user=user_id,
            provider=provider,
            provider_order_id=provider_order_id,
            pack=pack,
            coins=int(coins),
            amount=int(amount),
            currency=currency,
            promo_code=promo_code,
        )
        if payment_id:
            payment.id = payment_id
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
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(page_size(limit))
        return [Payment.from_doc(d) for d in await cursor.to_list()]

    async def mark_paid(
        self, provider_order_id: str, *, provider_payment_id: str | None = None
    ) -> Payment | None:
        """created|failed -> paid, once (a failed attempt may be followed by a successful one on the same
        order). Returns the payment if this call made the transition, else None."""
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, "status": {"$in": [PAYMENT_CREATED, PAYMENT_FAILED]}},
            {
                "$set": {"status": PAYMENT_PAID, "provider_payment_id": provider_payment_id, "error": None},
                # $currentDate, not $set of a datetime: nx-27017 stores a $set datetime as a string
                "$currentDate": {"updated": True},
            },
            return_document=ReturnDocument.AFTER,
        )
        return Payment.from_doc(doc) if doc else None

    async def mark_failed(self, provider_order_id: str, error: str) -> Payment | None:
        """created -> failed; a paid payment stays paid whatever arrives after."""
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, "status": PAYMENT_CREATED},
            {"$set": {"status": PAYMENT_FAILED, "error": error[:500]}, "$currentDate": {"updated": True}},
            return_document=ReturnDocument.AFTER,
        )
        return Payment.from_doc(doc) if doc else None

    async def set_bonus(self, provider_order_id: str, bonus_coins: int, promo_error: str | None) -> None:
        await self.col.update_one(
            {"provider_order_id": provider_order_id},
            {"$set": {"bonus_coins": int(bonus_coins), "promo_error": promo_error}},
        )

    async def seen_event(self, provider_order_id: str, event_id: str) -> bool:
        doc = await self.col.find_one(
            {"provider_order_id": provider_order_id, f"events.{field_digest(event_id)}": {"$exists": True}},
            {"_id": 1},
        )
        return doc is not None

    async def record_event(self, provider_order_id: str, event_id: str) -> bool:
        """Remember a provider (webhook) event id; False if it was seen before, so it is processed once."""
        slot = f"events.{field_digest(event_id)}"
        doc = await self.col.find_one_and_update(
            {"provider_order_id": provider_order_id, slot: {"$exists": False}},
            {"$set": {slot: True}, "$currentDate": {"updated": True}},
        )
        return doc is not None

    async def count_for_user(self, user_id: str) -> int:
        return await self.col.count_documents({"user": user_id})
