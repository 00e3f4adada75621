"""Administration (role admin): users, coins, templates, pricing, promotions, jobs, analytics."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/admin", tags=["admin"])
