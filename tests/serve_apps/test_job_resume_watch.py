"""The API's resume watch: its period is a setting, and 0 keeps only the start-up round."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from cluster.settings import Settings
from serve_apps.job_resume import _watch


def test_the_watch_period_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).resume_watch_seconds == 30
    assert Settings.from_env({"DRISYA_RESUME_WATCH_SECONDS": "0"}).resume_watch_seconds == 0


async def test_watch_off_runs_the_start_up_round_once_and_stops(repos, settings) -> None:
    """With the period at 0 the watch makes its start-up round and returns instead of polling, so a
    job whose runner dies later waits for an admin's resume (or the next start)."""
    state = SimpleNamespace(repos=repos, settings=settings.with_(resume_watch_seconds=0))  # what _watch reads
    await asyncio.wait_for(_watch(state), 30)


async def test_watch_on_keeps_polling(repos, settings) -> None:
    state = SimpleNamespace(repos=repos, settings=settings.with_(resume_watch_seconds=1))
    task = asyncio.create_task(_watch(state))
    await asyncio.sleep(2.5)  # two periods: still running, not returned or failed
    assert not task.done()
    task.cancel()
