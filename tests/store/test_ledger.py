"""The coin ledger against the real embedded server (nx-27017)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from store.documents import Transaction
from store.errors import InvalidValue, NotFound
from store.ledger import (
    IdempotencyConflict,
    InsufficientCoins,
    Ledger,
    ReservationExceeded,
    slot_of,
)


@pytest.fixture
def ledger(db) -> Ledger:
    return Ledger(db)


async def _job(repos, owner: str) -> str:
    return (await repos.jobs.create(owner, "ready", "white-studio")).id


async def _assert_consistent(ledger: Ledger, user: str, balance: int) -> None:
    snap = await ledger.snapshot(user)
    assert snap.balance == balance
    assert snap.ledger_sum == balance
    assert await ledger.balance(user) == balance
    assert await ledger.ledger_sum(user) == balance


async def test_credit_then_replay_takes_effect_once(ledger, user) -> None:
    first = await ledger.credit(user, 50, "purchase", "pay:1", ref="order_1")
    again = await ledger.credit(user, 50, "purchase", "pay:1", ref="order_1")
    assert first.state == "applied" and first.balance_after == 50
    assert again.id == first.id and again.balance_after == 50
    await _assert_consistent(ledger, user, 50)


async def test_replay_with_other_parameters_is_refused(ledger, user) -> None:
    await ledger.credit(user, 5, "bonus", "signup")
    with pytest.raises(IdempotencyConflict):
        await ledger.credit(user, 6, "bonus", "signup")
    await _assert_consistent(ledger, user, 5)


async def test_invalid_amounts_and_kinds(ledger, user, repos) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InvalidValue):
            await ledger.credit(user, bad, "grant", f"k{bad}")
    with pytest.raises(InvalidValue):
        await ledger.credit(user, 1, "capture", "wrong-kind")
    with pytest.raises(NotFound):
        await ledger.credit("nobody", 1, "grant", "ghost")
    assert await ledger.tx.count_documents({}) == 0


async def test_debit_takes_only_what_the_balance_covers(ledger, user) -> None:
    await ledger.credit(user, 30, "grant", "g")
    taken = await ledger.debit(user, 20, "deduct", "d:1", ref="admin:a1:typo")
    assert taken.amount == -20 and taken.balance_after == 10
    assert (await ledger.debit(user, 20, "deduct", "d:1", ref="admin:a1:typo")).id == taken.id
    with pytest.raises(InsufficientCoins) as refused:
        await ledger.debit(user, 11, "deduct", "d:2")
    assert refused.value.shortfall == 1 and refused.value.balance == 10
    with pytest.raises(InvalidValue):
        await ledger.debit(user, 1, "grant", "d:3")
    assert await ledger.tx.count_documents({"key": "d:2"}) == 0
    await _assert_consistent(ledger, user, 10)


async def test_two_hundred_concurrent_spends_from_150(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 150, "purchase", "pay:150")

    async def spend(i: int) -> bool:
        try:
            await ledger.reserve(user, job, 1, f"spend:{i}")
            return True
        except InsufficientCoins as exc:
            assert exc.shortfall == 1 and exc.balance == 0
            return False

    outcomes = await asyncio.gather(*(spend(i) for i in range(200)))
    assert sum(outcomes) == 150
    await _assert_consistent(ledger, user, 0)
    assert (await repos.jobs.get(job)).coins.held == 150
    # every failed spend released its key: nothing pending is left behind
    assert await ledger.tx.count_documents({"state": "pending"}) == 0


async def test_concurrent_replays_of_one_key_apply_once(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 10, "grant", "grant:10")
    results = await asyncio.gather(*(ledger.reserve(user, job, 3, "reserve:once") for _ in range(25)))
    assert len({r.id for r in results}) == 1
    await _assert_consistent(ledger, user, 7)


async def test_balance_equals_ledger_sum_while_spending(ledger, user, repos) -> None:
    """A reader running alongside writers always sees balance == ledger sum."""
    job = await _job(repos, user)
    await ledger.credit(user, 300, "purchase", "pay:300")
    stop = asyncio.Event()
    seen: list[tuple[int, int]] = []

    async def reader() -> None:
        while not stop.is_set():
            snap = await ledger.snapshot(user)
            seen.append((snap.balance, snap.ledger_sum))
            await asyncio.sleep(0)

    async def writer(i: int) -> None:
        await ledger.reserve(user, job, 2, f"r:{i}")
        await ledger.capture(user, job, 1, f"c:{i}")
        await ledger.release(user, job, 1, f"l:{i}")

    task = asyncio.create_task(reader())
    await asyncio.gather(*(writer(i) for i in range(60)))
    stop.set()
    await task
    assert len(seen) > 5
    assert all(balance == total for balance, total in seen), [s for s in seen if s[0] != s[1]][:5]
    await _assert_consistent(ledger, user, 240)


async def test_reserve_partial_capture_release(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 100, "purchase", "pay:100")
    await ledger.reserve(user, job, 40, f"reserve:{job}")
    await _assert_consistent(ledger, user, 60)
    for image in range(25):
        capture = await ledger.capture(user, job, 1, f"capture:{job}:{image}")
        assert capture.amount == 0 and capture.charge == 1
    await ledger.capture(user, job, 1, f"capture:{job}:0")  # replayed capture: charged once
    with pytest.raises(ReservationExceeded):
        await ledger.capture(user, job, 16, f"capture:{job}:too-much")
    released = await ledger.release_remaining(user, job, f"release:{job}")
    assert released is not None and released.amount == 15
    assert await ledger.release_remaining(user, job, f"release:{job}") == released  # replay
    await _assert_consistent(ledger, user, 75)
    coins = (await repos.jobs.get(job)).coins
    assert (coins.reserved, coins.charged, coins.released, coins.held) == (40, 25, 15, 0)
    with pytest.raises(ReservationExceeded):
        await ledger.release(user, job, 1, f"release:{job}:again")


async def test_refund_is_bounded_by_what_was_charged(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 10, "purchase", "pay:10")
    await ledger.reserve(user, job, 10, "res")
    await ledger.capture(user, job, 4, "cap")
    await ledger.release(user, job, 6, "rel")
    await ledger.refund(user, job, 3, "ref:1")
    with pytest.raises(ReservationExceeded) as info:
        await ledger.refund(user, job, 2, "ref:2")
    assert info.value.shortfall == 1
    await ledger.refund(user, None, 2, "ref:goodwill", ref="support ticket 7")
    await _assert_consistent(ledger, user, 6 + 3 + 2)
    kinds = [t.kind for t in await ledger.history(user)]
    assert sorted(kinds) == sorted(["purchase", "reserve", "capture", "release", "refund", "refund"])


async def test_jobs_of_other_users_cannot_be_touched(ledger, user, repos) -> None:
    other = (await repos.users.create("other@example.com", "another password")).id
    job = await _job(repos, other)
    await ledger.credit(user, 10, "grant", "g")
    with pytest.raises(NotFound):
        await ledger.reserve(user, job, 1, "steal")
    with pytest.raises(NotFound):
        await ledger.capture(user, job, 1, "steal-capture")
    await _assert_consistent(ledger, user, 10)


async def test_insufficient_coins_keeps_the_key_free(ledger, user, repos) -> None:
    job = await _job(repos, user)
    with pytest.raises(InsufficientCoins) as info:
        await ledger.reserve(user, job, 30, f"reserve:{job}")
    assert info.value.shortfall == 30
    await ledger.credit(user, 30, "purchase", "topup")
    await ledger.reserve(user, job, 30, f"reserve:{job}")  # the same key works after a top-up
    await _assert_consistent(ledger, user, 0)


async def _crash_after_first_leg(ledger: Ledger, entry: Transaction, legs_applied: int) -> None:
    """Replay the protocol by hand up to a crash: claim written, `legs_applied` legs applied, nothing else."""
    from store.ledger import _legs

    slot = slot_of(entry.key)
    doc = entry.to_doc()
    doc.update(state="pending", slot=slot, open=False, token="crashed")
    doc["created"] = doc["created"] - dt.timedelta(minutes=10)
    await ledger.tx.insert_one(doc)
    for leg in _legs(entry.kind, entry.user, entry.job, entry.amount, entry.charge)[:legs_applied]:
        assert await ledger._apply_leg(leg, slot, "crashed", 0) is not None


async def test_sweep_rolls_forward_a_crash_inside_release(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 20, "purchase", "p")
    await ledger.reserve(user, job, 20, "r")
    await ledger.capture(user, job, 5, "c")
    # crashed after taking 15 off the job but before returning them to the user
    await _crash_after_first_leg(
        ledger, Transaction(key="rel", user=user, kind="release", amount=15, job=job), 1
    )
    report = await ledger.sweep()
    assert report.completed == ["rel"] and report.discarded == []
    await _assert_consistent(ledger, user, 15)
    assert (await repos.jobs.get(job)).coins.held == 0
    # the replay of the interrupted call now returns the completed entry
    assert (await ledger.release(user, job, 15, "rel")).state == "applied"
    await _assert_consistent(ledger, user, 15)


async def test_sweep_discards_an_entry_that_never_took_effect(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 5, "purchase", "p")
    await _crash_after_first_leg(
        ledger, Transaction(key="r", user=user, kind="reserve", amount=-5, job=job), 0
    )
    report = await ledger.sweep()
    assert report.discarded == ["r"]
    await _assert_consistent(ledger, user, 5)
    await ledger.reserve(user, job, 5, "r")  # the key is free again
    await _assert_consistent(ledger, user, 0)


async def test_sweep_clears_markers_left_after_apply(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 5, "purchase", "p")
    await ledger.reserve(user, job, 5, "r")
    # simulate a crash between "applied" and removing the markers
    await ledger.tx.update_one(
        {"key": "r"}, {"$set": {"open": True, "created": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}}
    )
    await repos.db["users"].update_one({"_id": user}, {"$set": {f"ledger_open.{slot_of('r')}": True}})
    await _assert_consistent(ledger, user, 0)  # a marker plus an applied entry counts once
    report = await ledger.sweep()
    assert report.markers_cleared == 1
    doc = await repos.db["users"].find_one({"_id": user})
    assert not doc.get("ledger_open")
    await _assert_consistent(ledger, user, 0)


async def test_sweep_leaves_recent_entries_alone(ledger, user, repos) -> None:
    job = await _job(repos, user)
    await ledger.credit(user, 5, "purchase", "p")
    entry = Transaction(key="inflight", user=user, kind="reserve", amount=-5, job=job)
    doc = entry.to_doc()
    doc.update(state="pending", slot=slot_of(entry.key), open=False)
    await ledger.tx.insert_one(doc)
    report = await ledger.sweep(older_than=dt.timedelta(minutes=2))
    assert report.discarded == [] and report.completed == []


async def test_release_remaining_survives_a_capture_landing_in_between(
    ledger, user, repos, monkeypatch
) -> None:
    """A cancel reads the hold, the runner captures one more image, then the cancel releases: it must
    release what is left, not fail and leave the coins held."""
    job = await _job(repos, user)
    await ledger.credit(user, 10, "purchase", "pay:10")
    await ledger.reserve(user, job, 10, f"reserve:{job}")
    real_release = Ledger.release
    raced = []

    async def release_after_a_capture(self, user_id, job_id, amount, key):
        if not raced:
            raced.append(True)
            await self.capture(user_id, job_id, 1, f"capture:{job_id}:late")
        return await real_release(self, user_id, job_id, amount, key)

    monkeypatch.setattr(Ledger, "release", release_after_a_capture)
    released = await ledger.release_remaining(user, job, f"release:{job}:cancel")
    assert released is not None and released.amount == 9
    coins = (await repos.jobs.get(job)).coins
    assert (coins.held, coins.charged, coins.released) == (0, 1, 9)
    await _assert_consistent(ledger, user, 9)
