"""Files of the single-image commands (`matte`, `enhance`): reading inputs safely, naming and writing
outputs so that no input name can stop the run.

Inputs are opened once and judged on that open file: only a regular file is read, and only when its
size is within the limit, so a 3 GiB file, `/dev/zero` or a FIFO is refused at once instead of being
read whole or waited on forever. Output names keep the input's stem but never exceed what a file
system accepts (255 bytes per name, counting the temporary `.part` suffix the file is written under);
a longer stem is shortened on a character boundary and tagged with a short hash of the full stem, so
two long names that share a prefix still get different outputs.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

NAME_MAX = 255  # bytes in one path component on Linux, macOS and Windows file systems
PART_SUFFIX = ".part"
# Errors that every later image would hit as well: stop rather than report each one.
FATAL_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class InputRefused(Exception):
    """An input that is not read at all: not a regular file, or larger than the limit."""


def read_input(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `max_bytes`; InputRefused or OSError
    (with a strerror users understand) otherwise. Checked on the opened file, before reading."""
    # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputRefused("is a folder, not an image file")
        if not stat.S_ISREG(info.st_mode):
            raise InputRefused(f"is not a regular file ({_kind(info.st_mode)}); only image files are read")
        if info.st_size > max_bytes:
            raise InputRefused(
                f"the file is {info.st_size:,} bytes, above the limit of {max_bytes:,} bytes "
                "(DRISYA_MAX_ENTRY_BYTES)"
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(max_bytes + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:  # it grew while we read it
        raise InputRefused(f"the file grew above the limit of {max_bytes:,} bytes while it was read")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def fit_name(stem: str, suffix: str, *, reserve: int = len(PART_SUFFIX)) -> str:
    """`stem + suffix`, with the stem shortened when the name (plus `reserve` bytes) would exceed
    NAME_MAX bytes in UTF-8; a shortened stem ends in `~` and 8 hex digits of the full stem's hash."""
    room = NAME_MAX - reserve - len(suffix.encode("utf-8"))
    encoded = stem.encode("utf-8", "surrogateescape")
    if len(encoded) <= room:
        return stem + suffix
    tag = "~" + hashlib.sha256(encoded).hexdigest()[:8]
    head = encoded[: max(1, room - len(tag))].decode("utf-8", "ignore")  # drops a cut character
    return head + tag + suffix


class OutputNames:
    """Unique output paths in one folder for one run: `stem.ext`, then `stem-2.ext`, ... each fitted
    to NAME_MAX (with room for the `.part` suffix it is written under)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._taken: set[str] = set()

    def claim(self, stem: str, extension: str) -> Path:
        suffix = "." + extension.lstrip(".")
        name, n = fit_name(stem, suffix), 1
        while name in self._taken:
            n += 1
            name = fit_name(stem, f"-{n}{suffix}")
        self._taken.add(name)
        return self.folder / name


def write_atomically(target: Path, data: bytes) -> None:
    """Write through `<name>.part` and rename, so a failed write never leaves a truncated output.
    A failure to remove the partial file is ignored: the first error is the one to report."""
    tmp = target.with_name(target.name + PART_SUFFIX)
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def is_fatal_write_error(exc: OSError) -> bool:
    """A full disk, a quota or a read-only file system: every later output would fail the same way."""
    return exc.errno in FATAL_WRITE_ERRNOS
