"""store.retry: which errors count as a blip, and how long a call is retried (no database needed:
the operations are plain coroutines that fail the way PyMongo does)."""

from __future__ import annotations

import logging

import pytest
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from store.retry import DatabaseUnavailable, RetryPolicy, is_transient, retry_transient

FAST = RetryPolicy(budget=2.0, first_delay=0.01, max_delay=0.05)


def _flaky(failures: list[Exception], result: str = "ok"):
    calls: list[int] = []

    async def operation() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return result

    return operation, calls


def test_connection_errors_and_failover_codes_are_transient_bad_calls_are_not() -> None:
    assert is_transient(AutoReconnect("connection reset"))
    assert is_transient(NetworkTimeout("timed out"))
    assert is_transient(ServerSelectionTimeoutError("connection refused"))
    assert is_transient(OperationFailure("stepped down", code=189))
    assert is_transient(OperationFailure("shutting down", code=91))
    assert is_transient(DatabaseUnavailable("gone"))
    assert not is_transient(DuplicateKeyError("E11000", code=11000))
    assert not is_transient(OperationFailure("bad query", code=2))
    assert not is_transient(ValueError("not ours"))


async def test_a_blip_is_retried_until_the_call_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    operation, calls = _flaky([AutoReconnect("reset"), ServerSelectionTimeoutError("refused")])
    seen: list[BaseException] = []
    with caplog.at_level(logging.WARNING):
        assert await retry_transient("write x", operation, policy=FAST, on_retry=seen.append) == "ok"
    assert len(calls) == 3 and len(seen) == 2
    assert "retrying" in caplog.text and "answered again" in caplog.text


async def test_a_bad_call_is_not_retried() -> None:
    operation, calls = _flaky([DuplicateKeyError("E11000", code=11000)])
    with pytest.raises(DuplicateKeyError):
        await retry_transient("write x", operation, policy=FAST)
    assert len(calls) == 1


async def test_an_outage_longer_than_the_budget_raises_database_unavailable() -> None:
    operation, calls = _flaky([AutoReconnect("reset")] * 1000)
    policy = RetryPolicy(budget=0.3, first_delay=0.01, max_delay=0.05)
    with pytest.raises(DatabaseUnavailable, match="while trying to write x: AutoReconnect: reset") as exc:
        await retry_transient("write x", operation, policy=policy)
    assert isinstance(exc.value.__cause__, AutoReconnect)
    assert 2 < len(calls) < 1000


async def test_a_database_known_to_be_gone_is_not_waited_for() -> None:
    operation, calls = _flaky([AutoReconnect("reset")] * 10)
    policy = RetryPolicy(budget=60.0, still_worth_it=lambda: False)
    with pytest.raises(DatabaseUnavailable, match="process has exited"):
        await retry_transient("write x", operation, policy=policy)
    assert len(calls) == 1


def test_pauses_grow_up_to_the_cap_and_the_policy_refuses_nonsense() -> None:
    policy = RetryPolicy(first_delay=0.2, max_delay=5.0, factor=2.0)
    assert 0.15 <= policy.delay(1) <= 0.2
    assert 3.75 <= policy.delay(10) <= 5.0
    with pytest.raises(ValueError):
        RetryPolicy(budget=-1)
