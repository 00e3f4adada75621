"""Admin templates over real HTTP: thumbnails of disabled templates for admins only, and metadata edits
(`PATCH /v1/admin/templates/{id}`) validated like an upload and reflected in search."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from tests.serve_apps.test_admin import background_png


def _upload(client, admin, **data) -> dict:
    tid = f"upload-edit-test-{uuid.uuid4().hex[:6]}"
    response = client.post(
        "/v1/admin/templates",
        files={"file": ("bg.png", background_png(), "image/png")},
        data={"name": "Warm Paper", "category": "studio", "tags": "warm, paper", "id": tid, **data},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_admins_see_thumbnails_of_disabled_templates_and_clients_do_not(client, admin, new_user):
    seller = new_user()
    listed = client.get("/v1/admin/templates", params={"page_size": 1}, headers=admin.headers).json()
    builtin = listed["items"][0]
    assert builtin["thumbnail_url"] == f"/v1/admin/templates/{builtin['id']}/thumbnail"
    tid = builtin["id"]
    assert (
        client.patch(f"/v1/admin/templates/{tid}", json={"enabled": False}, headers=admin.headers).json()[
            "enabled"
        ]
        is False
    )
    try:
        assert client.get(f"/v1/templates/{tid}/thumbnail").status_code == 404  # the public one hides it
        thumb = client.get(builtin["thumbnail_url"], headers=admin.headers)
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        assert thumb.headers["cache-control"].startswith("private")
        assert Image.open(io.BytesIO(thumb.content)).size == (320, 320)
        disabled = client.get(
            "/v1/admin/templates", params={"enabled": False, "page_size": 200}, headers=admin.headers
        ).json()
        assert tid in [t["id"] for t in disabled["items"]]
        assert client.get(builtin["thumbnail_url"], headers=seller.headers).status_code == 403
        assert client.get(builtin["thumbnail_url"]).status_code == 401
    finally:
        client.patch(f"/v1/admin/templates/{tid}", json={"enabled": True}, headers=admin.headers)
    missing = client.get("/v1/admin/templates/no-such-template/thumbnail", headers=admin.headers)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_admin_edits_an_uploads_metadata_and_search_follows(client, admin, new_user):
    doc = _upload(client, admin)
    tid = doc["id"]
    word = f"zq{uuid.uuid4().hex[:6]}"
    response = client.patch(
        f"/v1/admin/templates/{tid}",
        json={
            "name": f"Kraft {word}",
            "category": "paper",
            "tags": ["Kraft", "brown", "kraft"],
            "colours": ["#8B5A2B"],
            "tone": "#c8a27a",
            "shadow_style": "cast",
            "light_direction": 120,
            "light_softness": 0.3,
            "floor_line": 0.8,
        },
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["category"], body["tags"]) == (f"Kraft {word}", "paper", ["kraft", "brown"])
    assert body["colours"] == ["#8b5a2b"] and body["colour_families"] == ["brown"]
    assert body["tone"] == [200, 162, 122] and body["shadow_style"] == "cast"
    assert body["light"] == {"direction": 120.0, "softness": 0.3}
    assert body["floor_line"] == 0.8 and body["floor_line_estimated"] is False
    assert body["version"] == doc["version"] + 1 and body["enabled"] is True
    assert "search" not in body

    found = client.get("/v1/templates", params={"q": f"{word} kraft"}).json()
    assert [t["id"] for t in found["items"]] == [tid]
    stale = client.get("/v1/templates", params={"q": "warm paper", "page_size": 200}).json()["items"]
    assert tid not in [t["id"] for t in stale]  # the old name and tags no longer find it
    public = client.get(f"/v1/templates/{tid}").json()
    assert public["name"] == f"Kraft {word}" and public["version"] == body["version"]
    thumb = client.get(f"/v1/templates/{tid}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["etag"] == f'"{tid}-v{body["version"]}"'

    # A job created after the edit uses the new framing; the seller sees the new name.
    seller = new_user()
    job = client.post("/v1/jobs", json={"template_id": tid}, headers=seller.headers)
    assert job.status_code == 201 and job.json()["template_name"] == f"Kraft {word}"

    # Edit and disable in one request; an empty request says what it accepts.
    both = client.patch(
        f"/v1/admin/templates/{tid}", json={"name": "Kraft Paper", "enabled": False}, headers=admin.headers
    )
    assert (
        both.status_code == 200 and both.json()["name"] == "Kraft Paper" and both.json()["enabled"] is False
    )
    empty = client.patch(f"/v1/admin/templates/{tid}", json={}, headers=admin.headers)
    assert empty.status_code == 422 and "name" in empty.json()["detail"]
    client.delete(f"/v1/admin/templates/{tid}", headers=admin.headers)
    assert (
        client.patch(f"/v1/admin/templates/{tid}", json={"name": "x"}, headers=admin.headers).status_code
        == 404
    )


def test_edits_are_validated_like_an_upload(client, admin, new_user):
    doc = _upload(client, admin)
    tid = doc["id"]
    for body, words in [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"category": "Not A Slug!"}, "category"),
        ({"tags": ["x" * 31]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "at most 20 tags"),
        ({"colours": ["teal-ish"]}, "colour"),
        ({"colours": []}, "colours"),
        ({"tone": [1, 2]}, "tone"),
        ({"tone": [0, 0, 300]}, "tone"),
        ({"shadow_style": "dramatic"}, "shadow_style"),
        ({"light_softness": 2}, "light_softness"),
        ({"floor_line": 1.5}, "floor_line"),
        ({"floor_line": None}, "floor_line"),
        ({"enabled": None}, "enabled"),
        ({"search": "sneaky"}, "search"),
        ({"light_direction": "left"}, "light_direction"),
    ]:
        response = client.patch(f"/v1/admin/templates/{tid}", json=body, headers=admin.headers)
        assert response.status_code == 422, (body, response.text)
        assert words in response.text, (body, response.text)
    unchanged = client.get("/v1/admin/templates", params={"q": tid}, headers=admin.headers).json()["items"][0]
    assert unchanged["name"] == "Warm Paper" and unchanged["version"] == doc["version"]

    builtin = client.get("/v1/admin/templates", params={"page_size": 1}, headers=admin.headers).json()[
        "items"
    ][0]
    refused = client.patch(
        f"/v1/admin/templates/{builtin['id']}", json={"floor_line": 0.7}, headers=admin.headers
    )
    assert refused.status_code == 422 and "built-in" in refused.json()["detail"]
    seller = new_user()
    assert (
        client.patch(f"/v1/admin/templates/{tid}", json={"name": "Mine"}, headers=seller.headers).status_code
        == 403
    )
    client.delete(f"/v1/admin/templates/{tid}", headers=admin.headers)


def test_admin_renames_a_builtin_and_the_gallery_shows_it(client, admin):
    builtin = client.get("/v1/templates", params={"q": "blue background", "page_size": 1}).json()["items"][0]
    tid, original = builtin["id"], builtin["name"]
    try:
        renamed = client.patch(
            f"/v1/admin/templates/{tid}",
            json={"name": "Royal Blue Sweep", "tags": "royal, blue"},
            headers=admin.headers,
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["version"] == builtin["version"]
        assert client.get(f"/v1/templates/{tid}").json()["name"] == "Royal Blue Sweep"
        assert tid in [t["id"] for t in client.get("/v1/templates", params={"q": "royal"}).json()["items"]]
    finally:
        client.patch(
            f"/v1/admin/templates/{tid}",
            json={"name": original, "tags": builtin["tags"]},
            headers=admin.headers,
        )
    assert client.get(f"/v1/templates/{tid}").json()["name"] == original
