"""Users: accounts, credentials (argon2), roles and blocking.

Query shapes stay within what both MongoDB and nx-27017 support (see store.repositories)."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import (
    ROLES,
    User,
)
from store.errors import DuplicateEmail, InvalidValue, NotFound
from store.passwords import hash_password, needs_rehash, verify_password
from store.repositories._common import normalize_email, page_size


class UsersRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["users"]
        # a real hash, so an unknown email costs as much time as a wrong password
        self._dummy_hash: str | None = None

    async def create(self, email: str, password: str, *, role: str = "client", name: str = "") -> User:
        """A new user with a zero balance (coins only ever arrive through the ledger)."""
        if role not in ROLES:
            raise InvalidValue(f"role must be one of {', '.join(ROLES)}")
        user = User(
            email=normalize_email(email),
            password_hash=await asyncio.to_thread(hash_password, password),
            role=role,
            name=name.strip()[:200],
        )
        try:
            await self.col.insert_one(user.to_doc())
        except DuplicateKeyError:
            raise DuplicateEmail(f"an account with {user.email} already exists") from None
        return user

    async def find(self, user_id: str) -> User | None:
        doc = await self.col.find_one({"_id": user_id})
        return User.from_doc(doc) if doc else None

    async def get(self, user_id: str) -> User:
        user = await self.find(user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        return user

    async def by_email(self, email: str) -> User | None:
        try:
            value = normalize_email(email)
        except InvalidValue:
            return None
        doc = await self.col.find_one({"email": value})
        return User.from_doc(doc) if doc else None

    async def verify_credentials(self, email: str, password: str) -> User | None:
        """The user if email and password match and the account is not blocked, else None."""
        user = await self.authenticate(email, password)
        return None if user is None or user.blocked else user

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user if email and password match (blocked or not: the caller says why it refuses), else
        None. Records the login and upgrades an outdated hash."""
        user = await self.by_email(email)
        if user is None:
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.to_thread(hash_password, secrets.token_hex(16))
            await asyncio.to_thread(verify_password, self._dummy_hash, password)
            return None
        if not await asyncio.to_thread(verify_password, user.password_hash, password):
            return None
        if user.blocked:
            return user
        if needs_rehash(user.password_hash):
            new_hash = await asyncio.to_thread(hash_password, password)
            await self.col.update_one({"_id": user.id}, {"$set": {"password_hash": new_hash}})
        # $currentDate, not $set of a datetime: nx-27017 stores a $set datetime as a string
        doc = await self.col.find_one_and_update(
            {"_id": user.id}, {"$currentDate": {"last_login": True}}, return_document=ReturnDocument.AFTER
        )
        return User.from_doc(doc) if doc else user

    async def set_password(self, user_id: str, password: str) -> None:
        new_hash = await asyncio.to_thread(hash_password, password)
        await self._set(user_id, {"password_hash": new_hash})

    async def check_password(self, user_id: str, password: str) -> bool:
        user = await self.get(user_id)
        return await asyncio.to_thread(verify_password, user.password_hash, password)

    async def set_name(self, user_id: str, name: str) -> User:
        return await self._set(user_id, {"name": name.strip()[:200]})

    async def set_blocked(self, user_id: str, blocked: bool) -> User:
        return await self._set(user_id, {"blocked": bool(blocked)})

    async def set_role(self, user_id: str, role: str) -> User:
        if role not in ROLES:
            raise InvalidValue(f"role must be one of {', '.join(ROLES)}")
        return await self._set(user_id, {"role": role})

    async def _set(self, user_id: str, values: dict[str, Any]) -> User:
        doc = await self.col.find_one_and_update(
            {"_id": user_id}, {"$set": values}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return User.from_doc(doc)

    @staticmethod
    def _search_query(q: str | None, role: str | None, blocked: bool | None) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if role:
            query["role"] = role
        if blocked is not None:
            query["blocked"] = bool(blocked)
        text = (q or "").strip()[:200]
        if text:
            pattern = re.escape(text)  # a literal substring, never a caller-supplied regex
            query["$or"] = [
                {"email": {"$regex": pattern, "$options": "i"}},
                {"name": {"$regex": pattern, "$options": "i"}},
                {"_id": text},
            ]
        return query

    async def search(
        self,
        q: str | None = None,
        *,
        role: str | None = None,
        blocked: bool | None = None,
        limit: int = 50,
        skip: int = 0,
    ) -> tuple[list[User], int]:
        """Users whose e-mail or name contains `q` (case-insensitive) or whose id is `q`, newest first,
        and how many match in all."""
        query = self._search_query(q, role, blocked)
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(page_size(limit))
        users = [User.from_doc(d) for d in await cursor.to_list()]
        return users, await self.col.count_documents(query)

    async def list(self, *, role: str | None = None, limit: int = 50, skip: int = 0) -> list[User]:
        query: dict[str, Any] = {"role": role} if role else {}
        cursor = self.col.find(query).sort("created", DESCENDING).skip(max(0, skip)).limit(page_size(limit))
        return [User.from_doc(d) for d in await cursor.to_list()]

    async def count(self, *, role: str | None = None) -> int:
        return await self.col.count_documents({"role": role} if role else {})

    async def any_admin(self) -> bool:
        return await self.col.find_one({"role": "admin"}, {"_id": 1}) is not None
