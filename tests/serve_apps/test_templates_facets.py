"""`GET /v1/templates/facets` over real HTTP: the gallery's filter choices come from the template store,
so every choice finds what its count says, and an admin's upload or disable shows up at once."""

from __future__ import annotations

import io
import uuid

import numpy as np
from PIL import Image


def _background_png() -> bytes:
    y, x = np.mgrid[0:900, 0:1200]
    rgb = np.stack([40 + x * 30 // 1200, 60 + y * 40 // 900, np.full_like(x, 190)], axis=-1).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def test_every_facet_finds_as_many_templates_as_it_counts(client):
    response = client.get("/v1/templates/facets")
    assert response.status_code == 200, response.text
    facets = response.json()
    assert facets["total"] == client.get("/v1/templates", params={"page_size": 1}).json()["total"]
    assert len(facets["categories"]) >= 10 and len(facets["tags"]) > 20
    for key, param in (("categories", "category"), ("colour_families", "colour")):
        for facet in facets[key]:
            found = client.get("/v1/templates", params={param: facet["id"], "page_size": 1}).json()
            assert found["total"] == facet["count"] > 0, (param, facet)
    for facet in facets["tags"][:5]:
        found = client.get("/v1/templates", params={"tag": facet["id"], "page_size": 1}).json()
        assert found["total"] == facet["count"] > 0
    assert all(f["swatch"].startswith("#") and len(f["swatch"]) == 7 for f in facets["colour_families"])
    tag_counts = [f["count"] for f in facets["tags"]]
    assert tag_counts == sorted(tag_counts, reverse=True)


def test_an_upload_counts_until_it_is_disabled(client, admin):
    tag = f"facet{uuid.uuid4().hex[:8]}"
    created = client.post(
        "/v1/admin/templates",
        files={"file": ("bg.png", _background_png(), "image/png")},
        data={"name": "Facet Wall", "category": "facetcheck", "tags": f"{tag}, wall"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    try:
        facets = client.get("/v1/templates/facets").json()
        assert {"id": tag, "count": 1} in facets["tags"]
        assert {"id": "facetcheck", "count": 1} in facets["categories"]
        disabled = client.patch(f"/v1/admin/templates/{tid}", json={"enabled": False}, headers=admin.headers)
        assert disabled.status_code == 200, disabled.text
        after = client.get("/v1/templates/facets").json()
        assert tag not in [f["id"] for f in after["tags"]]
        assert "facetcheck" not in [f["id"] for f in after["categories"]]
        assert after["total"] == facets["total"] - 1
    finally:
        client.delete(f"/v1/admin/templates/{tid}", headers=admin.headers)
