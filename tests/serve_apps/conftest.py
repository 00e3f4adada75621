"""The API under test: the real app (every router) served over real HTTP by uvicorn, on the embedded
database, with local blob storage; one server for the whole session, so tests use fresh users.

- `api`: the running server (`url`, `settings`, admin credentials); start-up preparation ran first
  (indexes, first admin, built-in templates), exactly as `drisya up` does.
- `client`: an httpx.Client on the server.
- `new_user(coins=0)`: registers a fresh client through the API, optionally grants coins through the
  ledger, and returns a `Caller` with its auth headers.
- `admin`: a `Caller` for the first admin.

The end-to-end test through Ray Serve itself lives in tests/serve_apps/test_serve_e2e.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from cluster.embedded_mongo import free_port
from cluster.settings import Settings
from serve_apps.app import create_app
from serve_apps.startup import prepare
from store.db import connect
from store.ledger import Ledger

NO_DASHBOARD = Path("/nonexistent/drisya-web-dist")
ADMIN_PASSWORD = "admin password for tests"
USER_PASSWORD = "correct horse battery staple"


@contextmanager
def served(app) -> Iterator[str]:
    """Run an ASGI app with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class ApiServer:
    url: str
    settings: Settings
    admin_email: str
    admin_password: str


@dataclass
class Caller:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    headers: dict[str, str] = field(default_factory=dict)


def api_settings(tmp: Path, mongo_uri: str, **overrides) -> Settings:
    return Settings.from_env(
        env={},
        data_dir=str(tmp / "data"),
        mongodb_uri=mongo_uri,
        mongodb_db=f"api_{uuid.uuid4().hex[:10]}",
        admin_password=ADMIN_PASSWORD,
        **overrides,
    )


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory, mongo_uri: str) -> Iterator[ApiServer]:
    settings = api_settings(tmp_path_factory.mktemp("api"), mongo_uri)
    asyncio.run(prepare(settings, owns_database=True))
    with served(create_app(settings, web_dist=NO_DASHBOARD)) as url:
        yield ApiServer(url, settings, settings.admin_email, ADMIN_PASSWORD)


@pytest.fixture
def client(api: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=120) as c:
        yield c


def login(client: httpx.Client, email: str, password: str) -> dict:
    response = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def grant_coins(settings: Settings, user_id: str, coins: int) -> None:
    """Credit coins straight through the ledger (as the admin route would), from its own connection."""

    async def go() -> None:
        db = connect(settings.mongodb_uri, settings.mongodb_db)  # type: ignore[arg-type]
        try:
            await Ledger(db).credit(user_id, coins, "grant", f"test-grant:{uuid.uuid4().hex}", ref="tests")
        finally:
            await db.client.close()

    asyncio.run(go())


def ledger_matches(settings: Settings, user_id: str) -> bool:
    """Whether the user's balance equals the sum of their ledger, read from its own connection."""

    async def go() -> bool:
        db = connect(settings.mongodb_uri, settings.mongodb_db)  # type: ignore[arg-type]
        try:
            snap = await Ledger(db).snapshot(user_id)
            return snap.balance == snap.ledger_sum
        finally:
            await db.client.close()

    return asyncio.run(go())


@pytest.fixture
def new_user(api: ApiServer, client: httpx.Client) -> Callable[..., Caller]:
    def make(coins: int = 0, *, name: str = "Test Seller") -> Caller:
        email = f"seller-{uuid.uuid4().hex[:10]}@example.com"
        response = client.post(
            "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": name}
        )
        assert response.status_code == 201, response.text
        tokens = login(client, email, USER_PASSWORD)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = client.get("/v1/me", headers=headers).json()
        if coins:
            grant_coins(api.settings, me["id"], coins)
        return Caller(
            me["id"], email, USER_PASSWORD, tokens["access_token"], tokens["refresh_token"], headers
        )

    return make


@pytest.fixture(scope="session")
def _admin_session() -> dict[str, Caller]:
    """The admin's signed-in session, shared by the tests: logging in for each one would trip the
    per-e-mail login limit (10 a minute), exactly as it should for a real client."""
    return {}


@pytest.fixture
def admin(api: ApiServer, client: httpx.Client, _admin_session: dict[str, Caller]) -> Caller:
    cached = _admin_session.get(api.url)
    if cached is not None and client.get("/v1/me", headers=cached.headers).status_code == 200:
        return cached  # still valid (not expired, not signed out by a test)
    tokens = login(client, api.admin_email, api.admin_password)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = client.get("/v1/me", headers=headers).json()
    caller = Caller(
        me["id"],
        api.admin_email,
        api.admin_password,
        tokens["access_token"],
        tokens["refresh_token"],
        headers,
    )
    _admin_session[api.url] = caller
    return caller


@pytest.fixture
def billing_restored(client: httpx.Client, admin: Caller) -> Iterator[dict]:
    """Tests that change prices or the signup bonus put them back (the server is shared)."""
    before = client.get("/v1/admin/pricing", headers=admin.headers).json()
    yield before
    body = {k: before[k] for k in ("pricing", "rupees_per_coin", "packs", "signup_bonus")}
    assert client.put("/v1/admin/pricing", json=body, headers=admin.headers).status_code == 200
