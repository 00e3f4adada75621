"""Wallet with the test provider over real HTTP: packs, orders credited at once and labelled, promo codes
with per-user, overall and expiry limits, and balance == ledger sum after all of it."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.serve_apps.conftest import ledger_matches


def _code() -> str:
    return f"PROMO{uuid.uuid4().hex[:8].upper()}"


def test_packs_are_public_and_test_orders_credit_at_once_clearly_labelled(client, api, new_user):
    packs = client.get("/v1/wallet/packs").json()
    assert packs["provider"] == "test" and {p["id"] for p in packs["packs"]} >= {"starter", "studio"}
    user = new_user()
    order = client.post("/v1/wallet/orders", json={"pack_id": "studio"}, headers=user.headers)
    assert order.status_code == 201, order.text
    body = order.json()
    assert body["provider"] == "test" and body["status"] == "paid" and body["coins_credited"] == 500
    assert "no money moved" in body["note"]
    assert client.get("/v1/me", headers=user.headers).json()["coins"] == 510
    listed = client.get("/v1/wallet/orders", headers=user.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "paid"
    history = client.get("/v1/me/transactions", params={"kind": "purchase"}, headers=user.headers).json()
    assert history["items"][0]["amount"] == 500 and "studio" in history["items"][0]["reason"]
    assert client.get("/v1/wallet/orders", headers=new_user().headers).json()["total"] == 0
    # a test order has nothing to verify
    verify = {"razorpay_order_id": body["order_id"], "razorpay_payment_id": "p", "razorpay_signature": "s"}
    assert client.post("/v1/wallet/verify", json=verify, headers=user.headers).status_code == 409
    assert client.post("/v1/wallet/webhooks/razorpay", content=b"{}").status_code == 404
    assert client.post("/v1/wallet/orders", json={"pack_id": "starter"}).status_code == 401
    assert ledger_matches(api.settings, user.id)


def test_promo_codes_add_bonus_coins_within_their_limits(client, api, admin, new_user):
    code = _code()
    created = client.post(
        "/v1/admin/promotions",
        json={"code": code.lower(), "coins": 25, "max_uses": 2, "max_uses_per_user": 1},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["code"] == code  # codes are case-insensitive, stored upper-case
    assert (
        client.post(
            "/v1/admin/promotions", json={"code": code, "coins": 5}, headers=admin.headers
        ).status_code
        == 409
    )

    first, second, third = new_user(), new_user(), new_user()
    order = client.post(
        "/v1/wallet/orders", json={"pack_id": "starter", "promo_code": code}, headers=first.headers
    )
    assert order.status_code == 201 and order.json()["bonus_coins"] == 25
    assert client.get("/v1/me", headers=first.headers).json()["coins"] == 10 + 100 + 25
    promo_tx = client.get("/v1/me/transactions", params={"kind": "promo"}, headers=first.headers).json()
    assert promo_tx["total"] == 1 and code in promo_tx["items"][0]["reason"]

    again = client.post(
        "/v1/wallet/orders", json={"pack_id": "starter", "promo_code": code}, headers=first.headers
    )
    assert again.status_code == 422 and again.json()["error"] == "promo_unavailable"
    assert "already used" in again.json()["detail"]
    assert (
        client.post(
            "/v1/wallet/orders", json={"pack_id": "starter", "promo_code": code}, headers=second.headers
        ).status_code
        == 201
    )
    used_up = client.post(
        "/v1/wallet/orders", json={"pack_id": "starter", "promo_code": code}, headers=third.headers
    )
    assert used_up.status_code == 422 and "used up" in used_up.json()["detail"]
    assert client.get(f"/v1/admin/promotions/{code}", headers=admin.headers).json()["uses"] == 2
    # a refused promo code refuses the order: nothing was charged or credited
    assert client.get("/v1/me", headers=third.headers).json()["coins"] == 10
    for user in (first, second, third):
        assert ledger_matches(api.settings, user.id)


def test_expired_inactive_unknown_and_multi_use_promo_codes(client, admin, new_user):
    expired, paused, multi = _code(), _code(), _code()
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    for body in (
        {"code": expired, "coins": 5, "expires": yesterday},
        {"code": paused, "coins": 5, "active": False},
        {"code": multi, "coins": 3, "max_uses_per_user": 2},
    ):
        assert client.post("/v1/admin/promotions", json=body, headers=admin.headers).status_code == 201
    user = new_user()

    def order(code: str):
        return client.post(
            "/v1/wallet/orders", json={"pack_id": "starter", "promo_code": code}, headers=user.headers
        )

    assert "expired" in order(expired).json()["detail"]
    assert "no longer active" in order(paused).json()["detail"]
    assert order("NOSUCHCODE").status_code == 422
    assert order(multi).json()["bonus_coins"] == 3
    assert order(multi).json()["bonus_coins"] == 3
    assert order(multi).status_code == 422  # the third use by the same user

    # admins edit codes: reactivate, extend, then delete
    patched = client.patch(f"/v1/admin/promotions/{paused}", json={"active": True}, headers=admin.headers)
    assert patched.status_code == 200 and patched.json()["active"] is True
    assert order(paused).json()["bonus_coins"] == 5
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert (
        client.patch(
            f"/v1/admin/promotions/{expired}", json={"expires": tomorrow}, headers=admin.headers
        ).status_code
        == 200
    )
    assert order(expired).json()["bonus_coins"] == 5
    assert (
        client.patch(
            f"/v1/admin/promotions/{expired}", json={"expires": "soon"}, headers=admin.headers
        ).status_code
        == 422
    )
    assert client.delete(f"/v1/admin/promotions/{multi}", headers=admin.headers).status_code == 204
    assert client.get(f"/v1/admin/promotions/{multi}", headers=admin.headers).status_code == 404
    listed = client.get("/v1/admin/promotions", headers=admin.headers).json()
    assert {expired, paused} <= {p["code"] for p in listed["items"]}
    for bad in (
        {"code": "x", "coins": 5},
        {"code": _code(), "coins": 0},
        {"code": _code(), "coins": 5, "limit": 1},
    ):
        assert client.post("/v1/admin/promotions", json=bad, headers=admin.headers).status_code == 422
    # 3 + 3 + 5 + 5 bonus coins and four starter packs on top of the signup bonus
    assert client.get("/v1/me", headers=user.headers).json()["coins"] == 10 + 4 * 100 + 16
