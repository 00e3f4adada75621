"""The SDK against the API as `make up` serves it: the FastAPI ingress on real Ray Serve (its HTTP
proxy in front), so a folder's chunked upload, the ticketed WebSocket and the download all cross the
Serve proxy."""

from __future__ import annotations

import zipfile

import httpx
from drisya_client import Client

from tests.sdk.conftest import FAST, photos
from tests.serve_apps.conftest import ADMIN_PASSWORD
from tests.serve_apps.test_serve_e2e import served_on_ray  # noqa: F401 - the module fixture


def test_folder_through_ray_serve(served_on_ray, tmp_path):  # noqa: F811 - a fixture by name
    url, settings = served_on_ray
    with Client(url) as admin:
        admin.login(settings.admin_email, ADMIN_PASSWORD)
        key = admin.create_api_key("sdk through serve")
        me = admin.me()
        grant = httpx.post(
            f"{url}/v1/admin/users/{me['id']}/coins",
            headers={"Authorization": f"Bearer {key}"},
            json={"amount": 10, "reason": "sdk serve test"},
        )
        assert grant.status_code in (200, 201), grant.text
    with Client(url, api_key=key) as c:
        before = c.wallet.balance()
        job = c.jobs.submit(photos(tmp_path / "shots", 2, broken=True), recipe=FAST)
        assert job.upload["accepted"] == 3
        events = list(job.events())
        assert events[0].via == "websocket" and events[-1].status == "done"
        job.refresh()
        assert (job.done, job.failed) == (2, 1)
        path = job.download(tmp_path / "out.zip")
        assert {"item-0.jpg", "more/item-1.jpg", "manifest.csv"} <= set(zipfile.ZipFile(path).namelist())
        assert c.wallet.balance() == before - 2 * job.data["price_per_image"]
