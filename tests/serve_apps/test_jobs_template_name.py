"""Job answers carry their template's display name (`template_name`) over real HTTP: create, detail,
history, cancel and the admin's listing; a rename shows up, a deleted upload keeps its name."""

from __future__ import annotations

import io
import uuid

import numpy as np
from PIL import Image


def _background_png() -> bytes:
    y, x = np.mgrid[0:900, 0:1200]
    rgb = np.stack([120 + x * 40 // 1200, 150 + y * 50 // 900, np.full_like(x, 90)], axis=-1).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def test_jobs_show_the_template_name_everywhere(client, admin, new_user):
    seller = new_user()
    builtin = client.get("/v1/templates", params={"q": "blue background", "page_size": 1}).json()["items"][0]
    solid = client.post("/v1/jobs", json={"template_id": "#FFFFFF"}, headers=seller.headers)
    assert solid.status_code == 201 and solid.json()["template_name"] == "Pure White"
    created = client.post("/v1/jobs", json={"template_id": builtin["id"]}, headers=seller.headers)
    assert created.status_code == 201 and created.json()["template_name"] == builtin["name"]
    job_id = created.json()["id"]

    detail = client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()
    assert (detail["template_id"], detail["template_name"]) == (builtin["id"], builtin["name"])
    history = client.get("/v1/jobs", headers=seller.headers).json()["items"]
    assert {j["id"]: j["template_name"] for j in history} == {
        job_id: builtin["name"],
        solid.json()["id"]: "Pure White",
    }
    everyone = client.get("/v1/admin/jobs", params={"page_size": 100}, headers=admin.headers).json()["items"]
    assert {j["id"]: j["template_name"] for j in everyone}.get(job_id) == builtin["name"]

    renamed = client.patch(
        f"/v1/admin/templates/{builtin['id']}", json={"name": "Renamed Blue"}, headers=admin.headers
    )
    assert renamed.status_code == 200, renamed.text
    try:
        assert (
            client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()["template_name"] == "Renamed Blue"
        )
        cancelled = client.post(f"/v1/jobs/{job_id}/cancel", headers=seller.headers)
        assert cancelled.status_code == 200 and cancelled.json()["template_name"] == "Renamed Blue"
    finally:
        client.patch(
            f"/v1/admin/templates/{builtin['id']}", json={"name": builtin["name"]}, headers=admin.headers
        )


def test_an_idempotent_replay_names_the_first_jobs_template(client, new_user):
    seller = new_user()
    key = {"Idempotency-Key": f"name-{uuid.uuid4().hex}"}
    first = client.post("/v1/jobs", json={"template_id": "#ffffff"}, headers={**seller.headers, **key})
    again = client.post("/v1/jobs", json={"template_id": "#000000"}, headers={**seller.headers, **key})
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["template_name"] == again.json()["template_name"] == "Pure White"


def test_a_deleted_upload_keeps_its_name_on_jobs_that_used_it(client, admin, new_user):
    seller = new_user()
    tid = f"upload-named-{uuid.uuid4().hex[:6]}"
    uploaded = client.post(
        "/v1/admin/templates",
        files={"file": ("bg.png", _background_png(), "image/png")},
        data={"name": "Olive Wall", "id": tid},
        headers=admin.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    job = client.post("/v1/jobs", json={"template_id": tid}, headers=seller.headers).json()
    assert job["template_name"] == "Olive Wall"
    assert client.delete(f"/v1/admin/templates/{tid}", headers=admin.headers).status_code == 204
    assert client.get(f"/v1/jobs/{job['id']}", headers=seller.headers).json()["template_name"] == "Olive Wall"
