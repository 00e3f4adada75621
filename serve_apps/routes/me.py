"""The signed-in user: profile, ledger history, API keys."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/me", tags=["me"])
