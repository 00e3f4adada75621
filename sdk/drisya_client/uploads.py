"""What `jobs.submit(source)` sends: a ZIP file as is, or a folder / list of images zipped on the fly.

A folder is never zipped to disk or into memory first: entries are written through `zipfile` into a
small buffer that is handed to the HTTP body chunk by chunk (at most about one chunk is held), so a
20 GB folder uploads in constant memory. Photos are already compressed, so entries are stored, not
deflated. Progress is counted in source bytes read, against the total size of the sources.
"""

from __future__ import annotations

import asyncio
import os
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".gif", ".avif"}
)

ProgressCallback = Callable[[int, int], None]
"""Called as `progress(bytes_sent, bytes_total)` while an upload streams."""


@dataclass(frozen=True)
class UploadPlan:
    """Either `zip_path` (sent as is) or `entries` (name in the archive, file) zipped while sending."""

    total_bytes: int
    zip_path: Path | None = None
    entries: tuple[tuple[str, Path], ...] = ()

    @property
    def count(self) -> int:
        return len(self.entries)


def plan(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> UploadPlan:
    """How to send `source`: a .zip path, a folder (its images, sub-folders kept as paths) or a list
    of image paths (named by file name; repeated names get " (2)", " (3)" ...). Raises ValueError with
    a sentence when there is nothing to send."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise ValueError(f"{path} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
            entries = tuple((p.relative_to(path).as_posix(), p) for p in files)
            return UploadPlan(sum(p.stat().st_size for _, p in entries), entries=entries)
        if path.is_file():
            if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
                return UploadPlan(path.stat().st_size, zip_path=path)
            return plan([path])
        raise ValueError(f"{path} does not exist")
    paths = [Path(p) for p in source]
    if not paths:
        raise ValueError("the list of images is empty")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"not a file: {', '.join(missing[:5])}")
    return UploadPlan(
        sum(p.stat().st_size for p in paths), entries=tuple(zip(_unique_names(paths), paths, strict=True))
    )


def _unique_names(paths: list[Path]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for p in paths:
        name = p.name
        n = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = n
        names.append(name if n == 1 else f"{p.stem} ({n}){p.suffix}")
    return names


class _Buffer:
    """An unseekable sink for zipfile: what it writes is collected until the generator takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def iter_body(
    upload: UploadPlan, progress: ProgressCallback | None = None, *, chunk_size: int = CHUNK
) -> Iterator[bytes]:
    """The request body of `upload` in chunks of about `chunk_size` bytes, reporting progress."""
    sent = 0

    def tick(n: int) -> None:
        nonlocal sent
        sent += n
        if progress is not None:
            progress(sent, upload.total_bytes)

    if upload.zip_path is not None:
        with upload.zip_path.open("rb") as f:
            while chunk := f.read(chunk_size):
                tick(len(chunk))
                yield chunk
        return
    sink = _Buffer()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        for name, path in upload.entries:
            info = zipfile.ZipInfo.from_file(path, name)
            info.compress_type = zipfile.ZIP_STORED
            with path.open("rb") as src, archive.open(info, "w", force_zip64=info.file_size > 2**31) as dst:
                while chunk := src.read(chunk_size):
                    dst.write(chunk)
                    tick(len(chunk))
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    if data := sink.take():  # the central directory
        yield data


async def aiter_body(upload: UploadPlan, progress: ProgressCallback | None = None) -> AsyncIterator[bytes]:
    """`iter_body` for asyncio: file reads and zipping run in a worker thread, off the event loop."""
    chunks = iter_body(upload, progress)
    done = object()
    while (chunk := await asyncio.to_thread(next, chunks, done)) is not done:
        yield chunk  # type: ignore[misc]
