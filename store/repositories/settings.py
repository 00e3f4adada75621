"""The billing settings document: prices per module, packs, promotions.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from store.documents import (
    MODULES,
    BillingSettings,
    utcnow,
)
from store.errors import InvalidValue


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
            {"_id": "billing"},
            # $currentDate, not $set of a datetime: nx-27017 stores a $set datetime as a string
            {"$set": {f"pricing.{module}": coins}, "$currentDate": {"updated": True}},
            upsert=True,
        )
        return await self.billing()

    async def price(self, module: str) -> int:
        return (await self.billing()).price(module)
