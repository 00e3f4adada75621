"""Once-per-start preparation of the database: indexes, crash reconciliation, the first admin, hooks.

`drisya up` runs `prepare` before Serve starts; a cluster deployment runs it from each API replica (every
step is idempotent and safe to run concurrently). Features add their own step with one line in
`STARTUP_HOOKS` (e.g. seeding templates, resuming jobs whose runner died).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster.settings import Settings, write_secret_once
from serve_apps.state import AppState
from store.blobs import blob_store_from_settings
from store.db import connect, ensure_indexes
from store.errors import DuplicateEmail
from store.ledger import Ledger
from store.reconcile import ReconcileReport, reconcile
from store.repositories import Repositories

log = logging.getLogger("drisya.startup")

ADMIN_PASSWORD_FILE = "admin_password"

# "module:attribute" of async callables `hook(ctx: AppState) -> None`, run in order after the
# built-in steps. Keep each idempotent: it runs at every start, possibly from several replicas.
STARTUP_HOOKS: list[str] = [
    "serve_apps.templates:seed_on_start",
]


@dataclass
class AdminCredentials:
    email: str
    password: str | None  # None when it was set earlier and is not known to this process
    created: bool
    source: str  # "generated" | "environment" | "existing"
    password_file: Path | None = None


@dataclass
class StartupReport:
    admin: AdminCredentials
    reconcile: ReconcileReport
    notes: list[str] = field(default_factory=list)


async def bootstrap_admin(settings: Settings, repos: Repositories) -> AdminCredentials:
    """Create the first admin from DRISYA_ADMIN_EMAIL / DRISYA_ADMIN_PASSWORD, or with a generated password
    kept in `<data_dir>/admin_password` (mode 0600). Never changes an existing account's password."""
    email = settings.admin_email
    password_file = settings.data_path / ADMIN_PASSWORD_FILE
    stored = password_file.read_text().strip() if password_file.is_file() else None
    existing = await repos.users.by_email(email)
    if existing is not None:
        if existing.role != "admin" and not await repos.users.any_admin():
            await repos.users.set_role(existing.id, "admin")
        if settings.admin_password:
            return AdminCredentials(email, settings.admin_password, False, "environment")
        source = "generated" if stored else "existing"
        return AdminCredentials(email, stored, False, source, password_file if stored else None)
    if await repos.users.any_admin():
        # an admin exists under another email (renamed or created in the dashboard): do not add another
        return AdminCredentials(email, None, False, "existing")
    if settings.admin_password:
        password, source, file = settings.admin_password, "environment", None
    else:
        password = stored or write_secret_once(password_file, secrets.token_urlsafe(12))
        source, file = "generated", password_file
    try:
        await repos.users.create(email, password, role="admin", name="Administrator")
        created = True
    except DuplicateEmail:  # another replica created it a moment ago
        created = False
    return AdminCredentials(email, password, created, source, file)


def _load(path: str) -> Callable[[AppState], Awaitable[Any]]:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


async def prepare(
    settings: Settings, *, owns_database: bool, hooks: list[str] | None = None
) -> StartupReport:
    """Indexes, ledger/job reconciliation, first admin, then the registered hooks."""
    if not settings.mongodb_uri:
        raise ValueError("settings.mongodb_uri is unset")
    db = connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        await ensure_indexes(db)
        # In embedded mode nothing else can be mid-operation, so every half-done entry is a crash leftover.
        report = await reconcile(db, older_than=dt.timedelta(0) if owns_database else dt.timedelta(minutes=2))
        if report.ledger.completed or report.ledger.discarded or report.settled:
            log.warning("start-up reconciliation: %s", report.summary())
        repos = Repositories(db)
        admin = await bootstrap_admin(settings, repos)
        ctx = AppState(
            settings=settings,
            db=db,
            repos=repos,
            ledger=Ledger(db),
            blobs=blob_store_from_settings(settings),
            owns_database=owns_database,
        )
        for path in STARTUP_HOOKS if hooks is None else hooks:
            await _load(path)(ctx)
        return StartupReport(admin=admin, reconcile=report, notes=ctx.notes)
    finally:
        await db.client.close()
