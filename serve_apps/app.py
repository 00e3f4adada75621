"""The FastAPI application factory, shared by the Ray Serve ingress and plain uvicorn (tests, debugging).

Routers are included explicitly (`api_routers`, imported when an app is built so that importing this
module stays cheap); per-process start-up hooks are listed by import path.
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
from fastapi.middleware.cors import CORSMiddleware

from cluster.settings import Settings, ensure_jwt_secret
from serve_apps.errors import install_error_handlers
from serve_apps.rate_limit import RateLimiter
from serve_apps.state import AppState
from serve_apps.web import Dashboard
from store.blobs import blob_store_from_settings
from store.db import connect
from store.ledger import Ledger
from store.repositories import Repositories

log = logging.getLogger("drisya.api")


def api_routers() -> list[APIRouter]:
    """Every router of the API, in the order they are included (and shown in /docs)."""
    from serve_apps import health
    from serve_apps.routes import admin, auth, enhance, job_events, jobs, me, surprise, templates, wallet

    return [
        health.router,
        auth.router,
        me.router,
        wallet.router,
        templates.router,
        surprise.router,
        jobs.router,
        job_events.router,
        enhance.router,
        admin.router,
    ]


# "module:attribute" of async callables `hook(state: AppState) -> None`, run once per API process after
# the database is connected (caches, background tasks). Database-wide preparation that must run once per
# start (indexes, ledger sweep, admin) lives in serve_apps.startup instead.
APP_STARTUP_HOOKS: list[str] = [
    "serve_apps.job_resume:resume_on_start",
    "serve_apps.notify:start_notifier",
]


def _load(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def create_app(
    settings: Settings,
    *,
    routers: list[APIRouter] | None = None,
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
    settings = ensure_jwt_secret(settings)
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
    app.state.rate_limiter = RateLimiter()
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Retry-After", "Content-Range", "Accept-Ranges"],
        )
    for router in api_routers() if routers is None else routers:
        app.include_router(router)
    return app
