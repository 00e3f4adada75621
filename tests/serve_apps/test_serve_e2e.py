"""The whole product through real Ray Serve on local Ray, with the embedded database: register ->
admin grants coins -> create a job -> upload a ZIP with a broken image -> start -> progress events
over the WebSocket -> download -> the balance fell by exactly successes x price; and one image
through `POST /v1/enhance`, served by the enhance deployment through its handle."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
import zipfile

import httpx
import pytest
from websockets.sync.client import connect

from cluster.embedded_mongo import free_port
from data_jobs.output_zip import read_manifest
from serve_apps.startup import prepare
from tests.data_jobs.conftest import make_zip, product_photo
from tests.serve_apps.conftest import ADMIN_PASSWORD, USER_PASSWORD, api_settings, login


@pytest.fixture(scope="module")
def served_on_ray(ray_session, tmp_path_factory, mongo_uri):
    from ray import serve

    from serve_apps.deployment import deploy

    settings = api_settings(tmp_path_factory.mktemp("serve"), mongo_uri, port=free_port())
    asyncio.run(prepare(settings, owns_database=True))
    # half a CPU for the enhance replica leaves a whole one for the batch actor on the 2-CPU test Ray
    deploy(settings, enhance_cpus=0.5, enhance_max_replicas=1)
    url = f"http://{settings.host}:{settings.port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the Serve app did not come up"
        time.sleep(0.5)
    try:
        yield url, settings
    finally:
        serve.shutdown()


def test_register_to_download_through_ray_serve(served_on_ray):
    url, settings = served_on_ray
    with httpx.Client(base_url=url, timeout=120) as c:
        email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
        registered = c.post(
            "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "E2E"}
        )
        assert registered.status_code == 201, registered.text
        seller = {"Authorization": f"Bearer {login(c, email, USER_PASSWORD)['access_token']}"}
        me = c.get("/v1/me", headers=seller).json()
        admin = {"Authorization": f"Bearer {login(c, settings.admin_email, ADMIN_PASSWORD)['access_token']}"}
        granted = c.post(
            f"/v1/admin/users/{me['id']}/coins", headers=admin, json={"amount": 40, "reason": "e2e"}
        )
        assert granted.status_code in (200, 201), granted.text
        balance = c.get("/v1/me", headers=seller).json()["coins"]
        assert balance == me["coins"] + 40

        job = c.post(
            "/v1/jobs",
            headers=seller,
            json={"module": "look", "template_id": "#e9eef5", "recipe": {"method": "fast", "size": 320}},
        )
        assert job.status_code == 201, job.text
        job_id, price = job.json()["id"], job.json()["price_per_image"]
        photos = {f"item-{i}.jpg": product_photo(320, seed=40 + i) for i in range(5)}
        photos["broken.jpg"] = product_photo(320, seed=49)[:350]
        photos["notes.jpg"] = b"not an image" * 20
        uploaded = c.put(
            f"/v1/jobs/{job_id}/upload",
            headers={**seller, "Content-Type": "application/zip"},
            content=make_zip(photos),
        ).json()
        assert uploaded["accepted"] == 6 and [r["name"] for r in uploaded["rejected"]] == ["notes.jpg"]

        ticket = c.post(f"/v1/jobs/{job_id}/events-ticket", headers=seller).json()
        with connect(url.replace("http://", "ws://") + ticket["url"]) as ws:
            assert c.post(f"/v1/jobs/{job_id}/start", headers=seller).status_code == 202
            events = []
            while not events or events[-1]["type"] != "final":
                events.append(json.loads(ws.recv(timeout=120)))
        final = events[-1]
        assert final["status"] == "done" and final["done"] == 5 and final["failed"] == 1
        assert any(e["type"] == "progress" and e["status"] == "running" for e in events)

        download = c.get(f"/v1/jobs/{job_id}/download", headers=seller)
        assert download.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        rows = {r["input_name"]: r["status"] for r in read_manifest(archive.read("manifest.csv"))}
        assert rows["broken.jpg"] == "failed" and rows["notes.jpg"] == "rejected"
        assert sum(1 for s in rows.values() if s == "done") == 5
        assert len([n for n in archive.namelist() if n.endswith(".jpg")]) == 5

        after = c.get("/v1/me", headers=seller).json()["coins"]
        assert after == balance - 5 * price  # exactly the successes, at the job's price

        one = c.post(
            "/v1/enhance",
            headers=seller,
            files={"image": ("one.jpg", product_photo(320, seed=60), "image/jpeg")},
            data={"recipe": json.dumps({"method": "fast", "size": 256}), "template": "#ffffff"},
        )
        assert one.status_code == 200, one.text
        assert one.headers["content-type"] == "image/jpeg" and one.headers["x-drisya-coins-charged"] == "1"
        assert c.get("/v1/me", headers=seller).json()["coins"] == after - 1
        preview = c.post(
            "/v1/preview",
            headers=seller,
            files={"image": ("one.jpg", product_photo(320, seed=61), "image/jpeg")},
            data={"recipe": json.dumps({"method": "fast"})},
        )
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
