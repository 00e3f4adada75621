"""E-mail notifications (job finished or failed, low balance), sent by a background task per API process.

Every API replica runs the same poll; each notification is claimed by inserting its unique key
(store.repositories.notifications), so two replicas never send the same e-mail twice.

- Jobs: the newest finished jobs (done or failed) whose owner has not been told; jobs that finished more
  than `JOB_LOOKBACK` ago are left alone, so a first start on an old database does not mail its history.
  One-image jobs of POST /v1/enhance (named "enhance") answered their caller already and are not mailed.
- Low balance: once per crossing. A ledger debit whose balance went from >= threshold to < threshold is
  a crossing; its ledger key names the notification. A balance that stays low sends nothing more; a
  top-up and the next crossing send again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from typing import Any

from serve_apps.email import MailTransport, job_finished_message, low_balance_message, transport_from_settings
from serve_apps.state import AppState
from store.documents import JOB_DONE, JOB_FAILED, Job, utcnow

log = logging.getLogger("drisya.notify")

NOTIFIER_KEY = "notifier"
POLL_INTERVAL_S = 5.0
JOB_LOOKBACK = dt.timedelta(hours=24)
JOBS_PER_POLL = 200
DEBIT_OVERLAP = dt.timedelta(minutes=2)  # re-read recent debits: an entry is applied after it is created
ENHANCE_JOB_NAME = "enhance"


def _when(value: Any) -> dt.datetime | None:
    """A job timestamp as a datetime: nx-27017 returns one written by an update as an ISO-like string."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


class Notifier:
    def __init__(
        self, state: AppState, *, transport: MailTransport | None = None, interval_s: float = POLL_INTERVAL_S
    ) -> None:
        self.state = state
        self.transport = transport or transport_from_settings(state.settings)
        self.interval_s = interval_s
        self.repo = state.repos.notifications
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.debits_since = utcnow() - DEBIT_OVERLAP

    async def run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly away; the next poll tries again
                log.exception("notification poll failed")
            await asyncio.sleep(self.interval_s)

    async def poll_once(self) -> int:
        """One pass over finished jobs and recent debits; returns how many e-mails were sent."""
        started = utcnow()
        sent = await self._jobs()
        sent += await self._low_balances()
        self.debits_since = started - DEBIT_OVERLAP
        return sent

    async def _send(self, key: str, user_id: str, kind: str, build) -> bool:
        if not await self.repo.claim(key, user=user_id, kind=kind, owner=self.owner):
            return False
        try:
            user = await self.state.repos.users.find(user_id)
            if user is None or user.blocked:
                await self.repo.mark_sent(key, self.owner, "skipped: no active account")
                return False
            where = await self.transport.send(build(user))
        except Exception as exc:
            log.warning("notification %s not sent: %s", key, exc)
            await self.repo.mark_failed(key, self.owner, str(exc) or type(exc).__name__)
            return False
        await self.repo.mark_sent(key, self.owner, where)
        log.info("notification %s sent to %s", key, where)
        return True

    async def _jobs(self) -> int:
        cutoff = utcnow() - JOB_LOOKBACK
        jobs: list[Job] = []
        for status in (JOB_DONE, JOB_FAILED):
            jobs += await self.state.repos.jobs.list_for_owner(None, status=status, limit=JOBS_PER_POLL)
        fresh = [
            j
            for j in jobs
            if j.name != ENHANCE_JOB_NAME
            and (finished := _when(j.finished)) is not None
            and finished >= cutoff
        ]
        keys = {f"job:{j.id}:{j.status}": j for j in fresh}
        known = await self.repo.known(list(keys))
        sent = 0
        settings = self.state.settings
        for key, job in keys.items():
            if key in known:
                continue
            sent += await self._send(
                key, job.owner, "job", lambda user, job=job: job_finished_message(settings, user, job)
            )
        return sent

    async def _low_balances(self) -> int:
        threshold = self.state.settings.low_balance_threshold
        if threshold <= 0:
            return 0
        sent = 0
        settings = self.state.settings
        for tx in await self.state.repos.transactions.debits_since(self.debits_since):
            if tx.balance_after is None:
                continue
            before = tx.balance_after - tx.amount  # amount < 0
            if not (before >= threshold > tx.balance_after):
                continue
            balance = tx.balance_after
            sent += await self._send(
                f"low-balance:{tx.key}",
                tx.user,
                "low_balance",
                lambda user, balance=balance: low_balance_message(settings, user, balance, threshold),
            )
        return sent


async def start_notifier(state: AppState) -> None:
    """App start-up hook: the notification task (kept in state.extras, so the app cancels it at shutdown)."""
    notifier = Notifier(state)
    state.extras[NOTIFIER_KEY] = notifier
    state.extras["notifier_task"] = asyncio.get_running_loop().create_task(
        notifier.run(), name="drisya-notifier"
    )
