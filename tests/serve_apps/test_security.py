"""Hostile input never produces a 500 on the account, wallet and admin routes, and tokens travel only in
the Authorization header."""

from __future__ import annotations

import re

import pytest

HOSTILE_BODIES: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"a string"', "application/json"),
    (b'{"email": {"$gt": ""}, "password": {"$ne": null}}', "application/json"),  # operator injection
    (b'{"amount": 1e309, "reason": "x"}', "application/json"),
    (b'{"amount": "12", "reason": ["x"]}', "application/json"),
    (b'{"name": "' + b"x" * 300_000 + b'"}', "application/json"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),  # deep nesting
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"email=a&password=b", "application/x-www-form-urlencoded"),
    (
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--",
        "multipart/form-data; boundary=x",
    ),
]

PREFIXES = ("/v1/auth", "/v1/me", "/v1/wallet", "/v1/admin")


@pytest.fixture
def account_routes(client) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    routes = [
        (method.upper(), re.sub(r"\{[^}]+\}", "x", path))
        for path, ops in spec["paths"].items()
        if path.startswith(PREFIXES)
        for method in ops
        if method in ("post", "put", "patch") and path != "/v1/auth/logout"  # it would end the session
    ]
    assert len(routes) >= 15
    return routes


def test_hostile_bodies_never_cause_a_500(client, admin, account_routes):
    for method, url in account_routes:
        for body, content_type in HOSTILE_BODIES:
            response = client.request(
                method, url, content=body, headers={**admin.headers, "Content-Type": content_type}
            )
            assert response.status_code < 500, (method, url, body[:60], response.text[:200])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/json")
                assert set(response.json()) >= {"error", "detail"}


def test_logout_with_hostile_bodies_is_422_or_ends_only_the_callers_session(client, new_user):
    user, bystander = new_user(), new_user()
    for body, content_type in HOSTILE_BODIES:
        headers = {**user.headers, "Content-Type": content_type}
        response = client.post("/v1/auth/logout", content=body, headers=headers)
        assert response.status_code < 500, (body[:60], response.text[:200])
    assert client.get("/v1/me", headers=bystander.headers).status_code == 200


def test_unknown_fields_are_refused_everywhere(client, admin, new_user):
    user = new_user()
    cases = [
        ("POST", "/v1/auth/login", {"email": user.email, "password": user.password, "remember": True}, {}),
        ("POST", "/v1/auth/refresh", {"refresh_token": user.refresh_token, "scope": "admin"}, {}),
        ("PATCH", "/v1/me", {"name": "n", "email": "other@example.com"}, user.headers),
        ("POST", "/v1/me/api-keys", {"name": "n", "admin": True}, user.headers),
        ("POST", "/v1/wallet/orders", {"pack_id": "starter", "coins": 1_000_000}, user.headers),
        (
            "POST",
            f"/v1/admin/users/{user.id}/coins",
            {"amount": 1, "reason": "r", "kind": "purchase"},
            admin.headers,
        ),
        ("PATCH", f"/v1/admin/users/{user.id}", {"blocked": False, "coins": 10}, admin.headers),
        ("POST", "/v1/admin/promotions", {"code": "SAFE-CODE", "coins": 1, "uses": 0}, admin.headers),
    ]
    for method, url, body, headers in cases:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"] == "invalid"
    assert client.get("/v1/me", headers=user.headers).json()["coins"] == 10


def test_wrong_types_and_oversized_values_are_422(client, new_user):
    user = new_user()
    for body in (
        {"email": 5, "password": "x" * 10},
        {"email": "a@b.co", "password": None},
        {"email": "a@b.co" * 100, "password": "x" * 10},
        {"email": "a@b.co", "password": "x" * 5000},
    ):
        assert client.post("/v1/auth/login", json=body).status_code == 422, body
    assert client.post("/v1/me/api-keys", json={"name": "n" * 101}, headers=user.headers).status_code == 422
    assert (
        client.get("/v1/me/transactions", params={"page_size": 10**9}, headers=user.headers).status_code
        == 422
    )


def test_tokens_are_only_read_from_the_authorization_header(client, new_user):
    user = new_user()
    assert client.get("/v1/me", params={"access_token": user.access_token}).status_code == 401
    as_cookie = client.get("/v1/me", headers={"Cookie": f"access_token={user.access_token}"})
    assert as_cookie.status_code == 401
    assert client.get("/v1/me", headers={"Authorization": user.access_token}).status_code == 401  # no scheme
    huge = client.get("/v1/me", headers={"Authorization": "Bearer " + "a" * 60_000})
    assert huge.status_code in (400, 401, 431)


def test_a_client_never_sees_another_users_things(client, new_user):
    owner, other = new_user(coins=3), new_user()
    key = client.post("/v1/me/api-keys", json={"name": "mine"}, headers=owner.headers).json()
    client.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=owner.headers)
    assert client.delete(f"/v1/me/api-keys/{key['id']}", headers=other.headers).status_code == 404
    assert client.get("/v1/me/api-keys", headers=other.headers).json()["total"] == 0
    assert client.get("/v1/wallet/orders", headers=other.headers).json()["total"] == 0
    theirs = client.get("/v1/me/transactions", headers=other.headers).json()
    assert theirs["total"] == 1 and theirs["items"][0]["kind"] == "bonus"
    mine = client.get("/v1/me/transactions", headers=owner.headers).json()
    assert mine["total"] == 3  # bonus, grant, purchase
