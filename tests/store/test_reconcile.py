"""A crash between reserve and capture is reconciled by the start-up sweep."""

from __future__ import annotations

import datetime as dt

from store.documents import IMAGE_DONE, IMAGE_FAILED, JOB_DONE, JOB_QUEUED
from store.job_coins import capture_key, release_key, reserve_key
from store.ledger import Ledger
from store.reconcile import reconcile
from store.repositories import ImageResult


async def _running_job_with_three_done(repos, ledger: Ledger, user: str) -> str:
    """5 images at 2 coins each reserved; 3 processed, then the runner dies before charging them."""
    await ledger.credit(user, 20, "purchase", "pay")
    job = await repos.jobs.create(user, "look", "marble-01", {"aspect": "1:1"}, price_per_image=2)
    images = await repos.images.insert_many(
        job.id, [(f"p{i}.jpg", f"jobs/{job.id}/inputs/p{i}.jpg") for i in range(5)]
    )
    await repos.jobs.add_total(job.id, 5)
    await ledger.reserve(user, job.id, 10, reserve_key(job.id))
    await repos.jobs.set_status(job.id, JOB_QUEUED)
    assert await repos.jobs.claim(job.id, "runner-1", stale_after=dt.timedelta(minutes=1)) is not None
    await repos.images.mark_running([im.id for im in images])
    results = [
        ImageResult(im.id, IMAGE_DONE, outputs={"image": f"jobs/{job.id}/outputs/{im.id}.jpg"})
        for im in images[:3]
    ]
    assert len(await repos.images.record_results(results)) == 3
    await repos.jobs.increment_counters(job.id, done=3)
    # the runner dies here: no captures, no release, no more heartbeats
    await repos.jobs.col.update_one(
        {"_id": job.id}, {"$set": {"heartbeat": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}}
    )
    return job.id


async def test_dead_runner_job_is_failed_charged_for_done_images_and_released(db, repos, user) -> None:
    ledger = Ledger(db)
    job_id = await _running_job_with_three_done(repos, ledger, user)
    assert await ledger.balance(user) == 10

    report = await reconcile(db, older_than=dt.timedelta(0), fail_dead_runners=True)

    assert report.failed_jobs == [job_id]
    assert [(s.job, s.captured, s.released) for s in report.settled] == [(job_id, 3, 4)]
    job = await repos.jobs.get(job_id)
    assert job.status == "failed" and job.runner is None
    assert (job.counters.total, job.counters.done, job.counters.failed) == (5, 3, 2)
    assert (job.coins.reserved, job.coins.charged, job.coins.released, job.coins.held) == (10, 6, 4, 0)
    assert [im.status for im in await repos.images.list_for_job(job_id)] == [IMAGE_DONE] * 3 + [
        IMAGE_FAILED
    ] * 2
    assert all(im.charged for im in await repos.images.list_for_job(job_id, status=IMAGE_DONE))
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 14

    again = await reconcile(db, older_than=dt.timedelta(0), fail_dead_runners=True)  # idempotent
    assert again.failed_jobs == [] and again.settled == []
    assert (await ledger.snapshot(user)).balance == 14


async def test_dead_runner_job_is_left_for_resume_by_default(db, repos, user) -> None:
    ledger = Ledger(db)
    job_id = await _running_job_with_three_done(repos, ledger, user)
    report = await reconcile(db, older_than=dt.timedelta(0))
    assert report.failed_jobs == [] and report.settled == []
    assert [j.id for j in await repos.jobs.dead_runners(stale_after=dt.timedelta(minutes=1))] == [job_id]
    # a new runner takes the job over and sees only the unfinished images
    job = await repos.jobs.claim(job_id, "runner-2", stale_after=dt.timedelta(minutes=1))
    assert job is not None and job.runner == "runner-2"
    assert len(await repos.images.unfinished(job_id)) == 2
    assert (await ledger.balance(user)) == 10


async def test_finished_job_still_holding_coins_is_settled(db, repos, user) -> None:
    ledger = Ledger(db)
    job_id = await _running_job_with_three_done(repos, ledger, user)
    # the runner charged one image and marked the job done, then died before the rest
    first = (await repos.images.list_for_job(job_id, status=IMAGE_DONE))[0]
    await ledger.capture(user, job_id, 2, capture_key(job_id, first.id))
    await repos.images.mark_charged([first.id])
    await repos.jobs.set_status(job_id, JOB_DONE)
    report = await reconcile(db, older_than=dt.timedelta(0))
    assert [(s.captured, s.released) for s in report.settled] == [(2, 4)]
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 14


async def test_a_busy_ledger_entry_skips_only_its_job(db, repos, user) -> None:
    """An operation still in flight on one job must not stop the start-up sweep for the others."""
    from store.documents import Transaction

    ledger = Ledger(db)
    busy_id = await _running_job_with_three_done(repos, ledger, user)
    other_id = await _running_job_with_three_done(repos, ledger, user)
    for job_id in (busy_id, other_id):
        await repos.jobs.set_status(job_id, JOB_DONE)
    # another process is capturing the busy job's first image right now: its entry is pending
    first = (await repos.images.list_for_job(busy_id, status=IMAGE_DONE))[0]
    in_flight = Transaction(
        key=capture_key(busy_id, first.id), user=user, kind="capture", amount=0, charge=2, job=busy_id
    )
    await db["transactions"].insert_one(in_flight.to_doc())

    report = await reconcile(db, older_than=dt.timedelta(minutes=2), ledger_wait=0.2)

    assert report.busy_jobs == [busy_id]
    assert [(s.job, s.captured, s.released) for s in report.settled] == [(other_id, 3, 4)]
    # the busy job's other images are charged; its in-flight one is not, and nothing is released yet
    coins = (await repos.jobs.get(busy_id)).coins
    assert (coins.charged, coins.released, coins.held) == (4, 0, 6)
    # the in-flight operation never completed: the next sweep discards it and settles the job
    later = await reconcile(db, older_than=dt.timedelta(0), ledger_wait=0.2)
    assert later.busy_jobs == []
    assert [(s.job, s.captured, s.released) for s in later.settled] == [(busy_id, 1, 4)]
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 20 - 2 * 6  # one credit (same key), 3 images each


async def test_failing_a_job_always_settles_its_coins(db, repos, user) -> None:
    """The runner and the sweep fail a job the same way: same texts, done images charged, rest released."""
    from store.reconcile import fail_job, not_processed

    ledger = Ledger(db)
    job_id = await _running_job_with_three_done(repos, ledger, user)

    settled = await fail_job(repos, job_id, "the batch could not run: boom")

    assert (settled.captured, settled.released) == (3, 4)
    job = await repos.jobs.get(job_id)
    assert (job.status, job.error) == ("failed", "the batch could not run: boom")
    assert (job.counters.done, job.counters.failed) == (3, 2)
    assert (job.coins.charged, job.coins.released, job.coins.held) == (6, 4, 0)
    failed = await repos.images.list_for_job(job_id, status=IMAGE_FAILED)
    assert {im.error for im in failed} == {not_processed("the batch could not run: boom")}
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 14
    again = await fail_job(repos, job_id, "a second notice")  # idempotent, the first reason stands
    assert (again.captured, again.released) == (0, 0)
    assert (await repos.jobs.get(job_id)).error == "the batch could not run: boom"


async def test_cancelled_job_whose_runner_died_has_its_images_closed(db, repos, user) -> None:
    """Cancelled while running, and the runner died before it stopped: nothing is left running."""
    from store.reconcile import CANCELLED_BEFORE_RUN

    ledger = Ledger(db)
    job_id = await _running_job_with_three_done(repos, ledger, user)
    await repos.jobs.set_status(job_id, "cancelled")
    await ledger.release_remaining(user, job_id, release_key(job_id, "cancel"))

    report = await reconcile(db, older_than=dt.timedelta(0))

    assert report.cancelled_images == 2
    images = await repos.images.list_for_job(job_id)
    assert [im.status for im in images] == [IMAGE_DONE] * 3 + ["cancelled"] * 2
    assert {im.error for im in images[3:]} == {CANCELLED_BEFORE_RUN}
    assert (await repos.jobs.get(job_id)).counters.total == 5
    assert (await reconcile(db, older_than=dt.timedelta(0))).cancelled_images == 0
