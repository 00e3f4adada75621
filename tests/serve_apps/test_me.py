"""The signed-in user over real HTTP: profile, password change, API keys, ledger history."""

from __future__ import annotations

from tests.serve_apps.conftest import login


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_shows_the_profile_without_secrets(client, new_user):
    user = new_user(name="Ravi")
    me = client.get("/v1/me", headers=user.headers).json()
    assert me["email"] == user.email and me["name"] == "Ravi" and me["role"] == "client"
    assert me["coins"] == 10 and me["blocked"] is False and me["last_login"]
    assert not {"password_hash", "ledger_seq", "ledger_open"} & set(me)


def test_patch_me_changes_the_name_and_refuses_unknown_fields(client, new_user):
    user = new_user()
    renamed = client.patch("/v1/me", json={"name": "  Meera Stores  "}, headers=user.headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Meera Stores"
    assert client.patch("/v1/me", json={"role": "admin"}, headers=user.headers).status_code == 422
    assert client.patch("/v1/me", json={"coins": 10**6}, headers=user.headers).status_code == 422
    assert client.patch("/v1/me", json={}, headers=user.headers).status_code == 422
    assert client.get("/v1/me", headers=user.headers).json()["role"] == "client"


def test_password_change_needs_the_current_password_and_ends_other_sessions(client, new_user):
    user = new_user()
    other_device = login(client, user.email, user.password)
    no_current = client.patch("/v1/me", json={"new_password": "a brand new password"}, headers=user.headers)
    assert no_current.status_code == 422
    wrong = client.patch(
        "/v1/me",
        json={"current_password": "not my password", "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_password"
    weak = client.patch(
        "/v1/me", json={"current_password": user.password, "new_password": "x"}, headers=user.headers
    )
    assert weak.status_code == 422

    changed = client.patch(
        "/v1/me",
        json={"current_password": user.password, "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    assert client.get("/v1/me", headers=user.headers).status_code == 200  # this session stays
    assert client.get("/v1/me", headers=_bearer(other_device["access_token"])).status_code == 401
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": other_device["refresh_token"]}).status_code
        == 401
    )
    assert (
        client.post("/v1/auth/login", json={"email": user.email, "password": user.password}).status_code
        == 401
    )
    login(client, user.email, "a brand new password")


def test_api_keys_are_shown_once_work_as_bearer_tokens_and_can_be_revoked(client, new_user):
    user, stranger = new_user(), new_user()
    created = client.post("/v1/me/api-keys", json={"name": "ERP sync"}, headers=user.headers)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(key["prefix"] + "_") and key["name"] == "ERP sync"

    listed = client.get("/v1/me/api-keys", headers=user.headers).json()
    assert [k["id"] for k in listed["items"]] == [key["id"]]
    assert "key" not in listed["items"][0] and "hash" not in listed["items"][0]

    assert client.get("/v1/me", headers=_bearer(key["key"])).json()["id"] == user.id
    assert client.get("/v1/me/api-keys", headers=stranger.headers).json()["items"] == []
    # another user's key is not found, not forbidden: its existence is not revealed
    assert client.delete(f"/v1/me/api-keys/{key['id']}", headers=stranger.headers).status_code == 404
    assert client.get("/v1/me", headers=_bearer(key["key"])).status_code == 200

    assert client.delete(f"/v1/me/api-keys/{key['id']}", headers=user.headers).status_code == 204
    revoked = client.get("/v1/me", headers=_bearer(key["key"]))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert client.get("/v1/me/api-keys", headers=user.headers).json()["items"][0]["revoked"] is True
    assert (
        client.post("/v1/me/api-keys", json={"name": "x", "scope": "all"}, headers=user.headers).status_code
        == 422
    )


def test_transactions_are_paginated_and_private(client, new_user):
    user, stranger = new_user(coins=5), new_user()
    first = client.get("/v1/me/transactions", params={"page_size": 1}, headers=user.headers).json()
    second = client.get(
        "/v1/me/transactions", params={"page_size": 1, "page": 2}, headers=user.headers
    ).json()
    assert first["total"] == second["total"] == 2
    assert {first["items"][0]["kind"], second["items"][0]["kind"]} == {"grant", "bonus"}
    assert first["items"][0]["reason"] and second["items"][0]["reason"]
    only_bonus = client.get("/v1/me/transactions", params={"kind": "bonus"}, headers=user.headers).json()
    assert only_bonus["total"] == 1
    assert client.get("/v1/me/transactions", params={"kind": "nope"}, headers=user.headers).status_code == 422
    assert client.get("/v1/me/transactions", params={"page": 0}, headers=user.headers).status_code == 422
    assert (
        client.get("/v1/me/transactions", params={"page_size": "x"}, headers=user.headers).status_code == 422
    )
    assert client.get("/v1/me/transactions", headers=stranger.headers).json()["total"] == 1
