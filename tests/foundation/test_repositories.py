"""Repositories against the real embedded server: uniqueness, conditional transitions, bulk updates."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from store.db import ensure_indexes
from store.documents import IMAGE_DONE, IMAGE_FAILED, JOB_CANCELLED, JOB_DONE, JOB_QUEUED, JOB_RUNNING
from store.errors import DuplicateEmail, InvalidTransition, InvalidValue, NotFound
from store.passwords import WeakPassword
from store.repositories import ImageResult


async def test_ensure_indexes_is_idempotent(db) -> None:
    await ensure_indexes(db)
    await ensure_indexes(db)
    info = await db["transactions"].index_information()
    assert any(v.get("unique") and dict(v["key"]).get("key") for v in info.values())


async def test_users_unique_email_and_argon2(repos) -> None:
    user = await repos.users.create("  Asha@Example.COM ", "a long password", name="Asha")
    assert user.email == "asha@example.com"
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(DuplicateEmail):
        await repos.users.create("asha@example.com", "another password")
    with pytest.raises(InvalidValue):
        await repos.users.create("not-an-email", "a long password")
    with pytest.raises(WeakPassword):
        await repos.users.create("b@example.com", "short")
    assert (await repos.users.verify_credentials("ASHA@example.com", "a long password")).id == user.id
    assert await repos.users.verify_credentials("asha@example.com", "wrong password") is None
    assert await repos.users.verify_credentials("nobody@example.com", "a long password") is None
    await repos.users.set_blocked(user.id, True)
    assert await repos.users.verify_credentials("asha@example.com", "a long password") is None
    assert "password_hash" not in user.to_public()


async def test_concurrent_signups_with_one_email_create_one_user(repos) -> None:
    results = await asyncio.gather(
        *(repos.users.create("race@example.com", "a long password") for _ in range(5)), return_exceptions=True
    )
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert all(isinstance(r, DuplicateEmail) for r in results if isinstance(r, Exception))


async def test_api_keys_hash_only_and_revoke(repos, user) -> None:
    record, raw = await repos.api_keys.create(user, "ci")
    assert raw.startswith("drs_") and raw not in str(await repos.api_keys.col.find_one({"_id": record.id}))
    assert (await repos.api_keys.verify(raw)).user == user
    assert await repos.api_keys.verify(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert await repos.api_keys.verify("drs_nothing") is None
    await repos.api_keys.revoke(user, record.id)
    assert await repos.api_keys.verify(raw) is None
    with pytest.raises(NotFound):
        await repos.api_keys.revoke("someone-else", record.id)


async def test_job_status_transitions_are_conditional(repos, user) -> None:
    job = await repos.jobs.create(user, "ready", "white", {"aspect": "4:5"})
    with pytest.raises(InvalidValue):
        await repos.jobs.create(user, "paint", "white")
    with pytest.raises(NotFound):
        await repos.jobs.get_for_owner(job.id, "someone-else")
    await repos.jobs.add_total(job.id, 3)
    queued = await repos.jobs.set_status(job.id, JOB_QUEUED, from_statuses=["created"])
    assert queued.counters.total == 3
    with pytest.raises(InvalidTransition):
        await repos.jobs.add_total(job.id, 1)
    with pytest.raises(InvalidTransition):
        await repos.jobs.update_fields(job.id, {"template": "marble"})
    claimed = await repos.jobs.claim(job.id, "r1", stale_after=dt.timedelta(minutes=1))
    assert claimed.status == JOB_RUNNING and claimed.started is not None
    assert await repos.jobs.claim(job.id, "r2", stale_after=dt.timedelta(minutes=1)) is None
    assert await repos.jobs.heartbeat(job.id, "r1") and not await repos.jobs.heartbeat(job.id, "r2")
    done = await repos.jobs.set_status(job.id, JOB_DONE)
    assert done.finished is not None and done.runner is None
    with pytest.raises(InvalidTransition):
        await repos.jobs.set_status(job.id, JOB_CANCELLED)
    assert (await repos.jobs.set_status(job.id, JOB_DONE)).status == JOB_DONE  # same status: a no-op
    assert [j.id for j in await repos.jobs.list_for_owner(user, status=JOB_DONE)] == [job.id]
    assert await repos.jobs.count(user) == 1


async def test_images_bulk_results_apply_once(repos, user) -> None:
    job = await repos.jobs.create(user, "ready", "white")
    images = await repos.images.insert_many(
        job.id, [(f"a/{i}.jpg", f"jobs/{job.id}/inputs/a/{i}.jpg", 10) for i in range(6)]
    )
    assert [im.seq for im in images] == list(range(6))
    assert await repos.images.mark_running([im.id for im in images[:4]]) == 4
    results = [
        ImageResult(images[0].id, IMAGE_DONE, outputs={"image": "o0"}, quality=0.9, width=10, height=12),
        ImageResult(images[1].id, IMAGE_FAILED, error="corrupt JPEG"),
        ImageResult(images[0].id, IMAGE_FAILED, error="late duplicate"),
    ]
    applied = await repos.images.record_results(results)
    assert [r.image_id for r in applied] == [images[0].id, images[1].id]
    assert await repos.images.record_results(results[:2]) == []  # replay after a resume
    first = await repos.images.get(images[0].id, job_id=job.id)
    assert (first.status, first.outputs, first.quality, first.attempts) == (
        IMAGE_DONE,
        {"image": "o0"},
        0.9,
        1,
    )
    counts = await repos.images.count_by_status(job.id)
    assert counts == {"queued": 2, "running": 2, "done": 1, "failed": 1}
    assert await repos.images.requeue_running(job.id) == 2
    assert [im.seq for im in await repos.images.unfinished(job.id)] == [2, 3, 4, 5]
    assert [im.id for im in await repos.images.done_uncharged(job.id)] == [images[0].id]
    listed = [im async for im in repos.images.iter_for_job(job.id, batch=4)]
    assert [im.seq for im in listed] == list(range(6))
    with pytest.raises(InvalidValue):
        ImageResult(images[2].id, "running")


async def test_payments_paid_once_and_events_deduplicated(repos, user) -> None:
    payment = await repos.payments.create(
        user, provider="test", provider_order_id="order_1", pack="starter", coins=100, amount=49_900
    )
    assert (await repos.payments.get(payment.id, user_id=user)).status == "created"
    assert await repos.payments.record_event("order_1", "evt.1") is True
    assert await repos.payments.record_event("order_1", "evt.1") is False
    assert await repos.payments.record_event("order_1", "evt.2") is True
    paid = await asyncio.gather(
        *(repos.payments.mark_paid("order_1", provider_payment_id="pay_1") for _ in range(5))
    )
    assert sum(1 for p in paid if p is not None) == 1
    assert await repos.payments.mark_failed("order_1", "late failure") is None
    assert (await repos.payments.by_order("order_1")).status == "paid"


async def test_billing_settings_defaults_and_updates(repos) -> None:
    billing = await repos.settings.billing()
    assert set(billing.pricing) == {"ready", "look", "surprise"} and billing.packs
    await repos.settings.set_price("look", 3)
    assert await repos.settings.price("look") == 3
    assert (await repos.settings.billing()).pack("starter").coins == billing.pack("starter").coins
    with pytest.raises(InvalidValue):
        await repos.settings.set_price("paint", 1)
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(InvalidValue):
            await repos.settings.set_price("ready", bad)
    # two admins pricing different modules at the same moment: neither change is lost
    await asyncio.gather(repos.settings.set_price("ready", 4), repos.settings.set_price("surprise", 7))
    pricing = (await repos.settings.billing()).pricing
    assert (pricing["ready"], pricing["look"], pricing["surprise"]) == (4, 3, 7)
