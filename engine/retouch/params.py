"""Retouch settings: one strength per correction, 0 switches it off, the defaults are "natural"."""

from __future__ import annotations

from dataclasses import dataclass, fields

from engine.errors import RecipeError


@dataclass(frozen=True)
class RetouchParams:
    # Each value is a strength in 0..1 (0 = off). The corrections are automatic and bounded, so a
    # strength scales how far toward the measured correction they go, never an absolute push.
    white_balance: float = 1.0  # neutralise the colour cast measured on the white backdrop
    exposure: float = 1.0  # lift an under-exposed shot so the backdrop would read as white
    contrast: float = 0.25  # gentle S-curve around the product's own mid-tone, plus haze removal
    denoise: float = 0.3  # chroma noise strongly, luminance noise lightly (edge-preserving)
    sharpen: float = 0.35  # unsharp mask on luminance only, applied at the output size
    colour: float = 0.5  # vibrance that lifts washed-out products and leaves vivid ones alone

    @classmethod
    def off(cls) -> RetouchParams:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def validate(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise RecipeError(f"retouch.{f.name} must be a number between 0 (off) and 1, got {value!r}")

    @property
    def is_off(self) -> bool:
        return all(getattr(self, f.name) == 0 for f in fields(self))
