"""The template gallery (search, one template, thumbnails) and `POST /v1/preview`.

The gallery is public (it holds no user data and the dashboard shows it before sign-in); the preview
runs the engine, so it needs a signed-in caller and is rate-limited, and its pixels are made in the
enhance deployment (or a worker thread), never on the event loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from serve_apps import enhance_service
from serve_apps.auth.deps import CurrentUser
from serve_apps.errors import ApiError
from serve_apps.rate_limit import limit
from serve_apps.state import StateDep
from serve_apps.templates import (
    require_usable_template,
    search_templates,
    template_facets,
    template_thumbnail_bytes,
)
from serve_apps.uploads import FORM_OVERHEAD, form_files, form_text, multipart_body, read_form
from store.errors import NotFound
from store.templates import MAX_PER_PAGE

router = APIRouter(prefix="/v1", tags=["templates"])

PREVIEW_MAX_BYTES = 25 * 1024 * 1024  # one photo for a preview; a batch goes through a job
_PUBLIC_FIELDS = (
    "id",
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
    "enabled",
    "width",
    "height",
)


class TemplateOut(BaseModel):
    id: str
    name: str
    category: str
    tags: list[str] = []
    colours: list[str] = []
    colour_families: list[str] = []
    source: str
    floor_line: float | None = None
    light: dict[str, float] = {}
    tone: list[int] = []
    shadow_style: str = "contact"
    stage_width: float | None = None
    version: int = 1
    enabled: bool = True
    width: int | None = None
    height: int | None = None
    thumbnail_url: str


class TemplatePageOut(BaseModel):
    items: list[TemplateOut]
    total: int
    page: int
    page_size: int


def public_template(doc: dict[str, Any]) -> dict[str, Any]:
    """What a client sees of a template document (never blob keys)."""
    out = {k: doc[k] for k in _PUBLIC_FIELDS if k in doc and doc[k] is not None}
    out["thumbnail_url"] = f"/v1/templates/{doc['id']}/thumbnail"
    return out


@router.get("/templates", response_model=TemplatePageOut)
async def list_templates(
    state: StateDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    tag: Annotated[str | None, Query(max_length=30)] = None,
    colour: Annotated[str | None, Query(max_length=30)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 48,
) -> dict[str, Any]:
    """Enabled templates; every word of `q` must match the name, id, category or tags."""
    found = await search_templates(
        state.db, q=q, category=category, tag=tag, colour=colour, page=page, per_page=page_size
    )
    return {
        "items": [public_template(d) for d in found.items],
        "total": found.total,
        "page": page,
        "page_size": page_size,
    }


class Facet(BaseModel):
    id: str
    count: int


class ColourFacet(Facet):
    swatch: str


class FacetsOut(BaseModel):
    total: int
    categories: list[Facet]
    tags: list[Facet]
    colour_families: list[ColourFacet]


@router.get("/templates/facets", response_model=FacetsOut)
async def facets(state: StateDep) -> dict[str, Any]:
    """The gallery's filter choices with how many visible templates each finds (uploads included):
    categories in catalogue order, tags and colour families most used first, each family with a
    swatch. Pass an `id` as `category`, `tag` or `colour` to `GET /v1/templates`."""
    return await template_facets(state.db)


async def _visible(state: StateDep, template_id: str) -> dict[str, Any]:
    from store.templates import TemplatesRepo

    doc = await TemplatesRepo(state.db).get(template_id)
    if doc is None or doc.get("deleted") or not doc.get("enabled", True):
        raise NotFound(f"no template {template_id!r}")
    return doc


@router.get("/templates/{template_id}", response_model=TemplateOut)
async def get_template(state: StateDep, template_id: str) -> dict[str, Any]:
    return public_template(await _visible(state, template_id))


@router.get(
    "/templates/{template_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}},
)
async def template_thumbnail(state: StateDep, template_id: str) -> Response:
    """A 320 px WebP, cached by clients for a day (its key changes with the template's version)."""
    doc = await _visible(state, template_id)
    data = await template_thumbnail_bytes(state.db, state.blobs, doc)
    etag = f'"{template_id}-v{doc.get("version", 1)}"'
    return Response(
        data,
        media_type="image/webp",
        headers={"Cache-Control": "public, max-age=86400", "ETag": etag},
    )


def parse_recipe_field(recipe: str | None) -> dict[str, Any]:
    """A multipart `recipe` field: a JSON object (or empty)."""
    if recipe is None or not recipe.strip():
        return {}
    try:
        value = json.loads(recipe)
    except json.JSONDecodeError as exc:
        raise ApiError(422, f"recipe must be a JSON object: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict):
        raise ApiError(422, 'recipe must be a JSON object such as {"aspect": "4:5"}')
    return value


async def read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    """An uploaded file's bytes, refusing (413) past `max_bytes` without reading the rest."""
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, f"the image is larger than {max_bytes // (1024 * 1024)} MiB", "too_large")
    if not data:
        raise ApiError(422, "the image file is empty", "empty_file")
    return data


async def resolve_template_ref(state: StateDep, ref: str) -> dict[str, Any]:
    """A template usable by new work, as the plain dict the workers take; 422 when it is unknown."""
    from data_jobs.jobs import spec_to_dict

    try:
        spec = await require_usable_template(state.db, ref)
    except NotFound as exc:
        raise ApiError(422, str(exc), "unknown_template") from None
    return spec_to_dict(spec)


PREVIEW_FORM = multipart_body(
    {"image": "one product photo (JPEG, PNG, WebP, HEIC...)"},
    {
        "template": "a template id or #rrggbb (default #ffffff)",
        "recipe": 'the recipe as a JSON object, e.g. {"aspect": "4:5"}',
        "module": "ready | look (default: the recipe's, else ready)",
    },
)


@dataclass(frozen=True)
class ImageForm:
    """The fields of a one-image form (`POST /v1/preview`, `POST /v1/enhance`)."""

    data: bytes
    filename: str
    template: str
    recipe: str | None
    module: str | None


async def read_image_form(request: Request, max_bytes: int) -> ImageForm:
    """A one-image multipart form, read under a cap (413 past `max_bytes` for the image)."""
    form = await read_form(request, max_bytes=max_bytes + FORM_OVERHEAD, max_files=2)
    try:
        images = form_files(form, "image")
        if len(images) != 1:
            raise ApiError(422, "send exactly one file in the form field 'image'")
        return ImageForm(
            data=await read_limited(images[0], max_bytes),
            filename=(images[0].filename or "image")[:255],
            template=form_text(form, "template", "#ffffff", max_length=200) or "#ffffff",
            recipe=form_text(form, "recipe"),
            module=form_text(form, "module", max_length=20),
        )
    finally:
        await form.close()


@router.post(
    "/preview",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    openapi_extra=PREVIEW_FORM,
)
async def preview(request: Request, state: StateDep, user: CurrentUser) -> Response:
    """Your product on a template as a small JPEG (at most 800 px), free; rate-limited per user."""
    limit(request, "preview")
    from data_jobs.jobs import validate_recipe

    max_bytes = min(PREVIEW_MAX_BYTES, state.settings.limits.max_entry_bytes)
    form = await read_image_form(request, max_bytes)
    fields = parse_recipe_field(form.recipe)
    normalised = validate_recipe(form.module or str(fields.get("module") or "ready"), fields)
    spec = await resolve_template_ref(state, form.template)
    result = await enhance_service.call(state, "preview", form.data, normalised, spec)
    if "jpeg" not in result:
        raise ApiError(result["status"], result["detail"], result["error"])
    return Response(result["jpeg"], media_type="image/jpeg", headers={"Cache-Control": "no-store"})
