"""Razorpay over real HTTP: the real `razorpay` client creates orders against a local server that speaks
the orders API, and checkout and webhook signatures are real HMACs. Coins are credited exactly once per
order whatever mix of verify, webhooks, replays and out-of-order events arrives."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from serve_apps.app import create_app
from serve_apps.payments.providers import RazorpayProvider
from serve_apps.payments.service import PROVIDER_KEY
from serve_apps.startup import prepare
from tests.serve_apps.conftest import NO_DASHBOARD, USER_PASSWORD, api_settings, ledger_matches, login, served

KEY_ID = "rzp_test_drisya"
KEY_SECRET = "key secret for the tests"
WEBHOOK_SECRET = "webhook secret for the tests"


@dataclass
class FakeRazorpay:
    """The orders endpoint of Razorpay's API (POST /v1/orders with basic auth), as the client calls it."""

    url: str = ""
    orders: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)


@pytest.fixture(scope="module")
def fake_razorpay() -> Iterator[FakeRazorpay]:
    fake = FakeRazorpay()
    expected_auth = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": raw})
            if self.headers.get("Authorization") != expected_auth:
                self._answer(
                    401, {"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}}
                )
                return
            if self.path != "/v1/orders":
                self._answer(404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "not found"}})
                return
            data = json.loads(raw)
            if not isinstance(data.get("amount"), int) or data["amount"] < 100:
                self._answer(400, {"error": {"code": "BAD_REQUEST_ERROR", "description": "amount invalid"}})
                return
            order = {
                "id": f"order_{uuid.uuid4().hex[:14]}",
                "entity": "order",
                "amount": data["amount"],
                "amount_paid": 0,
                "amount_due": data["amount"],
                "currency": data["currency"],
                "receipt": data.get("receipt"),
                "notes": data.get("notes", {}),
                "status": "created",
                "attempts": 0,
            }
            fake.orders[order["id"]] = order
            self._answer(200, order)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def rz_api(tmp_path_factory, mongo_uri, fake_razorpay):
    settings = api_settings(
        tmp_path_factory.mktemp("rz"),
        mongo_uri,
        payments_provider="razorpay",
        razorpay_key_id=KEY_ID,
        razorpay_key_secret=KEY_SECRET,
        razorpay_webhook_secret=WEBHOOK_SECRET,
    )
    asyncio.run(prepare(settings, owns_database=True))

    async def point_razorpay_at_the_fake(state) -> None:
        state.extras[PROVIDER_KEY] = RazorpayProvider(
            KEY_ID, KEY_SECRET, WEBHOOK_SECRET, base_url=fake_razorpay.url
        )

    app = create_app(
        settings,
        web_dist=NO_DASHBOARD,
        startup_hooks=["serve_apps.notify:start_notifier", point_razorpay_at_the_fake],
    )
    with served(app) as url:
        yield url, settings


@pytest.fixture
def rz(rz_api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rz_api[0], timeout=60) as client:
        yield client


def _user(rz: httpx.Client) -> dict[str, str]:
    email = f"buyer-{uuid.uuid4().hex[:10]}@example.com"
    assert rz.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD}).status_code == 201
    return {"Authorization": f"Bearer {login(rz, email, USER_PASSWORD)['access_token']}"}


def _sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _verify_body(order_id: str, payment_id: str, secret: str = KEY_SECRET) -> dict[str, str]:
    return {
        "razorpay_order_id": order_id,
        "razorpay_payment_id": payment_id,
        "razorpay_signature": _sign(secret, f"{order_id}|{payment_id}".encode()),
    }


def _event(event: str, order: dict, payment_id: str, *, amount: int | None = None) -> bytes:
    payment = {
        "id": payment_id,
        "entity": "payment",
        "amount": order["amount"] if amount is None else amount,
        "currency": "INR",
        "status": "failed" if event == "payment.failed" else "captured",
        "order_id": order["order_id"],
        "error_description": "card declined" if event == "payment.failed" else None,
    }
    payload: dict = {"payment": {"entity": payment}}
    if event == "order.paid":
        payload["order"] = {
            "entity": {"id": order["order_id"], "amount_paid": order["amount"], "status": "paid"}
        }
    return json.dumps({"entity": "event", "event": event, "payload": payload, "created_at": 1}).encode()


def _webhook(rz: httpx.Client, body: bytes, event_id: str, *, secret: str = WEBHOOK_SECRET) -> httpx.Response:
    return rz.post(
        "/v1/wallet/webhooks/razorpay",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Razorpay-Signature": _sign(secret, body),
            "X-Razorpay-Event-Id": event_id,
        },
    )


def _balance(rz: httpx.Client, headers: dict[str, str]) -> int:
    return rz.get("/v1/me", headers=headers).json()["coins"]


def test_orders_go_through_the_razorpay_client_and_credit_nothing_until_paid(rz, fake_razorpay):
    headers = _user(rz)
    packs = rz.get("/v1/wallet/packs").json()
    assert packs["provider"] == "razorpay"
    response = rz.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["provider"] == "razorpay" and order["status"] == "created"
    assert order["checkout"]["key_id"] == KEY_ID and order["amount"] == 49_900
    sent = fake_razorpay.requests[-1]
    assert sent["path"] == "/v1/orders"
    assert json.loads(sent["body"])["amount"] == 49_900 and json.loads(sent["body"])["currency"] == "INR"
    assert order["order_id"] in fake_razorpay.orders
    assert _balance(rz, headers) == 10  # the signup bonus only
    assert rz.post("/v1/wallet/orders", json={"pack_id": "nope"}, headers=headers).status_code == 404
    assert (
        rz.post("/v1/wallet/orders", json={"pack_id": "starter", "x": 1}, headers=headers).status_code == 422
    )


def test_verify_checks_the_signature_and_credits_once(rz, rz_api):
    headers = _user(rz)
    me = rz.get("/v1/me", headers=headers).json()
    order = rz.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=headers).json()
    forged = _verify_body(order["order_id"], "pay_forged", secret="not the key secret")
    refused = rz.post("/v1/wallet/verify", json=forged, headers=headers)
    assert refused.status_code == 400 and refused.json()["error"] == "signature_invalid"
    swapped = _verify_body("order_someone_else", "pay_1")
    assert rz.post("/v1/wallet/verify", json=swapped, headers=headers).status_code == 404
    assert _balance(rz, headers) == 10

    good = _verify_body(order["order_id"], "pay_ok1")
    first = rz.post("/v1/wallet/verify", json=good, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "paid" and first.json()["balance"] == 110
    for _ in range(3):  # the browser retries, the user double-clicks
        assert rz.post("/v1/wallet/verify", json=good, headers=headers).json()["balance"] == 110
    # the webhook for the same payment arrives afterwards: nothing more
    assert (
        _webhook(rz, _event("payment.captured", order, "pay_ok1"), "evt_a1").json()["status"] == "processed"
    )
    assert _balance(rz, headers) == 110
    # another user cannot verify (or learn about) this order
    stranger = _user(rz)
    assert rz.post("/v1/wallet/verify", json=good, headers=stranger).status_code == 404
    assert ledger_matches(rz_api[1], me["id"])


def test_webhooks_are_verified_deduplicated_and_safe_in_any_order(rz, rz_api):
    headers = _user(rz)
    me = rz.get("/v1/me", headers=headers).json()
    order = rz.post("/v1/wallet/orders", json={"pack_id": "studio"}, headers=headers).json()

    failed = _event("payment.failed", order, "pay_f1")
    bad = _webhook(rz, failed, "evt_f1", secret="wrong secret")
    assert bad.status_code == 400 and bad.json()["error"] == "signature_invalid"
    tampered = rz.post(
        "/v1/wallet/webhooks/razorpay",
        content=failed.replace(b"pay_f1", b"pay_f2"),
        headers={"X-Razorpay-Signature": _sign(WEBHOOK_SECRET, failed), "X-Razorpay-Event-Id": "evt_t"},
    )
    assert tampered.status_code == 400
    assert rz.post("/v1/wallet/webhooks/razorpay", content=failed).status_code == 400  # unsigned

    assert _webhook(rz, failed, "evt_f1").json()["status"] == "processed"
    orders = rz.get("/v1/wallet/orders", headers=headers).json()["items"]
    assert orders[0]["status"] == "failed" and orders[0]["error"] == "card declined"

    # the retry succeeded: order.paid and payment.captured, each delivered twice, in either order
    paid = _event("order.paid", order, "pay_ok2")
    captured = _event("payment.captured", order, "pay_ok2")
    assert _webhook(rz, paid, "evt_p1").json()["status"] == "processed"
    assert _webhook(rz, paid, "evt_p1").json()["status"] == "duplicate"
    assert _webhook(rz, captured, "evt_c1").json()["status"] == "processed"
    assert _webhook(rz, captured, "evt_c1").json()["status"] == "duplicate"
    # a late payment.failed of the first attempt does not undo the payment
    assert _webhook(rz, _event("payment.failed", order, "pay_f1"), "evt_f9").json()["status"] == "processed"
    assert (
        rz.post(
            "/v1/wallet/verify", json=_verify_body(order["order_id"], "pay_ok2"), headers=headers
        ).status_code
        == 200
    )

    assert _balance(rz, headers) == 10 + 500
    history = rz.get("/v1/me/transactions", params={"kind": "purchase"}, headers=headers).json()
    assert history["total"] == 1 and history["items"][0]["amount"] == 500
    assert rz.get("/v1/wallet/orders", headers=headers).json()["items"][0]["status"] == "paid"
    assert ledger_matches(rz_api[1], me["id"])


def test_webhook_for_a_short_payment_or_a_foreign_order_credits_nothing(rz):
    headers = _user(rz)
    order = rz.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=headers).json()
    short = _webhook(rz, _event("payment.captured", order, "pay_s", amount=100), "evt_s1").json()
    assert short["status"] == "ignored" and "amount" in short["detail"]
    foreign = {"order_id": "order_not_ours", "amount": 49_900}
    assert _webhook(rz, _event("payment.captured", foreign, "pay_x"), "evt_x").json()["status"] == "ignored"
    garbage = b"\xff\xfe not json"
    assert _webhook(rz, garbage, "evt_g").json()["status"] == "ignored"
    assert _balance(rz, headers) == 10


def test_razorpay_without_keys_says_payments_are_not_configured(tmp_path, mongo_uri):
    settings = api_settings(tmp_path, mongo_uri, payments_provider="razorpay")
    asyncio.run(prepare(settings, owns_database=True))
    with served(create_app(settings, web_dist=NO_DASHBOARD, startup_hooks=[])) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            response = client.get("/v1/wallet/packs")
    assert response.status_code == 503 and "DRISYA_RAZORPAY_KEY_ID" in response.json()["detail"]


def test_verify_and_webhooks_arriving_together_credit_once(rz, rz_api):
    from concurrent.futures import ThreadPoolExecutor

    headers = _user(rz)
    me = rz.get("/v1/me", headers=headers).json()
    order = rz.post("/v1/wallet/orders", json={"pack_id": "brand"}, headers=headers).json()
    captured = _event("payment.captured", order, "pay_race")
    body_with_id = json.loads(_event("order.paid", order, "pay_race"))
    body_with_id["id"] = "evt_in_payload"  # no header: the payload's id de-duplicates
    paid_raw = json.dumps(body_with_id).encode()

    def send(i: int) -> int:
        with httpx.Client(base_url=rz_api[0], timeout=60) as c:
            if i % 3 == 0:
                return c.post(
                    "/v1/wallet/verify", json=_verify_body(order["order_id"], "pay_race"), headers=headers
                ).status_code
            if i % 3 == 1:
                return _webhook(c, captured, f"evt_race_{i % 2}").status_code
            return c.post(
                "/v1/wallet/webhooks/razorpay",
                content=paid_raw,
                headers={"X-Razorpay-Signature": _sign(WEBHOOK_SECRET, paid_raw)},
            ).status_code

    with ThreadPoolExecutor(max_workers=9) as pool:
        statuses = list(pool.map(send, range(9)))
    assert set(statuses) == {200}, statuses
    assert _balance(rz, headers) == 10 + 2000
    history = rz.get("/v1/me/transactions", params={"kind": "purchase"}, headers=headers).json()
    assert history["total"] == 1
    assert ledger_matches(rz_api[1], me["id"])
