"""What composition needs to know about a background, whatever rendered it.

A built-in template, an admin upload and a plain colour all reduce to a `TemplateSpec` and an RGB
array at the output size, so `engine.compose` never depends on where a background came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TemplateSpec:
    id: str  # stable slug, e.g. "studio-sweep-blue"
    name: str  # e.g. "Blue Background"
    category: str  # e.g. "studio"
    tags: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()  # dominant colours as "#rrggbb", most dominant first
    # Where products stand, as a fraction of the canvas height from the top (0..1); None means the
    # background has no floor and products are centred visually instead.
    floor_line: float | None = 0.82
    light_direction: float = 315.0  # degrees the light comes FROM, 0 = right, 90 = top (counter-clockwise)
    light_softness: float = 0.6  # 0 = hard point light, 1 = fully diffuse
    tone: tuple[int, int, int] = (255, 255, 255)  # average colour products are lit toward (bounded)
    shadow_style: str = "contact"  # none | contact | cast | both
    source: str = "builtin"  # builtin | upload | solid
    version: int = 1  # bump when the renderer's output changes, so seeds and thumbnails refresh
    # Widest a standing product may be, as a fraction of the canvas's SHORT side (a podium top is
    # narrower than a sweep); None = no limit. For a canvas w x h use `stage_width_for(spec, w, h)`,
    # which converts it to a fraction of the width (equal at 1:1 and portrait, smaller at 16:9).
    stage_width: float | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def stage_width_for(spec: TemplateSpec, width: int, height: int) -> float | None:
    """The stage width as a fraction of this canvas's width (built-in scenes are drawn in short-side units)."""
    if spec.stage_width is None:
        return None
    return spec.stage_width * min(width, height) / width
