"""Templates: procedurally rendered backgrounds plus the metadata composition reads.

catalog() -> list[TemplateSpec]       every built-in, gallery order
get(id) / resolve(id or "#rrggbb")    -> TemplateSpec, or UnknownTemplate
solid("#ffffff")                      a plain colour as a template
render(spec, width, height)           uint8 RGB at any size and aspect, never stretched
"""

from engine.templates.catalog import UnknownTemplate, catalog, colour_families, get, resolve, solid
from engine.templates.render import render
from engine.templates.spec import TemplateSpec, stage_width_for

__all__ = [
    "TemplateSpec",
    "UnknownTemplate",
    "catalog",
    "colour_families",
    "get",
    "render",
    "resolve",
    "solid",
    "stage_width_for",
]
