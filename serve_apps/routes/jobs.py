"""Batch jobs: create, upload, start, status, images, outputs, download, cancel, delete."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
