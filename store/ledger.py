"""The coin ledger: credits, job reservations, per-image captures, releases and refunds.

Guarantees
----------
1. Every operation carries an idempotency key (unique index on `transactions.key`). Replaying a key
   changes nothing and returns the first result; replaying it with different parameters is refused.
2. A balance never goes below zero: a debit is one conditional `find_one_and_update` on the user document
   (`coins >= amount`), never a read-modify-write. A debit that does not fit raises `InsufficientCoins`
   with the shortfall, and consumes nothing (not even the key: the same key may be retried after a top-up).
3. `balance == ledger_sum` at every moment a reader can see, without multi-document transactions (which
   nx-27017 does not offer): see "Protocol".

Semantics (amount = change to the user's balance)
-------------------------------------------------
- credit  (purchase|bonus|promo|grant): +a.
- reserve: -q. The quote leaves the balance and is *held* on the job (`jobs.coins.reserved/held += q`).
- capture: 0. A charge inside the reservation (`held -= c`, `charged += c`); it can never exceed what is
  still held (`ReservationExceeded`). The coins already left the balance at reserve time.
- release: +a. Unused held coins go back to the balance (`held -= a`, `released += a`).
- refund:  +a. Charged coins go back (`refundable -= a`, `refunded += a`); without a job, a plain +a.

Protocol
--------
An operation touches one or two documents ("legs": the user, the job). The first leg is the one that can
fail (a conditional debit); the second never fails. Steps:

1. *Claim*: insert the entry into `transactions` with `state="pending"`. The unique key makes this the
   atomic replay check.
2. Apply each leg with one conditional update that also sets a marker `ledger_open.<slot>` on the document,
   guarded by `ledger_open.<slot>: {$exists: false}` so a leg can never apply twice. The user leg also
   increments `ledger_seq`, the user's ledger sequence number, and the new value is kept.
3. Mark the entry `state="applied"` with that `seq` (and `open=True`), then unset the markers, then `open=False`.

A reader (`snapshot`) reads the user document first (balance, `ledger_seq`, markers), then the entries.
An entry counts iff its user leg is visible in that user document: `state == applied and seq <= ledger_seq`,
or its marker is still on the user document. Entries applied after the user document was read have a larger
seq and no marker in the copy read, so they are excluded; hence the sum equals the balance read.

Crash recovery (`sweep`): a pending entry whose first leg carries no marker never took effect and is deleted;
one whose first leg did is rolled forward (remaining legs applied, marked applied). Applied entries still
`open` get their markers removed. Only entries older than `older_than` are touched, so a sweep never races
an operation in flight; at start-up of the only process using the database, `older_than=0` is safe.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import CREDIT_KINDS, Transaction, utcnow
from store.errors import Conflict, InvalidValue, NotFound, StoreError

PENDING = "pending"
APPLIED = "applied"


class LedgerError(StoreError):
    code = "ledger_error"


class InsufficientCoins(LedgerError):
    """The balance does not cover the debit; `shortfall` coins are missing."""

    code = "insufficient_coins"

    def __init__(self, shortfall: int, balance: int, needed: int) -> None:
        super().__init__(f"insufficient coins: need {needed}, have {balance} (short by {shortfall})")
        self.shortfall = shortfall
        self.balance = balance
        self.needed = needed


class ReservationExceeded(LedgerError):
    """A capture, release or refund larger than what the job still holds (or has charged)."""

    code = "reservation_exceeded"

    def __init__(self, job_id: str, needed: int, available: int, what: str = "held") -> None:
        super().__init__(f"job {job_id} has {available} coins {what}, cannot take {needed}")
        self.shortfall = needed - available
        self.available = available
        self.needed = needed


class IdempotencyConflict(LedgerError, Conflict):
    """The key was already used for a different operation."""

    code = "idempotency_conflict"


class LedgerBusy(LedgerError):
    """The same key is still being applied by another caller; retry later."""

    code = "ledger_busy"


def slot_of(key: str) -> str:
    """Marker field name for an idempotency key: hex only, so it is a safe path segment."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Leg:
    collection: str  # "users" | "jobs"
    doc_id: str
    inc: dict[str, int]
    minimum: tuple[str, int] | None = None  # (field, value) that must be >= value before applying
    owner: str | None = None  # jobs: the job must belong to this user

    @property
    def is_user(self) -> bool:
        return self.collection == "users"


def _legs(kind: str, user: str, job: str | None, amount: int, charge: int) -> list[_Leg]:
    """The documents an entry changes, debit leg first; derived from the entry, so the sweep can redo it."""
    if kind in CREDIT_KINDS or (kind == "refund" and job is None):
        return [_Leg("users", user, {"coins": amount, "ledger_seq": 1})]
    assert job is not None
    if kind == "reserve":
        q = -amount
        return [
            _Leg("users", user, {"coins": -q, "ledger_seq": 1}, ("coins", q)),
            _Leg("jobs", job, {"coins.reserved": q, "coins.held": q}, owner=user),
        ]
    if kind == "capture":
        return [
            _Leg(
                "jobs",
                job,
                {"coins.held": -charge, "coins.charged": charge, "coins.refundable": charge},
                ("coins.held", charge),
                owner=user,
            )
        ]
    if kind == "release":
        return [
            _Leg(
                "jobs",
                job,
                {"coins.held": -amount, "coins.released": amount},
                ("coins.held", amount),
                owner=user,
            ),
            _Leg("users", user, {"coins": amount, "ledger_seq": 1}),
        ]
    if kind == "refund":
        return [
            _Leg(
                "jobs",
                job,
                {"coins.refundable": -amount, "coins.refunded": amount},
                ("coins.refundable", amount),
                owner=user,
            ),
            _Leg("users", user, {"coins": amount, "ledger_seq": 1}),
        ]
    raise InvalidValue(f"unknown ledger kind {kind!r}")


@dataclass
class SweepReport:
    discarded: list[str] = field(default_factory=list)  # keys of entries that never took effect
    completed: list[str] = field(default_factory=list)  # keys rolled forward
    markers_cleared: int = 0


@dataclass(frozen=True)
class Snapshot:
    balance: int
    ledger_sum: int
    seq: int


class Ledger:
    def __init__(self, db: AsyncDatabase, *, pending_wait: float = 10.0) -> None:
        self.db = db
        self.tx = db["transactions"]
        self.pending_wait = pending_wait

    # --- public operations -------------------------------------------------------------------------

    async def credit(
        self,
        user_id: str,
        amount: int,
        kind: str,
        idempotency_key: str,
        ref: str | None = None,
        *,
        payment: str | None = None,
    ) -> Transaction:
        if kind not in CREDIT_KINDS:
            raise InvalidValue(f"credit kind must be one of {', '.join(CREDIT_KINDS)}, not {kind!r}")
        _positive(amount)
        return await self._apply(
            Transaction(key=idempotency_key, user=user_id, kind=kind, amount=amount, ref=ref, payment=payment)
        )

    async def reserve(self, user_id: str, job_id: str, amount: int, idempotency_key: str) -> Transaction:
        _positive(amount)
        await self._require_job(job_id, user_id)
        return await self._apply(
            Transaction(key=idempotency_key, user=user_id, kind="reserve", amount=-amount, job=job_id)
        )

    async def capture(self, user_id: str, job_id: str, amount: int, idempotency_key: str) -> Transaction:
        _positive(amount)
        return await self._apply(
            Transaction(
                key=idempotency_key, user=user_id, kind="capture", amount=0, charge=amount, job=job_id
            )
        )

    async def release(self, user_id: str, job_id: str, amount: int, idempotency_key: str) -> Transaction:
        _positive(amount)
        return await self._apply(
            Transaction(key=idempotency_key, user=user_id, kind="release", amount=amount, job=job_id)
        )

    async def refund(
        self,
        user_id: str,
        job_id: str | None,
        amount: int,
        idempotency_key: str,
        ref: str | None = None,
    ) -> Transaction:
        _positive(amount)
        return await self._apply(
            Transaction(key=idempotency_key, user=user_id, kind="refund", amount=amount, job=job_id, ref=ref)
        )

    async def release_remaining(self, user_id: str, job_id: str, idempotency_key: str) -> Transaction | None:
        """Release whatever the job still holds (the end of a job); None when nothing is held."""
        existing = await self.tx.find_one({"key": idempotency_key})
        if existing is not None:
            return await self._settled(Transaction.from_doc(existing))
        while True:
            doc = await self.db["jobs"].find_one({"_id": job_id, "owner": user_id}, {"coins": 1})
            if doc is None:
                raise NotFound(f"no job {job_id}")
            held = int((doc.get("coins") or {}).get("held", 0))
            if held <= 0:
                return None
            try:
                return await self.release(user_id, job_id, held, idempotency_key)
            except ReservationExceeded:
                # A capture landed between the read and the release (a cancel racing the runner's
                # last flush). The refused release consumed nothing, key included: read the smaller
                # hold and release that. `held` only shrinks, so this ends.
                continue

    async def balance(self, user_id: str) -> int:
        doc = await self.db["users"].find_one({"_id": user_id}, {"coins": 1})
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return int(doc.get("coins", 0))

    async def ledger_sum(self, user_id: str) -> int:
        return (await self.snapshot(user_id)).ledger_sum

    async def snapshot(self, user_id: str) -> Snapshot:
        """Balance and ledger sum as of one instant (see the module docstring for why they agree)."""
        user = await self.db["users"].find_one(
            {"_id": user_id}, {"coins": 1, "ledger_seq": 1, "ledger_open": 1}
        )
        if user is None:
            raise NotFound(f"no user {user_id}")
        seq = int(user.get("ledger_seq", 0))
        open_slots = set((user.get("ledger_open") or {}).keys())
        total = 0
        cursor = self.tx.find(
            {"user": user_id, "state": {"$in": [PENDING, APPLIED]}},
            {"amount": 1, "state": 1, "seq": 1, "slot": 1},
        )
        async for entry in cursor:
            amount = int(entry.get("amount", 0))
            if not amount:
                continue
            entry_seq = entry.get("seq")
            visible = entry.get("state") == APPLIED and entry_seq is not None and int(entry_seq) <= seq
            if visible or entry.get("slot") in open_slots:
                total += amount
        return Snapshot(balance=int(user.get("coins", 0)), ledger_sum=total, seq=seq)

    async def history(self, user_id: str, *, limit: int = 50, skip: int = 0) -> list[Transaction]:
        cursor = (
            self.tx.find({"user": user_id, "state": APPLIED})
            .sort("created", -1)
            .skip(max(0, skip))
            .limit(limit)
        )
        return [Transaction.from_doc(d) for d in await cursor.to_list()]

    # --- crash recovery ----------------------------------------------------------------------------

    async def sweep(self, *, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> SweepReport:
        """Finish or discard entries left half-done by a crash (see the module docstring)."""
        report = SweepReport()
        cutoff = utcnow() - older_than
        async for doc in self.tx.find({"state": PENDING, "created": {"$lte": cutoff}}):
            entry = Transaction.from_doc(doc)
            slot = doc.get("slot") or slot_of(entry.key)
            legs = _legs(entry.kind, entry.user, entry.job, entry.amount, entry.charge)
            if not await self._has_marker(legs[0], slot):
                await self.tx.delete_one({"key": entry.key, "state": PENDING})
                report.discarded.append(entry.key)
                continue
            seq = balance_after = None
            for leg in legs:
                after = await self._apply_leg(leg, slot, check_minimum=False)
                if after is None:
                    after = await self.db[leg.collection].find_one({"_id": leg.doc_id})
                if leg.is_user and after is not None:
                    seq, balance_after = int(after.get("ledger_seq", 0)), int(after.get("coins", 0))
            await self._finish(entry.key, slot, legs, seq, balance_after)
            report.completed.append(entry.key)
        async for doc in self.tx.find({"state": APPLIED, "open": True, "created": {"$lte": cutoff}}):
            legs = _legs(
                doc["kind"], doc["user"], doc.get("job"), int(doc["amount"]), int(doc.get("charge", 0))
            )
            await self._close(doc["key"], doc.get("slot") or slot_of(doc["key"]), legs)
            report.markers_cleared += 1
        return report

    # --- the protocol ------------------------------------------------------------------------------

    async def _apply(self, entry: Transaction) -> Transaction:
        if not entry.key or not isinstance(entry.key, str) or len(entry.key) > 300:
            raise InvalidValue("an idempotency key is a non-empty string of at most 300 characters")
        slot = slot_of(entry.key)
        legs = _legs(entry.kind, entry.user, entry.job, entry.amount, entry.charge)
        doc = entry.to_doc()
        doc.update(state=PENDING, slot=slot, open=False)
        deadline = asyncio.get_running_loop().time() + self.pending_wait
        while True:
            try:
                await self.tx.insert_one(doc)
                break
            except DuplicateKeyError:
                existing = await self.tx.find_one({"key": entry.key})
                if existing is None:
                    continue  # the first attempt failed and released the key; claim it ourselves
                first = Transaction.from_doc(existing)
                _same_operation(first, entry)
                if first.state == APPLIED:
                    return first
                if asyncio.get_running_loop().time() > deadline:
                    raise LedgerBusy(f"operation {entry.key!r} is still in progress") from None
                await asyncio.sleep(0.02)

        seq = balance_after = None
        for index, leg in enumerate(legs):
            after = await self._apply_leg(leg, slot, check_minimum=True)
            if after is None:
                current = await self.db[leg.collection].find_one({"_id": leg.doc_id})
                if current is not None and slot in (current.get("ledger_open") or {}):
                    after = current  # applied by a concurrent sweep
                elif index == 0:
                    await self.tx.delete_one({"key": entry.key, "state": PENDING})
                    raise self._refusal(leg, current, entry)
                else:  # a non-debit leg cannot fail unless its document vanished; the sweep decides
                    raise LedgerError(
                        f"{leg.collection} {leg.doc_id} disappeared while applying {entry.key!r}"
                    )
            if leg.is_user:
                seq, balance_after = int(after.get("ledger_seq", 0)), int(after.get("coins", 0))
        return await self._finish(entry.key, slot, legs, seq, balance_after)

    async def _apply_leg(self, leg: _Leg, slot: str, *, check_minimum: bool) -> dict[str, Any] | None:
        marker = f"ledger_open.{slot}"
        query: dict[str, Any] = {"_id": leg.doc_id, marker: {"$exists": False}}
        if leg.owner is not None:
            query["owner"] = leg.owner
        if check_minimum and leg.minimum is not None:
            query[leg.minimum[0]] = {"$gte": leg.minimum[1]}
        update: dict[str, Any] = {"$inc": dict(leg.inc), "$set": {marker: True}}
        if leg.collection == "jobs":
            update["$set"]["updated"] = utcnow()
        return await self.db[leg.collection].find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER
        )

    async def _has_marker(self, leg: _Leg, slot: str) -> bool:
        doc = await self.db[leg.collection].find_one({"_id": leg.doc_id}, {"ledger_open": 1})
        return doc is not None and slot in (doc.get("ledger_open") or {})

    async def _finish(
        self, key: str, slot: str, legs: list[_Leg], seq: int | None, balance_after: int | None
    ) -> Transaction:
        doc = await self.tx.find_one_and_update(
            {"key": key, "state": PENDING},
            {"$set": {"state": APPLIED, "seq": seq, "balance_after": balance_after, "open": True}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # finished by a concurrent sweep: report what it recorded
            doc = await self.tx.find_one({"key": key})
            assert doc is not None
        await self._close(key, slot, legs)
        return Transaction.from_doc(doc)

    async def _close(self, key: str, slot: str, legs: list[_Leg]) -> None:
        for leg in legs:
            await self.db[leg.collection].update_one(
                {"_id": leg.doc_id}, {"$unset": {f"ledger_open.{slot}": ""}}
            )
        await self.tx.update_one({"key": key}, {"$set": {"open": False}})

    async def _settled(self, entry: Transaction) -> Transaction:
        deadline = asyncio.get_running_loop().time() + self.pending_wait
        while entry.state != APPLIED:
            if asyncio.get_running_loop().time() > deadline:
                raise LedgerBusy(f"operation {entry.key!r} is still in progress")
            await asyncio.sleep(0.02)
            doc = await self.tx.find_one({"key": entry.key})
            if doc is None:
                raise LedgerBusy(f"operation {entry.key!r} did not complete; retry")
            entry = Transaction.from_doc(doc)
        return entry

    def _refusal(self, leg: _Leg, current: dict[str, Any] | None, entry: Transaction) -> Exception:
        if current is None or (leg.owner is not None and current.get("owner") != leg.owner):
            what = "user" if leg.is_user else "job"
            return NotFound(f"no {what} {leg.doc_id}")
        assert leg.minimum is not None
        field_name, needed = leg.minimum
        have = _get_path(current, field_name)
        if leg.is_user:
            return InsufficientCoins(shortfall=needed - have, balance=have, needed=needed)
        what = "charged and not yet refunded" if field_name.endswith("refundable") else "held"
        return ReservationExceeded(leg.doc_id, needed, have, what)

    async def _require_job(self, job_id: str, user_id: str) -> None:
        if await self.db["jobs"].find_one({"_id": job_id, "owner": user_id}, {"_id": 1}) is None:
            raise NotFound(f"no job {job_id}")


def _positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidValue(f"amount must be a positive whole number of coins, not {amount!r}")


def _same_operation(first: Transaction, again: Transaction) -> None:
    fields_ = ("user", "kind", "amount", "charge", "job")
    if any(getattr(first, f) != getattr(again, f) for f in fields_):
        raise IdempotencyConflict(f"idempotency key {again.key!r} was already used for a different operation")


def _get_path(doc: dict[str, Any], path: str) -> int:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part, 0) if isinstance(value, dict) else 0
    return int(value or 0)
