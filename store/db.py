"""Connecting to MongoDB (PyMongo's async API) and creating the indexes every collection relies on.

Indexes are declared in one table so that `ensure_indexes` can run at every start: creating an index
that already exists with the same options is a no-op on MongoDB and on nx-27017.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    keys: list[tuple[str, int]]
    unique: bool = False
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


INDEXES: tuple[IndexSpec, ...] = (
    IndexSpec("users", [("email", ASCENDING)], unique=True, name="email_unique"),
    IndexSpec("users", [("role", ASCENDING), ("created", DESCENDING)], name="role_created"),
    IndexSpec("api_keys", [("prefix", ASCENDING)], unique=True, name="prefix_unique"),
    IndexSpec("api_keys", [("user", ASCENDING), ("created", DESCENDING)], name="user_created"),
    IndexSpec("jobs", [("owner", ASCENDING), ("status", ASCENDING)], name="owner_status"),
    IndexSpec("jobs", [("owner", ASCENDING), ("created", DESCENDING)], name="owner_created"),
    IndexSpec("jobs", [("status", ASCENDING), ("heartbeat", ASCENDING)], name="status_heartbeat"),
    IndexSpec("images", [("job", ASCENDING), ("status", ASCENDING)], name="job_status"),
    IndexSpec("images", [("job", ASCENDING), ("seq", ASCENDING)], name="job_seq"),
    IndexSpec("transactions", [("key", ASCENDING)], unique=True, name="idempotency_key_unique"),
    IndexSpec("transactions", [("user", ASCENDING), ("created", DESCENDING)], name="user_created"),
    IndexSpec("transactions", [("state", ASCENDING), ("created", ASCENDING)], name="state_created"),
    IndexSpec("transactions", [("job", ASCENDING)], name="job"),
    IndexSpec("payments", [("provider_order_id", ASCENDING)], unique=True, name="provider_order_unique"),
    IndexSpec("payments", [("user", ASCENDING), ("created", DESCENDING)], name="user_created"),
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


def connect(uri: str, db_name: str, **client_options: Any) -> AsyncDatabase:
    """An `AsyncDatabase` on a new client; datetimes come back timezone-aware (UTC).

    The client is created lazily by PyMongo, so this is safe to call outside an event loop; close it
    with `await db.client.close()`.
    """
    options: dict[str, Any] = {"tz_aware": True, "serverSelectionTimeoutMS": 10_000}
    options.update(client_options)
    client: AsyncMongoClient = AsyncMongoClient(uri, **options)
    return client[db_name]


async def ensure_indexes(db: AsyncDatabase, specs: tuple[IndexSpec, ...] = INDEXES) -> None:
    """Create every declared index; safe to run at each start and from several processes."""
    for spec in specs:
        kwargs: dict[str, Any] = dict(spec.options)
        if spec.unique:
            kwargs["unique"] = True
        if spec.name:
            kwargs["name"] = spec.name
        await db[spec.collection].create_index(spec.keys, **kwargs)


async def ping(db: AsyncDatabase) -> bool:
    """True when the server answers; used by health checks."""
    try:
        await db.client.admin.command("ping")
        return True
    except Exception:
        return False
