"""The multipart form of `enhance()` and `preview()`: one image, a template, a recipe."""

from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path
from typing import Any

from drisya_client.models import Enhanced

ImageInput = str | os.PathLike[str] | bytes


def form(
    image: ImageInput, template: str, module: str | None, recipe: dict[str, Any] | None
) -> dict[str, Any]:
    """httpx keyword arguments (`files`, `data`) for one image."""
    if isinstance(image, bytes):
        name, content = "image", image
    else:
        path = Path(image)
        name, content = path.name, path.read_bytes()
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    data: dict[str, str] = {"template": template}
    if module:
        data["module"] = module
    if recipe:
        data["recipe"] = json.dumps(recipe)
    return {"files": {"image": (name, content, media)}, "data": data}


def enhanced(response: Any) -> Enhanced:
    quality = response.headers.get("x-drisya-quality")
    return Enhanced(
        content=response.content,
        media_type=response.headers.get("content-type", "application/octet-stream"),
        job_id=response.headers.get("x-drisya-job", ""),
        coins_charged=int(response.headers.get("x-drisya-coins-charged") or 0),
        quality=float(quality) if quality else None,
    )
