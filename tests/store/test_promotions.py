"""Promo-code limits under concurrency against the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from store.errors import Conflict, InvalidValue
from store.repositories.promotions import PromotionsRepo, PromoUnavailable


@pytest.fixture
async def promos(db) -> PromotionsRepo:
    return PromotionsRepo(db)


def _code() -> str:
    return f"P{uuid.uuid4().hex[:8].upper()}"


async def test_overall_limit_holds_when_many_users_redeem_at_once(promos):
    code = _code()
    await promos.create(code, 10, max_uses=3, max_uses_per_user=1)
    results = await asyncio.gather(
        *(promos.redeem(code, f"user{i}", f"pay{i}") for i in range(12)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 3
    assert all(isinstance(r, PromoUnavailable) for r in results if isinstance(r, Exception))
    assert (await promos.get(code)).uses == 3


async def test_per_user_limit_holds_when_one_user_redeems_at_once(promos):
    code = _code()
    await promos.create(code, 10, max_uses_per_user=2)
    results = await asyncio.gather(
        *(promos.redeem(code, "same", f"pay{i}") for i in range(8)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 2
    assert (await promos.get(code)).uses == 2


async def test_one_payment_redeems_once_however_often_it_is_fulfilled(promos):
    code = _code()
    await promos.create(code, 10, max_uses_per_user=5)
    results = await asyncio.gather(*(promos.redeem(code, "u", "one-payment") for _ in range(6)))
    assert {r.payment for r in results} == {"one-payment"}
    assert (await promos.get(code)).uses == 1


async def test_expiry_inactivity_and_validation(promos):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    old, off = _code(), _code()
    await promos.create(old, 5, expires=past.isoformat())
    await promos.create(off, 5, active=False)
    with pytest.raises(PromoUnavailable, match="expired"):
        await promos.redeem(old, "u", "p1")
    with pytest.raises(PromoUnavailable, match="no longer active"):
        await promos.redeem(off, "u", "p2")
    with pytest.raises(PromoUnavailable, match="does not exist"):
        await promos.redeem("NOPE-NOPE", "u", "p3")
    with pytest.raises(Conflict):
        await promos.create(old.lower(), 5)
    for bad in (
        {"code": "a", "coins": 1},
        {"code": _code(), "coins": 0},
        {"code": _code(), "coins": 1, "expires": "x"},
    ):
        with pytest.raises(InvalidValue):
            await promos.create(**bad)
    updated = await promos.update(off, {"active": True, "expires": None})
    assert updated.active is True
    assert (await promos.redeem(off, "u", "p4")).coins == 5
