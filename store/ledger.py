"""The coin ledger: credits, job reservations, per-image captures, releases and refunds.

Guarantees
----------
1. Every operation carries an idempotency key (unique index on `transactions.key`). Replaying a key
   changes nothing and returns the first result; replaying it with different parameters is refused.
2. A balance never goes below zero: a debit is one conditional `find_one_and_update` on the user document
   (`coins >= amount`), never a read-modify-write. A debit that does not fit raises `InsufficientCoins`
   with the shortfall, and consumes nothing (not even the key: the same key may be retried after a top-up).
3. `balance == ledger_sum` at every moment a reader can see, without multi-document transactions: see
   "Protocol".
4. A leg is applied at most once, whatever pauses: a process stopped for any time in the middle of an
   operation (SIGSTOP, a GC pause, a swapped-out node) and woken after its entry was taken over can never
   apply a leg again. Time decides only *when* a sweep looks at an entry, never whether a write is safe.

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
fail (a conditional debit); the second never fails. Every document a leg touches carries an integer
`ledger_fence` (absent == 0) that only a takeover increments, and per operation in flight a marker
`ledger_open.<slot>` whose value is the token of the claim that applied it. The owner:

1. reads the fence `F` of every leg document (any value read before step 2 will do, since fences only
   grow: the Ledger reuses the last one it saw, and a stale one costs a refused leg and a re-read), *then*
2. *claims*: inserts the entry (`state="pending"`, a fresh random `token` T). The unique key makes this
   the atomic replay check; an applied key returns the first result, a pending one is waited for.
3. applies each leg with one conditional update guarded by `ledger_fence == F`, marker absent (and the
   minimum balance / job owner), setting the marker to T. The user leg also increments `ledger_seq`.
   When it fails: marker == T means it applied (a retried request); a moved fence means re-read the
   fence, then the entry (that order): still pending with T -> retry the leg with the new fence,
   otherwise the entry was taken over -> back to step 1, which returns the first result if the key was
   applied meanwhile or claims again if it was discarded. A failing minimum is `InsufficientCoins`.
4. finishes: `pending -> applied` (with the user's `seq`) where the token is still T, then closes
   (unsets the markers, `open=False`).

A *takeover* (`take_over`, `sweep`) reads the fences, then compare-and-sets the entry's token T -> S
(only the winner goes on). On the first leg's document one update `{marker absent, fence == F} ->
$inc ledger_fence` fences the previous owner's first leg out for good, and the entry is deleted (where
the token is S). If the marker is there instead, the first leg applied and the entry is rolled forward:
each remaining leg is applied with `{marker absent, fence == F}` and `$inc ledger_fence` in the same
update, or found applied and its fence incremented all the same (so an earlier takeover of the same
entry, still paused, is fenced out of that document too); then `pending -> applied` where the token is
S, then close. Why it holds: the owner reads its fences before its claim and re-reads them before
re-checking its token, so any takeover that wins after those reads increments the fence afterwards and
its stale guard fails. A takeover that sees the first marker with its own fence knows the entry can only
ever roll forward (discarding needs that marker absent), so the key is never claimed again and every
marker of the slot is this entry's. Only takeovers move fences, so concurrent operations on one user do
not disturb each other. Every write to an entry is conditioned on the token (or on `applied`, after which
the key can never be claimed again, so closing may remove the slot's markers whatever their value).

A reader (`snapshot`) reads the user document first (balance, `ledger_seq`, markers), then the entries.
An entry counts iff its user leg is visible in that user document: `state == applied and seq <= ledger_seq`,
or its marker is still on the user document. Entries applied after the user document was read have a larger
seq and no marker in the copy read, so they are excluded; hence the sum equals the balance read. An entry
is only deleted while its first leg carries no marker, so an entry counted by its marker is never lost.

Multi-document transactions: not used, even on a MongoDB replica set that offers them. The embedded
default (nx-27017) has none, so this protocol has to be correct without them; a transactional path for
replica sets would be a second protocol to test and keep in step with this one (the replay keys, the
sweep after a crash and the readers' rules would stay for the embedded case), for no guarantee this one
lacks. One protocol, correct on both.

Crash recovery (`sweep`) takes over pending entries older than `older_than` (discarded or rolled forward as
above) and closes applied entries still `open`. Because takeovers are fenced, a sweep is safe even against
an operation still in flight; the age only avoids needless takeovers of live operations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.documents import CREDIT_KINDS, DEBIT_KINDS, Transaction, utcnow
from store.errors import Conflict, InvalidValue, NotFound, StoreError

PENDING = "pending"
APPLIED = "applied"
FENCE = "ledger_fence"

Checkpoint = Callable[[str], Awaitable[None]]
TakeoverOutcome = Literal["discarded", "completed"]


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
    if kind in DEBIT_KINDS:  # amount < 0: the balance must cover it
        return [_Leg("users", user, {"coins": amount, "ledger_seq": 1}, ("coins", -amount))]
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


def _entry_legs(doc: dict[str, Any]) -> list[_Leg]:
    return _legs(doc["kind"], doc["user"], doc.get("job"), int(doc["amount"]), int(doc.get("charge", 0)))


@dataclass
class _Claim:
    """One claim of an entry: its token and the fences read before it was made (one per leg)."""

    key: str
    slot: str
    token: str
    fences: list[int]


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
    """`pending_wait`: seconds a caller waits for the same key in flight elsewhere before `LedgerBusy`.

    `checkpoint`: an optional coroutine called with a step name between the steps of an operation
    ("fences", "claimed", "leg0", "leg1", "applied", "closed"; for a takeover "takeover:claimed",
    then "takeover:fenced" or "takeover:rolling", "takeover:leg1", "takeover:applied"), so tests can
    pause a real process at each of them. None in production."""

    def __init__(
        self, db: AsyncDatabase, *, pending_wait: float = 10.0, checkpoint: Checkpoint | None = None
    ) -> None:
        self.db = db
        self.tx = db["transactions"]
        self.pending_wait = pending_wait
        self._checkpoint = checkpoint
        self._seen = _SeenFences()

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

    async def debit(
        self, user_id: str, amount: int, kind: str, idempotency_key: str, ref: str | None = None
    ) -> Transaction:
        """Take `amount` coins off the balance (an administrator's deduction); InsufficientCoins when the
        balance does not cover it, and nothing is taken."""
        if kind not in DEBIT_KINDS:
            raise InvalidValue(f"debit kind must be one of {', '.join(DEBIT_KINDS)}, not {kind!r}")
        _positive(amount)
        return await self._apply(
            Transaction(key=idempotency_key, user=user_id, kind=kind, amount=-amount, ref=ref)
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

    # --- takeover and crash recovery ---------------------------------------------------------------

    async def take_over(self, key: str, *, older_than: dt.timedelta) -> TakeoverOutcome | None:
        """Finish or discard the pending entry of `key` if it was claimed at least `older_than` ago.

        Safe even if its owner is alive but paused: the owner's remaining writes are fenced out and it
        finds the outcome when it wakes. Returns None when there was nothing to take over (no such
        pending entry, too young, or another caller moved first); replay the key afterwards."""
        doc = await self.tx.find_one(
            {"key": key, "state": PENDING, "created": {"$lte": utcnow() - older_than}}
        )
        return None if doc is None else await self._take_over(doc)

    async def sweep(self, *, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> SweepReport:
        """Take over pending entries older than `older_than`, close applied ones left open."""
        report = SweepReport()
        cutoff = utcnow() - older_than
        for doc in await self.tx.find({"state": PENDING, "created": {"$lte": cutoff}}).to_list():
            outcome = await self._take_over(doc)
            if outcome == "discarded":
                report.discarded.append(doc["key"])
            elif outcome == "completed":
                report.completed.append(doc["key"])
        cursor = self.tx.find({"state": APPLIED, "open": True, "created": {"$lte": cutoff}})
        for doc in await cursor.to_list():
            await self._close(doc)
            report.markers_cleared += 1
        return report

    async def _take_over(self, doc: dict[str, Any]) -> TakeoverOutcome | None:
        key = doc["key"]
        legs = _entry_legs(doc)
        fences = await self._fences(legs)  # before the CAS: see the module docstring
        claim = _Claim(key, doc.get("slot") or slot_of(key), secrets.token_hex(16), fences)
        won = await self.tx.find_one_and_update(
            {"key": key, "state": PENDING, "token": doc.get("token")}, {"$set": {"token": claim.token}}
        )
        if won is None:
            return None  # finished, discarded or taken over by someone else meanwhile
        await self._step("takeover:claimed")
        try:
            first = await self._fence_first_leg(claim, legs[0])
            if first is None:
                await self._step("takeover:fenced")
                return "discarded" if await self._drop(claim) else None
            await self._step("takeover:rolling")
            seq = balance_after = None
            if legs[0].is_user:
                seq, balance_after = _seq_of(first)
            for index in range(1, len(legs)):
                after = await self._roll_leg(claim, legs[index], index)
                await self._step(f"takeover:leg{index}")
                if legs[index].is_user and after is not None:
                    seq, balance_after = _seq_of(after)
        except _Lost:
            return None
        done = await self._finish(claim, seq, balance_after)
        if done is None:
            return None
        await self._step("takeover:applied")
        await self._close(done)
        return "completed"

    async def _fence_first_leg(self, claim: _Claim, leg: _Leg) -> dict[str, Any] | None:
        """Fence the previous owner out of the first leg (None: it never applied, discard the entry), or
        return the first leg's document when its marker shows it applied (roll the entry forward)."""
        marker = f"ledger_open.{claim.slot}"
        while True:
            fenced = await self.db[leg.collection].find_one_and_update(
                {"_id": leg.doc_id, marker: {"$exists": False}, **_fence_guard(claim.fences[0])},
                {"$inc": {FENCE: 1}},
            )
            if fenced is not None:
                return None
            current = await self.db[leg.collection].find_one({"_id": leg.doc_id})
            if current is None:
                return None  # the document is gone: the leg can never apply
            if _fence_value(current) != claim.fences[0]:
                await self._refence(claim, leg, 0)
            elif _marker(current, claim.slot) is not None:
                return current  # applied, seen under the fence read before the CAS: this entry's
            # else: the document changed between the two reads; try again

    async def _roll_leg(self, claim: _Claim, leg: _Leg, index: int) -> dict[str, Any] | None:
        """Apply a remaining leg for a takeover, or find it applied; either way its fence moves.
        None: the document vanished (nothing to apply there)."""
        marker = f"ledger_open.{claim.slot}"
        while True:
            after = await self._apply_leg(leg, claim.slot, claim.token, claim.fences[index], bump=True)
            if after is not None:
                return after
            current = await self.db[leg.collection].find_one({"_id": leg.doc_id})
            if current is None or (leg.owner is not None and current.get("owner") != leg.owner):
                return None
            if _marker(current, claim.slot) is not None:
                # Applied already (by the owner or an earlier takeover of this same entry, which can
                # only roll forward now): move the fence anyway, so that an earlier takeover still
                # paused cannot apply it again once the marker is closed.
                bumped = await self.db[leg.collection].find_one_and_update(
                    {"_id": leg.doc_id, marker: {"$exists": True}},
                    {"$inc": {FENCE: 1}},
                    return_document=ReturnDocument.AFTER,
                )
                if bumped is not None:
                    return bumped
                await self._ensure_ours(claim)  # closed meanwhile: someone else finished it
            elif _fence_value(current) != claim.fences[index]:
                await self._refence(claim, leg, index)
            # else: the document changed between the two reads; try again

    # --- the owner's side of the protocol ----------------------------------------------------------

    async def _apply(self, entry: Transaction) -> Transaction:
        if not entry.key or not isinstance(entry.key, str) or len(entry.key) > 300:
            raise InvalidValue("an idempotency key is a non-empty string of at most 300 characters")
        legs = _legs(entry.kind, entry.user, entry.job, entry.amount, entry.charge)
        while True:
            claim = await self._claim(entry, legs)
            if isinstance(claim, Transaction):
                return claim  # the key was applied already: its first result
            outcome = await self._run_legs(claim, legs, entry)
            if outcome is None:
                continue  # taken over: the claim loop finds what became of the key
            done = await self._finish(claim, *outcome)
            if done is None:
                continue  # taken over after the last leg: the takeover finishes it
            await self._step("applied")
            await self._close(done)
            await self._step("closed")
            return Transaction.from_doc(done)

    async def _claim(self, entry: Transaction, legs: list[_Leg]) -> _Claim | Transaction:
        """Insert the entry under a fresh token, the fences read first; or the applied first result.
        Waits up to `pending_wait` for the same key in flight elsewhere, then `LedgerBusy`."""
        slot = slot_of(entry.key)
        deadline = asyncio.get_running_loop().time() + self.pending_wait
        while True:
            fences = await self._known_fences(legs)
            await self._step("fences")
            claim = _Claim(entry.key, slot, secrets.token_hex(16), fences)
            doc = entry.to_doc()
            doc.update(state=PENDING, slot=slot, open=False, token=claim.token, created=utcnow())
            try:
                await self.tx.insert_one(doc)
            except DuplicateKeyError:
                existing = await self.tx.find_one({"key": entry.key})
                if existing is None:
                    continue  # the first attempt failed or was discarded: claim it ourselves
                first = Transaction.from_doc(existing)
                _same_operation(first, entry)
                if first.state == APPLIED:
                    return first
                if asyncio.get_running_loop().time() > deadline:
                    raise LedgerBusy(f"operation {entry.key!r} is still in progress") from None
                await asyncio.sleep(0.02)
                continue
            await self._step("claimed")
            return claim

    async def _run_legs(
        self, claim: _Claim, legs: list[_Leg], entry: Transaction
    ) -> tuple[int | None, int | None] | None:
        """Apply every leg under the claim; (seq, balance_after), or None when the claim was lost."""
        seq = balance_after = None
        try:
            for index, leg in enumerate(legs):
                after = await self._own_leg(claim, leg, index, entry)
                await self._step(f"leg{index}")
                if leg.is_user:
                    seq, balance_after = _seq_of(after)
        except _Lost:
            return None
        return seq, balance_after

    async def _own_leg(self, claim: _Claim, leg: _Leg, index: int, entry: Transaction) -> dict[str, Any]:
        while True:
            after = await self._apply_leg(leg, claim.slot, claim.token, claim.fences[index])
            if after is not None:
                self._seen.note(leg, _fence_value(after))
                return after
            current = await self.db[leg.collection].find_one({"_id": leg.doc_id})
            marker = _marker(current, claim.slot)
            if current is not None and marker == claim.token:
                return current  # applied by an earlier try of this very claim
            if current is None or (leg.owner is not None and current.get("owner") != leg.owner):
                if index == 0:
                    await self._drop(claim)
                    raise self._refusal(leg, current)
                # a non-debit leg cannot fail unless its document vanished; a takeover decides
                raise LedgerError(f"{leg.collection} {leg.doc_id} disappeared while applying {entry.key!r}")
            if _fence_value(current) != claim.fences[index]:
                await self._refence(claim, leg, index)  # a takeover somewhere on this document
                continue
            if marker is not None:  # written by a takeover of this entry: it fenced us out meanwhile
                await self._ensure_ours(claim)
                raise LedgerError(
                    f"{leg.collection} {leg.doc_id} carries another claim's marker for {entry.key!r}"
                )
            if leg.minimum is not None and _get_path(current, leg.minimum[0]) < leg.minimum[1]:
                await self._drop(claim)  # the debit does not fit: nothing applied, the key stays free
                raise self._refusal(leg, current)
            # else: the document changed between the two reads; try again

    async def _refence(self, claim: _Claim, leg: _Leg, index: int) -> None:
        """The fence moved: re-read it, *then* check the claim still holds the entry (in that order, so
        a takeover winning after the check moves the fence past the value read). `_Lost` if not."""
        fence = await self._fence(leg)
        await self._ensure_ours(claim)
        claim.fences[index] = fence

    async def _ensure_ours(self, claim: _Claim) -> None:
        doc = await self.tx.find_one({"key": claim.key, "state": PENDING, "token": claim.token}, {"_id": 1})
        if doc is None:
            raise _Lost

    async def _apply_leg(
        self, leg: _Leg, slot: str, token: str, fence: int, *, bump: bool = False
    ) -> dict[str, Any] | None:
        marker = f"ledger_open.{slot}"
        query: dict[str, Any] = {"_id": leg.doc_id, marker: {"$exists": False}, **_fence_guard(fence)}
        if leg.owner is not None:
            query["owner"] = leg.owner
        if leg.minimum is not None:
            query[leg.minimum[0]] = {"$gte": leg.minimum[1]}
        inc = dict(leg.inc)
        if bump:
            inc[FENCE] = 1
        update: dict[str, Any] = {"$inc": inc, "$set": {marker: token}}
        if leg.collection == "jobs":
            update["$set"]["updated"] = utcnow()
        return await self.db[leg.collection].find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER
        )

    async def _finish(
        self, claim: _Claim, seq: int | None, balance_after: int | None
    ) -> dict[str, Any] | None:
        """pending -> applied under the claim's token; None when someone else holds the entry now."""
        return await self.tx.find_one_and_update(
            {"key": claim.key, "state": PENDING, "token": claim.token},
            {"$set": {"state": APPLIED, "seq": seq, "balance_after": balance_after, "open": True}},
            return_document=ReturnDocument.AFTER,
        )

    async def _close(self, doc: dict[str, Any]) -> None:
        """Remove an applied entry's markers. Once applied the key can never be claimed again, so every
        marker of its slot is this entry's, whichever claim (owner or takeover) wrote it."""
        slot = doc.get("slot") or slot_of(doc["key"])
        marker = f"ledger_open.{slot}"
        for leg in _entry_legs(doc):
            await self.db[leg.collection].update_one(
                {"_id": leg.doc_id, marker: {"$exists": True}}, {"$unset": {marker: ""}}
            )
        await self.tx.update_one(
            {"key": doc["key"], "state": APPLIED, "token": doc.get("token")}, {"$set": {"open": False}}
        )

    async def _drop(self, claim: _Claim) -> bool:
        result = await self.tx.delete_one({"key": claim.key, "state": PENDING, "token": claim.token})
        return result.deleted_count == 1

    async def _fences(self, legs: list[_Leg]) -> list[int]:
        return list(await asyncio.gather(*(self._fence(leg) for leg in legs)))

    async def _known_fences(self, legs: list[_Leg]) -> list[int]:
        """Fences for a claim: the values this Ledger saw last where it has them (see `_SeenFences`),
        read from the documents otherwise."""
        known = [self._seen.get(leg) for leg in legs]
        missing = [leg for leg, fence in zip(legs, known, strict=True) if fence is None]
        read = iter(await self._fences(missing)) if missing else iter(())
        return [fence if fence is not None else next(read) for fence in known]

    async def _fence(self, leg: _Leg) -> int:
        doc = await self.db[leg.collection].find_one({"_id": leg.doc_id}, {FENCE: 1})
        fence = 0 if doc is None else _fence_value(doc)
        self._seen.note(leg, fence)
        return fence

    async def _step(self, name: str) -> None:
        if self._checkpoint is not None:
            await self._checkpoint(name)

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

    def _refusal(self, leg: _Leg, current: dict[str, Any] | None) -> Exception:
        if current is None or (leg.owner is not None and current.get("owner") != leg.owner):
            what = "user" if leg.is_user else "job"
            return NotFound(f"no {what} {leg.doc_id}")
        if leg.minimum is None:
            return LedgerError(f"{leg.collection} {leg.doc_id} refused an update it cannot refuse")
        field_name, needed = leg.minimum
        have = _get_path(current, field_name)
        if leg.is_user:
            return InsufficientCoins(shortfall=needed - have, balance=have, needed=needed)
        what = "charged and not yet refunded" if field_name.endswith("refundable") else "held"
        return ReservationExceeded(leg.doc_id, needed, have, what)

    async def _require_job(self, job_id: str, user_id: str) -> None:
        if await self.db["jobs"].find_one({"_id": job_id, "owner": user_id}, {"_id": 1}) is None:
            raise NotFound(f"no job {job_id}")


class _SeenFences:
    """The last fence this Ledger saw on each document it touched (a bounded, least recently used map).

    An owner may guard its legs with any fence value read before its claim: fences only grow, and a
    takeover of the claim reads the fence after the claim exists, then moves it past that value, so
    the guard fails whatever older value it holds. A stale value costs one refused leg and a re-read
    (only after a takeover touched the document); a known one saves a round trip per leg."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._fences: OrderedDict[tuple[str, str], int] = OrderedDict()

    def get(self, leg: _Leg) -> int | None:
        return self._fences.get((leg.collection, leg.doc_id))

    def note(self, leg: _Leg, fence: int) -> None:
        where = (leg.collection, leg.doc_id)
        self._fences[where] = max(fence, self._fences.get(where, 0))
        self._fences.move_to_end(where)
        while len(self._fences) > self._size:
            self._fences.popitem(last=False)


class _Lost(Exception):
    """This claim no longer holds its entry (a takeover won): go back to the claim loop, or stop."""


def _fence_guard(fence: int) -> dict[str, Any]:
    """`ledger_fence == fence`, where a document that never had a takeover has no field at all."""
    return {FENCE: {"$in": [0, None]}} if fence == 0 else {FENCE: fence}


def _fence_value(doc: dict[str, Any]) -> int:
    return int(doc.get(FENCE) or 0)


def _marker(doc: dict[str, Any] | None, slot: str) -> Any:
    return None if doc is None else (doc.get("ledger_open") or {}).get(slot)


def _seq_of(user_doc: dict[str, Any]) -> tuple[int, int]:
    return int(user_doc.get("ledger_seq", 0)), int(user_doc.get("coins", 0))


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
