"""Request bodies of the account, wallet and admin routes.

Every body rejects unknown fields (a typo such as `pasword` is a 422 that names it, not a silently
ignored field) and bounds every string, so a hostile body is refused before any work is done.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterBody(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(max_length=1024)
    name: str = Field(default="", max_length=200)


class LoginBody(Body):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(max_length=1024)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutBody(Body):
    refresh_token: str | None = Field(default=None, max_length=200)


class ProfilePatch(Body):
    name: str | None = Field(default=None, max_length=200)
    current_password: str | None = Field(default=None, max_length=1024)
    new_password: str | None = Field(default=None, max_length=1024)


class ApiKeyBody(Body):
    name: str = Field(default="", max_length=100)


class OrderBody(Body):
    pack_id: str = Field(min_length=1, max_length=64)
    promo_code: str | None = Field(default=None, max_length=40)


class VerifyBody(Body):
    """What Razorpay Checkout hands the browser after a payment."""

    razorpay_order_id: str = Field(min_length=1, max_length=64)
    razorpay_payment_id: str = Field(min_length=1, max_length=64)
    razorpay_signature: str = Field(min_length=1, max_length=128)
