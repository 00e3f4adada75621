"""Admin: users (search, role, block) and their coins (grant, deduct), recorded in the ledger with the
admin's id and reason."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from serve_apps.auth.deps import AdminUser
from serve_apps.auth.schemas import AdminUserPatch, CoinsBody
from serve_apps.auth.sessions import refresh_tokens
from serve_apps.auth.views import admin_ref, public_transaction, public_user
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from store.documents import ROLES
from store.ledger import InsufficientCoins

router = APIRouter(tags=["admin"])


@router.get("/users")
async def list_users(
    admin: AdminUser,
    state: StateDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    role: Annotated[str | None, Query(max_length=20)] = None,
    blocked: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Users whose e-mail or name contains `q` (or whose id is `q`), newest first."""
    if role is not None and role not in ROLES:
        raise ApiError(422, f"role must be one of {', '.join(ROLES)}")
    users, total = await state.repos.users.search(
        q, role=role, blocked=blocked, limit=page_size, skip=(page - 1) * page_size
    )
    return {"items": [public_user(u) for u in users], "total": total, "page": page, "page_size": page_size}


@router.get("/users/{user_id}")
async def get_user(user_id: str, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    return public_user(await state.repos.users.get(user_id[:64]))


@router.patch("/users/{user_id}")
async def update_user(
    user_id: str, body: AdminUserPatch, admin: AdminUser, state: StateDep
) -> dict[str, Any]:
    """Change a user's role or block/unblock them. Blocking signs them out everywhere at once."""
    user = await state.repos.users.get(user_id[:64])
    if user.id == admin.id and (body.blocked or (body.role is not None and body.role != "admin")):
        raise ApiError(409, "you cannot block or demote yourself; ask another administrator", "self_change")
    if body.role is not None:
        if body.role not in ROLES:
            raise ApiError(422, f"role must be one of {', '.join(ROLES)}")
        user = await state.repos.users.set_role(user.id, body.role)
    if body.blocked is not None:
        user = await state.repos.users.set_blocked(user.id, body.blocked)
        if body.blocked:
            await refresh_tokens(state).revoke_user(user.id)
    return public_user(user)


@router.post("/users/{user_id}/coins")
async def adjust_coins(user_id: str, body: CoinsBody, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    """Grant (amount > 0) or deduct (amount < 0) coins. A deduction larger than the balance is refused
    with 402 and changes nothing. Send `idempotency_key` to make a retried request count once."""
    user = await state.repos.users.get(user_id[:64])
    if body.amount == 0:
        raise ApiError(422, "amount must not be 0: positive grants, negative deducts")
    reason = body.reason.strip()
    if not reason:
        raise ApiError(422, "reason must not be blank")
    key = f"admin-coins:{admin.id}:{body.idempotency_key or uuid.uuid4().hex}"
    ref = admin_ref(admin.id, reason)
    if body.amount > 0:
        tx = await state.ledger.credit(user.id, body.amount, "grant", key, ref=ref)
    else:
        try:
            tx = await state.ledger.debit(user.id, -body.amount, "deduct", key, ref=ref)
        except InsufficientCoins as exc:
            raise ApiError(
                402,
                f"cannot deduct {-body.amount} coins: the balance is {exc.balance}; deduct at most {exc.balance}",
                "insufficient_coins",
                balance=exc.balance,
                shortfall=exc.shortfall,
            ) from None
    return {
        "user": public_user(await state.repos.users.get(user.id)),
        "transaction": public_transaction(tx, for_admin=True),
    }


@router.get("/users/{user_id}/transactions")
async def user_transactions(
    user_id: str,
    admin: AdminUser,
    state: StateDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    user = await state.repos.users.get(user_id[:64])
    repo = state.repos.transactions
    items = await repo.list_for_user(user.id, limit=page_size, skip=(page - 1) * page_size)
    return {
        "items": [public_transaction(t, for_admin=True) for t in items],
        "total": await repo.count_for_user(user.id),
    }
