"""The template gallery and the free, rate-limited preview of a seller's product on a template."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["templates"])
