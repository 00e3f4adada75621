"""Route dependencies for the caller: `CurrentUser` (any signed-in user or API key), `AdminUser`.

`Authorization: Bearer <token>` carries either a JWT access token or an API key (`drs_...`), so the SDK
and the dashboard use one header. Blocked users are refused everywhere (403), tokens that do not verify
get 401 with `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from serve_apps.auth.sessions import session_revoked
from serve_apps.auth.tokens import InvalidToken, read_access_claims
from serve_apps.errors import ApiError
from serve_apps.state import AppState, get_state
from store.documents import User
from store.repositories import API_KEY_PREFIX

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, "unauthorized", headers=_CHALLENGE)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("sign in first: send Authorization: Bearer <access token or API key>")
    return token.strip()


async def user_for_token(state: AppState, token: str) -> User:
    """The active user a bearer token (access token or API key) stands for; ApiError 401/403 otherwise."""
    user, _ = await identify(state, token)
    return user


async def identify(state: AppState, token: str) -> tuple[User, str | None]:
    """The active user of a bearer token and the sign-in session of an access token (None for API keys)."""
    session: str | None = None
    if token.startswith(API_KEY_PREFIX):
        key = await state.repos.api_keys.verify(token)
        if key is None:
            raise unauthorized("the API key is unknown or revoked")
        user_id = key.user
    else:
        try:
            claims = read_access_claims(state.settings, token)
        except InvalidToken:
            raise unauthorized("the access token is invalid or expired; log in or refresh it") from None
        user_id, session = claims.user_id, claims.session
    user = await state.repos.users.find(user_id)
    if user is None:
        raise unauthorized("the account no longer exists")
    if user.blocked:  # before the session check: a block also ends sessions, and this says why
        raise ApiError(403, "this account is blocked; contact the administrator", "blocked")
    if session is not None and await session_revoked(state, session):
        raise unauthorized("this session was signed out; log in again")
    return user, session


async def current_user(request: Request, state: Annotated[AppState, Depends(get_state)]) -> User:
    user, session = await identify(state, bearer_token(request))
    request.state.user_id = user.id  # for per-user rate limits and logs
    request.state.session = session  # the sign-in this request belongs to (None for API keys)
    return user


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise ApiError(403, "this needs an administrator account", "forbidden")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
