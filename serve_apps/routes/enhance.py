"""One image now: processed by the enhance Serve deployment, charged like a one-image job."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["enhance"])
