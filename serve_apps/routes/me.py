"""The signed-in user: profile, ledger history, API keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from serve_apps.auth.deps import CurrentUser
from serve_apps.auth.schemas import ApiKeyBody, ProfilePatch
from serve_apps.auth.sessions import refresh_tokens
from serve_apps.auth.views import public_api_key, public_transaction, public_user
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from store.documents import TRANSACTION_KINDS

router = APIRouter(prefix="/v1/me", tags=["me"])

MAX_ACTIVE_API_KEYS = 50


@router.get("")
async def me(user: CurrentUser) -> dict[str, Any]:
    return public_user(user)


@router.patch("")
async def update_me(
    body: ProfilePatch, user: CurrentUser, request: Request, state: StateDep
) -> dict[str, Any]:
    """Change the name, or the password (with the current one); a new password signs out every other
    session, so a stolen refresh token stops working."""
    if body.name is None and body.new_password is None:
        raise ApiError(422, "nothing to change: send name and/or new_password (with current_password)")
    if body.new_password is not None:
        if not body.current_password:
            raise ApiError(422, "changing the password needs current_password", "current_password_required")
        if not await state.repos.users.check_password(user.id, body.current_password):
            raise ApiError(403, "the current password is wrong", "wrong_password")
        await state.repos.users.set_password(user.id, body.new_password)
        await refresh_tokens(state).revoke_user(user.id, keep_family=getattr(request.state, "session", None))
    if body.name is not None:
        await state.repos.users.set_name(user.id, body.name)
    return public_user(await state.repos.users.get(user.id))


@router.get("/transactions")
async def transactions(
    user: CurrentUser,
    state: StateDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """The caller's coin ledger, newest first, each entry with a readable reason."""
    if kind is not None and kind not in TRANSACTION_KINDS:
        raise ApiError(422, f"kind must be one of {', '.join(TRANSACTION_KINDS)}")
    repo = state.repos.transactions
    items = await repo.list_for_user(user.id, kind=kind, limit=page_size, skip=(page - 1) * page_size)
    total = await repo.count_for_user(user.id, kind=kind)
    return {
        "items": [public_transaction(t) for t in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.post("/api-keys", status_code=201)
async def create_api_key(body: ApiKeyBody, user: CurrentUser, state: StateDep) -> dict[str, Any]:
    """A new API key for the SDK. The key is in this answer only: it is stored hashed."""
    active = [k for k in await state.repos.api_keys.list_for(user.id) if not k.revoked]
    if len(active) >= MAX_ACTIVE_API_KEYS:
        raise ApiError(
            409, f"at most {MAX_ACTIVE_API_KEYS} active API keys; revoke one first", "too_many_keys"
        )
    key, raw = await state.repos.api_keys.create(user.id, body.name)
    return {**public_api_key(key), "key": raw}


@router.get("/api-keys")
async def list_api_keys(user: CurrentUser, state: StateDep) -> dict[str, Any]:
    keys = await state.repos.api_keys.list_for(user.id)
    return {"items": [public_api_key(k) for k in keys], "total": len(keys)}


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_api_key(key_id: str, user: CurrentUser, state: StateDep) -> Response:
    """Revoke one of the caller's keys (another user's key is 404, as if it did not exist)."""
    await state.repos.api_keys.revoke(user.id, key_id[:64])
    return Response(status_code=204)
