"""Helpers every repository shares: e-mail normalisation, page sizes, field-safe digests."""

from __future__ import annotations

import hashlib
import re

from store.errors import InvalidValue

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PAGE = 500


def normalize_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidValue(f"not a valid email address: {email!r}")
    return value


def page_size(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def field_digest(text: str) -> str:
    """A short, field-name-safe digest (no '.' or '$') for using arbitrary ids as map keys."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
