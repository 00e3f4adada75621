"""Coins: packs, orders through the payment provider, checkout verification, provider webhooks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/wallet", tags=["wallet"])
