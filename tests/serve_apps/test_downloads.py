"""The download of a finished job over HTTP: the streamed ZIP with its manifest, resumed with Range
(206/416), checked with ETag/If-Range; refused before the job finishes; gone with the job."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from data_jobs.output_zip import read_manifest
from tests.data_jobs.conftest import make_zip, product_photo


@pytest.fixture(scope="module")
def finished(ray_session, api):
    """One job of three photos and a broken one, run to the end (shared by this module's tests)."""
    import httpx

    from tests.serve_apps.conftest import USER_PASSWORD, grant_coins, login

    with httpx.Client(base_url=api.url, timeout=120) as c:
        email = f"dl-{time.time_ns()}@example.com"
        assert (
            c.post(
                "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "D"}
            ).status_code
            == 201
        )
        headers = {"Authorization": f"Bearer {login(c, email, USER_PASSWORD)['access_token']}"}
        grant_coins(api.settings, c.get("/v1/me", headers=headers).json()["id"], 20)
        job_id = c.post(
            "/v1/jobs",
            headers=headers,
            json={"template_id": "#ffffff", "recipe": {"method": "fast", "size": 256}, "name": "shoes"},
        ).json()["id"]
        entries = {f"shoes/pair-{i}.jpg": product_photo(256, seed=20 + i) for i in range(3)}
        entries["broken.jpg"] = product_photo(256, seed=30)[:400]
        before_finish = c.get(f"/v1/jobs/{job_id}/download", headers=headers)
        assert before_finish.status_code == 409 and before_finish.json()["error"] == "not_ready"
        c.put(
            f"/v1/jobs/{job_id}/upload",
            headers={**headers, "Content-Type": "application/zip"},
            content=make_zip(entries),
        )
        assert c.post(f"/v1/jobs/{job_id}/start", headers=headers).status_code == 202
        deadline = time.monotonic() + 240
        while (job := c.get(f"/v1/jobs/{job_id}", headers=headers).json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
        yield job_id, headers, job


def test_download_is_a_zip_with_outputs_and_manifest(client, finished):
    job_id, headers, job = finished
    response = client.get(f"/v1/jobs/{job_id}/download", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["accept-ranges"] == "bytes" and response.headers["etag"]
    assert 'filename="drisya-shoes.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"manifest.csv", "shoes/pair-0.jpg", "shoes/pair-1.jpg", "shoes/pair-2.jpg"} <= names
    manifest = {row["input_name"]: row for row in read_manifest(archive.read("manifest.csv"))}
    assert manifest["broken.jpg"]["status"] == "failed" and manifest["broken.jpg"]["error"]
    assert manifest["shoes/pair-0.jpg"]["status"] == "done"
    assert job["done"] == 3 and job["failed"] == 1


def test_download_resumes_with_range_and_checks_if_range(client, finished):
    job_id, headers, _ = finished
    url = f"/v1/jobs/{job_id}/download"
    full = client.get(url, headers=headers)
    size, etag = len(full.content), full.headers["etag"]

    part = client.get(url, headers={**headers, "Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == full.content[100:]
    assert part.headers["content-range"] == f"bytes 100-{size - 1}/{size}"
    assert part.headers["etag"] == etag

    middle = client.get(url, headers={**headers, "Range": "bytes=10-19", "If-Range": etag})
    assert middle.status_code == 206 and middle.content == full.content[10:20]
    tail = client.get(url, headers={**headers, "Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == full.content[-50:]
    beyond = client.get(url, headers={**headers, "Range": "bytes=0-999999999"})
    assert beyond.status_code == 206 and beyond.content == full.content

    outside = client.get(url, headers={**headers, "Range": f"bytes={size}-"})
    assert outside.status_code == 416 and outside.headers["content-range"] == f"bytes */{size}"
    stale = client.get(url, headers={**headers, "Range": "bytes=100-", "If-Range": '"another-version"'})
    assert stale.status_code == 200 and stale.content == full.content
    ignored = client.get(url, headers={**headers, "Range": "bytes=5-1"})  # invalid: the whole file
    assert ignored.status_code == 200 and ignored.content == full.content


def test_an_admin_reads_any_job_but_only_its_owner_changes_it(client, finished, admin, new_user):
    """Support opens a seller's job from the admin jobs list: the job, its images and its download;
    another seller still gets 404, and cancelling or deleting stays with the owner."""
    job_id, headers, job = finished
    as_admin = client.get(f"/v1/jobs/{job_id}", headers=admin.headers)
    assert as_admin.status_code == 200 and as_admin.json()["status"] == job["status"]
    images = client.get(f"/v1/jobs/{job_id}/images", headers=admin.headers)
    assert images.status_code == 200 and len(images.json()["items"]) == 4
    download = client.get(f"/v1/jobs/{job_id}/download", headers=admin.headers)
    assert download.status_code == 200
    assert download.content == client.get(f"/v1/jobs/{job_id}/download", headers=headers).content
    assert client.post(f"/v1/jobs/{job_id}/events-ticket", headers=admin.headers).status_code == 200
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=admin.headers).status_code == 404
    assert client.delete(f"/v1/jobs/{job_id}", headers=admin.headers).status_code == 404
    stranger = new_user()
    assert client.get(f"/v1/jobs/{job_id}", headers=stranger.headers).status_code == 404
    assert client.get(f"/v1/jobs/{job_id}/download", headers=stranger.headers).status_code == 404


def test_deleting_a_finished_job_removes_its_download(api, client, finished, new_user):
    job_id, headers, _ = finished
    assert client.get(f"/v1/jobs/{job_id}/download", headers=new_user().headers).status_code == 404
    folder = api.settings.blob_path / "jobs" / job_id
    assert (folder / "download").is_dir() and (folder / "outputs").is_dir()
    assert client.delete(f"/v1/jobs/{job_id}", headers=headers).status_code == 204
    assert not folder.exists()
    assert client.get(f"/v1/jobs/{job_id}/download", headers=headers).status_code == 404
