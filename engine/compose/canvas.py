"""Output canvas sizes: an aspect ratio plus the longest side in pixels."""

from __future__ import annotations

from engine.errors import RecipeError

ASPECTS: dict[str, tuple[int, int]] = {
    "1:1": (1, 1),
    "4:5": (4, 5),
    "3:4": (3, 4),
    "16:9": (16, 9),
    "9:16": (9, 16),
}
MIN_SIZE = 64
MAX_SIZE = 10_000  # Amazon's own ceiling for the longest side; nobody needs more for a listing


def parse_aspect(text: str) -> tuple[int, int]:
    """'4:5' -> (4, 5); only the ratios marketplaces and social feeds actually use are accepted."""
    key = str(text).strip().replace("x", ":").replace("/", ":")
    if key not in ASPECTS:
        raise RecipeError(f"unknown aspect ratio {text!r}; choose one of {', '.join(ASPECTS)}")
    return ASPECTS[key]


def canvas_size(aspect: str, size: int) -> tuple[int, int]:
    """(width, height) whose longest side is `size` and whose ratio is `aspect`."""
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE:
        raise RecipeError(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE} px, got {size!r}")
    aw, ah = parse_aspect(aspect)
    if aw >= ah:
        return size, max(1, round(size * ah / aw))
    return max(1, round(size * aw / ah)), size
