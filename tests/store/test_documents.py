"""Documents read back as they were declared, whatever the server stores for `$set` values."""

from __future__ import annotations

import datetime as dt

from store.documents import Job, User, utcnow


async def test_set_datetimes_and_booleans_read_back_typed(repos, user) -> None:
    job = await repos.jobs.create(user, "ready", "#FFFFFF", name="2026-11-26 12:00:00")
    beat = utcnow()
    await repos.db["jobs"].update_one({"_id": job.id}, {"$set": {"heartbeat": beat}})
    await repos.users.set_blocked(user, True)
    read = await repos.jobs.get(job.id)
    assert isinstance(read.heartbeat, dt.datetime) and read.heartbeat == beat
    assert read.heartbeat.tzinfo is not None
    assert read.name == "2026-11-26 12:00:00"  # text that looks like a date stays text
    assert (await repos.users.get(user)).blocked is True


def test_declared_types_are_restored_from_their_stored_forms() -> None:
    job = Job.from_doc(
        {
            "_id": "j",
            "owner": "u",
            "module": "ready",
            "template": "t",
            "heartbeat": "2026-11-26 13:59:32.412000",
        }
    )
    assert job.heartbeat == dt.datetime(2026, 11, 26, 13, 59, 32, 412000, tzinfo=dt.UTC)
    user = User.from_doc({"_id": "u", "email": "a@b.co", "password_hash": "h", "blocked": 1})
    assert user.blocked is True
