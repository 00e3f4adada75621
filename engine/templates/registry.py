"""The leaf registry of renderer families: a name -> (renderer, working size, grain) table.

Family modules (`studio`, `podium`, ...) register themselves with `@family(...)` when imported, and
`engine.templates.families` imports every one of them explicitly. This module imports nothing else of
the package, so anything may depend on it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.templates.frame import Frame

RenderFn = Callable[["Frame", dict], np.ndarray]


@dataclass(frozen=True)
class Family:
    fn: RenderFn
    max_work: int  # longest side rendered before upscaling; detailed textures ask for more
    grain: float  # film grain strength (standard deviation in 0..1 units) added at the final size


FAMILIES: dict[str, Family] = {}


def family(name: str, *, max_work: int = 1024, grain: float = 0.006) -> Callable[[RenderFn], RenderFn]:
    """Register a renderer under a family name; a second registration of one name is a bug."""

    def deco(fn: RenderFn) -> RenderFn:
        if name in FAMILIES and FAMILIES[name].fn is not fn:
            raise ValueError(f"template family {name!r} registered twice")
        FAMILIES[name] = Family(fn, max_work, grain)
        return fn

    return deco


def lookup(name: str) -> Family:
    """The renderer of a family (registered by importing `engine.templates.families`)."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"no renderer for template family {name!r}") from None
