"""Template service functions the API and start-up call: seeding, uploads, search, and loading a
background for a job.

Built-ins live in code (`engine.templates`) and are mirrored into MongoDB so the gallery can search,
page and disable them like uploads. Thumbnails (WebP, 320 px) are rendered once per template version
and cached in blob storage under a key containing the version, so a renderer change refreshes them and
an unchanged catalogue costs nothing at start.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image
from pymongo.asynchronous.database import AsyncDatabase

from engine import templates as tpl
from engine.decode import decode_image
from engine.templates.colour import colour_family, parse_hex
from engine.templates.colour import rgb as tpl_colour_rgb
from engine.templates.spec import TemplateSpec
from engine.templates.upload import UploadLimits, analyse_upload, render_upload
from serve_apps.state import AppState
from store.errors import InvalidValue, NotFound
from store.templates import TemplatePage, TemplatesRepo

THUMB_SIZE = 320
SHADOW_STYLES = ("none", "contact", "cast", "both")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TemplateUnavailable(InvalidValue):
    """The template exists but is disabled or deleted: existing jobs may use it, new jobs may not."""

    code = "template_unavailable"


def thumbnail_key(template_id: str, version: int) -> str:
    return f"templates/thumbs/{template_id}-v{version}.webp"


def upload_key(template_id: str, token: str, name: str) -> str:
    """Each upload attempt writes under its own token, so a losing concurrent upload of the same id
    can remove its blobs without touching the winner's."""
    return f"templates/uploads/{template_id}/{token}/{name}"


def spec_to_doc(spec: TemplateSpec, order: int) -> dict[str, Any]:
    return {
        "id": spec.id,
        "name": spec.name,
        "category": spec.category,
        "tags": [t.lower() for t in spec.tags],
        "colours": list(spec.colours),
        "colour_families": tpl.colour_families(spec),
        "source": "builtin",
        "floor_line": spec.floor_line,
        "light": {"direction": spec.light_direction, "softness": spec.light_softness},
        "tone": list(spec.tone),
        "shadow_style": spec.shadow_style,
        "stage_width": spec.stage_width,
        "version": spec.version,
        "order": order,
    }


def doc_to_spec(doc: dict[str, Any]) -> TemplateSpec:
    light = doc.get("light") or {}
    return TemplateSpec(
        id=doc["id"],
        name=doc["name"],
        category=doc["category"],
        tags=tuple(doc.get("tags", ())),
        colours=tuple(doc.get("colours", ())),
        floor_line=doc.get("floor_line"),
        light_direction=float(light.get("direction", 90.0)),
        light_softness=float(light.get("softness", 0.7)),
        tone=tuple(doc.get("tone", (255, 255, 255))),  # type: ignore[arg-type]
        shadow_style=doc.get("shadow_style", "contact"),
        source=doc.get("source", "upload"),
        version=int(doc.get("version", 1)),
        stage_width=doc.get("stage_width"),
        extra={"blob_key": doc["blob_key"]} if doc.get("blob_key") else {},
    )


def _webp(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="WEBP", quality=82, method=4)
    return buf.getvalue()


def _render_thumbs(specs: list[TemplateSpec], blobs) -> dict[str, str]:
    """Render and store missing thumbnails (sync: runs in a worker thread); returns id -> key."""
    keys: dict[str, str] = {}
    for spec in specs:
        key = thumbnail_key(spec.id, spec.version)
        if not blobs.exists(key):
            blobs.put_bytes(key, _webp(tpl.render(spec, THUMB_SIZE, THUMB_SIZE)))
        keys[spec.id] = key
    return keys


async def ensure_thumbnail(db: AsyncDatabase, blobs, spec: TemplateSpec) -> str:
    """The thumbnail key of a built-in whose document lost it (its renderer changed since the last
    seed: `upsert_builtin` drops the key), rendered now and recorded, so the gallery never 404s."""
    keys = await asyncio.to_thread(_render_thumbs, [spec], blobs)
    await TemplatesRepo(db).set_thumbnail(spec.id, keys[spec.id])
    return keys[spec.id]


async def seed_builtin_templates(db: AsyncDatabase, blobs) -> dict[str, int]:
    """Mirror the built-in catalogue into MongoDB and make sure each has a thumbnail. Idempotent:
    returns counts of inserted / updated / unchanged documents."""
    repo = TemplatesRepo(db)
    await repo.ensure_indexes()
    specs = await asyncio.to_thread(tpl.catalog)
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for order, spec in enumerate(specs):
        counts[await repo.upsert_builtin(spec_to_doc(spec, order))] += 1
    keys = await asyncio.to_thread(_render_thumbs, specs, blobs)
    for spec in specs:
        await repo.set_thumbnail(spec.id, keys[spec.id])
    return counts


def _upload_limits(limits: Any) -> UploadLimits:
    """Accept either UploadLimits or the settings' Limits (whose pixel cap also applies here)."""
    if isinstance(limits, UploadLimits) or limits is None:
        return limits or UploadLimits()
    base = UploadLimits()
    return UploadLimits(
        max_bytes=min(base.max_bytes, int(getattr(limits, "max_entry_bytes", base.max_bytes))),
        max_pixels=min(base.max_pixels, int(getattr(limits, "max_image_pixels", base.max_pixels))),
        min_short_side=base.min_short_side,
    )


def _number(value: Any, name: str) -> float:
    """Form fields arrive as text: a non-number must be an InvalidValue (HTTP 400), not a ValueError."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be a number, not {value!r}") from None
    if not np.isfinite(number):
        raise InvalidValue(f"{name} must be a finite number")
    return number


def _clean_name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 80:
        raise InvalidValue("name is required (1 to 80 characters)")
    return name


def _clean_category(value: Any) -> str:
    category = str(value or "upload").strip().lower()
    if not _SLUG.match(category) or len(category) > 40:
        raise InvalidValue("category must be a short lower-case slug such as 'studio' or 'festive'")
    return category


def _clean_tags(value: Any) -> list[str]:
    """Tags from a list or a comma/space separated text: lower-case, de-duplicated, at most 20."""
    raw_tags = value or []
    if isinstance(raw_tags, str):
        raw_tags = [t for t in re.split(r"[,\s]+", raw_tags) if t]
    tags: list[str] = []
    for t in raw_tags:
        t = str(t).strip().lower()
        if not t or len(t) > 30:
            raise InvalidValue(f"tag {t!r} must be 1 to 30 characters")
        if t not in tags:
            tags.append(t)
    if len(tags) > 20:
        raise InvalidValue("at most 20 tags")
    return tags


def _clean_floor(value: Any) -> float:
    floor = _number(value, "floor_line")
    if not 0.05 <= floor <= 0.98:
        raise InvalidValue("floor_line is a fraction of the height between 0.05 and 0.98")
    return floor


def _clean_shadow(value: Any) -> str:
    shadow = str(value or "contact")
    if shadow not in SHADOW_STYLES:
        raise InvalidValue(f"shadow_style must be one of {', '.join(SHADOW_STYLES)}")
    return shadow


def _clean_light(direction: Any, softness: Any) -> dict[str, float]:
    softness = _number(softness, "light_softness")
    if not 0.0 <= softness <= 1.0:
        raise InvalidValue("light_softness must be between 0 and 1")
    return {"direction": _number(direction, "light_direction") % 360.0, "softness": softness}


def _clean_colours(value: Any) -> list[str]:
    """One to eight "#rrggbb" colours (what the gallery's colour filter is computed from)."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 8:
        raise InvalidValue('colours is a list of 1 to 8 hex colours such as ["#f5f0e6"]')
    out: list[str] = []
    for c in value:
        try:
            hex_value = parse_hex(str(c))
        except ValueError:
            raise InvalidValue(f"colour {c!r} is not a hex colour such as #f5f0e6") from None
        if hex_value not in out:
            out.append(hex_value)
    return out


def _clean_tone(value: Any) -> list[int]:
    """The background's average colour that composition matches the product's light to: "#rrggbb" or
    [r, g, b] with each 0 to 255."""
    if isinstance(value, str):
        try:
            value = [int(x * 255 + 0.5) for x in tpl_colour_rgb(parse_hex(value))]
        except ValueError:
            raise InvalidValue(f"tone {value!r} is not a hex colour such as #f5f0e6") from None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
    ):
        raise InvalidValue("tone is #rrggbb or [r, g, b] with whole numbers from 0 to 255")
    return [int(v) for v in value]


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    name = _clean_name(meta.get("name"))
    floor = meta.get("floor_line")
    clean = {
        "name": name,
        "category": _clean_category(meta.get("category")),
        "tags": _clean_tags(meta.get("tags")),
        "floor_line": None if floor is None else _clean_floor(floor),
        "shadow_style": _clean_shadow(meta.get("shadow_style")),
        "light": _clean_light(meta.get("light_direction", 90.0), meta.get("light_softness", 0.7)),
    }
    tid = meta.get("id")
    if tid is None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "template"
        tid = f"upload-{slug}-{uuid.uuid4().hex[:6]}"
    if not _SLUG.match(str(tid)) or len(str(tid)) > 80:
        raise InvalidValue("id must be a lower-case slug (letters, digits, hyphens)")
    return {"id": str(tid), **clean}


# Fields that only change how an upload is composed; a built-in renders from code, so for it they would
# be stored but never used, and the edit is refused instead.
RENDER_FIELDS = ("floor_line", "light_direction", "light_softness", "shadow_style", "tone")


def clean_edit(doc: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """An admin's metadata edit (the fields sent, validated like an upload's) as the document fields
    to set. Raises InvalidValue with the field at fault."""
    builtin = doc.get("source") == "builtin"
    refused = [f for f in RENDER_FIELDS if f in edit] if builtin else []
    if refused:
        raise InvalidValue(
            f"{', '.join(refused)} cannot be edited on a built-in template (it renders from code); "
            "name, category, tags and colours can"
        )
    changes: dict[str, Any] = {}
    if "name" in edit:
        changes["name"] = _clean_name(edit["name"])
    if "category" in edit:
        if not str(edit["category"] or "").strip():
            raise InvalidValue("category cannot be empty")
        changes["category"] = _clean_category(edit["category"])
    if "tags" in edit:
        changes["tags"] = _clean_tags(edit["tags"])
    if "colours" in edit:
        changes["colours"] = _clean_colours(edit["colours"])
        changes["colour_families"] = list(dict.fromkeys(colour_family(c) for c in changes["colours"]))
    if "tone" in edit:
        changes["tone"] = _clean_tone(edit["tone"])
    if "shadow_style" in edit:
        if edit["shadow_style"] is None:
            raise InvalidValue(f"shadow_style must be one of {', '.join(SHADOW_STYLES)}")
        changes["shadow_style"] = _clean_shadow(edit["shadow_style"])
    if "light_direction" in edit or "light_softness" in edit:
        light = doc.get("light") or {}
        changes["light"] = _clean_light(
            edit.get("light_direction", light.get("direction", 90.0)),
            edit.get("light_softness", light.get("softness", 0.7)),
        )
    if "floor_line" in edit:
        if edit["floor_line"] is None:
            raise InvalidValue("floor_line is a number between 0.05 and 0.98")
        changes["floor_line"] = _clean_floor(edit["floor_line"])
        changes["floor_line_estimated"] = False
    return changes


async def upload_template(
    db: AsyncDatabase, blobs, data: bytes, meta: dict[str, Any], limits: Any = None
) -> dict[str, Any]:
    """Validate an admin's PNG/JPEG background and its metadata, store it, and index it.

    Raises `engine.errors.ImageError` subclasses for a bad file and `store.errors.InvalidValue` for bad
    metadata; nothing is stored unless both are valid.
    """
    clean = _clean_meta(meta)
    repo = TemplatesRepo(db)
    await repo.ensure_indexes()
    if clean["id"] in {s.id for s in await asyncio.to_thread(tpl.catalog)}:
        raise InvalidValue(f"id {clean['id']!r} belongs to a built-in template")
    if await repo.get(clean["id"]) is not None:
        raise InvalidValue(f"a template with id {clean['id']!r} already exists")
    lim = _upload_limits(limits)
    analysis = await asyncio.to_thread(analyse_upload, data, lim, clean["floor_line"])
    ext = "jpg" if analysis.format == "jpeg" else "png"
    token = uuid.uuid4().hex[:12]
    key = upload_key(clean["id"], token, f"original.{ext}")
    doc = {
        **clean,
        "floor_line": analysis.floor_line,
        "floor_line_estimated": clean["floor_line"] is None,
        "colours": list(analysis.colours),
        "tone": list(analysis.tone),
        "version": 1,
        "blob_key": key,
        "width": analysis.width,
        "height": analysis.height,
        "thumbnail_key": upload_key(clean["id"], token, "thumb.webp"),
    }
    doc["colour_families"] = list(dict.fromkeys(colour_family(c) for c in analysis.colours))

    def store_blobs() -> None:
        blobs.put_bytes(key, data)
        thumb, _ = render_upload(analysis.rgb, THUMB_SIZE, THUMB_SIZE, analysis.floor_line)
        blobs.put_bytes(doc["thumbnail_key"], _webp(thumb))

    def remove_blobs() -> None:
        blobs.delete(key)
        blobs.delete(doc["thumbnail_key"])

    try:
        await asyncio.to_thread(store_blobs)
        return await repo.insert_upload(doc)
    except Exception:  # a refused insert or a failed write must not leave orphaned blobs
        await asyncio.to_thread(remove_blobs)
        raise


async def edit_template(db: AsyncDatabase, blobs, template_id: str, edit: dict[str, Any]) -> dict[str, Any]:
    """Apply an admin's metadata edit (see `clean_edit`); returns the updated document.

    An upload's version goes up (its thumbnail's ETag and the decoded-pixels cache follow it), and a new
    floor line re-renders its thumbnail under a fresh key; a built-in keeps the catalogue's version, so
    seeding still recognises a newer catalogue. Jobs created earlier keep the template they were quoted
    with (an upload's spec is copied into the job)."""
    repo = TemplatesRepo(db)
    doc = await repo.get(template_id)
    if doc is None or doc.get("deleted"):
        raise NotFound(f"unknown template {template_id!r}")
    changes = clean_edit(doc, edit)
    if not changes:
        return doc
    version = int(doc.get("version", 1))
    upload = doc.get("source") == "upload"
    new_version = version + 1 if upload else version
    old_thumb = doc.get("thumbnail_key")
    new_thumb: str | None = None
    if upload and "floor_line" in changes and doc.get("blob_key"):
        new_thumb = upload_key(doc["id"], uuid.uuid4().hex[:12], "thumb.webp")
        spec = doc_to_spec(doc)

        def render_thumb() -> None:
            thumb, _ = render_upload(
                _decoded_upload(blobs, spec), THUMB_SIZE, THUMB_SIZE, changes["floor_line"]
            )
            blobs.put_bytes(new_thumb, _webp(thumb))

        await asyncio.to_thread(render_thumb)
        changes["thumbnail_key"] = new_thumb
    try:
        updated = await repo.update_metadata(
            template_id, changes, expected_version=version, new_version=new_version
        )
    except Exception:  # a lost race must not leave the loser's thumbnail behind
        if new_thumb:
            await asyncio.to_thread(blobs.delete, new_thumb)
        raise
    if new_thumb and old_thumb:
        await asyncio.to_thread(blobs.delete, old_thumb)
    return updated


async def template_thumbnail_bytes(db: AsyncDatabase, blobs, doc: dict[str, Any]) -> bytes:
    """A template's 320 px WebP thumbnail; a built-in whose key was dropped by a renderer change is
    rendered again now."""
    key = doc.get("thumbnail_key")
    if not key:
        spec = _spec_from_doc(doc)
        key = await ensure_thumbnail(db, blobs, spec)
    return await asyncio.to_thread(blobs.get_bytes, key)


def _medoid(colours: dict[str, int]) -> str:
    """The colour (weighted by use) closest to all the others: a typical member of the family, where the
    most used one would be whichever sorts first among colours used once (often the darkest)."""
    hexes = list(colours)
    rgbs = np.stack([tpl_colour_rgb(h) for h in hexes])
    weights = np.array([colours[h] for h in hexes], dtype=np.float64)
    distances = np.linalg.norm(rgbs[:, None, :] - rgbs[None, :, :], axis=-1)
    return hexes[int(np.argmin(distances @ weights))]


async def template_facets(db: AsyncDatabase) -> dict[str, Any]:
    """Categories, tags and colour families of the visible gallery with counts, each family with a
    swatch (its most typical colour), so filters never offer a choice that finds nothing."""
    raw = await TemplatesRepo(db).facets()
    members: dict[str, dict[str, int]] = {}
    for hex_value, count in raw["colours"].items():
        try:
            members.setdefault(colour_family(hex_value), {})[hex_value] = count
        except ValueError:
            continue
    swatches = {family: _medoid(colours) for family, colours in members.items()}
    return {
        "total": raw["total"],
        "categories": [{"id": k, "count": v} for k, v in raw["categories"].items()],
        "tags": [{"id": k, "count": v} for k, v in raw["tags"].items()],
        "colour_families": [
            {"id": k, "count": v, "swatch": swatches.get(k, "#9ca3af")}
            for k, v in raw["colour_families"].items()
        ],
    }


def offline_template_name(ref: str, spec: dict[str, Any] | None = None) -> str:
    """A display name without the database: a job's copied spec, else the code's catalogue (built-ins
    and "#rrggbb" solids), else the reference itself."""
    if spec and spec.get("name"):
        return str(spec["name"])
    try:
        return tpl.resolve(ref).name
    except tpl.UnknownTemplate:
        return ref


async def template_names(db: AsyncDatabase, refs: list[str]) -> dict[str, str]:
    """Current display names for template references (ids or "#rrggbb"), as admins named them;
    references the database does not know are left out (see `offline_template_name`)."""
    ids = [r for r in refs if isinstance(r, str) and r and not r.startswith("#")]
    return await TemplatesRepo(db).names(ids)


async def set_template_enabled(db: AsyncDatabase, template_id: str, enabled: bool) -> dict[str, Any]:
    return await TemplatesRepo(db).set_enabled(template_id, enabled)


async def delete_template(db: AsyncDatabase, template_id: str) -> bool:
    """Soft delete: hidden from search and new jobs; still loadable by jobs already referencing it."""
    return await TemplatesRepo(db).soft_delete(template_id)


async def search_templates(
    db: AsyncDatabase,
    *,
    q: str | None = None,
    category: str | None = None,
    tag: str | None = None,
    colour: str | None = None,
    source: str | None = None,
    enabled: bool | None = True,
    page: int = 1,
    per_page: int = 48,
) -> TemplatePage:
    return await TemplatesRepo(db).search(
        q=q,
        category=category,
        tag=tag,
        colour=colour,
        source=source,
        enabled=enabled,
        page=page,
        per_page=per_page,
    )


async def require_usable_template(db: AsyncDatabase, ref: str) -> TemplateSpec:
    """The spec for a NEW job: solids always; built-ins and uploads only while enabled and not deleted."""
    if not isinstance(ref, str):
        raise NotFound(str(tpl.UnknownTemplate(ref)))
    ref = ref.strip()
    if ref.startswith("#") or ref.startswith("solid-"):
        try:
            return tpl.resolve(ref)
        except tpl.UnknownTemplate as exc:
            raise NotFound(str(exc)) from exc
    doc = await TemplatesRepo(db).get(ref)
    if doc is None:
        try:
            return tpl.get(ref)  # a built-in not seeded yet (start-up race) is still usable
        except tpl.UnknownTemplate as exc:
            raise NotFound(str(exc)) from exc
    if doc.get("deleted") or not doc.get("enabled", True):
        raise TemplateUnavailable(f"template {ref!r} is {'deleted' if doc.get('deleted') else 'disabled'}")
    return _spec_from_doc(doc)


def _spec_from_doc(doc: dict[str, Any]) -> TemplateSpec:
    """Built-ins render from code (the document is only their index entry); uploads from their blob."""
    if doc.get("source") == "builtin":
        try:
            return tpl.get(doc["id"])
        except tpl.UnknownTemplate:
            raise NotFound(f"template {doc['id']!r} is no longer part of this version's catalogue") from None
    return doc_to_spec(doc)


_UPLOAD_CACHE: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
_UPLOAD_CACHE_SIZE = 4
_UPLOAD_CACHE_LOCK = threading.Lock()  # callers run in worker threads (asyncio.to_thread, Ray actors)


def _decoded_upload(blobs, spec: TemplateSpec) -> np.ndarray:
    """Decoded upload pixels, kept for the last few templates (a batch loads the same one per image)."""
    key = (spec.id, spec.version)
    with _UPLOAD_CACHE_LOCK:
        if key in _UPLOAD_CACHE:
            _UPLOAD_CACHE.move_to_end(key)
            return _UPLOAD_CACHE[key]
    data = blobs.get_bytes(spec.extra["blob_key"])
    rgb = decode_image(data, max_pixels=UploadLimits().max_pixels).rgb
    with _UPLOAD_CACHE_LOCK:
        _UPLOAD_CACHE[key] = rgb
        while len(_UPLOAD_CACHE) > _UPLOAD_CACHE_SIZE:
            _UPLOAD_CACHE.popitem(last=False)
    return rgb


def load_background_sync(
    spec: TemplateSpec, blobs, width: int, height: int
) -> tuple[TemplateSpec, np.ndarray]:
    """Pixels for a resolved spec (for Ray workers, which hold a spec and a blob store but no DB)."""
    if spec.source == "upload":
        rgb, floor = render_upload(_decoded_upload(blobs, spec), width, height, spec.floor_line)
        return replace(spec, floor_line=floor), rgb
    return spec, tpl.render(spec, width, height)


async def load_background(
    db: AsyncDatabase, blobs, template_id: str, width: int, height: int
) -> tuple[TemplateSpec, np.ndarray]:
    """(spec, uint8 RGB) at width x height for any template id, "#rrggbb" or upload; deleted or
    disabled templates still load (a running job may reference them). For uploads the spec's floor line
    is re-expressed in the cover-fitted canvas."""
    if not isinstance(template_id, str):
        raise NotFound(str(tpl.UnknownTemplate(template_id)))
    ref = template_id.strip()
    try:
        spec = tpl.resolve(ref)
    except tpl.UnknownTemplate:
        doc = await TemplatesRepo(db).get(ref)
        if doc is None:
            raise NotFound(f"unknown template {ref!r}") from None
        spec = _spec_from_doc(doc)
    return await asyncio.to_thread(load_background_sync, spec, blobs, width, height)


async def seed_on_start(ctx: AppState) -> None:
    """Start-up hook (`serve_apps.startup.STARTUP_HOOKS`): the built-in catalogue, seeded idempotently."""
    counts = await seed_builtin_templates(ctx.db, ctx.blobs)
    total = sum(counts.values())
    ctx.notes.append(f"templates: {total} built-in ({counts['inserted']} new, {counts['updated']} updated)")
