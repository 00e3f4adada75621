"""Accounts: register, log in, refresh (rotating), log out."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/auth", tags=["auth"])
