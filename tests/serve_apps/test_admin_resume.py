"""An admin resumes a job that lost its runner: the real run on the shared local Ray, over HTTP."""

from __future__ import annotations

import asyncio
import time

from data_jobs import jobs as job_ops
from store.db import connect
from store.ledger import Ledger
from store.repositories import Repositories
from tests.data_jobs.conftest import mixed_zip


def test_admin_resumes_a_queued_job_whose_runner_never_started(ray_session, api, client, admin, new_user):
    seller = new_user(coins=40)
    job_id = client.post(
        "/v1/jobs",
        headers=seller.headers,
        json={"template_id": "#f4f4f4", "recipe": {"method": "fast", "size": 256}},
    ).json()["id"]
    data, good = mixed_zip(good=2, size=256)
    uploaded = client.put(
        f"/v1/jobs/{job_id}/upload",
        headers={**seller.headers, "Content-Type": "application/zip"},
        content=data,
    )
    assert uploaded.status_code == 200, uploaded.text

    async def submit_without_runner() -> None:  # queued and reserved, as if the API died before starting it
        db = connect(api.settings.mongodb_uri, api.settings.mongodb_db)
        try:
            await job_ops.submit_job(Repositories(db), job_id)
        finally:
            await db.client.close()

    asyncio.run(submit_without_runner())
    assert client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()["status"] == "queued"
    assert client.post(f"/v1/admin/jobs/{job_id}/resume", headers=seller.headers).status_code == 403

    today = client.get("/v1/admin/analytics", headers=admin.headers).json()["to"]

    def analytics() -> dict:
        return client.get(
            "/v1/admin/analytics", params={"from": today, "to": today}, headers=admin.headers
        ).json()

    before = analytics()
    resumed = client.post(f"/v1/admin/jobs/{job_id}/resume", headers=admin.headers)
    assert resumed.status_code == 202 and resumed.json()["resuming"] is True
    assert set(resumed.json()) == {"id", "status", "resuming", "detail"}  # web/src/lib/resume.ts's type
    documented = client.get("/openapi.json").json()["components"]["schemas"]["ResumeOut"]
    assert set(documented["properties"]) == set(resumed.json())
    deadline = time.monotonic() + 300
    job = {}
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(1)
    assert job["status"] == "done", job
    assert job["done"] >= len(good) and job["coins_charged"] == job["done"] * job["price_per_image"]
    after = analytics()
    processed = (
        after["images_per_day"][0]["images_processed"] - before["images_per_day"][0]["images_processed"]
    )
    assert processed == job["done"]
    assert after["coins"]["spent"] - before["coins"]["spent"] == job["coins_charged"]
    assert after["images"]["failed"] - before["images"]["failed"] == job["failed"]
    assert any(t["template"] == "#f4f4f4" for t in after["top_templates"])
    if job["failed"]:
        assert after["failure_reasons"] and after["images"]["failure_rate"] > 0
    again = client.post(f"/v1/admin/jobs/{job_id}/resume", headers=admin.headers)
    assert again.status_code == 409

    async def balance_matches() -> bool:
        db = connect(api.settings.mongodb_uri, api.settings.mongodb_db)
        try:
            snap = await Ledger(db).snapshot(seller.id)
            return snap.balance == snap.ledger_sum == 40 + 10 - job["coins_charged"]
        finally:
            await db.client.close()

    assert asyncio.run(balance_matches())
