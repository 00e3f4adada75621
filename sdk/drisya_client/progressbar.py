"""A one-line text progress bar on stderr (no dependency): redrawn in place on a terminal, printed
only on change elsewhere, so logs of CI and ERP jobs stay readable."""

from __future__ import annotations

import sys
from typing import TextIO


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class Bar:
    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = ""
        self._decile = -1

    def show(self, current: float, total: float, note: str = "") -> None:
        fraction = min(1.0, current / total) if total else 0.0
        filled = int(fraction * self.width)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {note}".rstrip()
        if line == self._last:
            return
        if not self.tty:  # a log: one line per tenth, and the end
            decile = int(fraction * 10)
            if decile == self._decile:
                return
            self._decile = decile
        self._last = line
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()

    def bytes_callback(self):
        """A `progress(sent, total)` callback for uploads and downloads."""

        def cb(sent: int, total: int) -> None:
            self.show(
                sent, total, f"{human_bytes(sent)} / {human_bytes(total)}" if total else human_bytes(sent)
            )

        return cb
