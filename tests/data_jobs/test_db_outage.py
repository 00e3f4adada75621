"""A real database outage during a real job: the runner rides out a short one and a long one ends
resumable, and in both cases every image ends charged exactly once.

The job's database is its own embedded nx-27017 (a child process), killed with SIGKILL in the middle
of the run and restarted on the same port and data dir, or frozen with SIGSTOP for a few seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.embedded_mongo import EmbeddedMongo, free_port
from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.progress import watch_job
from data_jobs.runner import run_job
from store.db import connect, ensure_indexes
from store.job_coins import capture_key
from store.ledger import Ledger
from store.repositories import Repositories
from store.retry import DatabaseUnavailable, RetryPolicy, retry_transient
from tests.data_jobs.conftest import make_zip, product_photo

pytestmark = pytest.mark.ray

RECIPE = {"method": "fast", "size": 900}
IMAGES = 12


@pytest.fixture
def own_mongo(tmp_path: Path) -> Iterator[EmbeddedMongo]:
    server = EmbeddedMongo(tmp_path / "own-mongo", port=free_port())
    server.start()
    try:
        yield server
    finally:
        if server.pid is not None:
            try:
                os.kill(server.pid, signal.SIGCONT)  # never leave a frozen server behind
            except ProcessLookupError:
                pass
        server.stop()


class Outage:
    """Takes the server down from a thread (the runner's event loop keeps going meanwhile)."""

    def __init__(self, server: EmbeddedMongo, *, how: str, seconds: float) -> None:
        self.server, self.how, self.seconds = server, how, seconds
        self.trigger = threading.Event()
        self.over = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.trigger.wait()
        pid = self.server.pid
        assert pid is not None
        if self.how == "stop":
            os.kill(pid, signal.SIGSTOP)
            time.sleep(self.seconds)
            os.kill(pid, signal.SIGCONT)
        else:
            os.kill(pid, signal.SIGKILL)
            time.sleep(self.seconds)
            self.server.start()  # same port, same data dir: what a restarted database looks like
        self.over.set()

    def on_progress(self, progress) -> None:
        if progress.done >= 1:
            self.trigger.set()


async def _job(repos: Repositories, blobs, settings, *, coins: int = 100):
    user = await repos.users.create("outage@example.com", "correct horse battery")
    await Ledger(repos.db).credit(user.id, coins, "grant", f"grant:{user.id}")
    job = await create_job(repos, owner=user.id, module="ready", template="#ffffff", recipe=RECIPE)
    photos = {f"p{i:02d}.jpg": product_photo(700, seed=i) for i in range(IMAGES)}
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    return user.id, await repos.jobs.get(job.id)


async def _assert_charged_once(repos: Repositories, user: str, job_id: str, coins: int) -> None:
    job = await repos.jobs.get(job_id)
    assert job.status == "done"
    images = await repos.images.list_for_job(job_id, limit=100)
    assert len(images) == IMAGES
    assert all(im.status == "done" and im.charged for im in images)
    assert (job.counters.total, job.counters.done, job.counters.failed) == (IMAGES, IMAGES, 0)
    captures = [t for t in await repos.transactions.list_for_job(job_id) if t.kind == "capture"]
    assert len(captures) == IMAGES and {t.key for t in captures} == {
        capture_key(job_id, im.id) for im in images
    }
    price = job.price_per_image
    assert job.coins.charged == IMAGES * price and job.coins.held == 0
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == coins - IMAGES * price == await ledger.ledger_sum(user)


@pytest.mark.parametrize("how", ["kill", "stop"])
async def test_a_short_outage_does_not_fail_the_job(ray_session, own_mongo, blobs, settings, how, caplog):
    settings = settings.with_(blob_dir=str(blobs.root))
    # PyMongo waits up to serverSelectionTimeoutMS for a server before raising; with its default (10 s)
    # a 3 s outage would mostly be hidden inside that wait. 0.5 s makes every call during it fail.
    db = connect(own_mongo.uri, "outage", serverSelectionTimeoutMS=500)
    try:
        await ensure_indexes(db)
        repos = Repositories(db)
        user, job = await _job(repos, blobs, settings)
        outage = Outage(own_mongo, how=how, seconds=3.0)

        async def watch() -> list:  # a dashboard subscriber: it must ride the outage out too
            return [p async for p in watch_job(repos, job.id, interval=0.1)]

        watcher = asyncio.create_task(watch())
        summary = await run_job(
            repos,
            settings,
            job.id,
            heartbeat_interval=0.2,
            flush_interval=0.1,
            on_progress=outage.on_progress,
        )
        events = await asyncio.wait_for(watcher, timeout=60)

        assert events[-1].status == "done" and events[-1].done == IMAGES
        assert outage.over.wait(30), "the outage never happened: the job ended before it"
        if how == "kill":  # a frozen server only delays replies; a killed one makes writes fail
            assert "database unavailable" in caplog.text and "answered again" in caplog.text
        assert summary.status == "done" and summary.done == IMAGES
        await _assert_charged_once(repos, user, job.id, 100)
    finally:
        await db.client.close()


async def test_an_outage_longer_than_the_budget_leaves_the_job_resumable(
    ray_session, own_mongo, blobs, settings
):
    settings = settings.with_(blob_dir=str(blobs.root))
    db = connect(own_mongo.uri, "outage", serverSelectionTimeoutMS=500)
    try:
        await ensure_indexes(db)
        repos = Repositories(db)
        user, job = await _job(repos, blobs, settings)
        outage = Outage(own_mongo, how="kill", seconds=6.0)

        with pytest.raises(DatabaseUnavailable, match="database is unavailable"):
            await run_job(
                repos,
                settings,
                job.id,
                flush_interval=0.1,
                on_progress=outage.on_progress,
                db_retry=RetryPolicy(budget=1.5),
            )
        assert outage.over.wait(30)
        left = await retry_transient("read the job", lambda: repos.jobs.get(job.id))
        assert left.status == "running" and left.error is None  # not failed: resumable

        summary = await run_job(repos, settings, job.id, stale_after=dt.timedelta(0))

        assert summary.status == "done"
        await _assert_charged_once(repos, user, job.id, 100)
    finally:
        await db.client.close()


async def test_the_outage_fixture_really_cuts_the_database(own_mongo):
    """Guards the tests above: while killed, a call fails; after the restart the data is still there."""
    db = connect(own_mongo.uri, "outage", serverSelectionTimeoutMS=300)
    try:
        await db["probe"].insert_one({"_id": 1})
        outage = Outage(own_mongo, how="kill", seconds=1.0)
        outage.trigger.set()
        await asyncio.sleep(0.3)
        with pytest.raises(Exception) as failure:
            await db["probe"].find_one({"_id": 1})
        from store.retry import is_transient

        assert is_transient(failure.value)
        assert outage.over.wait(30)
        assert await db["probe"].find_one({"_id": 1}) == {"_id": 1}
    finally:
        await db.client.close()
