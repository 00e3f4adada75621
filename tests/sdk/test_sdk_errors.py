"""Each typed error is raised for its real cause, by the real API (and, for 5xx and dead servers,
by a real HTTP server that fails); idempotent calls are retried, money-moving ones are not."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from drisya_client import (
    BadCredentials,
    Client,
    Conflict,
    ConnectionFailed,
    InsufficientCoins,
    NotFound,
    RateLimited,
    ServerError,
    ValidationError,
)

from cluster.embedded_mongo import free_port
from tests.data_jobs.conftest import make_zip
from tests.sdk.conftest import FAST, photos


def test_bad_credentials(api, new_user):
    caller = new_user()
    with Client(api.url) as c:
        with pytest.raises(BadCredentials) as wrong:
            c.login(caller.email, "not the password")
        assert wrong.value.status == 401 and wrong.value.code == "invalid_credentials"
        c.login(caller.email, caller.password)
        assert c.me()["email"] == caller.email
    with Client(api.url, api_key="dk_not_a_real_key") as c, pytest.raises(BadCredentials):
        c.wallet.balance()


def test_insufficient_coins_carries_the_shortfall(sdk_user, tmp_path):
    poor = sdk_user()
    balance = poor.wallet.balance()  # the signup bonus
    price = poor.jobs.create(module="look").data["price_per_image"]
    n = balance // price + 1
    with pytest.raises(InsufficientCoins) as refused:
        poor.jobs.submit(photos(tmp_path / "p", n), module="look", recipe=FAST)
    assert refused.value.status == 402 and refused.value.balance == balance
    assert refused.value.shortfall == n * price - balance > 0
    assert poor.wallet.balance() == balance  # nothing was reserved
    waiting = refused.value.job  # uploaded, waiting for a top-up
    assert waiting.status == "created" and waiting.upload["accepted"] == n
    with pytest.raises(InsufficientCoins):
        waiting.start()
    assert waiting.cancel().status == "cancelled"


def test_validation_names_the_field_and_lists_refused_entries(sdk_user, tmp_path):
    c = sdk_user(coins=10)
    with pytest.raises(ValidationError) as too_long:
        c.jobs.create(template="x" * 300)
    assert too_long.value.status == 422 and too_long.value.field == "template_id"
    with pytest.raises(ValidationError) as unknown:
        c.jobs.create(template="no-such-template")
    assert unknown.value.code == "unknown_template"
    broken = tmp_path / "all-broken.zip"
    broken.write_bytes(make_zip({"a.jpg": b"not an image", "b.png": b"not one either"}))
    with pytest.raises(ValidationError) as refused:
        c.jobs.submit(broken, recipe=FAST)
    assert {e["name"] for e in refused.value.rejected} == {"a.jpg", "b.png"}
    assert c.jobs.list().total == 0  # the refused upload's empty job was deleted


def test_not_found_and_conflict(sdk_user, tmp_path):
    c = sdk_user(coins=10)
    with pytest.raises(NotFound):
        c.jobs.get("0" * 24)
    with pytest.raises(NotFound):
        c.templates.get("no-such-template")
    job = c.jobs.submit(photos(tmp_path / "p", 1), recipe=FAST, start=False)
    assert job.status == "created" and job.upload["accepted"] == 1
    with pytest.raises(Conflict) as not_ready:
        job.download(tmp_path / "out.zip")
    assert not_ready.value.code == "not_ready" and not (tmp_path / "out.zip").exists()
    assert job.cancel().status == "cancelled"


def test_a_repeated_create_with_the_same_key_returns_the_same_job(sdk_user):
    c = sdk_user()
    first = c.jobs.create(template="#ffffff", idempotency_key="erp-order-4711")
    again = c.jobs.create(template="#ffffff", idempotency_key="erp-order-4711")
    other = c.jobs.create(template="#ffffff")
    assert again.id == first.id and other.id != first.id
    assert c.jobs.list().total == 2


def test_rate_limited_carries_retry_after(sdk_user):
    c = sdk_user()
    with pytest.raises(RateLimited) as limited:
        for _ in range(40):  # the create_job bucket holds 10
            c.jobs.create()
    assert limited.value.status == 429 and limited.value.retry_after >= 1


class _Failing(BaseHTTPRequestHandler):
    hits: list[str] = []

    keys: list[str | None] = []

    def _fail(self) -> None:
        self.hits.append(self.command)
        self.keys.append(self.headers.get("Idempotency-Key"))
        body = json.dumps({"error": "unavailable", "detail": "database restarting"}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _fail

    def log_message(self, *args: object) -> None:
        pass


def test_server_errors_are_retried_for_idempotent_calls_only():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Client(url, api_key="k", retries=2, backoff=0.01) as c:
            _Failing.hits.clear()
            with pytest.raises(ServerError) as failed:
                c.wallet.balance()
            assert failed.value.status == 503 and failed.value.detail == "database restarting"
            assert _Failing.hits == ["GET", "GET", "GET"]  # first try + 2 retries
            _Failing.hits.clear()
            with pytest.raises(ServerError):
                c.enhance(b"photo")
            assert _Failing.hits == ["POST"]  # a charge is never repeated behind the caller's back
            _Failing.hits.clear()
            _Failing.keys.clear()
            with pytest.raises(ServerError):
                c.jobs.create()  # carries an Idempotency-Key, so it is retried
            assert _Failing.hits == ["POST", "POST", "POST"]
            assert _Failing.keys[0] and len(set(_Failing.keys)) == 1  # the same key each time
    finally:
        server.shutdown()


def test_unreachable_server_is_connection_failed():
    with Client(f"http://127.0.0.1:{free_port()}", api_key="k", retries=1, backoff=0.01) as c:
        with pytest.raises(ConnectionFailed, match="could not reach"):
            c.templates.list()


def test_an_expired_session_token_is_renewed_with_the_refresh_token(api, new_user):
    caller = new_user()
    with Client(api.url, token="an-expired-access-token", refresh_token=caller.refresh_token) as c:
        assert c.me()["email"] == caller.email  # 401, refreshed, retried
        assert c._http.credential != "an-expired-access-token"
    with Client(api.url, token="an-expired-access-token", refresh_token=caller.refresh_token) as c:
        with pytest.raises(BadCredentials):  # the refresh token was used up (rotation)
            c.me()
