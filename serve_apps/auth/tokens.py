"""Short-lived access tokens (JWT, HS256) signed with the one secret from settings.

Access tokens carry only the user id and a token type; role and blocked state are read from the database
on every request, so a demotion or a block applies at once rather than when the token expires.
Refresh tokens are opaque and rotate (see `serve_apps.auth.sessions`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import jwt

from cluster.settings import Settings

ALGORITHM = "HS256"
ACCESS = "access"


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or of the wrong type."""


def _secret(settings: Settings) -> str:
    if not settings.jwt_secret:
        raise RuntimeError("settings.jwt_secret is unset; ensure_jwt_secret() runs before the app starts")
    return settings.jwt_secret


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session: str | None  # the refresh-token family it was issued for; signing out revokes it


def issue_access_token(
    settings: Settings, user_id: str, *, session: str | None = None, now: dt.datetime | None = None
) -> str:
    """`session` ties the token to a sign-in, so logging out (or a refresh-token reuse) ends it at once
    rather than when it expires."""
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "sub": user_id,
        "typ": ACCESS,
        "iat": issued,
        "exp": issued + dt.timedelta(seconds=settings.access_token_ttl_s),
        "jti": uuid.uuid4().hex,
    }
    if session:
        claims["sid"] = session
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM)


def read_access_token(settings: Settings, token: str) -> str:
    """The user id of a valid access token; InvalidToken otherwise."""
    return read_access_claims(settings, token).user_id


def read_access_claims(settings: Settings, token: str) -> AccessClaims:
    """The user id and session of a valid access token; InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token, _secret(settings), algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != ACCESS or not isinstance(claims.get("sub"), str):
        raise InvalidToken("not an access token")
    session = claims.get("sid")
    return AccessClaims(claims["sub"], session if isinstance(session, str) else None)
