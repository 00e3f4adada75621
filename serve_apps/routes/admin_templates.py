"""Admin: templates (list including disabled ones, upload a background, enable/disable, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from serve_apps.auth.deps import AdminUser
from serve_apps.auth.schemas import TemplatePatch
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from serve_apps.templates import delete_template, search_templates, set_template_enabled, upload_template

router = APIRouter(tags=["admin"])

MAX_TEMPLATE_BYTES = 40 * 1024 * 1024


def template_out(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored document without internals; flags as booleans (nx-27017 returns updated booleans as 0/1)."""
    out = {k: v for k, v in doc.items() if k not in ("_id", "search")}
    for flag in ("enabled", "deleted", "floor_line_estimated"):
        if flag in out:
            out[flag] = bool(out[flag])
    return out


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
    template_id: str, body: TemplatePatch, admin: AdminUser, state: StateDep
) -> dict[str, Any]:
    """Enable or disable a template (a disabled one is hidden from the gallery and refused for new jobs;
    jobs already using it keep working)."""
    if body.enabled is None:
        raise ApiError(422, "send enabled: true or false")
    return template_out(await set_template_enabled(state.db, template_id[:80], body.enabled))


@router.delete("/templates/{template_id}", status_code=204)
async def remove_template(template_id: str, admin: AdminUser, state: StateDep) -> Response:
    """Soft delete: gone from search and new jobs, still readable by jobs that reference it."""
    await delete_template(state.db, template_id[:80])
    return Response(status_code=204)
