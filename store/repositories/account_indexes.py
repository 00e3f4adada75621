"""Indexes of the account-side collections added after store.db's table (refresh tokens, promotions,
their redemptions, notifications).

Kept here, beside the repositories that rely on them, until store.db.INDEXES lists them; `ensure_indexes`
is idempotent, so running both is harmless.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from store.db import IndexSpec, ensure_indexes

ACCOUNT_INDEXES: tuple[IndexSpec, ...] = (
    IndexSpec("refresh_tokens", [("hash", ASCENDING)], unique=True, name="hash_unique"),
    IndexSpec("refresh_tokens", [("family", ASCENDING), ("revoked", ASCENDING)], name="family_revoked"),
    IndexSpec("refresh_tokens", [("user", ASCENDING), ("revoked", ASCENDING)], name="user_revoked"),
    IndexSpec("refresh_tokens", [("expires", ASCENDING)], name="expires"),
    IndexSpec("promotions", [("code", ASCENDING)], unique=True, name="code_unique"),
    # one document per (promotion, user, n-th use): the unique index is what enforces per-user limits
    IndexSpec("promo_redemptions", [("key", ASCENDING)], unique=True, name="key_unique"),
    IndexSpec("promo_redemptions", [("payment", ASCENDING)], unique=True, name="payment_unique"),
    IndexSpec("promo_redemptions", [("code", ASCENDING), ("user", ASCENDING)], name="code_user"),
    IndexSpec("notifications", [("key", ASCENDING)], unique=True, name="key_unique"),
    IndexSpec("notifications", [("user", ASCENDING), ("created", DESCENDING)], name="user_created"),
)


async def ensure_account_indexes(db: AsyncDatabase) -> None:
    await ensure_indexes(db, ACCOUNT_INDEXES)
