"""Surprise for You: the themes a seller can pick for module `surprise` (issue 13).

The list is the engine's (engine.surprise.theme_summaries), so the dashboard's picker, the API's
validation and the batch pipeline name the same themes. Public like the template gallery: choosing a
theme needs no account, only running a job does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

router = APIRouter(prefix="/v1/surprise", tags=["surprise"])


class ThemeOut(BaseModel):
    name: str
    title: str
    description: str


@router.get("/themes", response_model=list[ThemeOut])
async def themes(response: Response) -> Any:
    """Every theme in the engine's order: `name` (send it as `theme` to `POST /v1/jobs`), a `title`
    and a one-line `description` to show beside it."""
    from engine.surprise import theme_summaries

    response.headers["Cache-Control"] = "public, max-age=300"
    return theme_summaries()
