"""Jobs over real HTTP without running them: create, idempotency, uploads, quotes, 402, ownership,
cancel, history and delete. Runs that process images are in test_job_events.py and test_downloads.py."""

from __future__ import annotations

import uuid

import httpx
import pytest

from serve_apps.app import create_app
from tests.data_jobs.conftest import make_zip, mixed_zip, product_photo
from tests.serve_apps.conftest import NO_DASHBOARD, api_settings, served

FAST = {"method": "fast", "size": 320}


def create(client, caller, **body) -> httpx.Response:
    payload = {"module": "ready", "template_id": "#ffffff", "recipe": FAST, **body}
    return client.post("/v1/jobs", headers=caller.headers, json=payload)


def upload(client, caller, job_id: str, data: bytes, content_type: str = "application/zip") -> httpx.Response:
    return client.put(
        f"/v1/jobs/{job_id}/upload", headers={**caller.headers, "Content-Type": content_type}, content=data
    )


def test_create_returns_201_with_price_and_is_idempotent_by_key(client, new_user):
    seller = new_user()
    response = create(client, seller, name="Spring catalogue")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "created" and body["price_per_image"] == 1 and body["module"] == "ready"

    key = {"Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    first = client.post(
        "/v1/jobs", headers={**seller.headers, **key}, json={"module": "look", "template_id": "#ffffff"}
    )
    again = client.post(
        "/v1/jobs", headers={**seller.headers, **key}, json={"module": "ready", "template_id": "#000000"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["module"] == "look"
    assert client.get("/v1/jobs", headers=seller.headers).json()["total"] == 2
    other = new_user()
    theirs = client.post("/v1/jobs", headers={**other.headers, **key}, json={"template_id": "#ffffff"})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


def test_create_refuses_bad_bodies_with_422(client, new_user):
    seller = new_user()
    for body, code in [
        ({"module": "dream"}, "invalid"),
        ({"module": "surprise"}, "invalid_recipe"),  # no theme: see test_jobs_surprise.py
        ({"colour": "red"}, "invalid"),  # unknown field
        ({"template_id": "no-such-template"}, "unknown_template"),
        ({"recipe": {"fil": 0.9}}, "invalid_recipe"),
        ({"recipe": {"size": 10**9}}, "invalid_recipe"),
        ({"recipe": "big"}, "invalid"),
    ]:
        response = create(client, seller, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == code, response.text
    assert client.post("/v1/jobs", headers=seller.headers, content=b"{oops").status_code == 422
    assert client.post("/v1/jobs", json={"template_id": "#ffffff"}).status_code == 401


def test_zip_upload_reports_every_refused_entry_and_the_quote(client, new_user):
    seller = new_user()
    job_id = create(client, seller).json()["id"]
    data, good = mixed_zip(good=4, size=96)
    response = upload(client, seller, job_id, data)
    assert response.status_code == 200, response.text
    body = response.json()
    # the good photos are in; the zip-slip entry may be kept under a safe name (intake's choice)
    assert body["accepted"] >= len(good) and body["total"] == body["accepted"] == body["quote"]
    reasons = {r["name"]: r for r in body["rejected"]}
    assert {"notes.jpg", "bomb.jpg"} <= set(reasons)  # a truncated JPEG passes intake, fails in the run
    assert all(r["reason"] and r["code"] for r in body["rejected"])

    more = client.post(
        f"/v1/jobs/{job_id}/files",
        headers=seller.headers,
        files=[
            ("files", ("extra-1.png", product_photo(96, seed=11, fmt="PNG"), "image/png")),
            ("files", ("extra-2.jpg", product_photo(96, seed=12), "image/jpeg")),
            ("files", ("readme.jpg", b"not an image at all" * 10, "image/jpeg")),
        ],
    )
    assert more.status_code == 200, more.text
    assert more.json()["accepted"] == 2 and [r["name"] for r in more.json()["rejected"]] == ["readme.jpg"]
    job = client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()
    total = body["accepted"] + 2
    assert job["total"] == total and job["quote"] == total and job["status"] == "created"
    assert job["rejected_count"] == len(body["rejected"]) + 1
    images = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers).json()
    assert images["total"] == total and images["items"][0]["status"] == "queued"
    assert images["items"][0]["output_url"] is None


def test_upload_refuses_wrong_types_and_unusable_zips(client, new_user):
    seller = new_user()
    job_id = create(client, seller).json()["id"]
    wrong_type = upload(client, seller, job_id, make_zip({"a.jpg": product_photo(64)}), "text/plain")
    assert wrong_type.status_code == 415 and wrong_type.json()["error"] == "unsupported_media_type"
    not_zip = upload(client, seller, job_id, b"this is no zip file" * 100)
    assert not_zip.status_code in (415, 422) and not_zip.json()["error"] in ("not_a_zip", "intake_refused")
    only_junk = upload(
        client,
        seller,
        job_id,
        make_zip({"notes.txt": b"hello", "fake.jpg": b"GIF89a, not a photo type we take" * 4}),
    )
    assert only_junk.status_code == 422, only_junk.text
    assert {r["name"] for r in only_junk.json().get("rejected", [])} >= {"fake.jpg"}
    assert client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()["total"] == 0


@pytest.fixture(scope="module")
def small_api(tmp_path_factory, mongo_uri):
    """A second server whose uploads may be at most 4 KiB, one image 8 KiB (the limits are settings)."""
    from dataclasses import replace

    settings = api_settings(tmp_path_factory.mktemp("small"), mongo_uri)
    limits = replace(settings.limits, max_upload_bytes=4096, max_entry_bytes=8192)
    settings = replace(settings, limits=limits)
    import asyncio

    from serve_apps.startup import prepare

    asyncio.run(prepare(settings, owns_database=True, hooks=[]))
    with served(create_app(settings, web_dist=NO_DASHBOARD)) as url:
        yield url


def test_upload_larger_than_the_limit_is_413(small_api):
    from tests.serve_apps.conftest import USER_PASSWORD, login

    with httpx.Client(base_url=small_api, timeout=60) as c:
        email = f"big-{uuid.uuid4().hex[:8]}@example.com"
        assert (
            c.post(
                "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "B"}
            ).status_code
            == 201
        )
        headers = {"Authorization": f"Bearer {login(c, email, USER_PASSWORD)['access_token']}"}
        job_id = c.post("/v1/jobs", headers=headers, json={"template_id": "#ffffff"}).json()["id"]
        big = make_zip({f"p{i}.jpg": product_photo(128, seed=i) for i in range(4)}, deflate=False)
        assert len(big) > 4096
        declared = c.put(
            f"/v1/jobs/{job_id}/upload", headers={**headers, "Content-Type": "application/zip"}, content=big
        )
        assert declared.status_code == 413, declared.text

        def chunks():  # no Content-Length: the server counts while it streams
            for i in range(0, len(big), 1000):
                yield big[i : i + 1000]

        streamed = c.put(
            f"/v1/jobs/{job_id}/upload",
            headers={**headers, "Content-Type": "application/zip"},
            content=chunks(),
        )
        assert streamed.status_code == 413 and streamed.json()["error"] == "too_large"

        # multipart bodies are capped while they stream in, before any file is spooled whole
        files = [("files", (f"p{i}.jpg", product_photo(128, seed=i), "image/jpeg")) for i in range(4)]
        many = c.post(f"/v1/jobs/{job_id}/files", headers=headers, files=files)
        assert many.status_code == 413 and many.json()["error"] == "too_large"
        photo = {"image": ("big.jpg", product_photo(512, seed=1), "image/jpeg")}
        assert len(photo["image"][1]) > 8192
        for path in ("/v1/preview", "/v1/enhance"):
            big = c.post(path, headers=headers, files=photo, data={"recipe": '{"method": "fast"}'})
            assert big.status_code == 413, (path, big.text)
        assert c.get(f"/v1/jobs/{job_id}", headers=headers).json()["total"] == 0
        assert c.get("/v1/jobs", headers=headers).json()["total"] == 1  # the refused enhance left no job
        wrong = c.post(f"/v1/jobs/{job_id}/files", headers=headers, json={"files": []})
        assert wrong.status_code == 415


def test_start_needs_images_and_coins(client, new_user):
    seller = new_user()  # 10 coins of signup bonus
    job_id = create(client, seller, module="look").json()["id"]  # 2 coins per image
    empty = client.post(f"/v1/jobs/{job_id}/start", headers=seller.headers)
    assert empty.status_code == 409 and empty.json()["error"] == "no_images"
    data = make_zip({f"p{i}.jpg": product_photo(64, seed=i) for i in range(6)})
    assert upload(client, seller, job_id, data).json()["quote"] == 12
    short = client.post(f"/v1/jobs/{job_id}/start", headers=seller.headers)
    assert short.status_code == 402, short.text
    assert short.json()["error"] == "insufficient_coins" and short.json()["shortfall"] == 2
    job = client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()
    assert job["status"] == "created" and job["coins_reserved"] == 0
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == 10


def test_another_users_job_is_404_everywhere(client, new_user):
    owner, stranger = new_user(), new_user()
    job_id = create(client, owner).json()["id"]
    upload(client, owner, job_id, make_zip({"a.jpg": product_photo(64)}))
    image_id = client.get(f"/v1/jobs/{job_id}/images", headers=owner.headers).json()["items"][0]["id"]
    h = stranger.headers
    for response in [
        client.get(f"/v1/jobs/{job_id}", headers=h),
        client.get(f"/v1/jobs/{job_id}/images", headers=h),
        client.get(f"/v1/jobs/{job_id}/images/{image_id}/output", headers=h),
        client.get(f"/v1/jobs/{job_id}/download", headers=h),
        client.put(
            f"/v1/jobs/{job_id}/upload", headers={**h, "Content-Type": "application/zip"}, content=b"PK"
        ),
        client.post(
            f"/v1/jobs/{job_id}/files",
            headers=h,
            files=[("files", ("a.jpg", product_photo(64), "image/jpeg"))],
        ),
        client.post(f"/v1/jobs/{job_id}/start", headers=h),
        client.post(f"/v1/jobs/{job_id}/cancel", headers=h),
        client.post(f"/v1/jobs/{job_id}/events-ticket", headers=h),
        client.delete(f"/v1/jobs/{job_id}", headers=h),
        client.get("/v1/jobs/does-not-exist", headers=h),
    ]:
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json()["error"] in ("not_found", "job_not_found")
    assert client.get("/v1/jobs", headers=h).json()["total"] == 0
    assert client.get(f"/v1/jobs/{job_id}", headers=owner.headers).status_code == 200


def test_cancel_history_and_delete(client, new_user, api):
    seller = new_user()
    a = create(client, seller, module="look").json()["id"]
    b = create(client, seller).json()["id"]
    upload(client, seller, a, make_zip({"a.jpg": product_photo(64)}))
    cancelled = client.post(f"/v1/jobs/{a}/cancel", headers=seller.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (
        client.put(
            f"/v1/jobs/{a}/upload",
            headers={**seller.headers, "Content-Type": "application/zip"},
            content=make_zip({"b.jpg": product_photo(64)}),
        ).status_code
        == 409
    )

    history = client.get("/v1/jobs", headers=seller.headers).json()
    assert [j["id"] for j in history["items"]] == [b, a] and history["total"] == 2
    assert [
        j["id"]
        for j in client.get("/v1/jobs", headers=seller.headers, params={"status": "cancelled"}).json()[
            "items"
        ]
    ] == [a]
    assert client.get("/v1/jobs", headers=seller.headers, params={"module": "ready"}).json()["total"] == 1
    assert client.get("/v1/jobs", headers=seller.headers, params={"status": "bogus"}).status_code == 422
    assert (
        client.get("/v1/jobs", headers=seller.headers, params={"page": 2, "page_size": 1}).json()["items"][0][
            "id"
        ]
        == a
    )

    inputs = api.settings.blob_path / "jobs" / a
    assert inputs.exists()
    assert client.delete(f"/v1/jobs/{a}", headers=seller.headers).status_code == 204
    assert client.get(f"/v1/jobs/{a}", headers=seller.headers).status_code == 404
    assert not inputs.exists()
    assert client.delete(f"/v1/jobs/{a}", headers=seller.headers).status_code == 404
