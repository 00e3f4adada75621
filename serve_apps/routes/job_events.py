"""Live job progress over a WebSocket, authenticated by a short-lived ticket."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/jobs", tags=["job_events"])
