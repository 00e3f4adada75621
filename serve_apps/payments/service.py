"""Buying coins: orders, fulfilment (coins credited exactly once per order) and Razorpay webhooks.

Fulfilment is a sequence of idempotent steps, so every path that learns an order was paid (the checkout's
POST /wallet/verify, a webhook, a retry of either, the test provider at once) simply runs it again:
1. credit the pack's coins, ledger key `purchase:<order>`;
2. redeem the order's promo code for this payment (once per payment, store.repositories.promotions) and
   credit its bonus, ledger key `promo:<order>`;
3. mark the payment paid.
A crash between steps leaves nothing half-counted: the next delivery (Razorpay retries webhooks) finishes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from serve_apps.errors import ApiError
from serve_apps.payments.providers import PaymentProvider, provider_from_settings
from serve_apps.state import AppState
from store.documents import PAYMENT_PAID, Payment, User, new_id
from store.errors import NotFound
from store.repositories.promotions import PromotionsRepo, PromoUnavailable

log = logging.getLogger("drisya.payments")

PROVIDER_KEY = "payment_provider"


def provider(state: AppState) -> PaymentProvider:
    """The provider of this process (built from settings once; tests may place one in state.extras)."""
    found = state.extras.get(PROVIDER_KEY)
    if found is None:
        try:
            found = state.extras[PROVIDER_KEY] = provider_from_settings(state.settings)
        except ValueError as exc:  # razorpay chosen without its keys: say so instead of a 500
            raise ApiError(503, f"payments are not configured: {exc}", "payments_unavailable") from None
    return found


def promotions(state: AppState) -> PromotionsRepo:
    return state.repos.promotions


def purchase_key(order_id: str) -> str:
    return f"purchase:{order_id}"


def promo_key(order_id: str) -> str:
    return f"promo:{order_id}"


@dataclass
class Fulfilment:
    payment: Payment
    coins: int
    bonus_coins: int
    promo_error: str | None


async def create_order(state: AppState, user: User, pack_id: str, promo_code: str | None) -> dict[str, Any]:
    billing = await state.repos.settings.billing()
    try:
        pack = billing.pack(pack_id)
    except KeyError:
        raise NotFound(f"no coin pack {pack_id!r}; GET /v1/wallet/packs lists them") from None
    code = None
    if promo_code:
        code = (await promotions(state).check(promo_code, user.id)).code  # refuse early, redeem when paid
    chosen = provider(state)
    payment_id = new_id()
    order = await chosen.create_order(  # ProviderError propagates: the route answers 502
        amount=pack.price,
        currency="INR",
        receipt=payment_id,
        notes={"user": user.id, "pack": pack.id, "payment": payment_id},
    )
    payment = await state.repos.payments.create(
        user.id,
        provider=chosen.name,
        provider_order_id=order.order_id,
        pack=pack.id,
        coins=pack.coins,
        amount=order.amount,
        currency=order.currency,
        promo_code=code,
        payment_id=payment_id,
    )
    answer: dict[str, Any] = {
        "provider": chosen.name,
        "order_id": order.order_id,
        "payment_id": payment.id,
        "pack": pack.to_dict(),
        "amount": order.amount,
        "currency": order.currency,
        "promo_code": code,
        "status": payment.status,
    }
    if order.paid_at_once:
        done = await fulfil(state, order.order_id, provider_payment_id=f"test_pay_{payment.id}")
        answer.update(
            status=done.payment.status,
            coins_credited=done.coins,
            bonus_coins=done.bonus_coins,
            promo_error=done.promo_error,
            note="test provider: no money moved; coins were credited at once",
        )
    else:
        answer["checkout"] = {
            **order.checkout,
            "amount": order.amount,
            "currency": order.currency,
            "name": "Drisya",
        }
    return answer


async def fulfil(state: AppState, order_id: str, *, provider_payment_id: str | None) -> Fulfilment:
    """Credit a paid order (idempotent; see the module docstring)."""
    payment = await state.repos.payments.by_order(order_id)
    if payment is None:
        raise NotFound(f"no order {order_id}")
    await state.ledger.credit(
        payment.user,
        payment.coins,
        "purchase",
        purchase_key(order_id),
        ref=f"{payment.coins} coins ({payment.pack} pack, {payment.provider} order {order_id})",
        payment=payment.id,
    )
    bonus, promo_error = 0, None
    if payment.promo_code:
        try:
            redemption = await promotions(state).redeem(payment.promo_code, payment.user, payment.id)
        except PromoUnavailable as exc:
            promo_error = str(exc)
        else:
            bonus = redemption.coins
            await state.ledger.credit(
                payment.user,
                bonus,
                "promo",
                promo_key(order_id),
                ref=f"promo code {payment.promo_code} with order {order_id}",
                payment=payment.id,
            )
        await state.repos.payments.set_bonus(order_id, bonus, promo_error)
    if payment.status != PAYMENT_PAID:
        await state.repos.payments.mark_paid(order_id, provider_payment_id=provider_payment_id)
    fresh = await state.repos.payments.by_order(order_id)
    assert fresh is not None
    return Fulfilment(fresh, payment.coins, bonus, promo_error)


# --- Razorpay webhooks --------------------------------------------------------------------------------


@dataclass
class WebhookOutcome:
    status: str  # "processed" | "duplicate" | "ignored"
    event: str
    order_id: str | None = None
    detail: str = ""

    def to_public(self) -> dict[str, Any]:
        return {"status": self.status, "event": self.event, "order_id": self.order_id, "detail": self.detail}


def event_id_of(raw_body: bytes, header: str | None) -> str:
    """The event's id: Razorpay's `x-razorpay-event-id` header, else an `id` in the payload, else the
    body's digest (the same for a re-delivery of the same event)."""
    if header and header.strip():
        return header.strip()[:200]
    try:
        body = json.loads(raw_body)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("id"), str) and body["id"].strip():
        return body["id"].strip()[:200]
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def _entity(payload: dict[str, Any], name: str) -> dict[str, Any]:
    part = payload.get(name)
    entity = part.get("entity") if isinstance(part, dict) else None
    return entity if isinstance(entity, dict) else {}


async def handle_webhook(state: AppState, raw_body: bytes, event_id: str) -> WebhookOutcome:
    """Apply one verified Razorpay event; any order of payment.failed/payment.captured/order.paid and any
    number of repeats lead to the same state (paid wins over failed; credits happen once)."""
    try:
        body = json.loads(raw_body)
    except ValueError:
        return WebhookOutcome("ignored", "?", detail="body is not JSON")
    if not isinstance(body, dict):
        return WebhookOutcome("ignored", "?", detail="body is not a JSON object")
    event = str(body.get("event", ""))[:100]
    payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
    payment_entity = _entity(payload, "payment")
    order_entity = _entity(payload, "order")
    order_id = order_entity.get("id") or payment_entity.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return WebhookOutcome("ignored", event, detail="no order id in the event")
    payment = await state.repos.payments.by_order(order_id)
    if payment is None:
        log.warning("razorpay webhook %s for unknown order %s ignored", event, order_id)
        return WebhookOutcome("ignored", event, order_id, "not an order of this platform")
    if await state.repos.payments.seen_event(order_id, event_id):
        return WebhookOutcome("duplicate", event, order_id)

    if event in ("payment.captured", "order.paid"):
        paid = int(order_entity.get("amount_paid") or payment_entity.get("amount") or 0)
        currency = str(payment_entity.get("currency") or order_entity.get("currency") or payment.currency)
        if paid < payment.amount or currency != payment.currency:
            log.error(
                "razorpay %s for %s pays %s %s, expected %s %s",
                event,
                order_id,
                paid,
                currency,
                payment.amount,
                payment.currency,
            )
            await state.repos.payments.record_event(order_id, event_id)
            return WebhookOutcome("ignored", event, order_id, "amount or currency does not match the order")
        pay_id = payment_entity.get("id") if isinstance(payment_entity.get("id"), str) else None
        await fulfil(state, order_id, provider_payment_id=pay_id)
        outcome = WebhookOutcome("processed", event, order_id)
    elif event == "payment.failed":
        reason = str(
            payment_entity.get("error_description") or payment_entity.get("error_code") or "payment failed"
        )
        await state.repos.payments.mark_failed(order_id, reason)  # a paid order stays paid
        outcome = WebhookOutcome("processed", event, order_id)
    else:
        outcome = WebhookOutcome("ignored", event, order_id, "event not used")
    # remembered only after it was applied, so a delivery that failed half-way is applied again
    await state.repos.payments.record_event(order_id, event_id)
    return outcome
