"""Payment providers: where an order is created and how its signatures are checked.

Two implementations behind one small interface:
- `TestProvider` (the embedded default): no money moves; the order is paid the moment it is created, and
  every answer says `provider: "test"` so nobody mistakes it for a real purchase.
- `RazorpayProvider`: orders through the official `razorpay` client; the checkout signature is
  HMAC-SHA256(order_id|payment_id) with the key secret, a webhook's is HMAC-SHA256(raw body) with the
  webhook secret. Both are compared in constant time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Protocol

from cluster.settings import Settings
from store.documents import new_id


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is safe to show."""


@dataclass(frozen=True)
class ProviderOrder:
    order_id: str
    amount: int  # minor units
    currency: str
    paid_at_once: bool  # True for the test provider: credit without waiting for a checkout
    checkout: dict[str, Any] = field(default_factory=dict)  # what the browser's checkout needs


class PaymentProvider(Protocol):
    name: str

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]
    ) -> ProviderOrder:
        """Create an order for `amount` minor units."""
        ...

    def checkout_signature_ok(self, order_id: str, payment_id: str, signature: str) -> bool: ...

    def webhook_signature_ok(self, raw_body: bytes, signature: str) -> bool: ...


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.strip().encode())


class TestProvider:
    name = "test"

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]
    ) -> ProviderOrder:
        return ProviderOrder(f"test_{new_id()}", amount, currency, paid_at_once=True)

    def checkout_signature_ok(self, order_id: str, payment_id: str, signature: str) -> bool:
        return False  # nothing to verify: test orders are paid when created

    def webhook_signature_ok(self, raw_body: bytes, signature: str) -> bool:
        return False


class RazorpayProvider:
    name = "razorpay"

    def __init__(
        self,
        key_id: str,
        key_secret: str,
        webhook_secret: str | None = None,
        *,
        base_url: str | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        import razorpay  # the client imports requests and pkg_resources; only load it when used

        options = {"base_url": base_url.rstrip("/")} if base_url else {}
        self.client = razorpay.Client(auth=(key_id, key_secret), **options)
        self.client.set_app_details({"title": "Drisya", "version": "1"})
        self.key_id = key_id
        self._key_secret = key_secret
        self._webhook_secret = webhook_secret
        self.timeout_s = timeout_s

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]
    ) -> ProviderOrder:
        payload = {"amount": int(amount), "currency": currency, "receipt": receipt[:40], "notes": notes}
        try:
            order = await asyncio.wait_for(
                asyncio.to_thread(self.client.order.create, data=payload, timeout=self.timeout_s),
                self.timeout_s + 5,
            )
        except Exception as exc:  # the client raises BadRequestError/ServerError/requests errors
            raise ProviderError(
                f"Razorpay refused or could not be reached: {exc or type(exc).__name__}"
            ) from exc
        if not isinstance(order, dict) or not isinstance(order.get("id"), str):
            raise ProviderError("Razorpay answered without an order id")
        return ProviderOrder(
            order["id"],
            int(order.get("amount", amount)),
            str(order.get("currency", currency)),
            paid_at_once=False,
            checkout={"key_id": self.key_id, "order_id": order["id"]},
        )

    def checkout_signature_ok(self, order_id: str, payment_id: str, signature: str) -> bool:
        expected = hmac_hex(self._key_secret, f"{order_id}|{payment_id}".encode())
        return _same(expected, signature)

    def webhook_signature_ok(self, raw_body: bytes, signature: str) -> bool:
        if not self._webhook_secret:
            return False
        return _same(hmac_hex(self._webhook_secret, raw_body), signature)

    @property
    def accepts_webhooks(self) -> bool:
        return bool(self._webhook_secret)


def provider_from_settings(settings: Settings) -> PaymentProvider:
    if settings.payments_provider == "razorpay":
        if not (settings.razorpay_key_id and settings.razorpay_key_secret):
            raise ValueError(
                "DRISYA_PAYMENTS_PROVIDER=razorpay needs DRISYA_RAZORPAY_KEY_ID and DRISYA_RAZORPAY_KEY_SECRET"
            )
        return RazorpayProvider(
            settings.razorpay_key_id,
            settings.razorpay_key_secret,
            settings.razorpay_webhook_secret,
            base_url=getattr(settings, "razorpay_base_url", None),
        )
    return TestProvider()
