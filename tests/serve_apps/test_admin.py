"""Administration over real HTTP: 403 for clients on every admin route, users, coins, pricing, promo
codes, templates, jobs and analytics."""

from __future__ import annotations

import io
import re
import uuid

import numpy as np
from PIL import Image

from tests.serve_apps.conftest import USER_PASSWORD


def test_every_admin_route_is_403_for_clients_and_401_without_a_token(client, new_user):
    user = new_user()
    spec = client.get("/openapi.json").json()
    routes = [(m, p) for p, ops in spec["paths"].items() if p.startswith("/v1/admin") for m in ops]
    assert len(routes) >= 15
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "x", path)
        as_client = client.request(method.upper(), url, headers=user.headers)
        assert as_client.status_code == 403, (method, path, as_client.text)
        assert as_client.json()["error"] == "forbidden"
        assert client.request(method.upper(), url).status_code == 401, (method, path)


def test_users_are_searchable_and_blocking_refuses_them_everywhere(client, admin, new_user):
    user = new_user(name="Zubin Textiles")
    found = client.get("/v1/admin/users", params={"q": "zubin textiles"}, headers=admin.headers).json()
    assert user.id in [u["id"] for u in found["items"]] and found["total"] >= 1
    by_email = client.get("/v1/admin/users", params={"q": user.email.upper()}, headers=admin.headers).json()
    assert [u["id"] for u in by_email["items"]] == [user.id]
    # the query is a literal, never a regular expression
    assert client.get("/v1/admin/users", params={"q": ".*"}, headers=admin.headers).json()["total"] == 0
    assert client.get("/v1/admin/users", params={"role": "root"}, headers=admin.headers).status_code == 422

    key = client.post("/v1/me/api-keys", json={"name": "k"}, headers=user.headers).json()["key"]
    blocked = client.patch(f"/v1/admin/users/{user.id}", json={"blocked": True}, headers=admin.headers)
    assert blocked.status_code == 200 and blocked.json()["blocked"] is True
    for headers in (user.headers, {"Authorization": f"Bearer {key}"}):
        refused = client.get("/v1/me", headers=headers)
        assert refused.status_code == 403 and refused.json()["error"] == "blocked"
        assert client.get("/v1/jobs", headers=headers).status_code == 403
        assert (
            client.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=headers).status_code == 403
        )
    login = client.post("/v1/auth/login", json={"email": user.email, "password": USER_PASSWORD})
    assert login.status_code == 403 and login.json()["error"] == "blocked"
    assert client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 401

    assert (
        client.patch(f"/v1/admin/users/{user.id}", json={"blocked": False}, headers=admin.headers).status_code
        == 200
    )
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert (
        client.post("/v1/auth/login", json={"email": user.email, "password": USER_PASSWORD}).status_code
        == 200
    )


def test_role_changes_apply_at_once_and_admins_cannot_lock_themselves_out(client, admin, new_user):
    user = new_user()
    assert client.get("/v1/admin/users", headers=user.headers).status_code == 403
    promoted = client.patch(f"/v1/admin/users/{user.id}", json={"role": "admin"}, headers=admin.headers)
    assert promoted.json()["role"] == "admin"
    assert client.get("/v1/admin/users", headers=user.headers).status_code == 200  # same token
    demoted = client.patch(f"/v1/admin/users/{user.id}", json={"role": "client"}, headers=admin.headers)
    assert demoted.json()["role"] == "client"
    assert client.get("/v1/admin/users", headers=user.headers).status_code == 403
    assert (
        client.patch(f"/v1/admin/users/{user.id}", json={"role": "root"}, headers=admin.headers).status_code
        == 422
    )
    assert (
        client.patch(f"/v1/admin/users/{user.id}", json={"coins": 5}, headers=admin.headers).status_code
        == 422
    )
    myself = client.patch(f"/v1/admin/users/{admin.id}", json={"blocked": True}, headers=admin.headers)
    assert myself.status_code == 409
    assert (
        client.patch(
            f"/v1/admin/users/{admin.id}", json={"role": "client"}, headers=admin.headers
        ).status_code
        == 409
    )
    assert (
        client.patch("/v1/admin/users/nobody", json={"blocked": True}, headers=admin.headers).status_code
        == 404
    )


def test_granted_coins_show_in_the_users_history_with_the_reason(client, admin, new_user):
    user = new_user()
    granted = client.post(
        f"/v1/admin/users/{user.id}/coins",
        json={"amount": 250, "reason": "launch goodwill", "idempotency_key": "g-1"},
        headers=admin.headers,
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["user"]["coins"] == 260 and granted.json()["transaction"]["by"] == admin.id
    again = client.post(
        f"/v1/admin/users/{user.id}/coins",
        json={"amount": 250, "reason": "launch goodwill", "idempotency_key": "g-1"},
        headers=admin.headers,
    )
    assert again.json()["user"]["coins"] == 260  # a retried request counts once
    history = client.get("/v1/me/transactions", params={"kind": "grant"}, headers=user.headers).json()
    assert history["total"] == 1
    assert history["items"][0]["reason"] == "granted by an administrator: launch goodwill"
    assert "by" not in history["items"][0] and "key" not in history["items"][0]
    admin_view = client.get(f"/v1/admin/users/{user.id}/transactions", headers=admin.headers).json()
    assert any(t["by"] == admin.id for t in admin_view["items"])
    for body in (
        {"amount": 0, "reason": "x"},
        {"amount": 5},
        {"amount": 5, "reason": ""},
        {"amount": "5x", "reason": "r"},
    ):
        assert (
            client.post(f"/v1/admin/users/{user.id}/coins", json=body, headers=admin.headers).status_code
            == 422
        )
    assert client.get("/v1/me", headers=user.headers).json()["coins"] == 260


def test_new_prices_apply_to_jobs_created_after(client, admin, new_user, billing_restored):
    user = new_user()
    before = client.post("/v1/jobs", json={"module": "ready", "template_id": "#FFFFFF"}, headers=user.headers)
    assert before.status_code == 201, before.text
    old_price = before.json()["price_per_image"]
    body = {k: billing_restored[k] for k in ("pricing", "rupees_per_coin", "packs")}
    body["pricing"] = {**body["pricing"], "ready": old_price + 4}
    put = client.put("/v1/admin/pricing", json=body, headers=admin.headers)
    assert put.status_code == 200 and put.json()["pricing"]["ready"] == old_price + 4
    after = client.post("/v1/jobs", json={"module": "ready", "template_id": "#FFFFFF"}, headers=user.headers)
    assert after.json()["price_per_image"] == old_price + 4
    assert (
        client.get(f"/v1/jobs/{before.json()['id']}", headers=user.headers).json()["price_per_image"]
        == old_price
    )
    assert client.get("/v1/wallet/packs").json()["pricing"]["ready"] == old_price + 4

    bad = [
        {**body, "pricing": {"ready": 1}},  # a module without a price
        {**body, "pricing": {**body["pricing"], "ready": -1}},
        {**body, "packs": [{"id": "a", "name": "A", "coins": 1, "price": 1000}] * 2},
        {**body, "packs": [{"id": "a", "name": "A", "coins": 0, "price": 1000}]},
        {**body, "rupees_per_coin": 0},
        {**body, "surprise": True},
    ]
    for payload in bad:
        assert client.put("/v1/admin/pricing", json=payload, headers=admin.headers).status_code == 422, (
            payload
        )


def test_signup_bonus_is_configurable(client, admin, billing_restored):
    assert client.put("/v1/admin/signup-bonus", json={"coins": 42}, headers=admin.headers).status_code == 200
    email = f"bonus-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        client.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD}).json()["coins"]
        == 42
    )
    assert client.put("/v1/admin/signup-bonus", json={"coins": 0}, headers=admin.headers).status_code == 200
    email = f"bonus-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        client.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD}).json()["coins"]
        == 0
    )


def background_png() -> bytes:
    """A 1200x900 PNG backdrop an admin can upload as a template."""
    y, x = np.mgrid[0:900, 0:1200]
    rgb = np.stack([200 + x * 40 // 1200, 180 + y * 50 // 900, np.full_like(x, 170)], axis=-1).astype(
        np.uint8
    )
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def test_admin_uploads_disables_and_deletes_templates(client, admin, new_user):
    user = new_user()
    tid = f"upload-admin-test-{uuid.uuid4().hex[:6]}"
    created = client.post(
        "/v1/admin/templates",
        files={"file": ("bg.png", background_png(), "image/png")},
        data={"name": "Warm Paper", "category": "studio", "tags": "warm, paper", "id": tid},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == tid and created.json()["source"] == "upload"
    not_image = client.post(
        "/v1/admin/templates",
        files={"file": ("bg.png", b"GIF89a not really", "image/png")},
        data={"name": "Bad"},
        headers=admin.headers,
    )
    assert not_image.status_code in (415, 422)
    assert (
        client.post("/v1/admin/templates", data={"name": "No file"}, headers=admin.headers).status_code == 422
    )

    job = client.post("/v1/jobs", json={"module": "ready", "template_id": tid}, headers=user.headers)
    assert job.status_code == 201
    disabled = client.patch(f"/v1/admin/templates/{tid}", json={"enabled": False}, headers=admin.headers)
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    listed = client.get(
        "/v1/admin/templates", params={"source": "upload", "enabled": False}, headers=admin.headers
    )
    assert tid in [t["id"] for t in listed.json()["items"]]
    refused = client.post("/v1/jobs", json={"module": "ready", "template_id": tid}, headers=user.headers)
    assert refused.status_code in (404, 409, 422)
    assert (
        client.patch(f"/v1/admin/templates/{tid}", json={"enabled": True}, headers=admin.headers).status_code
        == 200
    )
    assert client.delete(f"/v1/admin/templates/{tid}", headers=admin.headers).status_code == 204
    gone = client.get("/v1/admin/templates", params={"q": "warm paper"}, headers=admin.headers).json()
    assert tid not in [t["id"] for t in gone["items"]]
    assert client.delete("/v1/admin/templates/no-such-template", headers=admin.headers).status_code == 404


def test_admin_sees_every_users_jobs_and_resume_refuses_jobs_that_are_not_stalled(client, admin, new_user):
    a, b = new_user(), new_user()
    job_a = client.post(
        "/v1/jobs", json={"module": "ready", "template_id": "#FFFFFF"}, headers=a.headers
    ).json()
    job_b = client.post(
        "/v1/jobs", json={"module": "look", "template_id": "#000000"}, headers=b.headers
    ).json()
    listed = client.get("/v1/admin/jobs", params={"page_size": 200}, headers=admin.headers).json()
    owners = {j["id"]: j["owner"] for j in listed["items"]}
    assert owners[job_a["id"]] == a.id and owners[job_b["id"]] == b.id
    mine = client.get("/v1/admin/jobs", params={"owner": b.id}, headers=admin.headers).json()
    assert [j["id"] for j in mine["items"]] == [job_b["id"]] and mine["total"] == 1
    assert client.get("/v1/admin/jobs", params={"status": "nope"}, headers=admin.headers).status_code == 422
    # a client sees only their own jobs
    assert client.get(f"/v1/jobs/{job_b['id']}", headers=a.headers).status_code == 404
    created = client.post(f"/v1/admin/jobs/{job_a['id']}/resume", headers=admin.headers)
    assert created.status_code == 409 and "created" in created.json()["detail"]
    assert client.post("/v1/admin/jobs/nope/resume", headers=admin.headers).status_code == 404


def test_analytics_count_sales_and_grants_in_the_range(client, admin, new_user):
    day = client.get("/v1/admin/analytics", headers=admin.headers).json()["to"]
    before = client.get("/v1/admin/analytics", params={"from": day, "to": day}, headers=admin.headers).json()
    user = new_user()
    bought = client.post("/v1/wallet/orders", json={"pack_id": "starter"}, headers=user.headers)
    assert bought.status_code == 201
    client.post(f"/v1/admin/users/{user.id}/coins", json={"amount": 7, "reason": "r"}, headers=admin.headers)
    after = client.get("/v1/admin/analytics", params={"from": day, "to": day}, headers=admin.headers).json()
    assert after["coins"]["sold"] - before["coins"]["sold"] == 100
    assert after["coins"]["granted"] - before["coins"]["granted"] == 7
    assert after["coins"]["bonus_given"] - before["coins"]["bonus_given"] == 10
    test_rev = after["revenue"]["test_provider"]
    assert test_rev["amount"] - before["revenue"]["test_provider"]["amount"] == 49_900
    assert after["revenue"]["amount"] == before["revenue"]["amount"]  # test orders are not revenue
    assert after["active_users"] >= before["active_users"] + 1
    assert [d["day"] for d in after["images_per_day"]] == [day]
    assert {"failure_rate", "done", "failed"} <= set(after["images"]) and isinstance(
        after["top_templates"], list
    )
    assert (
        client.get("/v1/admin/analytics", params={"from": "2026-02-30"}, headers=admin.headers).status_code
        == 422
    )
    assert (
        client.get(
            "/v1/admin/analytics", params={"from": "2020-01-01", "to": "2026-01-01"}, headers=admin.headers
        ).status_code
        == 422
    )
    assert (
        client.get(
            "/v1/admin/analytics", params={"from": "2026-02-02", "to": "2026-02-01"}, headers=admin.headers
        ).status_code
        == 422
    )


def test_deducting_coins_is_recorded_and_never_goes_below_zero(client, admin, new_user):
    user = new_user(coins=40)  # plus the signup bonus
    start = client.get("/v1/me", headers=user.headers).json()["coins"]
    url = f"/v1/admin/users/{user.id}/coins"
    body = {"amount": -30, "reason": "duplicate grant", "idempotency_key": "d-1"}
    deducted = client.post(url, json=body, headers=admin.headers)
    assert deducted.status_code == 200, deducted.text
    assert deducted.json()["user"]["coins"] == start - 30
    assert client.post(url, json=body, headers=admin.headers).json()["user"]["coins"] == start - 30
    too_much = client.post(
        url, json={"amount": -(start - 30 + 1), "reason": "too much"}, headers=admin.headers
    )
    assert too_much.status_code == 402, too_much.text
    assert too_much.json()["balance"] == start - 30 and too_much.json()["shortfall"] == 1
    history = client.get("/v1/me/transactions", params={"kind": "deduct"}, headers=user.headers).json()
    assert history["total"] == 1 and history["items"][0]["amount"] == -30
    assert client.get("/v1/me", headers=user.headers).json()["coins"] == start - 30
