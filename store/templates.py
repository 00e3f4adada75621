"""The `templates` collection: built-ins seeded from the engine's catalogue plus admin uploads.

Documents are plain dicts (the store imports nothing of the engine); `serve_apps.templates` maps them
to and from `TemplateSpec`. Shape:

    id, name, category, tags[], colours[], colour_families[], source ("builtin"|"upload"),
    floor_line, light {direction, softness}, tone [r, g, b], shadow_style, stage_width, version,
    enabled, deleted, order, search (lower-case text), thumbnail_key, blob_key (uploads),
    width, height (uploads), created, updated, deleted_at

Deletion is a soft delete: the document (and an upload's blob) stays readable by id so a job that
references it keeps working, while search, the gallery and new jobs no longer see it. Every field a
query filters on is always written (never missing), because nx-27017 and MongoDB disagree about
matching missing fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from store.errors import Conflict, InvalidValue, NotFound

COLLECTION = "templates"
UPLOAD_ORDER = 1_000_000  # uploads list after the built-ins, then by id
MAX_PER_PAGE = 200
_SORT = [("order", ASCENDING), ("id", ASCENDING)]
# Fields the catalogue owns; seeding never overwrites what an admin controls (enabled, deleted).
_BUILTIN_FIELDS = (
    "name",
    "category",
    "tags",
    "colours",
    "colour_families",
    "source",
    "floor_line",
    "light",
    "tone",
    "shadow_style",
    "stage_width",
    "version",
    "order",
    "search",
)
# What an admin may edit (PATCH /v1/admin/templates/{id}); edits to a built-in are remembered in
# `admin_edited` so a later catalogue version does not silently undo them.
EDITABLE_FIELDS = (
    "name",
    "category",
    "tags",
    "colours",
    "colour_families",
    "tone",
    "shadow_style",
    "light",
    "floor_line",
    "floor_line_estimated",
    "thumbnail_key",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def search_text(doc: dict[str, Any]) -> str:
    """The lower-case haystack text search matches against: name, id, category and tags."""
    parts = [doc.get("name", ""), doc.get("id", ""), doc.get("category", ""), *doc.get("tags", [])]
    return " ".join(str(p).lower() for p in parts if p)


@dataclass(frozen=True)
class TemplatePage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class TemplatesRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.coll = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        """Idempotent; tolerates an equivalent index created elsewhere under another name."""
        for keys, opts in (
            ([("id", ASCENDING)], {"unique": True, "name": "template_id_unique"}),
            ([("deleted", ASCENDING), ("order", ASCENDING), ("id", ASCENDING)], {"name": "template_gallery"}),
            ([("category", ASCENDING), ("order", ASCENDING)], {"name": "template_category"}),
        ):
            try:
                await self.coll.create_index(keys, **opts)
            except OperationFailure as exc:  # same keys, different name: already indexed
                if "already exists" not in str(exc).lower():
                    raise

    async def upsert_builtin(self, doc: dict[str, Any]) -> str:
        """Insert a built-in, or update it when `doc['version']` is newer; returns
        "inserted" | "updated" | "unchanged". Safe to run concurrently from several replicas."""
        now = _now()
        current = await self.coll.find_one({"id": doc["id"]}, {"_id": 0}) or {}
        kept = set(current.get("admin_edited") or ())  # an admin's edits outlive a new version
        fields = {k: doc[k] for k in _BUILTIN_FIELDS if k in doc and k not in kept}
        fields["search"] = search_text({**doc, **{k: current[k] for k in kept if k in current}})
        fields["updated"] = now
        res = await self.coll.update_one(
            {"id": doc["id"], "version": {"$lt": int(doc["version"])}}, {"$set": fields}
        )
        if res.modified_count:
            await self.coll.update_one({"id": doc["id"]}, {"$unset": {"thumbnail_key": ""}})
            return "updated"
        if await self.coll.count_documents({"id": doc["id"]}, limit=1):
            return "unchanged"
        # `_id` = the slug: nx-27017 silently skips an index on a field named "id" (it is its row id), so
        # the unique index above is not enforced there; `_id` is unique on every server.
        new = {**fields, "_id": doc["id"], "id": doc["id"], "enabled": True, "deleted": False, "created": now}
        try:
            await self.coll.insert_one(new)
        except DuplicateKeyError:
            return "unchanged"
        return "inserted"

    async def insert_upload(self, doc: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        new = {
            **doc,
            "_id": doc["id"],  # uniqueness on every server (see upsert_builtin)
            "source": "upload",
            "order": UPLOAD_ORDER,
            "enabled": True,
            "deleted": False,
            "created": now,
            "updated": now,
            "search": search_text(doc),
        }
        try:
            await self.coll.insert_one(new)
        except DuplicateKeyError as exc:
            raise InvalidValue(f"a template with id {doc['id']!r} already exists") from exc
        new.pop("_id", None)
        return new

    async def get(self, template_id: str) -> dict[str, Any] | None:
        """The document by id, deleted or not (a running job may still reference it)."""
        return await self.coll.find_one({"id": template_id}, {"_id": 0})

    async def require(self, template_id: str) -> dict[str, Any]:
        doc = await self.get(template_id)
        if doc is None:
            raise NotFound(f"unknown template {template_id!r}")
        return doc

    async def set_thumbnail(self, template_id: str, key: str) -> None:
        await self.coll.update_one({"id": template_id}, {"$set": {"thumbnail_key": key}})

    async def set_enabled(self, template_id: str, enabled: bool) -> dict[str, Any]:
        res = await self.coll.update_one(
            {"id": template_id, "deleted": False}, {"$set": {"enabled": bool(enabled), "updated": _now()}}
        )
        if not res.matched_count:
            raise NotFound(f"unknown template {template_id!r}")
        return await self.require(template_id)

    async def update_metadata(
        self, template_id: str, changes: dict[str, Any], *, expected_version: int, new_version: int
    ) -> dict[str, Any]:
        """Apply an admin's edit (fields from EDITABLE_FIELDS) and recompute the search text.

        The write is conditional on the version the edit was computed from, so two admins editing at
        once cannot interleave: the second gets a Conflict and reloads. Edited fields are recorded in
        `admin_edited` (seeding a new catalogue version keeps them)."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidValue(f"not editable: {', '.join(sorted(unknown))}")
        doc = await self.require(template_id)
        if doc.get("deleted"):
            raise NotFound(f"unknown template {template_id!r}")
        merged = {**doc, **changes}
        edited = sorted(set(doc.get("admin_edited") or ()) | (set(changes) - {"thumbnail_key"}))
        fields = {
            **changes,
            "search": search_text(merged),
            "admin_edited": edited,
            "version": int(new_version),
            "updated": _now(),
        }
        res = await self.coll.update_one(
            {"id": template_id, "deleted": False, "version": int(expected_version)}, {"$set": fields}
        )
        if not res.matched_count:
            raise Conflict(f"template {template_id!r} was changed or deleted meanwhile; reload and retry")
        return await self.require(template_id)

    async def names(self, template_ids: list[str]) -> dict[str, str]:
        """Display names by id (deleted ones included: a job keeps showing what it used)."""
        wanted = sorted({t for t in template_ids if t})
        if not wanted:
            return {}
        cursor = self.coll.find({"id": {"$in": wanted}}, {"_id": 0, "id": 1, "name": 1})
        return {d["id"]: d["name"] async for d in cursor if d.get("name")}

    async def soft_delete(self, template_id: str) -> bool:
        """Hide a template from search and new jobs; returns False when it was already deleted."""
        now = _now()
        res = await self.coll.update_one(
            {"id": template_id, "deleted": False},
            {"$set": {"deleted": True, "enabled": False, "deleted_at": now, "updated": now}},
        )
        if res.modified_count:
            return True
        await self.require(template_id)
        return False

    async def search(
        self,
        *,
        q: str | None = None,
        category: str | None = None,
        tag: str | None = None,
        colour: str | None = None,
        source: str | None = None,
        enabled: bool | None = None,
        page: int = 1,
        per_page: int = 48,
    ) -> TemplatePage:
        """Filter the gallery; every word of `q` must appear in name, id, category or tags.
        Ordered by catalogue order then id, so pages are stable."""
        if page < 1:
            raise InvalidValue("page starts at 1")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidValue(f"per_page must be between 1 and {MAX_PER_PAGE}")
        clauses: list[dict[str, Any]] = [{"deleted": False}]
        for word in (q or "").lower().split()[:8]:
            clauses.append({"search": {"$regex": re.escape(word)}})
        if category:
            clauses.append({"category": category})
        if tag:
            clauses.append({"tags": tag.lower()})
        if colour:
            clauses.append({"colour_families": colour.lower()})
        if source:
            clauses.append({"source": source})
        if enabled is not None:
            clauses.append({"enabled": bool(enabled)})
        flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        total = await self.coll.count_documents(flt)
        cursor = (
            self.coll.find(flt, {"_id": 0, "search": 0})
            .sort(_SORT)
            .skip((page - 1) * per_page)
            .limit(per_page)
        )
        items = [d async for d in cursor]
        return TemplatePage(items, total, page, per_page)

    async def categories(self) -> dict[str, int]:
        """Visible templates per category, for the gallery's filter chips."""
        out: dict[str, int] = {}
        async for d in self.coll.find({"deleted": False, "enabled": True}, {"_id": 0, "category": 1}):
            out[d["category"]] = out.get(d["category"], 0) + 1
        return out

    async def facets(self) -> dict[str, Any]:
        """Counts of visible templates (enabled, not deleted; uploads included) per category, tag and
        colour family, plus how often each exact colour appears (to pick a swatch per family).
        Categories come in catalogue order; tags, families and colours by count, then name."""
        categories: dict[str, int] = {}
        tags: Counter[str] = Counter()
        families: Counter[str] = Counter()
        colours: Counter[str] = Counter()
        total = 0
        cursor = self.coll.find(
            {"deleted": False, "enabled": True},
            {"_id": 0, "category": 1, "tags": 1, "colour_families": 1, "colours": 1, "order": 1, "id": 1},
        ).sort(_SORT)
        async for d in cursor:
            total += 1
            categories[d["category"]] = categories.get(d["category"], 0) + 1
            tags.update(set(d.get("tags") or ()))
            families.update(set(d.get("colour_families") or ()))
            colours.update(str(c).lower() for c in set(d.get("colours") or ()))

        def ranked(counts: Counter[str]) -> dict[str, int]:
            return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

        return {
            "total": total,
            "categories": categories,
            "tags": ranked(tags),
            "colour_families": ranked(families),
            "colours": ranked(colours),
        }
