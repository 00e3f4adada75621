"""The templates collection over the real database (embedded nx-27017): seeding, search, uploads,
enable/disable, soft delete, and loading backgrounds for jobs."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

import engine.templates as tpl
from engine.errors import UnsupportedFormat
from engine.templates.colour import colour_family
from serve_apps import templates as svc
from store.errors import Conflict, InvalidValue, NotFound
from store.templates import TemplatesRepo


def jpeg(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def small_catalog(monkeypatch):
    """Seed a slice of the catalogue in tests that are about seeding mechanics, not the library."""
    specs = [
        tpl.get(i)
        for i in (
            "studio-sweep-white",
            "studio-sweep-blue",
            "marble-carrara",
            "festive-diwali-diyas",
            "pattern-gingham-red",
        )
    ]
    monkeypatch.setattr(tpl, "catalog", lambda: list(specs))
    return specs


async def test_seed_is_idempotent_and_renders_thumbnails(db, blobs) -> None:
    first = await svc.seed_builtin_templates(db, blobs)
    n = len(tpl.catalog())
    assert first == {"inserted": n, "updated": 0, "unchanged": 0}
    second = await svc.seed_builtin_templates(db, blobs)
    assert second == {"inserted": 0, "updated": 0, "unchanged": n}
    assert await db.templates.count_documents({}) == n
    doc = await TemplatesRepo(db).get("studio-sweep-blue")
    assert doc["name"] == "Blue Background" and doc["source"] == "builtin" and doc["enabled"] is True
    assert doc["colour_families"] == ["blue"]
    thumb = Image.open(io.BytesIO(blobs.get_bytes(doc["thumbnail_key"])))
    assert thumb.format == "WEBP" and thumb.size == (320, 320)
    assert len(list(blobs.list_prefix("templates/thumbs/"))) == n


async def test_version_bump_updates_without_duplicating(db, blobs, small_catalog, monkeypatch) -> None:
    await svc.seed_builtin_templates(db, blobs)
    await svc.set_template_enabled(db, "studio-sweep-blue", False)  # an admin's choice survives updates
    bumped = [
        replace(s, version=2, name="Blue Background v2") if s.id == "studio-sweep-blue" else s
        for s in small_catalog
    ]
    monkeypatch.setattr(tpl, "catalog", lambda: list(bumped))
    counts = await svc.seed_builtin_templates(db, blobs)
    assert counts == {"inserted": 0, "updated": 1, "unchanged": 4}
    assert await db.templates.count_documents({"id": "studio-sweep-blue"}) == 1
    doc = await TemplatesRepo(db).get("studio-sweep-blue")
    assert (doc["version"], doc["name"], doc["enabled"]) == (2, "Blue Background v2", False)
    assert doc["thumbnail_key"].endswith("-v2.webp") and blobs.exists(doc["thumbnail_key"])
    # An older catalogue (e.g. a replica not yet upgraded) never downgrades the document.
    monkeypatch.setattr(tpl, "catalog", lambda: list(small_catalog))
    assert (await svc.seed_builtin_templates(db, blobs))["updated"] == 0
    assert (await TemplatesRepo(db).get("studio-sweep-blue"))["version"] == 2


async def test_replicas_seeding_at_once_create_each_template_once(db, blobs, small_catalog) -> None:
    await asyncio.gather(*(svc.seed_builtin_templates(db, blobs) for _ in range(3)))
    assert await db.templates.count_documents({}) == len(small_catalog)


async def test_search_filters_and_pagination(db, blobs) -> None:
    await svc.seed_builtin_templates(db, blobs)
    page = await svc.search_templates(db, q="blue background")
    assert [d["id"] for d in page.items][:1] == ["studio-sweep-blue"]
    assert all("search" not in d and "_id" not in d for d in page.items)
    festive = await svc.search_templates(db, category="festive", per_page=200)
    assert festive.total == sum(1 for s in tpl.catalog() if s.category == "festive")
    assert {d["category"] for d in festive.items} == {"festive"}
    diwali = await svc.search_templates(db, tag="diwali")
    assert diwali.total >= 3 and all("diwali" in d["tags"] for d in diwali.items)
    blues = await svc.search_templates(db, colour="blue", per_page=200)
    assert blues.total >= 5 and all("blue" in d["colour_families"] for d in blues.items)
    assert (await svc.search_templates(db, q="MARBLE tabletop")).total >= 3
    assert (await svc.search_templates(db, q="zzz-nothing")).total == 0
    assert (await svc.search_templates(db, q="a.*b")).total == 0  # user text is literal, not a regex
    assert (await svc.search_templates(db, source="upload")).total == 0

    # Pages are disjoint, complete and in catalogue order.
    seen: list[str] = []
    total = (await svc.search_templates(db, per_page=1)).total
    for p in range(1, 100):
        page = await svc.search_templates(db, page=p, per_page=40)
        if not page.items:
            break
        seen += [d["id"] for d in page.items]
    assert len(seen) == total == len(set(seen)) == len(tpl.catalog())
    assert seen == [s.id for s in tpl.catalog()]
    with pytest.raises(InvalidValue):
        await svc.search_templates(db, page=0)


async def test_enable_disable_and_soft_delete(db, blobs, small_catalog) -> None:
    await svc.seed_builtin_templates(db, blobs)
    await svc.set_template_enabled(db, "marble-carrara", False)
    assert (await svc.search_templates(db, q="carrara")).total == 0  # gallery shows enabled only
    assert (await svc.search_templates(db, q="carrara", enabled=None)).total == 1  # admin view
    with pytest.raises(svc.TemplateUnavailable):
        await svc.require_usable_template(db, "marble-carrara")
    await svc.set_template_enabled(db, "marble-carrara", True)
    assert (await svc.require_usable_template(db, "marble-carrara")).id == "marble-carrara"

    assert await svc.delete_template(db, "pattern-gingham-red") is True
    assert await svc.delete_template(db, "pattern-gingham-red") is False
    assert (await svc.search_templates(db, q="gingham", enabled=None)).total == 0
    with pytest.raises(svc.TemplateUnavailable):
        await svc.require_usable_template(db, "pattern-gingham-red")
    # A job that already references it still gets its background.
    spec, rgb = await svc.load_background(db, blobs, "pattern-gingham-red", 64, 48)
    assert spec.id == "pattern-gingham-red" and rgb.shape == (48, 64, 3)
    with pytest.raises(NotFound):
        await svc.set_template_enabled(db, "pattern-gingham-red", True)
    with pytest.raises(NotFound):
        await svc.delete_template(db, "does-not-exist")


async def test_upload_search_and_load(db, blobs, settings) -> None:
    photo = tpl.render(tpl.get("scene-terracotta-sand"), 1200, 900)
    doc = await svc.upload_template(
        db,
        blobs,
        jpeg(photo),
        {"name": "Client Studio Shot", "category": "studio", "tags": "client, warm"},
        settings.limits,
    )
    assert doc["id"].startswith("upload-client-studio-shot-") and doc["source"] == "upload"
    assert (
        doc["tags"] == ["client", "warm"]
        and doc["floor_line_estimated"] is True
        and doc["floor_line"] is not None
    )
    assert blobs.exists(doc["blob_key"]) and blobs.exists(doc["thumbnail_key"])
    found = await svc.search_templates(db, source="upload")
    assert [d["id"] for d in found.items] == [doc["id"]]
    assert (await svc.search_templates(db, q="client")).total == 1

    spec, rgb = await svc.load_background(db, blobs, doc["id"], 800, 800)
    assert spec.source == "upload" and rgb.shape == (800, 800, 3)
    assert spec.floor_line is not None and 0 < spec.floor_line <= 1
    wide_spec, wide = await svc.load_background(db, blobs, doc["id"], 1600, 900)
    assert wide.shape == (900, 1600, 3)
    assert (await svc.require_usable_template(db, doc["id"])).id == doc["id"]

    await svc.delete_template(db, doc["id"])
    assert (await svc.search_templates(db, source="upload")).total == 0
    spec2, _ = await svc.load_background(db, blobs, doc["id"], 100, 100)  # still readable by id
    assert spec2.id == doc["id"] and blobs.exists(doc["blob_key"])


async def test_bad_uploads_store_nothing(db, blobs, settings) -> None:
    good = jpeg(tpl.render(tpl.get("studio-sweep-sand"), 1000, 1000))
    with pytest.raises(UnsupportedFormat):
        await svc.upload_template(db, blobs, b"GIF89a" + b"\0" * 64, {"name": "x"}, settings.limits)
    with pytest.raises(InvalidValue, match="name"):
        await svc.upload_template(db, blobs, good, {"name": ""}, settings.limits)
    with pytest.raises(InvalidValue, match="floor_line"):
        await svc.upload_template(db, blobs, good, {"name": "x", "floor_line": 1.5}, settings.limits)
    with pytest.raises(InvalidValue, match="built-in"):
        await svc.upload_template(db, blobs, good, {"name": "x", "id": "studio-sweep-blue"}, settings.limits)
    for field in ("floor_line", "light_softness", "light_direction"):
        with pytest.raises(InvalidValue, match=field):
            await svc.upload_template(db, blobs, good, {"name": "x", field: "abc"}, settings.limits)
    assert await db.templates.count_documents({}) == 0
    assert list(blobs.list_prefix("templates/")) == []


async def test_losing_a_duplicate_upload_keeps_the_winners_blobs(db, blobs, settings, monkeypatch) -> None:
    first = await svc.upload_template(
        db, blobs, jpeg(tpl.render(tpl.get("studio-sweep-sand"), 1000, 1000)), {"name": "a", "id": "mine"}
    )
    other = jpeg(tpl.render(tpl.get("studio-sweep-blue"), 1000, 1000))

    # A concurrent upload that passed the existence check before the first insert landed: only the
    # database's uniqueness stops it.
    async def not_yet(self, template_id):
        return None

    monkeypatch.setattr(TemplatesRepo, "get", not_yet)
    with pytest.raises(InvalidValue, match="already exists"):
        await svc.upload_template(db, blobs, other, {"name": "b", "id": "mine"}, settings.limits)
    monkeypatch.undo()
    assert (await svc.search_templates(db, source="upload")).total == 1
    assert blobs.get_bytes(first["blob_key"]) != other
    assert sorted(blobs.list_prefix("templates/uploads/")) == sorted(
        [first["blob_key"], first["thumbnail_key"]]
    )


async def test_load_background_for_builtins_and_solids(db, blobs) -> None:
    spec, rgb = await svc.load_background(db, blobs, "#ffffff", 30, 20)
    assert spec.id == "solid-ffffff" and (rgb == 255).all()
    spec, rgb = await svc.load_background(db, blobs, "studio-sweep-blue", 160, 90)  # not seeded: from code
    assert spec.name == "Blue Background" and rgb.shape == (90, 160, 3)
    with pytest.raises(NotFound):
        await svc.load_background(db, blobs, "nope", 10, 10)
    for bad in (None, 5):  # a JSON body's wrong type is "not found", not a crash
        with pytest.raises(NotFound):
            await svc.load_background(db, blobs, bad, 10, 10)
        with pytest.raises(NotFound):
            await svc.require_usable_template(db, bad)


async def test_admin_edits_change_search_and_survive_a_new_catalogue_version(
    db, blobs, small_catalog, monkeypatch
) -> None:
    await svc.seed_builtin_templates(db, blobs)
    edited = await svc.edit_template(
        db,
        blobs,
        "marble-carrara",
        {"name": "Italian Marble", "tags": "stone, Luxe, stone", "colours": ["#AAA", "#101010"]},
    )
    assert (edited["name"], edited["tags"]) == ("Italian Marble", ["stone", "luxe"])
    assert edited["colours"] == ["#aaaaaa", "#101010"] and edited["colour_families"] == ["grey", "black"]
    carrara = next(s.version for s in small_catalog if s.id == "marble-carrara")
    assert edited["version"] == carrara  # a built-in keeps the catalogue's version
    assert [d["id"] for d in (await svc.search_templates(db, q="italian luxe")).items] == ["marble-carrara"]
    assert (await svc.search_templates(db, q="carrara")).total == 1  # the id is still searchable
    assert (await svc.search_templates(db, colour="black")).total >= 1

    for refused in ({"floor_line": 0.7}, {"light_softness": 0.2}, {"shadow_style": "cast"}, {"tone": "#fff"}):
        with pytest.raises(InvalidValue, match="built-in"):
            await svc.edit_template(db, blobs, "marble-carrara", refused)
    for bad, field in (
        ({"name": " "}, "name"),
        ({"category": "Not A Slug!"}, "category"),
        ({"tags": ["x" * 31]}, "tag"),
        ({"colours": ["blueish"]}, "colour"),
        ({"colours": []}, "colours"),
    ):
        with pytest.raises(InvalidValue, match=field):
            await svc.edit_template(db, blobs, "marble-carrara", bad)
    with pytest.raises(NotFound):
        await svc.edit_template(db, blobs, "no-such-template", {"name": "x"})

    # A newer catalogue updates what the admin did not touch and keeps what they did.
    bumped = [
        replace(s, version=carrara + 1, name="Carrara v2", category="stone-new")
        if s.id == "marble-carrara"
        else s
        for s in small_catalog
    ]
    monkeypatch.setattr(tpl, "catalog", lambda: list(bumped))
    assert (await svc.seed_builtin_templates(db, blobs))["updated"] == 1
    doc = await TemplatesRepo(db).get("marble-carrara")
    assert (doc["version"], doc["name"], doc["category"]) == (carrara + 1, "Italian Marble", "stone-new")
    assert doc["tags"] == ["stone", "luxe"]
    assert (await svc.search_templates(db, q="italian stone-new")).total == 1


async def test_editing_an_upload_reframes_its_thumbnail_and_refuses_a_stale_write(
    db, blobs, settings
) -> None:
    photo = tpl.render(tpl.get("scene-terracotta-sand"), 1200, 900)
    doc = await svc.upload_template(db, blobs, jpeg(photo), {"name": "Sand Shot"}, settings.limits)
    old_thumb = doc["thumbnail_key"]
    edited = await svc.edit_template(
        db,
        blobs,
        doc["id"],
        {"floor_line": 0.9, "shadow_style": "cast", "light_direction": 450, "tone": [10, 20, 30]},
    )
    assert edited["version"] == 2 and edited["floor_line"] == 0.9 and not edited["floor_line_estimated"]
    assert edited["shadow_style"] == "cast" and edited["light"]["direction"] == 90.0
    assert edited["light"]["softness"] == doc["light"]["softness"] and edited["tone"] == [10, 20, 30]
    assert edited["thumbnail_key"] != old_thumb and not blobs.exists(old_thumb)
    assert Image.open(io.BytesIO(blobs.get_bytes(edited["thumbnail_key"]))).size == (320, 320)
    spec = await svc.require_usable_template(db, doc["id"])
    assert (spec.floor_line, spec.shadow_style, spec.version) == (0.9, "cast", 2)

    with pytest.raises(InvalidValue, match="floor_line"):
        await svc.edit_template(db, blobs, doc["id"], {"floor_line": 1.5})
    with pytest.raises(InvalidValue, match="tone"):
        await svc.edit_template(db, blobs, doc["id"], {"tone": [0, 0, 256]})
    # Two admins editing at once: the write computed from version 1 loses and says so.
    with pytest.raises(Conflict, match="meanwhile"):
        await TemplatesRepo(db).update_metadata(
            doc["id"], {"name": "Late"}, expected_version=1, new_version=2
        )
    assert (await TemplatesRepo(db).get(doc["id"]))["name"] == "Sand Shot"
    await svc.delete_template(db, doc["id"])
    with pytest.raises(NotFound):
        await svc.edit_template(db, blobs, doc["id"], {"name": "Gone"})


async def test_facets_count_what_the_gallery_shows_uploads_included(
    db, blobs, small_catalog, settings
) -> None:
    await svc.seed_builtin_templates(db, blobs)
    await svc.set_template_enabled(db, "pattern-gingham-red", False)
    await svc.upload_template(
        db,
        blobs,
        jpeg(tpl.render(tpl.get("studio-sweep-sand"), 1000, 1000)),
        {"name": "Shop Wall", "category": "studio", "tags": "client, warm"},
        settings.limits,
    )
    facets = await svc.template_facets(db)
    assert facets["total"] == 5  # four built-ins still enabled and the upload
    categories = {f["id"]: f["count"] for f in facets["categories"]}
    assert categories == {"studio": 3, "stone": 1, "festive": 1}
    assert [f["id"] for f in facets["categories"]][0] == "studio"  # catalogue order
    tags = {f["id"]: f["count"] for f in facets["tags"]}
    assert tags["client"] == 1 and "gingham" not in tags
    counts = [f["count"] for f in facets["tags"]]
    assert counts == sorted(counts, reverse=True)
    families = {f["id"]: f for f in facets["colour_families"]}
    assert families["blue"]["count"] == 1 and families["blue"]["swatch"].startswith("#")
    for family, facet in families.items():  # a swatch is a colour of that family, and filtering finds them
        assert colour_family(facet["swatch"]) == family
        assert (await svc.search_templates(db, colour=family)).total == facet["count"]
    for category, count in categories.items():
        assert (await svc.search_templates(db, category=category)).total == count


async def test_template_names_follow_admin_renames(db, blobs, small_catalog) -> None:
    await svc.seed_builtin_templates(db, blobs)
    await svc.edit_template(db, blobs, "studio-sweep-blue", {"name": "Royal Blue"})
    names = await svc.template_names(db, ["studio-sweep-blue", "#ffffff", "unknown-id"])
    assert names == {"studio-sweep-blue": "Royal Blue"}
    assert svc.offline_template_name("#ffffff") == "Pure White"
    assert svc.offline_template_name("unknown-id") == "unknown-id"
    assert svc.offline_template_name("upload-x", {"name": "Copied Name"}) == "Copied Name"


def test_a_familys_swatch_is_its_most_typical_colour_not_the_first_by_name() -> None:
    blues = {"#0a1030": 1, "#4060c0": 1, "#4a6ad0": 1, "#3858b8": 1, "#5070d8": 1}
    assert svc._medoid(blues) == "#4060c0"
    assert svc._medoid({"#0a1030": 10, "#4060c0": 1}) == "#0a1030"  # weighted by use
