"""File names inside one archive that extract everywhere: the one place for the naming rule.

Used for the inputs of a job (duplicate entry names) and for the outputs of its ZIP (two inputs that
differ only by extension give the same output name). A name is made unique the way a desktop does
("a.jpg", "a (2).jpg"), and also so that every extractor can write it:

- NFC-normalised, so "é" typed on macOS (NFD) and on Windows (NFC) is one name, not two;
- compared case-insensitively, since archives are extracted on case-insensitive file systems too;
- every path component at most 255 bytes of UTF-8 (the limit of ext4, APFS, NTFS...): a long stem
  is shortened at a character boundary, keeping its extension and any " (n)" suffix;
- a file never shares its path with a folder ("pic.jpg" beside "pic.jpg/inner.png"): whichever comes
  second is renamed, and every file of a renamed folder follows it there.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Iterable

MAX_COMPONENT_BYTES = 255
_MAX_EXTENSION_BYTES = 16  # a longer "extension" is part of the stem, not something to keep


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _key(path: str) -> str:
    return _nfc(path.casefold())


def fit(stem: str, extension: str = "", suffix: str = "") -> str:
    """`stem + suffix + extension`, the stem cut at a character boundary so the whole fits in
    MAX_COMPONENT_BYTES bytes of UTF-8."""
    budget = MAX_COMPONENT_BYTES - len((suffix + extension).encode("utf-8"))
    raw = stem.encode("utf-8", "surrogatepass")
    if len(raw) > budget:
        stem = raw[: max(budget, 0)].decode("utf-8", "ignore")
    return f"{stem}{suffix}{extension}"


def _split(name: str) -> tuple[str, str]:
    stem, ext = posixpath.splitext(name)
    if len(ext.encode("utf-8")) > _MAX_EXTENSION_BYTES:
        return name, ""
    return stem, ext


class UniqueNames:
    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = set()  # keys of every path claimed, files and folders
        self._folders: dict[str, str] = {}  # key of a folder as given -> the folder path it became
        self._next: dict[str, int] = {}  # where to resume counting for a name: n duplicates stay O(n)
        for name in reserved:
            self.claim(name)

    def claim(self, name: str) -> str:
        """A path for `name` (folders with "/") that no earlier claim collides with."""
        parts = [p for p in _nfc(name).replace("\\", "/").split("/") if p not in ("", ".", "..")]
        if not parts:
            parts = ["unnamed"]
        parent = ""
        given = ""
        for part in parts[:-1]:
            given = f"{given}/{part}" if given else part
            folder = self._folders.get(_key(given))
            if folder is None:
                folder = self._unique(parent, part, is_folder=True)
                self._folders[_key(given)] = folder
            parent = folder
        return self._unique(parent, parts[-1], is_folder=False)

    def _unique(self, parent: str, part: str, *, is_folder: bool) -> str:
        stem, ext = (part, "") if is_folder else _split(part)
        counter = _key(self._join(parent, part))
        n = self._next.get(counter, 1)
        candidate = fit(stem, ext, f" ({n})" if n > 1 else "")
        while _key(self._join(parent, candidate)) in self._taken:
            n += 1
            candidate = fit(stem, ext, f" ({n})")
        self._next[counter] = n
        path = self._join(parent, candidate)
        self._taken.add(_key(path))
        return path

    @staticmethod
    def _join(parent: str, name: str) -> str:
        return f"{parent}/{name}" if parent else name
