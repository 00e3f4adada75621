"""Riding out short database outages: retry transient PyMongo errors with bounded backoff.

A database that restarts, fails over to a new primary or drops a connection for a few seconds makes
PyMongo raise `AutoReconnect`, `NetworkTimeout`, `ServerSelectionTimeoutError` (connection refused)
and the like. None of these say the operation was wrong, only that it may not have reached the
server (or that its reply did not come back). A batch job must not fail for good on such a blip, so
its writes go through `retry_transient`, which calls the operation again with growing pauses until it
succeeds or the policy's time budget is spent; then `DatabaseUnavailable` is raised and the caller
ends as it would have without retrying (a job stays resumable).

Only idempotent operations may be retried: the first attempt may have been applied although its
reply was lost. Every caller documents why its operation is safe to run twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from store.errors import StoreError

T = TypeVar("T")

_log = logging.getLogger(__name__)

# Server error codes that mean "not now", not "not this": shutdown, step-down, failover, network.
TRANSIENT_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        189,  # PrimarySteppedDown
        262,  # ExceededTimeLimit
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)
_TRANSIENT_LABELS = ("RetryableWriteError", "TransientTransactionError")


class DatabaseUnavailable(StoreError):
    """The database did not answer within the retry budget; the operation may be tried again later."""

    code = "database_unavailable"


def is_transient(exc: BaseException) -> bool:
    """True for errors that say the database was unreachable for a moment, not that the call was bad."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, ConnectionFailure):  # AutoReconnect, NetworkTimeout, ServerSelectionTimeout ...
        return True
    if isinstance(exc, PyMongoError) and any(exc.has_error_label(label) for label in _TRANSIENT_LABELS):
        return True
    return isinstance(exc, OperationFailure) and exc.code in TRANSIENT_CODES


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying. `budget` counts seconds from the first failure of one call; the pauses
    grow from `first_delay` by `factor` up to `max_delay`, with jitter so that several writers that
    lost the same server do not all come back in the same millisecond.

    `still_worth_it`, when set, is asked after every failure: returning False gives up at once (the
    CLI's embedded database process has exited, so waiting for it is pointless)."""

    budget: float = 60.0
    first_delay: float = 0.2
    max_delay: float = 5.0
    factor: float = 2.0
    still_worth_it: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        if self.budget < 0 or self.first_delay <= 0 or self.max_delay < self.first_delay or self.factor < 1:
            raise ValueError(f"invalid retry policy {self}")

    def delay(self, attempt: int) -> float:
        """The pause after the `attempt`-th failure (1-based), jittered to 75..100% of the nominal."""
        nominal = min(self.max_delay, self.first_delay * self.factor ** max(0, attempt - 1))
        return nominal * (0.75 + 0.25 * random.random())


NO_RETRY = RetryPolicy(budget=0.0)


async def retry_transient(
    what: str,
    operation: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy | None = None,
    log: logging.Logger | None = None,
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """Run `operation()` (a fresh awaitable per call) until it succeeds, retrying transient errors.

    `what` names the operation in log lines ("record results of job 42"). Non-transient errors pass
    through untouched. When the budget is spent, DatabaseUnavailable (chained to the last error) says
    for how long the database did not answer. `on_retry` is told about every failure that is retried,
    so a caller can switch to a safer way of finishing (e.g. recount instead of increment)."""
    policy = policy or RetryPolicy()
    log = log or _log
    attempt = 0
    first_failure: float | None = None
    while True:
        try:
            result = await operation()
        except Exception as exc:
            if not is_transient(exc):
                raise
            now = time.monotonic()
            first_failure = now if first_failure is None else first_failure
            attempt += 1
            spent = now - first_failure
            pause = policy.delay(attempt)
            gone = policy.still_worth_it is not None and not policy.still_worth_it()
            if gone or spent + pause > policy.budget:
                reason = "the database process has exited" if gone else f"no answer for {spent:.0f}s"
                raise DatabaseUnavailable(
                    f"the database is unavailable ({reason}) while trying to {what}: "
                    f"{type(exc).__name__}: {_first_line(exc)}"
                ) from exc
            if attempt == 1:
                log.warning(
                    "database unavailable (%s) while trying to %s; retrying for up to %.0fs",
                    type(exc).__name__,
                    what,
                    policy.budget,
                )
            else:
                log.debug("still retrying %s (attempt %d, %.1fs): %s", what, attempt, spent, exc)
            if on_retry is not None:
                on_retry(exc)
            await asyncio.sleep(pause)
            continue
        if first_failure is not None:
            log.warning(
                "database answered again after %.1fs; %s succeeded", time.monotonic() - first_failure, what
            )
        return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""
