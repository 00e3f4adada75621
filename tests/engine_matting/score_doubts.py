"""The doubts of a matte nobody doubts, for the score tests to vary one at a time."""

from __future__ import annotations

# the outline's signals without the body's undecided share (tests that give it themselves, or leave it out)
CLEAN_OUTLINE = dict(
    level=0.5, left_out=0.0, fast_agreement=0.5, colour_model_blind=False, border=0.0, parts=0
)
CLEAN = {"undecided": 0.0, **CLEAN_OUTLINE}
