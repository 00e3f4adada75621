"""The built-in catalogue: every template as data (family + parameters + metadata), looked up by id.

Families are parametric, so most entries are a palette applied to a renderer; each palette was picked
by eye on the contact sheet (`drisya templates sheet`). Dominant colours and tone are not typed in: they
are measured from a small render, so they can never disagree with the pixels.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from engine.templates import colour, library
from engine.templates.errors import UnknownTemplate
from engine.templates.render import render
from engine.templates.solid import solid
from engine.templates.spec import TemplateSpec

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def measure(spec: TemplateSpec) -> TemplateSpec:
    """Fill colours and tone from a small render of the template."""
    small = render(spec, 72, 72)
    colours = colour.dominant_colours(small, 4)
    # Tone: the average light around where a product stands (the middle band), not the corners.
    mid = small[12:60, 12:60].reshape(-1, 3).mean(axis=0)
    tone = tuple(int(round(x)) for x in mid)
    return replace(spec, colours=colours, tone=tone)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _catalog() -> tuple[tuple[TemplateSpec, ...], dict[str, TemplateSpec]]:
    specs = tuple(measure(s) for s in library.entries())
    by_id: dict[str, TemplateSpec] = {}
    for s in specs:
        if not _SLUG.match(s.id):
            raise AssertionError(f"template id {s.id!r} is not a slug")
        if s.id in by_id:
            raise AssertionError(f"duplicate template id {s.id!r}")
        by_id[s.id] = s
    return specs, by_id


def catalog() -> list[TemplateSpec]:
    """All built-in templates in gallery order."""
    return list(_catalog()[0])


def get(template_id: str) -> TemplateSpec:
    """A built-in template or a solid by id; raises UnknownTemplate otherwise."""
    found = _catalog()[1].get(template_id)
    if found is not None:
        return found
    if template_id.startswith("solid-"):
        return solid(template_id[len("solid-") :])
    raise UnknownTemplate(template_id)


def resolve(ref: str) -> TemplateSpec:
    """A template id, "solid-rrggbb" or "#rrggbb" to its spec."""
    if not isinstance(ref, str):  # a JSON body may carry a number or null here
        raise UnknownTemplate(ref)
    ref = ref.strip()
    if ref.startswith("#"):
        return solid(ref)
    return get(ref)


def search(
    specs: list[TemplateSpec], q: str | None = None, category: str | None = None
) -> list[TemplateSpec]:
    """Offline filter used by the CLI: words of `q` must each appear in the name, id, category or tags."""
    out = []
    words = [w for w in (q or "").lower().split() if w]
    for s in specs:
        if category and s.category != category:
            continue
        hay = " ".join([s.id, s.name.lower(), s.category, *s.tags])
        if all(w in hay for w in words):
            out.append(s)
    return out


def colour_families(spec: TemplateSpec) -> list[str]:
    fams: list[str] = []
    for c in spec.colours:
        f = colour.colour_family(c)
        if f not in fams:
            fams.append(f)
    return fams


__all__ = ["UnknownTemplate", "catalog", "colour_families", "get", "measure", "resolve", "search", "solid"]
