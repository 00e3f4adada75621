"""JobsRepo's declared fields and conditional updates on the real embedded database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from store.documents import JOB_DONE, JOB_QUEUED, JOB_RUNNING, utcnow
from store.errors import InvalidTransition, NotFound


async def test_template_spec_and_intake_are_declared_fields(repos, user):
    job = await repos.jobs.create(
        user, "look", "my-upload", {}, template_spec={"id": "my-upload", "tone": [1, 2, 3]}
    )
    loaded = await repos.jobs.get(job.id)
    assert loaded.template_spec == {"id": "my-upload", "tone": [1, 2, 3]}
    assert loaded.intake.rejected == [] and loaded.intake.rejected_count == 0

    bad = {"name": "a.jpg", "code": "corrupt_image", "detail": "broken"}
    junk = {"name": ".DS_Store", "code": "skipped", "detail": "system file"}
    await repos.jobs.record_intake(job.id, [bad], [junk], keep=10)
    await repos.jobs.record_intake(job.id, [bad, bad], [], keep=2)
    intake = (await repos.jobs.get(job.id)).intake
    assert intake.rejected == [bad, bad]  # capped at `keep`
    assert intake.rejected_count == 3 and intake.skipped_count == 1
    assert intake.skipped == [junk]


async def test_concurrent_intake_records_keep_every_entry(repos, user):
    job = await repos.jobs.create(user, "ready", "#ffffff")
    entries = [{"name": f"{i}.jpg", "code": "corrupt_image", "detail": "x"} for i in range(8)]
    await asyncio.gather(*(repos.jobs.record_intake(job.id, [e], [], keep=100) for e in entries))
    intake = (await repos.jobs.get(job.id)).intake
    assert intake.rejected_count == 8
    assert sorted(e["name"] for e in intake.rejected) == sorted(e["name"] for e in entries)


async def test_create_with_an_idempotency_key_returns_the_first_job(repos, user):
    first = await repos.jobs.create(user, "ready", "#ffffff", idempotency_key="order-42")
    again = await repos.jobs.create(user, "look", "red-wall", idempotency_key="order-42")
    assert again.id == first.id and again.module == "ready"
    other = await repos.users.create("other-key@example.com", "correct horse battery")
    theirs = await repos.jobs.create(other.id, "ready", "#ffffff", idempotency_key="order-42")
    assert theirs.id != first.id  # keys are per owner
    assert await repos.jobs.count(user) == 1


async def test_events_ticket_is_single_use_and_expires(repos, user):
    job = await repos.jobs.create(user, "ready", "#ffffff")
    live, old = "a" * 64, "b" * 64
    await repos.jobs.add_events_ticket(job.id, live, utcnow() + dt.timedelta(minutes=1))
    await repos.jobs.add_events_ticket(job.id, old, utcnow() - dt.timedelta(seconds=1))
    assert await repos.jobs.consume_events_ticket(job.id, old) is None
    other = await repos.jobs.create(user, "ready", "#ffffff")
    assert await repos.jobs.consume_events_ticket(other.id, live) is None  # issued for another job
    results = await asyncio.gather(*(repos.jobs.consume_events_ticket(job.id, live) for _ in range(4)))
    assert [r is not None for r in results].count(True) == 1
    assert await repos.jobs.consume_events_ticket(job.id, "not-hex.$x") is None


async def test_delete_idle_refuses_running_jobs_and_other_owners(repos, user):
    job = await repos.jobs.create(user, "ready", "#ffffff")
    other = await repos.users.create("other-del@example.com", "correct horse battery")
    with pytest.raises(NotFound):
        await repos.jobs.delete_idle(job.id, other.id)
    await repos.jobs.set_status(job.id, JOB_QUEUED)
    with pytest.raises(InvalidTransition):
        await repos.jobs.delete_idle(job.id, user)
    await repos.jobs.set_status(job.id, JOB_RUNNING)
    with pytest.raises(InvalidTransition):
        await repos.jobs.delete_idle(job.id, user)
    await repos.jobs.set_status(job.id, JOB_DONE)
    deleted = await repos.jobs.delete_idle(job.id, user)
    assert deleted.id == job.id and await repos.jobs.find(job.id) is None


async def test_history_filters(repos, user):
    a = await repos.jobs.create(user, "ready", "#ffffff")
    await repos.jobs.create(user, "look", "red-wall")
    await repos.jobs.set_status(a.id, JOB_QUEUED)
    assert [j.id for j in await repos.jobs.list_for_owner(user, status=JOB_QUEUED)] == [a.id]
    assert await repos.jobs.count(user, module="look") == 1
    assert await repos.images.count_for_job(a.id) == 0
