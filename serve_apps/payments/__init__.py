"""Buying coins: providers (test, Razorpay) and the order/fulfilment/webhook service."""

from serve_apps.payments.providers import (
    PaymentProvider,
    ProviderError,
    ProviderOrder,
    RazorpayProvider,
    TestProvider,
    provider_from_settings,
)

__all__ = [
    "PaymentProvider",
    "ProviderError",
    "ProviderOrder",
    "RazorpayProvider",
    "TestProvider",
    "provider_from_settings",
]
