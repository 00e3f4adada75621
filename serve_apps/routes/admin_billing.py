"""Admin: pricing (coins per image per module, rupees per coin, packs), the signup bonus, promo codes.

A job fixes its price per image when it is created, so a new price applies to jobs created after it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from serve_apps.auth.deps import AdminUser
from serve_apps.auth.schemas import PricingBody, PromoBody, PromoPatch, SignupBonusBody
from serve_apps.errors import ApiError
from serve_apps.payments.service import promotions
from serve_apps.state import StateDep
from store.documents import MODULES, BillingSettings, CoinPack, PromoCode

router = APIRouter(tags=["admin"])


def public_billing(billing: BillingSettings) -> dict[str, Any]:
    return {
        "pricing": billing.pricing,
        "rupees_per_coin": billing.rupees_per_coin,
        "packs": [p.to_dict() for p in billing.packs],
        "signup_bonus": billing.signup_bonus,
        "updated": billing.updated.isoformat() if hasattr(billing.updated, "isoformat") else billing.updated,
    }


def public_promo(promo: PromoCode) -> dict[str, Any]:
    return {
        "code": promo.code,
        "coins": promo.coins,
        "active": bool(promo.active),
        "max_uses": promo.max_uses,
        "max_uses_per_user": promo.max_uses_per_user,
        "uses": promo.uses,
        "expires": promo.expires,
        "note": promo.note,
        "created": promo.created.isoformat(),
    }


@router.get("/pricing")
async def get_pricing(admin: AdminUser, state: StateDep) -> dict[str, Any]:
    return public_billing(await state.repos.settings.billing())


@router.put("/pricing")
async def put_pricing(body: PricingBody, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    """Replace prices and packs; every module needs a price. Jobs already created keep their price."""
    missing = [m for m in MODULES if m not in body.pricing]
    unknown = [m for m in body.pricing if m not in MODULES]
    if missing or unknown:
        raise ApiError(422, f"pricing needs exactly the modules {', '.join(MODULES)}")
    if any(v < 0 or v > 100_000 for v in body.pricing.values()):
        raise ApiError(422, "a price is between 0 and 100000 coins per image")
    ids = [p.id for p in body.packs]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "pack ids must be unique")
    billing = await state.repos.settings.billing()
    billing.pricing = dict(body.pricing)
    billing.rupees_per_coin = float(body.rupees_per_coin)
    billing.packs = [CoinPack(p.id, p.name, p.coins, p.price) for p in body.packs]
    if body.signup_bonus is not None:
        billing.signup_bonus = body.signup_bonus
    return public_billing(await state.repos.settings.save_billing(billing))


@router.put("/signup-bonus")
async def put_signup_bonus(body: SignupBonusBody, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    """Coins every new account gets once (0: none); applies to accounts registered after."""
    billing = await state.repos.settings.billing()
    billing.signup_bonus = body.coins
    return public_billing(await state.repos.settings.save_billing(billing))


@router.get("/promotions")
async def list_promotions(admin: AdminUser, state: StateDep) -> dict[str, Any]:
    promos = await promotions(state).list()
    billing = await state.repos.settings.billing()
    return {
        "items": [public_promo(p) for p in promos],
        "total": len(promos),
        "signup_bonus": billing.signup_bonus,
    }


@router.post("/promotions", status_code=201)
async def create_promotion(body: PromoBody, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    promo = await promotions(state).create(
        body.code,
        body.coins,
        max_uses=body.max_uses,
        max_uses_per_user=body.max_uses_per_user,
        expires=body.expires,
        active=body.active,
        note=body.note,
    )
    return public_promo(promo)


@router.get("/promotions/{code}")
async def get_promotion(code: str, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    return public_promo(await promotions(state).get(code[:40]))


@router.patch("/promotions/{code}")
async def update_promotion(code: str, body: PromoPatch, admin: AdminUser, state: StateDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return public_promo(await promotions(state).update(code[:40], changes))


@router.delete("/promotions/{code}", status_code=204)
async def delete_promotion(code: str, admin: AdminUser, state: StateDep) -> Response:
    await promotions(state).delete(code[:40])
    return Response(status_code=204)
