"""Every renderer family, registered by explicit import (scikit-image style): importing this module
fills `engine.templates.registry.FAMILIES`. `render` imports it, so a spec unpickled in a fresh worker
process finds its renderer without the catalogue having been built there."""

from __future__ import annotations

from engine.templates import (  # noqa: F401  (each import registers its families)
    festive,
    gradients,
    luxury,
    nature,
    patterns,
    podium,
    studio,
    surfaces,
)

__all__ = ["festive", "gradients", "luxury", "nature", "patterns", "podium", "studio", "surfaces"]
