"""Sign-in sessions: an access token (short-lived JWT) plus a rotating refresh token of one family.

The access token names its family (`sid`), so signing out or a detected refresh-token reuse ends the
access token too instead of leaving it valid until it expires.
"""

from __future__ import annotations

from dataclasses import dataclass

from serve_apps.auth.tokens import issue_access_token
from serve_apps.errors import ApiError
from serve_apps.state import AppState
from store.repositories.refresh_tokens import (
    RefreshTokenError,
    RefreshTokensRepo,
    ReusedRefreshToken,
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives
    token_type: str = "bearer"

    def to_public(self) -> dict[str, str | int]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }


def refresh_tokens(state: AppState) -> RefreshTokensRepo:
    return state.repos.refresh_tokens


async def start_session(state: AppState, user_id: str) -> TokenPair:
    record, raw = await refresh_tokens(state).issue(user_id, state.settings.refresh_token_ttl_s)
    access = issue_access_token(state.settings, user_id, session=record.family)
    return TokenPair(access, raw, state.settings.access_token_ttl_s)


async def rotate_session(state: AppState, raw_refresh: str) -> TokenPair:
    """The next pair for a refresh token; 401 when it is unknown, expired, revoked or reused."""
    try:
        record, raw = await refresh_tokens(state).rotate(raw_refresh, state.settings.refresh_token_ttl_s)
    except ReusedRefreshToken as exc:
        raise ApiError(401, f"{exc}; sign in again", "refresh_token_reused", headers=_CHALLENGE) from None
    except RefreshTokenError as exc:
        raise ApiError(401, f"{exc}; sign in again", "unauthorized", headers=_CHALLENGE) from None
    # the user may have been blocked or deleted since the last refresh
    user = await state.repos.users.find(record.user)
    if user is None:
        await refresh_tokens(state).revoke_family(record.family)
        raise ApiError(401, "the account no longer exists", "unauthorized", headers=_CHALLENGE)
    if user.blocked:
        raise ApiError(403, "this account is blocked; contact the administrator", "blocked")
    access = issue_access_token(state.settings, record.user, session=record.family)
    return TokenPair(access, raw, state.settings.access_token_ttl_s)


async def end_session_by_refresh(state: AppState, raw_refresh: str) -> bool:
    """Revoke the family of a refresh token; False when the token is unknown."""
    repo = refresh_tokens(state)
    record = await repo.find(raw_refresh)
    if record is None:
        return False
    await repo.revoke_family(record.family)
    return True


async def session_revoked(state: AppState, session: str) -> bool:
    return await refresh_tokens(state).family_revoked(session)


async def end_session(state: AppState, session: str) -> None:
    await refresh_tokens(state).revoke_family(session)
