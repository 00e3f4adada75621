"""Templates over real HTTP: the public gallery, thumbnails, and the signed-in, rate-limited preview."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.data_jobs.conftest import product_photo

FAST = json.dumps({"method": "fast"})


def test_gallery_lists_searches_filters_and_pages(client):
    everything = client.get("/v1/templates", params={"page_size": 200})
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["total"] >= 100 and len(body["items"]) == min(200, body["total"])
    first = body["items"][0]
    assert {"id", "name", "category", "tags", "thumbnail_url"} <= set(first)
    assert "blob_key" not in first and "thumbnail_key" not in first

    page2 = client.get("/v1/templates", params={"page": 2, "page_size": 5}).json()
    assert [t["id"] for t in page2["items"]] == [t["id"] for t in body["items"][5:10]]

    blue = client.get("/v1/templates", params={"q": "blue background"}).json()
    assert blue["total"] >= 1
    assert all("blue" in (t["name"] + " ".join(t["tags"])).lower() for t in blue["items"])

    category = first["category"]
    in_category = client.get("/v1/templates", params={"category": category}).json()
    assert in_category["total"] >= 1 and {t["category"] for t in in_category["items"]} == {category}

    assert client.get("/v1/templates", params={"q": "no-such-template-anywhere"}).json()["total"] == 0
    assert client.get("/v1/templates", params={"page_size": 0}).status_code == 422
    assert client.get("/v1/templates", params={"page": "x"}).json()["error"] == "invalid"


def test_one_template_and_its_thumbnail(client):
    item = client.get("/v1/templates", params={"page_size": 1}).json()["items"][0]
    one = client.get(f"/v1/templates/{item['id']}")
    assert one.status_code == 200 and one.json()["id"] == item["id"]

    thumb = client.get(item["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 320)
    assert thumb.headers["etag"]

    missing = client.get("/v1/templates/no-such-template")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert client.get("/v1/templates/no-such-template/thumbnail").status_code == 404


def test_preview_is_a_small_jpeg_for_signed_in_users(client, new_user):
    seller = new_user()
    files = {"image": ("shoe.jpg", product_photo(320, seed=3), "image/jpeg")}
    anonymous = client.post("/v1/preview", files=files, data={"template": "#ffffff"})
    assert anonymous.status_code == 401

    response = client.post(
        "/v1/preview",
        headers=seller.headers,
        files=files,
        data={"template": "#e8f0ff", "recipe": json.dumps({"method": "fast", "aspect": "4:5", "size": 2000})},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG" and max(image.size) == 800 and image.size == (640, 800)

    preset = client.post(
        "/v1/preview",
        headers=seller.headers,
        files=files,
        data={"recipe": json.dumps({"method": "fast", "preset": "amazon"})},
    )
    assert preset.status_code == 200, preset.text
    assert Image.open(io.BytesIO(preset.content)).size == (800, 800)
    me = client.get("/v1/me", headers=seller.headers).json()
    assert me["coins"] == 10  # free: the signup bonus is untouched


def test_preview_refuses_bad_input_with_reasons(client, new_user):
    seller = new_user()
    photo = {"image": ("shoe.jpg", product_photo(200, seed=4), "image/jpeg")}
    text = {"image": ("notes.jpg", b"just some text, not a photo\n" * 10, "image/jpeg")}
    cases = [
        (photo, {"recipe": "{not json"}, 422, "invalid"),
        (photo, {"recipe": json.dumps({"fil": 0.9})}, 422, "invalid_recipe"),
        (photo, {"recipe": json.dumps(["a"])}, 422, "invalid"),
        (photo, {"template": "no-such-template", "recipe": FAST}, 422, "unknown_template"),
        (text, {"recipe": FAST}, 415, "unsupported_format"),
        ({"image": ("empty.jpg", b"", "image/jpeg")}, {"recipe": FAST}, 422, "empty_file"),
    ]
    for files, data, status, code in cases:
        response = client.post("/v1/preview", headers=seller.headers, files=files, data=data)
        assert response.status_code == status, (data, response.text)
        assert response.json()["error"] == code, response.text
    no_image = {"photo": ("a.jpg", product_photo(64), "image/jpeg")}  # the wrong field name
    missing = client.post("/v1/preview", headers=seller.headers, files=no_image, data={"recipe": FAST})
    assert missing.status_code == 422 and "'image'" in missing.json()["detail"]
    not_multipart = client.post("/v1/preview", headers=seller.headers, data={"template": "#ffffff"})
    assert not_multipart.status_code == 415


def test_preview_is_rate_limited_per_user(client, new_user):
    seller = new_user()
    photo = {"image": ("shoe.jpg", product_photo(64, seed=5), "image/jpeg")}
    statuses = [
        client.post("/v1/preview", headers=seller.headers, files=photo, data={"recipe": "{bad"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 422 and 429 in statuses
    limited = client.post("/v1/preview", headers=seller.headers, files=photo, data={"recipe": "{bad"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    # another user has a bucket of their own
    assert (
        client.post(
            "/v1/preview", headers=new_user().headers, files=photo, data={"recipe": "{bad"}
        ).status_code
        == 422
    )


def test_a_builtin_whose_renderer_changed_gets_its_thumbnail_rendered_on_demand(api, client):
    import asyncio

    from serve_apps.templates import spec_to_doc
    from store.db import connect
    from store.templates import TemplatesRepo

    item = client.get("/v1/templates", params={"page": 3, "page_size": 1}).json()["items"][0]

    async def bump() -> None:  # what a start-up seed does after a renderer change: new version, no thumb
        from engine import templates as tpl

        db = connect(api.settings.mongodb_uri, api.settings.mongodb_db)  # type: ignore[arg-type]
        try:
            doc = spec_to_doc(tpl.get(item["id"]), 0)
            doc["version"] = item["version"] + 1
            doc["order"] = (await TemplatesRepo(db).get(item["id"]))["order"]
            assert await TemplatesRepo(db).upsert_builtin(doc) == "updated"
            assert "thumbnail_key" not in await TemplatesRepo(db).get(item["id"])
        finally:
            await db.client.close()

    asyncio.run(bump())
    thumb = client.get(item["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert thumb.headers["etag"] == f'"{item["id"]}-v{item["version"] + 1}"'
