"""Accounts: register, log in, refresh (rotating), log out."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from serve_apps.auth.deps import bearer_token, identify
from serve_apps.auth.schemas import LoginBody, LogoutBody, RefreshBody, RegisterBody
from serve_apps.auth.sessions import end_session, end_session_by_refresh, rotate_session, start_session
from serve_apps.auth.views import public_user
from serve_apps.errors import ApiError
from serve_apps.rate_limit import limit
from serve_apps.state import StateDep
from store.repositories import normalize_email

log = logging.getLogger("drisya.api.auth")

router = APIRouter(prefix="/v1/auth", tags=["auth"])


def limit_by_address(request: Request, rule: str) -> None:
    """Apply `rule` to the caller's network address, unless it is a loopback address.

    A loopback peer is this host itself (an operator's CLI, a test) or a same-host reverse proxy that did
    not forward the client's address; counting all of those as one caller would let one abuser lock
    every user out. Proxies that send X-Forwarded-For are resolved to the real client by uvicorn before
    this runs. Per-account limits (the login's per-e-mail one) apply whatever the address.
    """
    host = request.client.host if request.client else ""
    try:
        if not host or ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass  # not an IP (a unix socket peer name): limit it by that name
    limit(request, rule, key=f"ip:{host}")


@router.post("/register", status_code=201)
async def register(body: RegisterBody, request: Request, state: StateDep) -> dict[str, Any]:
    """Create a client account; the signup bonus of the billing settings is credited once."""
    limit_by_address(request, "register")
    user = await state.repos.users.create(body.email, body.password, name=body.name)
    bonus = (await state.repos.settings.billing()).signup_bonus
    if bonus > 0:
        try:
            await state.ledger.credit(user.id, bonus, "bonus", f"signup-bonus:{user.id}", ref="signup bonus")
        except Exception:  # the account exists either way; the bonus key makes a later retry safe
            log.exception("signup bonus for %s failed", user.id)
    return public_user(await state.repos.users.get(user.id))


@router.post("/login")
async def login(body: LoginBody, request: Request, state: StateDep) -> dict[str, Any]:
    """Exchange e-mail and password for an access token and a refresh token."""
    try:
        email = normalize_email(body.email)
    except ValueError:
        email = body.email.strip().lower()
    # per e-mail (guessing one account's password) and per address (trying many accounts)
    limit(request, "login", key=f"email:{email}")
    limit_by_address(request, "login")
    user = await state.repos.users.authenticate(email, body.password)
    if user is None:
        raise ApiError(401, "wrong e-mail or password", "invalid_credentials")
    if user.blocked:
        raise ApiError(403, "this account is blocked; contact the administrator", "blocked")
    return (await start_session(state, user.id)).to_public()


@router.post("/refresh")
async def refresh(body: RefreshBody, request: Request, state: StateDep) -> dict[str, Any]:
    """A new token pair for a refresh token, which is used up; presenting it again revokes the session."""
    limit_by_address(request, "refresh")
    return (await rotate_session(state, body.refresh_token)).to_public()


@router.post("/logout", status_code=204)
async def logout(request: Request, state: StateDep, body: LogoutBody | None = None) -> Response:
    """End the session of the refresh token in the body, or of the access token that authorises this call.

    Its refresh tokens and access tokens stop working at once."""
    if body is not None and body.refresh_token:
        if not await end_session_by_refresh(state, body.refresh_token):
            raise ApiError(401, "unknown refresh token", "unauthorized")
        return Response(status_code=204)
    _, session = await identify(state, bearer_token(request))
    if session is None:
        raise ApiError(422, "send the refresh token of the session to end (API keys are revoked instead)")
    await end_session(state, session)
    return Response(status_code=204)
