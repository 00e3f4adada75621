"""A job's money rules (store.job_coins) against the real embedded server."""

from __future__ import annotations

import datetime as dt

from store import job_coins
from store.documents import Transaction, utcnow
from store.ledger import Ledger, slot_of


async def _job_with_images(repos, ledger: Ledger, user: str, n: int, price: int):
    await ledger.credit(user, 100, "grant", "grant")
    job = await repos.jobs.create(user, "look", "marble-01", price_per_image=price)
    images = await repos.images.insert_many(
        job.id, [(f"p{i}.jpg", f"jobs/{job.id}/p{i}.jpg") for i in range(n)]
    )
    await repos.jobs.add_total(job.id, n)
    return await repos.jobs.get(job.id), [im.id for im in images]


async def _charged_flags(repos, job_id: str) -> list[bool]:
    return [im.charged for im in await repos.images.list_for_job(job_id)]


def test_keys_name_one_occasion_each() -> None:
    keys = {
        job_coins.reserve_key("j1"),
        job_coins.reserve_key("j2"),
        job_coins.capture_key("j1", "a"),
        job_coins.capture_key("j1", "b"),
        job_coins.release_key("j1", "end"),
        job_coins.release_key("j1", "cancel"),
        job_coins.settle_release_key("j1", 0),
        job_coins.settle_release_key("j1", 4),
    }
    assert len(keys) == 8


async def test_quote_reserve_capture_release(db, repos, user) -> None:
    ledger = Ledger(db)
    job, images = await _job_with_images(repos, ledger, user, 5, price=3)
    assert job_coins.quote(job) == 15
    assert await job_coins.reserve_quote(ledger, job) == 15
    assert await job_coins.reserve_quote(ledger, job) == 15  # replayed: held once
    first = await job_coins.capture_images(repos, ledger, job, images[:3])
    again = await job_coins.capture_images(repos, ledger, job, images[:3])  # a resumed runner
    assert first.charged == again.charged == images[:3]
    assert await _charged_flags(repos, job.id) == [True] * 3 + [False] * 2
    assert await job_coins.release_held(repos, ledger, job.id, "end") == 6
    assert await job_coins.release_held(repos, ledger, job.id, "end") == 6  # replayed, not released twice
    late = await job_coins.capture_images(repos, ledger, job, images[3:])  # the hold is gone
    assert (late.charged, late.unfunded) == ([], images[3:])
    coins = (await repos.jobs.get(job.id)).coins
    assert (coins.reserved, coins.charged, coins.released, coins.held) == (15, 9, 6, 0)
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 100 - 9


async def test_a_free_module_flags_images_without_entries(db, repos, user) -> None:
    ledger = Ledger(db)
    job, images = await _job_with_images(repos, ledger, user, 2, price=0)
    assert (await job_coins.capture_images(repos, ledger, job, images)).charged == images
    assert await _charged_flags(repos, job.id) == [True, True]
    assert await db["transactions"].count_documents({"job": job.id}) == 0


async def test_a_capture_in_flight_is_left_or_taken_over(db, repos, user) -> None:
    """A capture pending elsewhere: left alone while younger than `take_over_after`, then taken over
    (discarded, as its owner never applied it) and charged once."""
    ledger = Ledger(db, pending_wait=0.1)
    job, images = await _job_with_images(repos, ledger, user, 1, price=2)
    await job_coins.reserve_quote(ledger, job)
    key = job_coins.capture_key(job.id, images[0])
    orphan = Transaction(key=key, user=user, kind="capture", amount=0, charge=2, job=job.id)
    doc = orphan.to_doc()
    doc.update(state="pending", slot=slot_of(key), open=False, token="elsewhere", created=utcnow())
    await db["transactions"].insert_one(doc)

    young = await job_coins.capture_images(repos, ledger, job, images, take_over_after=dt.timedelta(hours=1))
    assert (young.charged, young.busy) == ([], images)
    assert await _charged_flags(repos, job.id) == [False]

    old = await job_coins.capture_images(repos, ledger, job, images, take_over_after=dt.timedelta(0))
    assert old.charged == images
    assert await _charged_flags(repos, job.id) == [True]
    entry = await db["transactions"].find_one({"key": key})
    assert entry["state"] == "applied" and entry["token"] != "elsewhere"
    assert (await repos.jobs.get(job.id)).coins.charged == 2
