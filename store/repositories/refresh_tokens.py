"""Refresh tokens: opaque, stored as sha256 digests, rotated on every use, grouped in families.

A family is one sign-in (one device). Each refresh marks the presented token used and issues the next one
in the same family. A token that is presented a second time was copied (stolen or replayed), so the whole
family is revoked: the thief and the victim both have to sign in again, which is the point.

Revocation is recorded on every token of the family (`revoked: true`); a family counts as revoked when
any of its tokens is, so a token inserted by a rotation racing the revocation is still refused at use.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.documents import new_id, utcnow

REFRESH_TOKEN_PREFIX = "drt_"


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def token_digest(raw: str) -> str:
    """Refresh tokens are 256-bit random, so a fast hash is enough (argon2 is for passwords)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class RefreshToken:
    user: str
    family: str
    hash: str
    expires: dt.datetime
    id: str = field(default_factory=new_id)
    created: dt.datetime = field(default_factory=utcnow)
    used: bool = False
    used_at: dt.datetime | None = None
    revoked: bool = False

    def to_doc(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "user": self.user,
            "family": self.family,
            "hash": self.hash,
            "expires": self.expires,
            "created": self.created,
            "used": self.used,
            "used_at": self.used_at,
            "revoked": self.revoked,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RefreshToken:
        return cls(
            user=doc["user"],
            family=doc["family"],
            hash=doc["hash"],
            expires=_aware(doc["expires"]),
            id=str(doc["_id"]),
            created=_aware(doc.get("created") or utcnow()),
            used=bool(doc.get("used", False)),
            used_at=_aware(doc["used_at"]) if doc.get("used_at") else None,
            revoked=bool(doc.get("revoked", False)),
        )


class RefreshTokenError(Exception):
    """Base class: the token cannot be exchanged (a 401 for the caller)."""


class UnknownRefreshToken(RefreshTokenError):
    pass


class ExpiredRefreshToken(RefreshTokenError):
    pass


class RevokedRefreshToken(RefreshTokenError):
    pass


class ReusedRefreshToken(RefreshTokenError):
    """The token was already exchanged once; its family has just been revoked."""


class RefreshTokensRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["refresh_tokens"]

    async def issue(self, user_id: str, ttl_s: int, *, family: str | None = None) -> tuple[RefreshToken, str]:
        """A new token (a new family unless `family` is given); returns the record and the raw token."""
        raw = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = RefreshToken(
            user=user_id,
            family=family or new_id(),
            hash=token_digest(raw),
            expires=utcnow() + dt.timedelta(seconds=ttl_s),
        )
        await self.col.insert_one(record.to_doc())
        return record, raw

    async def find(self, raw: str) -> RefreshToken | None:
        if not isinstance(raw, str) or not raw.startswith(REFRESH_TOKEN_PREFIX) or len(raw) > 200:
            return None
        doc = await self.col.find_one({"hash": token_digest(raw)})
        return RefreshToken.from_doc(doc) if doc else None

    async def rotate(self, raw: str, ttl_s: int) -> tuple[RefreshToken, str]:
        """Exchange `raw` for the next token of its family; the errors above say why not."""
        current = await self.find(raw)
        if current is None:
            raise UnknownRefreshToken("unknown refresh token")
        if current.revoked or await self.family_revoked(current.family):
            raise RevokedRefreshToken("this session was signed out")
        if current.used:
            await self.revoke_family(current.family)
            raise ReusedRefreshToken("refresh token used twice; the session is revoked")
        if current.expires <= utcnow():
            raise ExpiredRefreshToken("refresh token expired")
        # one conditional update: of two concurrent exchanges of the same token, exactly one wins
        claimed = await self.col.find_one_and_update(
            {"_id": current.id, "used": False, "revoked": False},
            # $currentDate, not $set of a datetime: nx-27017 stores a $set datetime as a string
            {"$set": {"used": True}, "$currentDate": {"used_at": True}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            await self.revoke_family(current.family)
            raise ReusedRefreshToken("refresh token used twice; the session is revoked")
        record, new_raw = await self.issue(current.user, ttl_s, family=current.family)
        # a reuse racing this rotation may have revoked the family before our insert landed
        if await self.family_revoked(current.family):
            await self.revoke_family(current.family)
            raise RevokedRefreshToken("this session was signed out")
        return record, new_raw

    async def family_revoked(self, family: str) -> bool:
        return await self.col.find_one({"family": family, "revoked": True}, {"_id": 1}) is not None

    async def revoke_family(self, family: str) -> int:
        result = await self.col.update_many({"family": family}, {"$set": {"revoked": True}})
        return result.modified_count

    async def revoke_user(self, user_id: str, *, keep_family: str | None = None) -> int:
        """Sign the user out everywhere (except the session `keep_family`, e.g. the one changing the
        password); returns the number of families revoked."""
        families = await self.col.distinct("family", {"user": user_id, "revoked": False})
        revoked = 0
        for family in families:
            if family != keep_family:
                await self.revoke_family(family)
                revoked += 1
        return revoked

    async def delete_expired(self, *, before: dt.datetime | None = None) -> int:
        """Housekeeping: tokens past expiry can never be exchanged; a revoked family stays revoked as long
        as one of its records does, so only whole expired records go."""
        result = await self.col.delete_many({"expires": {"$lt": before or utcnow()}})
        return result.deleted_count
