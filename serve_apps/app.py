"""The FastAPI application factory, shared by the Ray Serve ingress and plain uvicorn (tests, debugging).

Routers and per-process start-up hooks are listed by import path, so adding a feature is one line here
and importing this module stays cheap (no router module is imported until an app is built).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI

from cluster.settings import Settings
from serve_apps.errors import install_error_handlers
from serve_apps.state import AppState
from serve_apps.web import Dashboard
from store.blobs import blob_store_from_settings
from store.db import connect
from store.ledger import Ledger
from store.repositories import Repositories

log = logging.getLogger("drisya.api")

# "module:attribute" of each APIRouter, included in this order.
ROUTERS: list[str] = [
    "serve_apps.health:router",
]

# "module:attribute" of async callables `hook(state: AppState) -> None`, run once per API process after
# the database is connected (caches, background tasks). Database-wide preparation that must run once per
# start (indexes, ledger sweep, admin) lives in serve_apps.startup instead.
APP_STARTUP_HOOKS: list[str] = [
    "serve_apps.job_resume:resume_on_start",
]


def _load(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def create_app(
    settings: Settings,
    *,
    routers: list[str | APIRouter] | None = None,
    startup_hooks: list[str | Callable[[AppState], Awaitable[None]]] | None = None,
    web_dist: Path | None = None,
) -> FastAPI:
    """Build the API for `settings` (whose `mongodb_uri` must point at a running server).

    Serves the dashboard from `web_dist` (default: the repository's web/dist) when it has been built.
    """
    if not settings.mongodb_uri:
        raise ValueError(
            "settings.mongodb_uri is unset; `drisya up` starts the embedded database and sets it"
        )
    hook_paths = APP_STARTUP_HOOKS if startup_hooks is None else startup_hooks

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = connect(settings.mongodb_uri, settings.mongodb_db)  # type: ignore[arg-type]
        repos = Repositories(db)
        state = AppState(
            settings=settings,
            db=db,
            blobs=blob_store_from_settings(settings),
            repos=repos,
            ledger=Ledger(db),
        )
        app.state.drisya = state
        try:
            for path in hook_paths:
                hook: Callable[[AppState], Awaitable[None]] = _load(path) if isinstance(path, str) else path
                await hook(state)
            yield
        finally:
            # Background tasks a hook started (kept in extras) end with the app, before the client closes.
            for task in [v for v in state.extras.values() if isinstance(v, asyncio.Task)]:
                task.cancel()
            await db.client.close()

    app = FastAPI(
        title="Drisya",
        description="Marketplace-ready product photos in bulk: cut-out, retouch, compose, export.",
        version="1",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    dashboard = Dashboard.find(web_dist)  # the built web/ dashboard, when there is one
    install_error_handlers(app, fallback_404=dashboard.response_for if dashboard else None)
    for path in ROUTERS if routers is None else routers:
        app.include_router(_load(path) if isinstance(path, str) else path)
    return app
