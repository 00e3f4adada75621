"""Surprise for You over real HTTP (issue 13): the themes, creating a surprise job (422s in the engine's
words), its quote per output, an admin price change, and each stored output served by index with
ranges. A surprise job run end to end by the real pipeline is the last test."""

from __future__ import annotations

import asyncio
import io
import time

import httpx
from PIL import Image

from engine.surprise import THEMES
from engine.surprise.options import MAX_SEED, MAX_VARIANTS
from store.blobs import blob_store_from_settings, job_key
from store.db import connect
from store.repositories import ImageResult, Repositories
from tests.data_jobs.conftest import make_zip, product_photo

FAST = {"method": "fast", "size": 256}


def create(client: httpx.Client, caller, **body) -> httpx.Response:
    payload = {"module": "surprise", "template_id": "#ffffff", "recipe": FAST, **body}
    return client.post("/v1/jobs", headers=caller.headers, json=payload)


def surprise_price(client: httpx.Client) -> int:
    return int(client.get("/v1/wallet/packs").json()["pricing"]["surprise"])


def test_themes_are_public_and_the_engines(client):
    response = client.get("/v1/surprise/themes")
    assert response.status_code == 200, response.text
    themes = response.json()
    assert [t["name"] for t in themes] == list(THEMES) and len(themes) >= 8
    assert all(t["title"] and len(t["description"]) > 20 for t in themes)


def test_a_surprise_job_is_quoted_per_output(client, new_user):
    seller = new_user()  # the signup bonus only
    price = surprise_price(client)
    response = create(client, seller, theme="Luxury", variants=3, video=True, seed=42, name="gift set")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["module"] == "surprise"
    assert created["surprise"] == {"theme": "luxury", "variants": 3, "video": True, "seed": 42}
    assert (created["price_per_output"], created["outputs_per_image"]) == (price, 4)
    assert created["price_per_image"] == 4 * price

    photos = make_zip({f"p{i}.jpg": product_photo(64, seed=i) for i in range(3)})
    uploaded = client.put(
        f"/v1/jobs/{created['id']}/upload",
        headers={**seller.headers, "Content-Type": "application/zip"},
        content=photos,
    ).json()
    assert (uploaded["total"], uploaded["outputs_per_image"], uploaded["price_per_output"]) == (3, 4, price)
    assert uploaded["quote"] == 3 * 4 * price
    job = client.get(f"/v1/jobs/{created['id']}", headers=seller.headers).json()
    assert (job["quote"], job["outputs_per_image"], job["surprise"]["theme"]) == (3 * 4 * price, 4, "luxury")
    listed = client.get("/v1/jobs", headers=seller.headers, params={"module": "surprise"}).json()
    assert [j["id"] for j in listed["items"]] == [created["id"]]

    balance = client.get("/v1/me", headers=seller.headers).json()["coins"]
    assert balance < 3 * 4 * price  # the reserve is the whole quote, so it does not fit
    short = client.post(f"/v1/jobs/{created['id']}/start", headers=seller.headers)
    assert short.status_code == 402 and short.json()["shortfall"] == 3 * 4 * price - balance
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == balance


def test_bad_surprise_bodies_are_422_in_words_a_seller_can_act_on(client, new_user):
    seller = new_user()
    cases = [
        ({}, "unknown surprise theme None; choose one of festive"),
        ({"theme": "gothic"}, "unknown surprise theme 'gothic'"),
        ({"theme": "tech", "variants": 0}, "variants must be a whole number from 1 to 8"),
        ({"theme": "tech", "variants": 9}, "variants must be a whole number from 1 to 8"),
        ({"theme": "tech", "variants": "3"}, "variants must be a whole number from 1 to 8"),
        ({"theme": "tech", "video": "yes"}, "video must be true or false"),
        ({"theme": "tech", "seed": -1}, "seed must be a whole number from 0 to 2147483647"),
        ({"theme": "tech", "seed": 2**31}, "seed must be a whole number from 0 to 2147483647"),
        ({"module": "ready", "theme": "tech"}, "for module surprise, not 'ready'"),
        ({"theme": "tech", "recipe": {"aspect": "7:3"}}, "unknown aspect ratio '7:3'"),
    ]
    for body, words in cases:
        response = create(client, seller, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "invalid_recipe" and words in response.json()["detail"], (
            body,
            response.text,
        )
    unknown = create(client, seller, theme="tech", colour="red")
    assert unknown.status_code == 422 and unknown.json()["error"] == "invalid"
    assert client.get("/v1/jobs", headers=seller.headers).json()["total"] == 0


def test_a_surprise_job_ignores_the_template_it_is_sent(client, new_user):
    """Its theme picks the backdrops: any template_id a client sends (the SDK always sends one) is not
    resolved, not refused and not kept; a ready job still refuses an unknown one."""
    seller = new_user()
    for template_id in ("no-such-template", "#123456", "   "):
        response = create(client, seller, theme="bold", template_id=template_id)
        assert response.status_code == 201, (template_id, response.text)
        created = response.json()
        assert created["template_id"] == "#ffffff"
        job = client.get(f"/v1/jobs/{created['id']}", headers=seller.headers).json()
        assert (job["template_id"], job["surprise"]["theme"]) == ("#ffffff", "bold")
    ready = create(client, seller, module="ready", template_id="no-such-template")
    assert ready.status_code == 422 and ready.json()["error"] == "unknown_template", ready.text


def test_the_schema_documents_the_surprise_fields(client):
    """/docs shows each surprise field's type and range (the engine's numbers) and that template_id is
    ignored for surprise; wrong values still reach the engine's validator (the 422 test above)."""
    body = client.get("/openapi.json").json()["components"]["schemas"]["JobCreate"]["properties"]

    def typed(name: str) -> dict:
        [schema] = [s for s in body[name]["anyOf"] if s.get("type") != "null"]
        return schema

    assert typed("theme")["type"] == "string" and typed("theme")["examples"] == list(THEMES)
    assert typed("variants") == {"type": "integer", "minimum": 1, "maximum": MAX_VARIANTS}
    assert typed("video") == {"type": "boolean"}
    assert typed("seed") == {"type": "integer", "minimum": 0, "maximum": MAX_SEED}
    assert all("surprise" in body[name]["description"] for name in ("theme", "variants", "video", "seed"))
    assert "Ignored for module surprise" in body["template_id"]["description"]


def test_an_admin_price_change_moves_the_next_surprise_quote(client, admin, new_user, billing_restored):
    seller = new_user()
    old = billing_restored["pricing"]["surprise"]
    before = create(client, seller, theme="pastel", variants=2).json()
    body = {k: billing_restored[k] for k in ("pricing", "rupees_per_coin", "packs")}
    body["pricing"] = {**body["pricing"], "surprise": old + 3}
    assert client.put("/v1/admin/pricing", json=body, headers=admin.headers).status_code == 200
    after = create(client, seller, theme="pastel", variants=2, video=True).json()
    assert (after["price_per_output"], after["price_per_image"]) == (old + 3, 3 * (old + 3))
    kept = client.get(f"/v1/jobs/{before['id']}", headers=seller.headers).json()
    assert (kept["price_per_output"], kept["price_per_image"]) == (old, 2 * old)


def _jpeg(colour: tuple[int, int, int], fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, fmt)
    return out.getvalue()


def _finish_as_the_runner_does(settings, job_id: str, items: list[tuple[str, str, bytes]]) -> None:
    """Write the outputs to blob storage and record the image done with its `output_items`, through
    the store, as the runner records a surprise result (the real run is the last test)."""
    blobs = blob_store_from_settings(settings)
    records = []
    for n, (name, kind, data) in enumerate(items):
        key = job_key(job_id, "outputs", f"000000-{n}.{name.rsplit('.', 1)[-1]}")
        blobs.put_bytes(key, data)
        variant = 0 if kind == "video" else n + 1
        records.append(
            {"name": name, "blob": key, "kind": kind, "theme": "summer", "template": "sand-01", "seed": 5,
             "variant": variant}
        )  # fmt: skip

    async def go() -> None:
        db = connect(settings.mongodb_uri, settings.mongodb_db)
        try:
            repos = Repositories(db)
            [image] = await repos.images.unfinished(job_id)
            await repos.images.mark_running([image.id])
            result = ImageResult(
                image.id,
                "done",
                outputs={"image": records[0]["blob"]},
                width=640,
                height=480,
                output_items=records,
            )
            assert await repos.images.record_results([result])
        finally:
            await db.client.close()

    asyncio.run(go())


def test_each_output_is_listed_and_served_by_index_with_ranges(api, client, new_user):
    seller, stranger = new_user(), new_user()
    job_id = create(client, seller, theme="summer", variants=2, video=True, seed=5).json()["id"]
    client.put(
        f"/v1/jobs/{job_id}/upload",
        headers={**seller.headers, "Content-Type": "application/zip"},
        content=make_zip({"bag.jpg": product_photo(64)}),
    )
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40  # served as stored, whatever it holds
    jpeg, png = _jpeg((200, 120, 40)), _jpeg((20, 90, 200), "PNG")
    _finish_as_the_runner_does(
        api.settings, job_id, [("bag-summer-1.jpg", "image", jpeg), ("bag-summer-2.png", "image", png),
                               ("bag-summer.mp4", "video", video)]
    )  # fmt: skip

    [image] = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers).json()["items"]
    assert image["output_url"] == f"/v1/jobs/{job_id}/images/{image['id']}/output"  # the first variant
    outputs = image["outputs"]
    assert [(o["index"], o["kind"], o["content_type"], o["variant"]) for o in outputs] == [
        (0, "image", "image/jpeg", 1),
        (1, "image", "image/png", 2),
        (2, "video", "video/mp4", 0),
    ]
    assert all((o["theme"], o["template"], o["seed"]) == ("summer", "sand-01", 5) for o in outputs)
    assert outputs[2]["preview_url"] is None and outputs[0]["preview_url"].endswith("?preview=true")

    first = client.get(outputs[0]["url"], headers=seller.headers)
    assert (
        first.status_code == 200 and first.content == jpeg and first.headers["content-type"] == "image/jpeg"
    )
    assert client.get(image["output_url"], headers=seller.headers).content == jpeg
    assert client.get(outputs[1]["url"], headers=seller.headers).content == png
    small = client.get(outputs[1]["preview_url"], headers=seller.headers)
    assert (
        small.headers["content-type"] == "image/jpeg"
        and max(Image.open(io.BytesIO(small.content)).size) == 320
    )

    url = outputs[2]["url"]
    whole = client.get(url, headers=seller.headers)
    assert whole.status_code == 200 and whole.content == video
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith('inline; filename="bag-summer.mp4"')
    part = client.get(url, headers={**seller.headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == video[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(video)}"
    resumed = client.get(
        url, headers={**seller.headers, "Range": "bytes=1000-", "If-Range": whole.headers["etag"]}
    )
    assert resumed.status_code == 206 and resumed.content == video[1000:]
    outside = client.get(url, headers={**seller.headers, "Range": f"bytes={len(video)}-"})
    assert outside.status_code == 416

    missing = client.get(f"/v1/jobs/{job_id}/images/{image['id']}/outputs/3", headers=seller.headers)
    assert missing.status_code == 404 and missing.json()["error"] == "no_output"
    assert "3 outputs" in missing.json()["detail"]
    assert client.get(f"{url}?preview=true", headers=seller.headers).status_code == 422
    assert client.get(url, headers=stranger.headers).status_code == 404
    assert client.get(url).status_code == 401


def test_a_surprise_job_runs_end_to_end(ray_session, client, new_user):
    """The real batch pipeline: two products and a broken file, two variants and a video each. Each
    done image carries its outputs; the coins are images done x 3 outputs x price, the rest released."""
    price = surprise_price(client)
    seller = new_user(coins=50)
    job_id = create(client, seller, theme="festive", variants=2, video=True, seed=3).json()["id"]
    entries = {f"p{i}.jpg": product_photo(256, seed=40 + i) for i in range(2)}
    entries["broken.jpg"] = product_photo(256, seed=49)[:400]
    client.put(
        f"/v1/jobs/{job_id}/upload",
        headers={**seller.headers, "Content-Type": "application/zip"},
        content=make_zip(entries),
    )
    balance = client.get("/v1/me", headers=seller.headers).json()["coins"]
    started = client.post(f"/v1/jobs/{job_id}/start", headers=seller.headers)
    assert started.status_code == 202, started.text
    assert started.json()["coins_reserved"] == 3 * 3 * price
    deadline = time.monotonic() + 300
    while (job := client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json())["status"] not in (
        "done",
        "failed",
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert (job["status"], job["done"], job["failed"]) == ("done", 2, 1), job
    assert (job["coins_charged"], job["coins_released"], job["coins_held"]) == (2 * 3 * price, 3 * price, 0)
    assert client.get("/v1/me", headers=seller.headers).json()["coins"] == balance - 2 * 3 * price
    done = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers, params={"status": "done"}).json()
    for image in done["items"]:
        kinds = [(o["kind"], o["variant"], o["theme"]) for o in image["outputs"]]
        assert kinds == [("image", 1, "festive"), ("image", 2, "festive"), ("video", 0, "festive")]
        assert all(isinstance(o["seed"], int) and o["template"] for o in image["outputs"][:2])
        played = client.get(image["outputs"][2]["url"], headers=seller.headers)
        assert played.headers["content-type"] == "video/mp4" and played.content[4:8] == b"ftyp"
