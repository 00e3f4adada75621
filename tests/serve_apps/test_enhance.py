"""`POST /v1/enhance` over real HTTP (the app on uvicorn runs the same Enhancer in a worker thread;
the Serve deployment path is in test_serve_e2e.py): charged like a one-image job."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image

from tests.data_jobs.conftest import product_photo


def enhance(client, caller, photo: bytes, **form):
    data = {
        "template": "#eef2f7",
        "recipe": json.dumps({"method": "fast", "size": 400, "aspect": "4:5"}),
        **form,
    }
    return client.post(
        "/v1/enhance", headers=caller.headers, files={"image": ("bag.jpg", photo, "image/jpeg")}, data=data
    )


def test_enhance_returns_the_image_and_charges_one_image(client, new_user):
    seller = new_user(coins=5)
    response = enhance(client, seller, product_photo(320, seed=8))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (320, 400)
    assert response.headers["x-drisya-coins-charged"] == "1"
    assert 0.0 <= float(response.headers["x-drisya-quality"]) <= 1.0
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == 15 - 1

    job = client.get(f"/v1/jobs/{response.headers['x-drisya-job']}", headers=seller.headers).json()
    assert (
        job["status"] == "done" and job["done"] == 1 and job["coins_charged"] == 1 and job["coins_held"] == 0
    )
    assert job["name"] == "enhance"

    png = enhance(
        client,
        seller,
        product_photo(320, seed=9),
        recipe=json.dumps({"method": "fast", "format": "png", "size": 300}),
        module="look",
    )
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).mode == "RGBA"  # a PNG is the transparent cut-out
    assert png.headers["x-drisya-coins-charged"] == "2"  # the look module's price
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == 15 - 3


def test_a_failed_image_costs_nothing(client, new_user):
    seller = new_user()
    broken = enhance(client, seller, product_photo(320, seed=1)[:500])  # passes intake, fails to decode
    assert broken.status_code == 422, broken.text
    body = broken.json()
    assert body["error"] == "corrupt_image" and body["job_id"]
    job = client.get(f"/v1/jobs/{body['job_id']}", headers=seller.headers).json()
    assert job["failed"] == 1 and job["coins_charged"] == 0 and job["coins_released"] == 1
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == 10

    text = enhance(client, seller, b"plain text, no picture here " * 5)
    assert text.status_code == 422 and text.json()["rejected"][0]["name"] == "bag.jpg"
    assert client.get("/v1/jobs", headers=seller.headers).json()["total"] == 1  # the refused one left nothing


def test_enhance_needs_coins_and_a_valid_request(client, new_user):
    seller = new_user()
    look = {"recipe": json.dumps({"method": "fast"}), "module": "look"}
    for _ in range(5):  # 10 coins: five look images at 2 coins
        assert enhance(client, seller, product_photo(96, seed=2), **look).status_code == 200
    broke = enhance(client, seller, product_photo(96, seed=2), **look)
    assert broke.status_code == 402 and broke.json()["shortfall"] == 2
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == 0
    assert client.get("/v1/jobs", headers=seller.headers).json()["total"] == 5

    assert enhance(client, seller, product_photo(96), module="surprise").status_code == 422
    assert enhance(client, seller, product_photo(96), template="nope").json()["error"] == "unknown_template"
    assert (
        client.post("/v1/enhance", files={"image": ("a.jpg", product_photo(96), "image/jpeg")}).status_code
        == 401
    )


@pytest.fixture(scope="module")
def no_model_api(tmp_path_factory, mongo_uri):
    """A server whose configured matting model file does not exist."""
    from serve_apps.app import create_app
    from serve_apps.startup import prepare
    from tests.serve_apps.conftest import NO_DASHBOARD, api_settings, served

    settings = api_settings(
        tmp_path_factory.mktemp("nomodel"), mongo_uri, model_path="/nonexistent/model.onnx"
    )
    asyncio.run(prepare(settings, owns_database=True, hooks=[]))
    with served(create_app(settings, web_dist=NO_DASHBOARD)) as url:
        yield url


def test_without_the_model_auto_is_503_and_costs_nothing_while_fast_works(no_model_api):
    from tests.serve_apps.conftest import USER_PASSWORD, login

    with httpx.Client(base_url=no_model_api, timeout=120) as c:
        email = f"nomodel-{uuid.uuid4().hex[:8]}@example.com"
        c.post("/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "N"})
        token = login(c, email, USER_PASSWORD)["access_token"]
        seller = SimpleNamespace(headers={"Authorization": f"Bearer {token}"})
        auto = {"recipe": json.dumps({"method": "auto"})}
        photo = {"image": ("bag.jpg", product_photo(128, seed=3), "image/jpeg")}
        preview = c.post("/v1/preview", headers=seller.headers, files=photo, data=auto)
        assert preview.status_code == 503 and preview.json()["error"] == "model_unavailable"
        assert "fast" in preview.json()["detail"]
        refused = enhance(c, seller, product_photo(128, seed=3), **auto)
        assert refused.status_code == 503 and refused.json()["error"] == "unavailable"
        job = c.get(f"/v1/jobs/{refused.json()['job_id']}", headers=seller.headers).json()
        assert job["coins_charged"] == 0 and job["coins_held"] == 0 and job["failed"] == 1
        assert c.get("/v1/me", headers=seller.headers).json()["coins"] == 10
        assert enhance(c, seller, product_photo(128, seed=3)).status_code == 200  # method fast


def test_a_preset_enhance_reports_compliance_in_a_header_and_the_image_record(client, new_user):
    seller = new_user(coins=5)
    amazon = {"method": "fast", "preset": "amazon"}
    passed = enhance(client, seller, product_photo(240, seed=4), recipe=json.dumps(amazon))
    assert passed.status_code == 200, passed.text
    assert passed.headers["x-drisya-compliance"] == "pass"
    job_id = passed.headers["x-drisya-job"]
    record = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers).json()["items"][0]
    assert record["compliance"]["status"] == "pass" and record["compliance"]["preset"] == "amazon"
    assert record["compliance"]["reasons"] == [] and record["compliance"]["checks"]["background"]["ok"]

    png = enhance(client, seller, product_photo(240, seed=5), recipe=json.dumps(dict(amazon, format="png")))
    assert png.status_code == 200, png.text
    assert png.headers["x-drisya-compliance"] == "fail: file is png, the preset asks for jpg"
    job_id = png.headers["x-drisya-job"]
    record = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers).json()["items"][0]
    assert record["compliance"]["status"] == "fail"
    assert record["compliance"]["reasons"] == ["file is png, the preset asks for jpg"]

    plain = enhance(client, seller, product_photo(240, seed=6))
    assert plain.status_code == 200 and "x-drisya-compliance" not in plain.headers
    job_id = plain.headers["x-drisya-job"]
    assert (
        client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers).json()["items"][0]["compliance"]
        is None
    )


def test_the_enhancer_routes_auto_as_a_batch_would_deciding_once_per_replica(settings):
    from data_jobs.jobs import spec_to_dict
    from engine.templates import solid
    from serve_apps.enhance_service import Enhancer

    enhancer = Enhancer(settings.with_(auto_route="network-first"))  # what a GPU cluster decides
    worker = enhancer._worker({"method": "fast", "size": 300}, spec_to_dict(solid("#ffffff")))
    assert worker.network_first == "network-first"
    assert enhancer.network_first() == "network-first"
    assert enhancer._network_first == "network-first"  # computed once, not per request
    assert Enhancer(settings.with_(auto_route="network")).network_first() == "network"
    assert Enhancer(settings.with_(auto_route="colour")).network_first() == "colour"
    # `hardware` without Ray: this process is the cluster, and Ray names no GPU in it
    assert Enhancer(settings.with_(auto_route="hardware")).network_first() == "colour"
