"""Promo codes and their redemptions.

Limits hold under concurrency without transactions:
- per user: each redemption inserts a document whose unique `key` is `<code>:<user>:<n>` for the first
  free n in 1..max_uses_per_user, so at most that many can exist for one user;
- per payment: `payment` is unique too, so one purchase redeems a code once however often it is fulfilled;
- overall: `uses` is incremented with the limit in the filter (`uses < max_uses`), one conditional update.
A redemption whose overall increment is refused is deleted again.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import PromoCode, utcnow
from store.errors import Conflict, InvalidValue, NotFound

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
EDITABLE = ("coins", "active", "max_uses", "max_uses_per_user", "expires", "note")


class PromoUnavailable(InvalidValue):
    """The code cannot be used (unknown, inactive, expired, used up, or used up by this user)."""

    code = "promo_unavailable"


def normalize_code(code: str) -> str:
    value = (code or "").strip().upper()
    if not _CODE.match(value):
        raise InvalidValue("a promo code is 3-40 letters, digits, '-' or '_'")
    return value


def _expiry(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(f"expires must be an ISO date-time, not {value!r}") from None
    if not isinstance(value, dt.datetime):
        raise InvalidValue("expires must be an ISO date-time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _count(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValue(f"{name} must be a whole number >= {minimum}")
    return value


@dataclass(frozen=True)
class Redemption:
    code: str
    user: str
    payment: str
    coins: int


class PromotionsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["promotions"]
        self.redemptions = db["promo_redemptions"]

    # --- administration ----------------------------------------------------------------------------

    async def create(
        self,
        code: str,
        coins: int,
        *,
        max_uses: int = 0,
        max_uses_per_user: int = 1,
        expires: Any = None,
        active: bool = True,
        note: str = "",
    ) -> PromoCode:
        promo = PromoCode(
            code=normalize_code(code),
            coins=_count(coins, "coins", minimum=1),
            max_uses=_count(max_uses, "max_uses", minimum=0),
            max_uses_per_user=_count(max_uses_per_user, "max_uses_per_user", minimum=1),
            expires=_expiry(expires),
            active=bool(active),
            note=note.strip()[:200],
        )
        try:
            await self.col.insert_one(promo.to_doc())
        except DuplicateKeyError:
            raise Conflict(f"promo code {promo.code} already exists") from None
        return promo

    async def get(self, code: str) -> PromoCode:
        doc = await self.col.find_one({"_id": normalize_code(code)})
        if doc is None:
            raise NotFound(f"no promo code {code.strip().upper()}")
        return self._load(doc)

    async def list(self, *, limit: int = 500) -> list[PromoCode]:
        cursor = self.col.find({}).sort("created", DESCENDING).limit(max(1, min(limit, 1000)))
        return [self._load(d) for d in await cursor.to_list()]

    async def update(self, code: str, changes: dict[str, Any]) -> PromoCode:
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InvalidValue(f"cannot change {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        if "coins" in changes:
            values["coins"] = _count(changes["coins"], "coins", minimum=1)
        if "max_uses" in changes:
            values["max_uses"] = _count(changes["max_uses"], "max_uses", minimum=0)
        if "max_uses_per_user" in changes:
            values["max_uses_per_user"] = _count(changes["max_uses_per_user"], "max_uses_per_user", minimum=1)
        if "expires" in changes:
            values["expires"] = _expiry(changes["expires"])
        if "active" in changes:
            values["active"] = bool(changes["active"])
        if "note" in changes:
            values["note"] = str(changes["note"]).strip()[:200]
        if not values:
            return await self.get(code)
        doc = await self.col.find_one_and_update(
            {"_id": normalize_code(code)}, {"$set": values}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound(f"no promo code {code.strip().upper()}")
        return self._load(doc)

    async def delete(self, code: str) -> None:
        """Remove a code; its past redemptions (and the coins they gave) stay."""
        result = await self.col.delete_one({"_id": normalize_code(code)})
        if result.deleted_count == 0:
            raise NotFound(f"no promo code {code.strip().upper()}")

    # --- use -----------------------------------------------------------------------------------------

    async def check(self, code: str, user_id: str, *, now: dt.datetime | None = None) -> PromoCode:
        """The promo if `user_id` could redeem it now; PromoUnavailable with the reason otherwise."""
        try:
            promo = await self.get(code)
        except (NotFound, InvalidValue):
            raise PromoUnavailable(f"promo code {code.strip().upper()[:40]} does not exist") from None
        if not promo.active:
            raise PromoUnavailable(f"promo code {promo.code} is no longer active")
        if promo.expires and dt.datetime.fromisoformat(promo.expires) <= (now or utcnow()):
            raise PromoUnavailable(f"promo code {promo.code} expired on {promo.expires[:10]}")
        if promo.max_uses and promo.uses >= promo.max_uses:
            raise PromoUnavailable(f"promo code {promo.code} has been used up")
        used = await self.redemptions.count_documents({"code": promo.code, "user": user_id})
        if used >= promo.max_uses_per_user:
            raise PromoUnavailable(f"you have already used promo code {promo.code}")
        return promo

    async def redeem(self, code: str, user_id: str, payment: str) -> Redemption:
        """Redeem `code` for the purchase `payment`, once; a repeat for the same payment returns the first
        redemption. PromoUnavailable when a limit or the expiry refuses it."""
        existing = await self.redemptions.find_one({"payment": payment})
        if existing is not None:
            return self._redemption(existing)
        promo = await self.check(code, user_id)
        for n in range(1, promo.max_uses_per_user + 1):
            doc = {
                "key": f"{promo.code}:{user_id}:{n}",
                "code": promo.code,
                "user": user_id,
                "payment": payment,
                "coins": promo.coins,
                "created": utcnow(),
            }
            try:
                await self.redemptions.insert_one(doc)
            except DuplicateKeyError:
                again = await self.redemptions.find_one({"payment": payment})
                if again is not None:  # a concurrent fulfilment of the same payment won
                    return self._redemption(again)
                continue  # slot n is another purchase's: try the next
            guard: dict[str, Any] = {"_id": promo.code}
            if promo.max_uses:
                guard["uses"] = {"$lt": promo.max_uses}
            counted = await self.col.find_one_and_update(guard, {"$inc": {"uses": 1}})
            if counted is None:
                await self.redemptions.delete_one({"key": doc["key"], "payment": payment})
                raise PromoUnavailable(f"promo code {promo.code} has been used up")
            return self._redemption(doc)
        raise PromoUnavailable(f"you have already used promo code {promo.code}")

    async def redemption_for(self, payment: str) -> Redemption | None:
        doc = await self.redemptions.find_one({"payment": payment})
        return self._redemption(doc) if doc else None

    @staticmethod
    def _redemption(doc: dict[str, Any]) -> Redemption:
        return Redemption(doc["code"], doc["user"], doc["payment"], int(doc["coins"]))

    @staticmethod
    def _load(doc: dict[str, Any]) -> PromoCode:
        promo = PromoCode.from_doc(doc)
        promo.active = bool(promo.active)  # nx-27017 returns updated booleans as integers
        return promo
