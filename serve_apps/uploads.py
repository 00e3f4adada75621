"""Multipart bodies read under a byte cap, so an upload is refused (413) while it streams in.

FastAPI parses `File(...)`/`Form(...)` parameters before any dependency or route code runs, and
Starlette spools every file part to disk however large: a 100 GB multipart body would be written in
full before a route could look at it. Routes that take files therefore read the form themselves
through `read_form`, which counts the body's bytes as they arrive (Content-Length is checked first
when sent, and chunked bodies are counted) and stops at the cap. `multipart_body` describes such a
body in the OpenAPI schema, where FastAPI can no longer infer it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message, Receive

from serve_apps.errors import ApiError

FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and small text fields around the files


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, f"the request body is larger than {max_bytes} bytes", "too_large")


def _capped(receive: Receive, max_bytes: int) -> Receive:
    total = 0

    async def wrapped() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > max_bytes:
                raise _too_large(max_bytes)
        return message

    return wrapped


async def read_form(request: Request, *, max_bytes: int, max_files: int, max_fields: int = 50) -> FormData:
    """The multipart form of `request`, refusing 413 past `max_bytes` and 415 for another body type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise ApiError(415, f"send multipart/form-data, not {content_type or 'nothing'}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    capped = Request(request.scope, _capped(request.receive, max_bytes))
    try:
        return await capped.form(max_files=max_files, max_fields=max_fields)
    except ApiError:
        raise
    except Exception as exc:  # a malformed body is the caller's mistake, not a server error
        status = getattr(exc, "status_code", 400)
        detail = getattr(exc, "detail", None) or str(exc) or "malformed multipart body"
        raise ApiError(status if 400 <= status < 500 else 400, f"cannot read the form: {detail}") from None


def form_files(form: FormData, name: str) -> list[UploadFile]:
    return [v for v in form.getlist(name) if isinstance(v, UploadFile)]


def form_text(
    form: FormData, name: str, default: str | None = None, *, max_length: int = 20_000
) -> str | None:
    """A text field (422 when it is a file or too long)."""
    value = form.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ApiError(422, f"{name} must be a text field, not a file")
    if len(value) > max_length:
        raise ApiError(422, f"{name} is longer than {max_length} characters")
    return value


def multipart_body(
    files: dict[str, str], fields: dict[str, str], *, many: str | None = None
) -> dict[str, Any]:
    """`openapi_extra` describing a multipart body: `files` (name -> description, binary), text
    `fields`, and `many`, the one file field that may repeat."""
    properties: dict[str, Any] = {}
    for name, description in files.items():
        binary = {"type": "string", "format": "binary"}
        properties[name] = (
            {"type": "array", "items": binary, "description": description}
            if name == many
            else {**binary, "description": description}
        )
    for name, description in fields.items():
        properties[name] = {"type": "string", "description": description}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": properties, "required": list(files)}
                }
            },
        }
    }
