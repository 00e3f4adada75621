"""The error a template lookup raises; a leaf so every module that resolves templates can raise it."""

from __future__ import annotations


class UnknownTemplate(KeyError):
    """No template has this id; `str()` is a message a user can act on."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref

    def __str__(self) -> str:
        return f"unknown template {self.ref!r} (see `drisya templates list`)"
