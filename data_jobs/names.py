"""Unique file names inside one archive, the way a desktop makes them ("a.jpg", "a (2).jpg").

Case is ignored because archives are extracted on case-insensitive file systems too. Used for the
inputs of a job (duplicate entry names) and for the outputs of its ZIP (two inputs that differ only
by extension give the same output name).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable


class UniqueNames:
    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._seen = {n.lower() for n in reserved}

    def claim(self, name: str) -> str:
        stem, ext = posixpath.splitext(name)
        candidate, n = name, 1
        while candidate.lower() in self._seen:
            n += 1
            candidate = f"{stem} ({n}){ext}"
        self._seen.add(candidate.lower())
        return candidate
