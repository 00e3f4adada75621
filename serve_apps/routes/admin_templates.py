"""Admin: templates (list including disabled ones with thumbnails, upload a background, edit metadata,
enable/disable, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from serve_apps.auth.deps import AdminUser
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from serve_apps.templates import (
    delete_template,
    edit_template,
    search_templates,
    set_template_enabled,
    template_thumbnail_bytes,
    upload_template,
)
from store.errors import NotFound
from store.templates import TemplatesRepo

router = APIRouter(tags=["admin"])

MAX_TEMPLATE_BYTES = 40 * 1024 * 1024


def template_out(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored document without internals; flags as booleans (nx-27017 returns updated booleans as 0/1)."""
    out = {k: v for k, v in doc.items() if k not in ("_id", "search")}
    for flag in ("enabled", "deleted", "floor_line_estimated"):
        if flag in out:
            out[flag] = bool(out[flag])
    # the public thumbnail hides disabled templates; this one answers admins for any of them
    out["thumbnail_url"] = f"/v1/admin/templates/{doc['id']}/thumbnail"
    return out


Text700 = Annotated[str, Field(max_length=700)]
Hex = Annotated[str, Field(max_length=9)]


class TemplateEdit(BaseModel):
    """`PATCH /v1/admin/templates/{id}`: send only what changes. Metadata is validated like an upload's;
    floor line, light, shadow style and tone apply to uploads only (a built-in renders from code)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool | None = None
    name: str | None = Field(None, max_length=80)
    category: str | None = Field(None, max_length=40)
    tags: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=40)] | Text700 | None = None
    colours: Annotated[list[Hex], Field(max_length=8)] | None = None
    tone: Annotated[list[int], Field(min_length=3, max_length=3)] | Hex | None = None
    shadow_style: str | None = Field(None, max_length=20)
    light_direction: float | None = None
    light_softness: float | None = None
    floor_line: float | None = None


@router.get("/templates")
async def list_templates(
    admin: AdminUser,
    state: StateDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(pattern="^(builtin|upload)$")] = None,
    enabled: bool | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 48,
) -> dict[str, Any]:
    """Every template that is not deleted, enabled or not."""
    found = await search_templates(
        state.db, q=q, source=source, enabled=enabled, page=page, per_page=page_size
    )
    return {
        "items": [template_out(t) for t in found.items],
        "total": found.total,
        "page": page,
        "page_size": page_size,
    }


@router.post("/templates", status_code=201)
async def upload(
    admin: AdminUser,
    state: StateDep,
    file: Annotated[UploadFile, File(description="a PNG or JPEG background")],
    name: Annotated[str, Form(max_length=80)],
    category: Annotated[str, Form(max_length=40)] = "upload",
    tags: Annotated[str, Form(max_length=700)] = "",
    floor_line: Annotated[float | None, Form()] = None,
    shadow_style: Annotated[str, Form(max_length=20)] = "contact",
    light_direction: Annotated[float, Form()] = 90.0,
    light_softness: Annotated[float, Form()] = 0.7,
    id: Annotated[str | None, Form(max_length=80)] = None,
) -> dict[str, Any]:
    """Upload a background (validated by magic bytes, size and resolution; floor line and tone estimated
    when not given)."""
    data = await file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ApiError(413, f"a template image is at most {MAX_TEMPLATE_BYTES // (1024 * 1024)} MiB")
    meta: dict[str, Any] = {
        "name": name,
        "category": category,
        "tags": tags,
        "shadow_style": shadow_style,
        "light_direction": light_direction,
        "light_softness": light_softness,
    }
    if floor_line is not None:
        meta["floor_line"] = floor_line
    if id:
        meta["id"] = id
    return template_out(await upload_template(state.db, state.blobs, data, meta, state.settings.limits))


@router.patch("/templates/{template_id}")
async def update_template(
    template_id: str, body: TemplateEdit, admin: AdminUser, state: StateDep
) -> dict[str, Any]:
    """Edit a template's metadata (name, category, tags, colours, and for uploads tone, shadow style,
    light and floor line; the search text follows) and/or enable or disable it. A disabled template is
    hidden from the gallery and refused for new jobs; jobs already using it keep working."""
    edit = body.model_dump(exclude_unset=True)
    enabled = edit.pop("enabled", None)
    if "enabled" in body.model_fields_set and enabled is None:
        raise ApiError(422, "enabled is true or false")
    if enabled is None and not edit:
        raise ApiError(
            422,
            "send at least one of enabled, name, category, tags, colours, tone, shadow_style, "
            "light_direction, light_softness, floor_line",
        )
    template_id = template_id[:80]
    if edit:  # validated and applied before the switch, so a refused edit changes nothing
        doc = await edit_template(state.db, state.blobs, template_id, edit)
    if enabled is not None:
        doc = await set_template_enabled(state.db, template_id, enabled)
    return template_out(doc)


@router.get(
    "/templates/{template_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}},
)
async def template_thumbnail(template_id: str, admin: AdminUser, state: StateDep) -> Response:
    """Any template's thumbnail, disabled or deleted ones included (the public one hides those)."""
    doc = await TemplatesRepo(state.db).get(template_id[:80])
    if doc is None:
        raise NotFound(f"no template {template_id[:80]!r}")
    data = await template_thumbnail_bytes(state.db, state.blobs, doc)
    return Response(
        data,
        media_type="image/webp",
        headers={"Cache-Control": "private, max-age=3600", "ETag": f'"{doc["id"]}-v{doc.get("version", 1)}"'},
    )


@router.delete("/templates/{template_id}", status_code=204)
async def remove_template(template_id: str, admin: AdminUser, state: StateDep) -> Response:
    """Soft delete: gone from search and new jobs, still readable by jobs that reference it."""
    await delete_template(state.db, template_id[:80])
    return Response(status_code=204)
