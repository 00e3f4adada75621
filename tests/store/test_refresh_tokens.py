"""Refresh-token rotation against the real database: one winner per token, reuse revokes the family."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from store.repositories.refresh_tokens import (
    ExpiredRefreshToken,
    RefreshTokenError,
    RefreshTokensRepo,
    ReusedRefreshToken,
    RevokedRefreshToken,
    UnknownRefreshToken,
)


@pytest.fixture
async def tokens(db) -> RefreshTokensRepo:
    return RefreshTokensRepo(db)


async def test_tokens_are_stored_hashed_and_rotate_within_their_family(tokens, db, user):
    record, raw = await tokens.issue(user, 3600)
    stored = await db["refresh_tokens"].find_one({"_id": record.id})
    assert raw not in str(stored) and stored["hash"] != raw
    nxt, raw2 = await tokens.rotate(raw, 3600)
    assert nxt.family == record.family and raw2 != raw
    third, _ = await tokens.rotate(raw2, 3600)
    assert third.family == record.family


async def test_concurrent_exchanges_of_one_token_have_one_winner_and_revoke_the_family(tokens, user):
    _, raw = await tokens.issue(user, 3600)
    results = await asyncio.gather(*(tokens.rotate(raw, 3600) for _ in range(8)), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) <= 1
    assert all(isinstance(r, RefreshTokenError) for r in results if isinstance(r, Exception))
    # whatever won, the family saw a reuse and is revoked: the winner's token no longer works either
    for won, raw_next in winners:
        with pytest.raises(RevokedRefreshToken):
            await tokens.rotate(raw_next, 3600)
        assert await tokens.family_revoked(won.family)


async def test_unknown_expired_and_revoked_tokens_are_refused(tokens, user):
    with pytest.raises(UnknownRefreshToken):
        await tokens.rotate("drt_" + "A" * 43, 3600)
    with pytest.raises(UnknownRefreshToken):
        await tokens.rotate("not even a token", 3600)
    _, short = await tokens.issue(user, -1)
    with pytest.raises(ExpiredRefreshToken):
        await tokens.rotate(short, 3600)
    record, raw = await tokens.issue(user, 3600)
    _, other = await tokens.issue(user, 3600)
    assert await tokens.revoke_user(user, keep_family=record.family) >= 1
    with pytest.raises(RevokedRefreshToken):
        await tokens.rotate(other, 3600)
    kept, raw_kept = await tokens.rotate(raw, 3600)
    with pytest.raises(ReusedRefreshToken):
        await tokens.rotate(raw, 3600)
    with pytest.raises(RevokedRefreshToken):
        await tokens.rotate(raw_kept, 3600)
    assert await tokens.delete_expired(before=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) >= 3
