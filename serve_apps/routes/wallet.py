"""Wallet: coin packs, orders (test provider or Razorpay), checkout verification, Razorpay webhooks."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from serve_apps.auth.deps import CurrentUser
from serve_apps.auth.schemas import OrderBody, VerifyBody
from serve_apps.errors import ApiError
from serve_apps.payments.providers import ProviderError
from serve_apps.payments.service import (
    create_order,
    event_id_of,
    fulfil,
    handle_webhook,
    provider,
)
from serve_apps.rate_limit import limit
from serve_apps.state import StateDep
from store.documents import Payment

log = logging.getLogger("drisya.api.wallet")

router = APIRouter(prefix="/v1/wallet", tags=["wallet"])

MAX_WEBHOOK_BYTES = 256 * 1024  # Razorpay events are a few KiB


def public_payment(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "provider": payment.provider,
        "order_id": payment.provider_order_id,
        "pack": payment.pack,
        "coins": payment.coins,
        "bonus_coins": payment.bonus_coins,
        "promo_code": payment.promo_code,
        "promo_error": payment.promo_error,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "error": payment.error,
        "created": payment.created.isoformat(),
    }


@router.get("/packs")
async def packs(state: StateDep) -> dict[str, Any]:
    """Coin packs for sale (public: the pricing page shows them before sign-up)."""
    billing = await state.repos.settings.billing()
    return {
        "packs": [p.to_dict() for p in billing.packs],
        "currency": "INR",
        "rupees_per_coin": billing.rupees_per_coin,
        "pricing": billing.pricing,
        "provider": provider(state).name,
    }


@router.post("/orders", status_code=201)
async def order(body: OrderBody, user: CurrentUser, request: Request, state: StateDep) -> dict[str, Any]:
    """Buy a pack. With the test provider the coins are credited at once (`provider: "test"`); with
    Razorpay the answer carries what Checkout needs, and coins arrive through /verify or the webhook."""
    limit(request, "payments")
    try:
        return await create_order(state, user, body.pack_id, body.promo_code)
    except ProviderError as exc:
        raise ApiError(502, str(exc), "payment_provider_error") from None


@router.get("/orders")
async def orders(
    user: CurrentUser,
    state: StateDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    items = await state.repos.payments.list_for_user(user.id, limit=page_size, skip=(page - 1) * page_size)
    return {
        "items": [public_payment(p) for p in items],
        "total": await state.repos.payments.count_for_user(user.id),
    }


@router.post("/verify")
async def verify(body: VerifyBody, user: CurrentUser, request: Request, state: StateDep) -> dict[str, Any]:
    """Razorpay Checkout's success handler: the signature proves the payment; coins are credited once
    whether this, the webhook, or both (in any order, any number of times) arrive."""
    limit(request, "payments")
    payment = await state.repos.payments.by_order(body.razorpay_order_id)
    if payment is None or payment.user != user.id:
        raise ApiError(404, f"no order {body.razorpay_order_id}", "not_found")
    if payment.provider != "razorpay":
        raise ApiError(409, "this order was paid by the test provider when it was created", "not_razorpay")
    chosen = provider(state)
    if chosen.name != "razorpay":
        raise ApiError(409, "Razorpay is not the configured payment provider", "not_razorpay")
    if not chosen.checkout_signature_ok(
        body.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature
    ):
        raise ApiError(
            400, "the payment signature does not verify; nothing was credited", "signature_invalid"
        )
    done = await fulfil(state, body.razorpay_order_id, provider_payment_id=body.razorpay_payment_id)
    return {
        **public_payment(done.payment),
        "balance": await state.ledger.balance(user.id),
    }


@router.post("/webhooks/razorpay")
async def razorpay_webhook(request: Request, state: StateDep) -> dict[str, Any]:
    """Razorpay's events, authenticated by X-Razorpay-Signature over the raw body (no user token)."""
    chosen = provider(state)
    if chosen.name != "razorpay" or not getattr(chosen, "accepts_webhooks", False):
        raise ApiError(
            404, "Razorpay webhooks are not configured (DRISYA_RAZORPAY_WEBHOOK_SECRET)", "not_found"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise ApiError(413, "webhook body too large")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_WEBHOOK_BYTES:
            raise ApiError(413, "webhook body too large")
    signature = request.headers.get("x-razorpay-signature", "")
    if not signature or not chosen.webhook_signature_ok(raw, signature):
        log.warning("razorpay webhook with a bad signature refused")
        raise ApiError(400, "the webhook signature does not verify", "signature_invalid")
    outcome = await handle_webhook(state, raw, event_id_of(raw, request.headers.get("x-razorpay-event-id")))
    return outcome.to_public()
