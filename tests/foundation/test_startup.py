"""Once-per-start preparation: indexes, reconciliation, the first admin and hooks."""

from __future__ import annotations

import stat
import uuid

import pytest

from serve_apps.startup import ADMIN_PASSWORD_FILE, prepare
from serve_apps.state import AppState
from store.db import connect
from store.repositories import Repositories


@pytest.fixture
def start_settings(settings, mongo_uri):
    return settings.with_(mongodb_uri=mongo_uri, mongodb_db=f"start_{uuid.uuid4().hex[:10]}")


@pytest.fixture
async def start_repos(start_settings):
    db = connect(start_settings.mongodb_uri, start_settings.mongodb_db)
    yield Repositories(db)
    await db.client.drop_database(start_settings.mongodb_db)
    await db.client.close()


async def test_first_start_creates_an_admin_with_a_generated_password(start_settings, start_repos) -> None:
    report = await prepare(start_settings, owns_database=True)
    admin = report.admin
    assert admin.created and admin.source == "generated" and admin.email == "admin@drisya.local"
    secret_file = start_settings.data_path / ADMIN_PASSWORD_FILE
    assert admin.password_file == secret_file and secret_file.read_text().strip() == admin.password
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(admin.password) >= 12
    user = await start_repos.users.verify_credentials(admin.email, admin.password)
    assert user is not None and user.is_admin

    again = await prepare(start_settings, owns_database=True)  # a restart: same admin, same password
    assert not again.admin.created and again.admin.password == admin.password
    assert await start_repos.users.count(role="admin") == 1


async def test_admin_from_the_environment(start_settings, start_repos) -> None:
    configured = start_settings.with_(admin_email="Owner@Shop.example", admin_password="a chosen password")
    report = await prepare(configured, owns_database=True)
    assert report.admin.created and report.admin.source == "environment"
    assert not (configured.data_path / ADMIN_PASSWORD_FILE).exists()
    assert await start_repos.users.verify_credentials("owner@shop.example", "a chosen password")


async def test_hooks_run_after_the_built_in_steps(start_settings) -> None:
    seen: list[str] = []

    async def hook(ctx: AppState) -> None:
        assert await ctx.repos.users.any_admin()  # the admin exists before hooks run
        seen.append(ctx.settings.mongodb_db)
        ctx.notes.append("templates: 120 built-ins")

    import sys
    import types

    module = types.ModuleType("drisya_test_hooks")
    module.hook = hook  # type: ignore[attr-defined]
    sys.modules["drisya_test_hooks"] = module
    try:
        report = await prepare(start_settings, owns_database=True, hooks=["drisya_test_hooks:hook"])
    finally:
        del sys.modules["drisya_test_hooks"]
    assert seen == [start_settings.mongodb_db]
    assert report.notes == ["templates: 120 built-ins"]
