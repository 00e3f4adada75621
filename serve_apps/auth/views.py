"""What the API shows of accounts: one shape for /me, registration and the admin's user lists."""

from __future__ import annotations

from typing import Any

from store.documents import ApiKey, Transaction, User


def public_user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "coins": user.coins,
        "blocked": bool(user.blocked),
        "created": user.created.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def public_api_key(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": f"drs_{key.prefix}",
        "created": key.created.isoformat(),
        "last_used": key.last_used.isoformat() if key.last_used else None,
        "revoked": bool(key.revoked),
    }


# Admin grants and deductions carry who did it and why in the ledger entry's `ref`.
_ADMIN_REF = "admin:"


def admin_ref(admin_id: str, reason: str) -> str:
    return f"{_ADMIN_REF}{admin_id}:{reason.strip()}"


def parse_admin_ref(ref: str | None) -> tuple[str | None, str | None]:
    """(admin id, reason) of an admin entry's ref; (None, ref) for any other ref."""
    if ref and ref.startswith(_ADMIN_REF):
        admin_id, _, reason = ref[len(_ADMIN_REF) :].partition(":")
        return admin_id, reason
    return None, ref


def _reason(tx: Transaction) -> str:
    _, detail = parse_admin_ref(tx.ref)
    job = f" {tx.job}" if tx.job else ""
    if tx.kind == "grant":
        return f"granted by an administrator: {detail}" if detail else "granted by an administrator"
    if tx.kind == "deduct":
        return f"deducted by an administrator: {detail}" if detail else "deducted by an administrator"
    if tx.kind == "reserve":
        return f"reserved for job{job}"
    if tx.kind == "capture":
        return f"charged for processed images of job{job}"
    if tx.kind == "release":
        return f"unused reservation of job{job} returned"
    if tx.kind == "refund":
        return detail or f"refund for job{job}"
    return detail or tx.kind


def public_transaction(tx: Transaction, *, for_admin: bool = False) -> dict[str, Any]:
    """A ledger entry with a reason a person can read; `amount` is the change to the balance, `charge`
    the coins a capture took from a job's reservation."""
    by, _ = parse_admin_ref(tx.ref)
    out: dict[str, Any] = {
        "id": tx.id,
        "kind": tx.kind,
        "amount": tx.amount,
        "charge": tx.charge,
        "reason": _reason(tx),
        "job": tx.job,
        "payment": tx.payment,
        "balance_after": tx.balance_after,
        "created": tx.created.isoformat(),
    }
    if for_admin:
        out["by"] = by
        out["key"] = tx.key
    return out
