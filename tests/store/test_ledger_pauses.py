"""Issue 15, items 1 and 2: ledger operations in a real process paused (SIGSTOP) at every step while
another process takes them over, then resumed (SIGCONT). A leg never applies twice, the books always
balance, and nothing is left pending or marked.

The child (tests/store/ledger_child.py) stops itself at the named step through the ledger's checkpoint
hook, so each round pauses exactly where it says; the takeover runs here, in the test process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from store import job_coins
from store.documents import Transaction
from store.ledger import Ledger, LedgerBusy, _legs, slot_of
from store.reconcile import reconcile

CHILD = Path(__file__).with_name("ledger_child.py")
KINDS = ("credit", "capture", "reserve", "release", "refund")
AMOUNTS = {"credit": 3, "capture": 2, "reserve": 5, "release": 1, "refund": 1}
NOW = dt.timedelta(0)


class Child:
    """A process running ledger commands; see ledger_child.py for the protocol."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    @classmethod
    async def start(cls, mongo_uri: str, db_name: str, log: Path) -> Child:
        with open(log, "wb") as stderr:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(CHILD),
                mongo_uri,
                db_name,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        return cls(proc, log)

    async def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()

    async def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert line, f"the child died: {self.log.read_text()[-2000:]}"
        return json.loads(line)

    async def wait_stopped(self) -> None:
        """Until the kernel reports the child stopped (it sent SIGSTOP to itself after printing)."""
        for _ in range(1000):
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "T":
                return
            await asyncio.sleep(0.005)
        raise AssertionError("the child did not stop")

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.resume()
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


@pytest.fixture
async def child(mongo_uri, db, tmp_path):
    started = await Child.start(mongo_uri, db.name, tmp_path / "child.log")
    try:
        yield started
    finally:
        await started.close()


async def _books(repos, ledger: Ledger, user: str) -> str:
    """A user with coins and a job holding plenty, some of it charged (so refunds fit)."""
    job = (await repos.jobs.create(user, "ready", "white-studio", price_per_image=AMOUNTS["capture"])).id
    await ledger.credit(user, 10_000, "grant", "setup:credit")
    await ledger.reserve(user, job, 2_000, "setup:reserve")
    await ledger.capture(user, job, 500, "setup:capture")
    return job


async def assert_books_balance(db, user: str, jobs: list[str]) -> None:
    """Balance == ledger sum, each job's coin fields == the sums of its entries, nothing pending, no
    marker left on any document."""
    snap = await Ledger(db).snapshot(user)
    assert snap.balance == snap.ledger_sum
    entries = await db["transactions"].find({"user": user}).to_list()
    assert [e["key"] for e in entries if e["state"] != "applied"] == []
    assert sum(int(e["amount"]) for e in entries) == snap.balance
    for job in jobs:
        mine = [e for e in entries if e.get("job") == job]

        def total(kind: str, what: str = "amount", entries: list = mine) -> int:
            return sum(int(e.get(what, 0)) for e in entries if e["kind"] == kind)

        reserved, charged = -total("reserve"), total("capture", "charge")
        released, refunded = total("release"), total("refund")
        coins = (await db["jobs"].find_one({"_id": job})).get("coins") or {}
        assert {k: int(coins.get(k, 0)) for k in ("reserved", "charged", "released", "refunded")} == {
            "reserved": reserved,
            "charged": charged,
            "released": released,
            "refunded": refunded,
        }
        assert int(coins.get("held", 0)) == reserved - charged - released
        assert int(coins.get("refundable", 0)) == charged - refunded
    for collection in ("users", "jobs"):
        marked = [d["_id"] async for d in db[collection].find({}) if d.get("ledger_open")]
        assert marked == [], f"{collection} still marked"


def _steps(kind: str) -> list[str]:
    legs = 1 if kind in ("credit", "capture") else 2
    return ["fences", "claimed", *(f"leg{i}" for i in range(legs)), "applied", "closed"]


async def _replay(db, repos, user: str, job: str, kind: str, key: str, image: str) -> str:
    """What a second runner or caller does with the same key: wait briefly, take over, replay. For a
    capture this is the runner's own path (store.job_coins.capture_images). Returns the entry id."""
    fast = Ledger(db, pending_wait=0.05)
    if kind == "capture":
        captures = await job_coins.capture_images(
            repos, fast, await repos.jobs.get(job), [image], take_over_after=NOW
        )
        assert captures.charged == [image]
        return str((await db["transactions"].find_one({"key": key}))["_id"])

    async def call() -> Transaction:
        if kind == "credit":
            return await fast.credit(user, AMOUNTS[kind], "grant", key)
        return await getattr(fast, kind)(user, job, AMOUNTS[kind], key)

    try:
        return (await call()).id
    except LedgerBusy:
        await fast.take_over(key, older_than=NOW)
        return (await call()).id


async def _move_fences(db, user: str, job: str, tag: str) -> None:
    """An unrelated takeover on the same user and job: two crashed entries are discarded, which moves
    both documents' fences under the paused operation (whose own entry is too young to be swept)."""
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    for entry in (
        Transaction(key=f"orphan:u:{tag}", user=user, kind="grant", amount=1),
        Transaction(key=f"orphan:j:{tag}", user=user, kind="capture", amount=0, charge=1, job=job),
    ):
        doc = entry.to_doc()
        doc.update(state="pending", slot=slot_of(entry.key), open=False, token="orphan", created=old)
        await db["transactions"].insert_one(doc)
    report = await Ledger(db).sweep(older_than=dt.timedelta(minutes=5))
    assert sorted(report.discarded) == sorted([f"orphan:u:{tag}", f"orphan:j:{tag}"])


@pytest.mark.parametrize("mode", ["sweep", "replay", "fence_moved"])
async def test_an_operation_paused_at_each_step_applies_once(db, repos, user, child, mode) -> None:
    """sweep: issue 15 item 2 (`Ledger.sweep` with a threshold the paused operation has passed);
    replay: item 1 (a second runner waits on the pending key, takes it over and replays it);
    fence_moved: another entry of the same documents is taken over while the operation is paused."""
    ledger = Ledger(db)
    job = await _books(repos, ledger, user)
    for kind in KINDS:
        for step in _steps(kind):
            image = f"img-{kind}-{step}"
            key = job_coins.capture_key(job, image) if kind == "capture" else f"{mode}:{kind}:{step}"
            await child.send(op=kind, user=user, job=job, amount=AMOUNTS[kind], key=key, pause_at=step)
            assert await child.read() == {"paused": step}
            await child.wait_stopped()
            replayed = None
            if mode == "sweep":
                await ledger.sweep(older_than=NOW)
            elif mode == "replay":
                replayed = await _replay(db, repos, user, job, kind, key, image)
            else:
                await _move_fences(db, user, job, f"{kind}:{step}")
            child.resume()
            reply = await child.read()
            assert "ok" in reply, (kind, step, reply)
            entries = await db["transactions"].find({"key": key}).to_list()
            assert [e["state"] for e in entries] == ["applied"], (kind, step)
            assert reply["ok"]["id"] == str(entries[0]["_id"]), "the child saw another result"
            if replayed is not None:
                assert replayed == reply["ok"]["id"]
            await assert_books_balance(db, user, [job])


async def _crashed(ledger: Ledger, entry: Transaction, legs_applied: int) -> None:
    """A pending entry whose owner died after applying `legs_applied` legs."""
    slot = slot_of(entry.key)
    doc = entry.to_doc()
    doc.update(state="pending", slot=slot, open=False, token="crashed")
    await ledger.tx.insert_one(doc)
    for leg in _legs(entry.kind, entry.user, entry.job, entry.amount, entry.charge)[:legs_applied]:
        fence = int((await ledger.db[leg.collection].find_one({"_id": leg.doc_id})).get("ledger_fence") or 0)
        assert await ledger._apply_leg(leg, slot, "crashed", fence) is not None


def _entry(kind: str, user: str, job: str, key: str) -> Transaction:
    amount = AMOUNTS[kind]
    if kind == "credit":
        return Transaction(key=key, user=user, kind="grant", amount=amount)
    if kind == "capture":
        return Transaction(key=key, user=user, kind="capture", amount=0, charge=amount, job=job)
    return Transaction(
        key=key, user=user, kind=kind, amount=-amount if kind == "reserve" else amount, job=job
    )


async def test_a_paused_takeover_is_fenced_out_by_the_next(db, repos, user, child) -> None:
    """A sweeper paused in the middle of a takeover, overtaken by a second sweep, then resumed: the
    entry is still finished (or discarded) exactly once."""
    ledger = Ledger(db)
    job = await _books(repos, ledger, user)
    for kind in KINDS:
        legs = 1 if kind in ("credit", "capture") else 2
        for applied in range(legs + 1):
            rolled = [
                "takeover:claimed",
                "takeover:rolling",
                *(f"takeover:leg{i}" for i in range(1, legs)),
                "takeover:applied",
            ]
            for step in ["takeover:claimed", "takeover:fenced"] if applied == 0 else rolled:
                key = f"crashed:{kind}:{applied}:{step}"
                await _crashed(ledger, _entry(kind, user, job, key), applied)
                await child.send(op="sweep", pause_at=step)
                assert await child.read() == {"paused": step}
                await child.wait_stopped()
                second = await ledger.sweep(older_than=NOW)
                child.resume()
                first = await child.read()
                assert "ok" in first, first
                outcomes = first["ok"]["discarded"] + first["ok"]["completed"]
                outcomes += second.discarded + second.completed
                assert outcomes == [key], (kind, applied, step)  # exactly one of them finished it
                states = [e["state"] for e in await db["transactions"].find({"key": key}).to_list()]
                assert states == ([] if applied == 0 else ["applied"]), (kind, applied, step)
                await assert_books_balance(db, user, [job])


async def test_reconcile_while_two_processes_reserve(db, repos, user, mongo_uri, tmp_path) -> None:
    """`reconcile(older_than=0)` takes over the operations of two live processes again and again; every
    caller still succeeds and the books balance every round (issue 15: 199 vs 200 in 4 of 5 rounds)."""
    ledger = Ledger(db)
    job = (await repos.jobs.create(user, "ready", "white-studio")).id
    await ledger.credit(user, 1_000, "grant", "setup")
    children = await asyncio.gather(
        *(Child.start(mongo_uri, db.name, tmp_path / f"child{i}.log") for i in range(2))
    )
    count = 15
    try:
        for round_ in range(5):
            for i, proc in enumerate(children):
                await proc.send(op="reserve_loop", user=user, job=job, count=count, prefix=f"r{round_}:c{i}")
            replies = [asyncio.create_task(proc.read()) for proc in children]
            while not all(reply.done() for reply in replies):
                await reconcile(db, older_than=NOW, ledger_wait=0.5)
                snap = await ledger.snapshot(user)
                assert snap.balance == snap.ledger_sum, round_
            assert [reply.result() for reply in replies] == [{"ok": count}] * 2
            await assert_books_balance(db, user, [job])
            assert await ledger.balance(user) == 1_000 - 2 * count * (round_ + 1)
    finally:
        for proc in children:
            await proc.close()
