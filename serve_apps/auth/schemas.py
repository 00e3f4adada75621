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


class AdminUserPatch(Body):
    role: str | None = Field(default=None, max_length=20)
    blocked: bool | None = None


class CoinsBody(Body):
    """`amount` > 0 grants, < 0 deducts; `idempotency_key` makes a retried request count once."""

    amount: int = Field(ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)


class PackBody(Body):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=80)
    coins: int = Field(ge=1, le=10_000_000)
    price: int = Field(ge=100, le=100_000_000)  # paise; Razorpay's minimum order is 100 paise


class PricingBody(Body):
    pricing: dict[str, int] = Field(min_length=1, max_length=10)
    rupees_per_coin: float = Field(gt=0, le=100_000)
    packs: list[PackBody] = Field(min_length=1, max_length=20)
    signup_bonus: int | None = Field(default=None, ge=0, le=1_000_000)


class SignupBonusBody(Body):
    coins: int = Field(ge=0, le=1_000_000)


class PromoBody(Body):
    code: str = Field(min_length=3, max_length=40)
    coins: int = Field(ge=1, le=1_000_000)
    max_uses: int = Field(default=0, ge=0, le=100_000_000)
    max_uses_per_user: int = Field(default=1, ge=1, le=1000)
    expires: str | None = Field(default=None, max_length=40)
    active: bool = True
    note: str = Field(default="", max_length=200)


class PromoPatch(Body):
    coins: int | None = Field(default=None, ge=1, le=1_000_000)
    max_uses: int | None = Field(default=None, ge=0, le=100_000_000)
    max_uses_per_user: int | None = Field(default=None, ge=1, le=1000)
    expires: str | None = Field(default=None, max_length=40)
    active: bool | None = None
    note: str | None = Field(default=None, max_length=200)
