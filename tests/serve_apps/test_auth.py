"""Accounts over real HTTP: register, login, refresh rotation and reuse, logout, token tampering."""

from __future__ import annotations

import datetime as dt
import uuid

import jwt

from tests.serve_apps.conftest import USER_PASSWORD, login


def _email() -> str:
    return f"acct-{uuid.uuid4().hex[:10]}@example.com"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_register_credits_the_signup_bonus_once_and_shows_the_profile(client, api):
    email = _email()
    response = client.post(
        "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "Asha"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == email and body["name"] == "Asha" and body["role"] == "client"
    assert body["coins"] == 10  # BillingSettings.signup_bonus default
    assert "password_hash" not in body

    tokens = login(client, email.upper(), USER_PASSWORD)  # e-mails are case-insensitive
    me = client.get("/v1/me", headers=_bearer(tokens["access_token"])).json()
    assert me["id"] == body["id"] and me["coins"] == 10
    history = client.get("/v1/me/transactions", headers=_bearer(tokens["access_token"])).json()
    assert history["total"] == 1
    assert history["items"][0]["kind"] == "bonus" and history["items"][0]["amount"] == 10


def test_register_refuses_duplicates_weak_passwords_and_unknown_fields(client):
    email = _email()
    assert (
        client.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD}).status_code == 201
    )
    again = client.post("/v1/auth/register", json={"email": email.upper(), "password": USER_PASSWORD})
    assert again.status_code == 409 and again.json()["error"] == "email_taken"
    weak = client.post("/v1/auth/register", json={"email": _email(), "password": "short"})
    assert weak.status_code == 422 and "at least 8" in weak.json()["detail"]
    bad_email = client.post("/v1/auth/register", json={"email": "not-an-email", "password": USER_PASSWORD})
    assert bad_email.status_code == 422
    extra = client.post(
        "/v1/auth/register", json={"email": _email(), "password": USER_PASSWORD, "role": "admin"}
    )
    assert extra.status_code == 422 and "role" in extra.json()["detail"]
    wrong_type = client.post("/v1/auth/register", json={"email": ["x"], "password": 12345678})
    assert wrong_type.status_code == 422
    not_json = client.post(
        "/v1/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422


def test_login_refuses_wrong_passwords_and_unknown_accounts_alike(client, new_user):
    user = new_user()
    wrong = client.post("/v1/auth/login", json={"email": user.email, "password": "wrong password"})
    unknown = client.post("/v1/auth/login", json={"email": _email(), "password": USER_PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(client, new_user):
    user = new_user()
    first = client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token and pair["token_type"] == "bearer"
    assert client.get("/v1/me", headers=_bearer(pair["access_token"])).status_code == 200

    second = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200
    latest = second.json()

    # the first refresh token again: someone copied it. The whole family ends, the latest pair too.
    reuse = client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert reuse.status_code == 401 and reuse.json()["error"] == "refresh_token_reused"
    assert client.post("/v1/auth/refresh", json={"refresh_token": latest["refresh_token"]}).status_code == 401
    assert client.get("/v1/me", headers=_bearer(latest["access_token"])).status_code == 401
    assert client.get("/v1/me", headers=user.headers).status_code == 401  # same session

    # another sign-in of the same user is a different family and keeps working
    other = login(client, user.email, user.password)
    assert client.get("/v1/me", headers=_bearer(other["access_token"])).status_code == 200


def test_refresh_refuses_unknown_and_garbage_tokens(client):
    for token in ("drt_" + "x" * 43, "nonsense", "a" * 200):
        response = client.post("/v1/auth/refresh", json={"refresh_token": token})
        assert response.status_code == 401, token
    assert client.post("/v1/auth/refresh", json={"refresh_token": "a" * 201}).status_code == 422
    assert client.post("/v1/auth/refresh", json={}).status_code == 422


def test_logout_ends_the_session_by_refresh_token_or_by_access_token(client, new_user):
    user = new_user()
    assert client.post("/v1/auth/logout", json={"refresh_token": user.refresh_token}).status_code == 204
    assert client.get("/v1/me", headers=user.headers).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 401

    tokens = login(client, user.email, user.password)
    assert client.post("/v1/auth/logout", headers=_bearer(tokens["access_token"])).status_code == 204
    assert client.get("/v1/me", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert client.post("/v1/auth/logout").status_code == 401


def test_tampered_expired_and_foreign_tokens_get_401(client, api, new_user):
    user = new_user()
    header, payload, signature = user.access_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    secret = api.settings.jwt_secret or (api.settings.data_path / "jwt_secret").read_text().strip()
    now = dt.datetime.now(dt.UTC)
    expired = jwt.encode(
        {
            "sub": user.id,
            "typ": "access",
            "iat": now - dt.timedelta(hours=2),
            "exp": now - dt.timedelta(hours=1),
        },
        secret,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {"sub": user.id, "typ": "access", "exp": now + dt.timedelta(hours=1)},
        "not the secret, but long enough for HS256",
        algorithm="HS256",
    )
    unsigned = jwt.encode({"sub": user.id, "typ": "access", "exp": now + dt.timedelta(hours=1)}, None, "none")
    for token in (tampered, expired, forged, unsigned, "drs_nothing_here", user.refresh_token):
        response = client.get("/v1/me", headers=_bearer(token))
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/me").status_code == 401
    assert client.get("/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def _until_limited(send, attempts: int) -> list[int]:
    """Status codes of `send()` calls up to and including the first 429 (the buckets refill slowly while
    argon2 runs, so the exact count of refusals before it is not fixed; the burst before it is)."""
    statuses: list[int] = []
    for _ in range(attempts):
        statuses.append(send().status_code)
        if statuses[-1] == 429:
            break
    return statuses


def test_login_is_rate_limited_per_email_whatever_the_address(client, new_user):
    user = new_user()
    addresses = iter(f"198.51.100.{i}" for i in range(1, 250))  # a new address every time

    def attempt():
        return client.post(
            "/v1/auth/login",
            json={"email": user.email, "password": "wrong password"},
            headers={"X-Forwarded-For": next(addresses)},
        )

    statuses = _until_limited(attempt, 40)
    # the burst is 10 logins per e-mail; the fixture's own login used one
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401} and len(statuses) >= 10
    limited = client.post("/v1/auth/login", json={"email": user.email, "password": user.password})
    assert limited.status_code == 429  # even the right password waits: no oracle for guesses
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == "rate_limited"


def test_login_and_register_are_rate_limited_per_address(client):
    address = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}  # resolved by uvicorn
    statuses = _until_limited(
        lambda: client.post(
            "/v1/auth/login", json={"email": _email(), "password": "whatever pw"}, headers=address
        ),
        40,
    )
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401} and len(statuses) >= 11
    other = {"X-Forwarded-For": f"192.0.2.{uuid.uuid4().int % 250 + 1}"}
    created = _until_limited(
        lambda: client.post(
            "/v1/auth/register", json={"email": _email(), "password": USER_PASSWORD}, headers=other
        ),
        20,
    )
    assert created[-1] == 429 and set(created[:-1]) == {201} and len(created) >= 6
    # loopback callers (this host, the tests' own fixtures) are not limited per address
    assert (
        client.post("/v1/auth/register", json={"email": _email(), "password": USER_PASSWORD}).status_code
        == 201
    )
