"""The template gallery: list, search, get (public routes; no credential needed)."""

from __future__ import annotations

from typing import Any

from drisya_client.models import Page, Template


def _page(response: Any) -> Page[Template]:
    d = response.json()
    return Page(
        [Template.from_dict(t) for t in d["items"]], d["total"], d.get("page", 1), d.get("page_size", 0)
    )


class Templates:
    """`client.templates`. With `AsyncClient` every method returns an awaitable of the same value."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def list(
        self,
        *,
        category: str | None = None,
        tag: str | None = None,
        colour: str | None = None,
        page: int = 1,
        page_size: int = 48,
    ) -> Page[Template]:
        """One page of enabled templates, optionally filtered."""
        return self.search(None, category=category, tag=tag, colour=colour, page=page, page_size=page_size)

    def search(
        self,
        q: str | None,
        *,
        category: str | None = None,
        tag: str | None = None,
        colour: str | None = None,
        page: int = 1,
        page_size: int = 48,
    ) -> Page[Template]:
        """Templates where every word of `q` matches the name, id, category or tags."""
        params = {
            "q": q,
            "category": category,
            "tag": tag,
            "colour": colour,
            "page": page,
            "page_size": page_size,
        }
        return self._http.call(
            "GET", "/v1/templates", params={k: v for k, v in params.items() if v is not None}, then=_page
        )

    def get(self, template_id: str) -> Template:
        """One template; `NotFound` when it does not exist or is disabled."""
        from urllib.parse import quote

        return self._http.call(
            "GET", f"/v1/templates/{quote(template_id, safe='')}", then=lambda r: Template.from_dict(r.json())
        )
