"""A folder submitted through the SDK to the real API on local Ray: upload progress, live progress
events over the WebSocket (and by polling when the socket is refused), the final state, per-image
status, the download with its manifest, and a download resumed after the connection was cut."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile

import httpx
import pytest
from drisya_client import AsyncClient, Client

from data_jobs.output_zip import read_manifest
from tests.data_jobs.conftest import product_photo
from tests.sdk.conftest import FAST, photos
from tests.serve_apps.conftest import USER_PASSWORD, grant_coins, login


@pytest.fixture(scope="module")
def finished(ray_session, api, tmp_path_factory):
    """One folder (three photos, one broken) submitted, followed over the WebSocket to the end."""
    with httpx.Client(base_url=api.url, timeout=60) as h:
        email = f"sdk-{time.time_ns()}@example.com"
        h.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "S"})
        token = login(h, email, USER_PASSWORD)["access_token"]
        grant_coins(
            api.settings, h.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["id"], 20
        )
    with Client(api.url, token=token) as c:
        key = c.create_api_key("sdk job tests")
    folder = photos(tmp_path_factory.mktemp("folder") / "shoes", 3, broken=True)
    with Client(api.url, api_key=key) as c:
        before = c.wallet.balance()
        sent: list[tuple[int, int]] = []
        job = c.jobs.submit(
            folder, template="#ffffff", recipe=FAST, name="shoes", progress=lambda s, t: sent.append((s, t))
        )
        events = list(job.events(interval=0.2))
        job.refresh()
        yield {
            "key": key,
            "job": job.data,
            "upload": job.upload,
            "events": events,
            "sent": sent,
            "before": before,
            "after": c.wallet.balance(),
            "images": job.images(),
        }


def test_submit_folder_reports_upload_progress_and_live_events(finished):
    assert finished["upload"]["accepted"] == 4 and finished["upload"]["rejected"] == []
    sent = finished["sent"]
    assert sent and sent[-1][0] == sent[-1][1] > 0
    assert [a for a, _ in sent] == sorted(a for a, _ in sent)
    events = finished["events"]
    assert {e.via for e in events} == {"websocket"}
    assert events[0].type == "progress" and events[-1].is_final
    assert [e for e in events if e.is_final] == [events[-1]]
    assert events[-1].status == "done" and (events[-1].done, events[-1].failed) == (3, 1)
    assert [e.finished for e in events] == sorted(e.finished for e in events)


def test_final_state_images_and_coins(finished):
    job = finished["job"]
    assert (job["status"], job["total"], job["done"], job["failed"]) == ("done", 4, 3, 1)
    by_name = {i.name: i for i in finished["images"]}
    assert by_name["broken.jpg"].status == "failed" and by_name["broken.jpg"].reason
    assert by_name["more/item-2.jpg"].status == "done" and by_name["more/item-2.jpg"].output_url
    assert finished["before"] - finished["after"] == 3 * job["price_per_image"]


def test_wait_draws_a_progress_bar_to_the_end(api, finished):
    bar = io.StringIO()
    with Client(api.url, api_key=finished["key"]) as c:
        job = c.job(finished["job"]["id"]).wait(progress=True, stream=bar)
    assert job.status == "done"
    assert bar.getvalue().splitlines()[-1].endswith("100% Done 4/4 (1 failed)")


def test_download_holds_outputs_and_the_manifest(api, finished, tmp_path):
    with Client(api.url, api_key=finished["key"]) as c:
        path = c.job(finished["job"]["id"]).download(tmp_path / "out.zip")
    archive = zipfile.ZipFile(path)
    assert {"manifest.csv", "item-0.jpg", "item-1.jpg", "more/item-2.jpg"} <= set(archive.namelist())
    rows = {r["input_name"]: r for r in read_manifest(archive.read("manifest.csv"))}
    assert rows["broken.jpg"]["status"] == "failed" and rows["item-0.jpg"]["status"] == "done"
    assert not (tmp_path / "out.zip.part").exists()


def _whole(api, key: str, job_id: str) -> tuple[bytes, str]:
    """The archive in one plain request, and its ETag."""
    response = httpx.get(f"{api.url}/v1/jobs/{job_id}/download", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    return response.content, response.headers["etag"]


def test_download_cut_in_the_middle_resumes_with_range(api, finished, proxy, tmp_path):
    whole, _ = _whole(api, finished["key"], finished["job"]["id"])
    relay = proxy(cut_download_at=len(whole) // 2)  # headers + about half of the body, then closed
    with Client(relay.url, api_key=finished["key"]) as c:
        path = c.job(finished["job"]["id"]).download(tmp_path / "out.zip")
    assert path.read_bytes() == whole
    downloads = [r.lower() for r in relay.requests if "/download" in r]
    assert len(downloads) == 2 and "range:" not in downloads[0]
    assert "range: bytes=" in downloads[1] and "if-range:" in downloads[1]


def test_download_continues_a_part_left_by_an_earlier_run(api, finished, proxy, tmp_path):
    job_id = finished["job"]["id"]
    whole, etag = _whole(api, finished["key"], job_id)
    (tmp_path / "out.zip.part").write_bytes(whole[:1000])  # what a killed process left behind
    (tmp_path / "out.zip.part.etag").write_text(etag)
    relay = proxy()
    with Client(relay.url, api_key=finished["key"]) as c:
        c.job(job_id).download(tmp_path / "out.zip")
    assert (tmp_path / "out.zip").read_bytes() == whole
    assert "range: bytes=1000-" in [r.lower() for r in relay.requests if "/download" in r][0]
    assert not (tmp_path / "out.zip.part").exists() and not (tmp_path / "out.zip.part.etag").exists()


def test_events_fall_back_to_polling_when_the_websocket_is_refused(api, finished, proxy):
    relay = proxy(refuse_websockets=True)
    with Client(relay.url, api_key=finished["key"]) as c:
        events = list(c.job(finished["job"]["id"]).events(interval=0.1))
    assert any("upgrade: websocket" in r.lower() for r in relay.requests)  # it was tried
    assert [e.via for e in events] == ["polling"] and events[0].is_final and events[0].status == "done"


def test_async_client_submits_image_paths_and_follows_them(ray_session, api, sdk_user, tmp_path):
    key = sdk_user(coins=10)._http.credential
    shots = photos(tmp_path / "loose", 2, seed=40)

    async def main() -> None:
        async with AsyncClient(api.url, api_key=key) as c:
            found = await c.templates.search("blue")
            assert found.total >= 1 and (await c.templates.get(found.items[0].id)).id == found.items[0].id
            job = await c.jobs.submit([shots / "item-0.jpg", shots / "more" / "item-1.jpg"], recipe=FAST)
            assert job.upload["accepted"] == 2
            events = [e async for e in job.events()]
            assert events[-1].is_final and events[-1].status == "done" and events[0].via == "websocket"
            job = await job.wait()
            assert (job.status, job.done) == ("done", 2)
            assert sorted(i.name for i in await job.images()) == ["item-0.jpg", "item-1.jpg"]
            path = await job.download(tmp_path / "async.zip")
            assert {"item-0.jpg", "item-1.jpg", "manifest.csv"} <= set(zipfile.ZipFile(path).namelist())
            assert any(t.kind == "capture" for t in await c.wallet.history())

    asyncio.run(main())


def test_enhance_and_preview_one_image(ray_session, api, sdk_user):
    c = sdk_user(coins=5)
    before = c.wallet.balance()
    small = c.preview(product_photo(256, seed=7), template="#ffffff", recipe=FAST)
    assert small[:2] == b"\xff\xd8"  # a JPEG
    result = c.enhance(product_photo(256, seed=7), template="#ffffff", recipe=FAST)
    assert result.content and result.media_type.startswith("image/") and result.job_id
    assert result.coins_charged == 1 and c.wallet.balance() == before - 1
    from PIL import Image

    assert Image.open(io.BytesIO(result.content)).size[0] <= 256
