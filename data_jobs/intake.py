"""Turn an uploaded ZIP (or a set of loose files) into image blobs, one entry at a time.

An upload is hostile until proven otherwise: names may climb out of the archive (zip-slip), headers
may lie about sizes (zip bombs), several records may share one stream, and a file called `.jpg` may
be anything. The archive is read by our own reader (zip_directory: sized from its end record before
parsing; zip_layout: where each entry's bytes lie, shared bytes refused; zip_inflate: every method
decompressed in bounded steps). Every entry is checked against `settings.limits` from its header
first and again while its bytes stream, by bytes really produced and really read, so a lying header
costs at most one limit's worth of work, and nothing is ever held in memory whole. Entries that fail
a check are reported with a reason; only a ZIP that cannot be used at all is refused outright.

Image content is only sniffed here (magic bytes, and the dimensions its header names, which decide
how far an entry may expand): a corrupt JPEG with a valid header is accepted and fails later as that
one image, never the whole job.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.image_header import HEAD_BYTES, read_header
from data_jobs.names import UniqueNames
from data_jobs.zip_directory import (
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    CentralRecord,
    ZipDirectory,
    read_directory,
)
from data_jobs.zip_inflate import EntryStream
from data_jobs.zip_layout import DataRange, EntryLayoutError, locate, overlapping
from engine.decode import sniff_format
from store.blobs import BlobStore, job_key

CHUNK = 1024 * 1024
_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "bmp": ".bmp", "tiff": ".tif"}
_ARCHIVE_EXTENSIONS = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cbz", ".jar")
_ARCHIVE_MAGIC = (
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_JUNK_FILES = {"thumbs.db", "desktop.ini", "icon\r"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class AcceptedEntry:
    """An image stored under `blob_key`; `name` is unique within the job (case-insensitively)."""

    index: int
    name: str
    blob_key: str
    size: int
    format: str


@dataclass(frozen=True)
class RejectedEntry:
    """An entry that will not be processed, with a stable `code` and a sentence for the user."""

    name: str
    code: str
    detail: str


@dataclass
class IntakeReport:
    accepted: list[AcceptedEntry] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)
    skipped: list[RejectedEntry] = field(default_factory=list)  # system files: __MACOSX, .DS_Store ...
    # accepted entries the user should hear about (a name that had to be repaired), by accepted name
    notes: list[RejectedEntry] = field(default_factory=list)
    total_bytes: int = 0

    def to_dict(self) -> dict:
        return {
            "accepted": len(self.accepted),
            "rejected": [asdict(r) for r in self.rejected],
            "skipped": [asdict(s) for s in self.skipped],
            "notes": [asdict(n) for n in self.notes],
            "total_bytes": self.total_bytes,
        }


class _EntryRejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def safe_entry_name(raw: str) -> str:
    """The entry's relative path with forward slashes, or _EntryRejected if it could escape the
    archive root (absolute path, drive letter, `..`). Over-long components are kept here and
    shortened by UniqueNames, so a long name never costs the photo."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or _WINDOWS_DRIVE.match(name):
        raise _EntryRejected("unsafe_path", "absolute paths are not allowed inside the archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise _EntryRejected("unsafe_path", "the name climbs out of the archive ('..')")
    if not parts:
        raise _EntryRejected("unsafe_path", "the entry has no name")
    return "/".join(_CONTROL.sub("_", p) for p in parts)


def is_system_junk(name: str) -> bool:
    """Files that archivers and desktops add on their own; skipped quietly, never charged."""
    parts = name.split("/")
    return (
        any(p == "__MACOSX" for p in parts)
        or any(p.startswith(".") for p in parts)
        or parts[-1].lower() in _JUNK_FILES
    )


def _archive_kind(name: str, head: bytes) -> str | None:
    for magic, kind in _ARCHIVE_MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if name.lower().endswith(_ARCHIVE_EXTENSIONS):
        return posixpath.splitext(name)[1].lstrip(".").upper()
    return None


class _Budget:
    """Bytes left for the whole upload; shared by all entries so the total limit holds even when
    every header understates its size."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limits.max_total_uncompressed_bytes:
            raise IntakeRefused(
                "too_large",
                f"the upload expands to more than {_human(self.limits.max_total_uncompressed_bytes)}",
            )


class _EntryGuard:
    """Counts an entry's real bytes against the limits while they stream.

    The compression ratio is computed on the archive bytes the entry really consumed (`compressed`),
    never on the size its header declares, and only once the head has been inspected: an image whose
    header names its dimensions may exceed the ratio up to what those pixels can need (a flat BMP or
    an uncompressed PNG shrinks 1000:1 and is still a photo); anything else may not."""

    def __init__(self, limits: Limits, budget: _Budget, compressed: Callable[[], int] | None) -> None:
        self.limits = limits
        self.budget = budget
        self.compressed = compressed
        self.inspected = False
        self.image_bytes: int | None = None  # what the header's pixels can need, when it names them
        self.seen = 0

    def meter(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        limit = self.limits.max_entry_bytes
        for chunk in chunks:
            self.seen += len(chunk)
            if self.seen > limit:
                raise _EntryRejected("too_large", f"the image is larger than {_human(limit)} uncompressed")
            if self.inspected:
                self.check_ratio()
            self.budget.take(len(chunk))
            yield chunk

    def check_ratio(self) -> None:
        """zip_bomb when the bytes so far exceed the ratio and, for an image whose header names its
        dimensions, also what those pixels can need. The first HEAD_BYTES are always allowed."""
        if self.compressed is None or self.seen <= HEAD_BYTES:
            return
        ratio = self.limits.max_compression_ratio
        compressed = max(self.compressed(), 1)
        if self.seen <= ratio * compressed:
            return
        if self.image_bytes is not None and self.seen <= self.image_bytes:
            return
        what = "its image's pixels can need" if self.image_bytes is not None else "an image needs"
        raise _EntryRejected(
            "zip_bomb",
            f"the entry expands more than {ratio:g}x the {compressed} bytes it occupies in the archive, "
            f"beyond what {what} (zip bomb)",
        )


def _store_entry(
    blobs: BlobStore,
    key_for: Callable[[str], str],
    name: str,
    chunks: Iterator[bytes],
    *,
    limits: Limits,
    compressed: Callable[[], int] | None,
    budget: _Budget,
) -> tuple[int, str, str]:
    """Sniff the head, then stream everything to `key_for(format)`. Returns (bytes, format, key).

    `compressed` gives the archive bytes consumed so far (ZIP entries), None for loose files."""
    guard = _EntryGuard(limits, budget, compressed)
    metered = guard.meter(chunks)
    head = b""
    for chunk in metered:  # enough bytes to recognise the format and read the image's dimensions
        head += chunk
        if len(head) >= HEAD_BYTES:
            break
    if not head:
        raise _EntryRejected("empty", "the file is empty")
    archive = _archive_kind(name, head)
    fmt = sniff_format(head[:32])
    header = read_header(head)
    if fmt is None and archive is not None:
        raise _EntryRejected("nested_archive", f"archives inside the archive are not opened ({archive})")
    if fmt is None and header is not None:
        raise _EntryRejected(
            "unsupported_format",
            f"{header.format.upper()} images are not accepted; accepted formats are JPEG, PNG, WebP, BMP and TIFF",
        )
    if fmt is None:
        raise _EntryRejected(
            "not_an_image",
            "the content is not a JPEG, PNG, WebP, BMP or TIFF image (checked by its bytes, not its name)",
        )
    if header is not None:
        if header.pixels > limits.max_image_pixels:
            raise _EntryRejected(
                "too_many_pixels",
                f"the image is {header.width}x{header.height} pixels; "
                f"at most {limits.max_image_pixels} pixels are accepted",
            )
        guard.image_bytes = header.max_file_bytes()
    guard.inspected = True
    guard.check_ratio()  # the head was read before the entry could be judged

    def all_chunks() -> Iterator[bytes]:
        yield head
        yield from metered

    key = key_for(fmt)
    try:
        written = blobs.put_stream(key, all_chunks())
    except BaseException:
        _quiet_delete(blobs, key)
        raise
    return written, fmt, key


def _quiet_delete(blobs: BlobStore, key: str) -> None:
    try:
        blobs.delete(key)
    except Exception:  # noqa: BLE001 - the partial blob may never have been created
        pass


def discard_accepted(report: IntakeReport, blobs: BlobStore) -> None:
    """Delete the blobs of every accepted entry (an upload refused after intake leaves nothing)."""
    for accepted in report.accepted:
        _quiet_delete(blobs, accepted.blob_key)


def input_key(job_id: str, index: int, fmt: str, upload: str = "") -> str:
    """Blob keys use the entry's position, never its name, so odd names cannot reach storage paths.
    `upload` tells apart uploads to the same job that run at the same time (each counts from 0)."""
    prefix = f"{upload}-" if upload else ""
    return job_key(job_id, "inputs", f"{prefix}{index:06d}{_EXTENSIONS.get(fmt, '.bin')}")


def _zip_chunks(stream: EntryStream) -> Iterator[bytes]:
    try:
        yield from stream
    except EntryLayoutError as exc:
        raise _EntryRejected(exc.code, exc.detail) from exc


@contextlib.contextmanager
def _opened(source: str | Path | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, str | Path):
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed by the context manager
        except OSError as exc:
            raise IntakeRefused("not_a_zip", f"the upload cannot be read ({exc.strerror})") from exc
        with fh:
            yield fh
    else:
        yield source


def intake_zip(
    source: str | Path | BinaryIO,
    blobs: BlobStore,
    job_id: str,
    limits: Limits,
    *,
    start_index: int = 0,
    names: UniqueNames | None = None,
    upload: str = "",
) -> IntakeReport:
    """Validate every entry of a ZIP and store the images under `jobs/<job_id>/inputs/`.

    `source` must be seekable (a path, or a file object such as a blob opened for reading or a
    spooled upload). The archive is read by our own central-directory reader (zip_directory): its
    size is checked from the end record before a record is parsed, every entry's data range is
    located before any is extracted (entries sharing bytes are refused), and every method is
    decompressed in bounded steps (zip_inflate). Raises IntakeRefused when the archive as a whole is
    unusable; on refusal the blobs written so far are deleted, so a refused upload leaves nothing."""
    report = IntakeReport()
    names = names or UniqueNames()
    budget = _Budget(limits)
    with _opened(source) as fh:
        try:
            directory = read_directory(fh, limits)
        except (OSError, ValueError) as exc:
            raise IntakeRefused("not_a_zip", f"the upload cannot be read as a ZIP archive ({exc})") from exc
        files = [r for r in directory.records if not r.is_dir]
        declared_total = sum(r.file_size for r in files)
        if declared_total > limits.max_total_uncompressed_bytes:
            raise IntakeRefused(
                "too_large",
                f"the archive expands to {_human(declared_total)}; "
                f"at most {_human(limits.max_total_uncompressed_bytes)} is accepted",
            )
        ranges, layout_errors = _lay_out(fh, files, directory)
        shared = overlapping(ranges)
        index = start_index
        try:
            for record in files:
                located = layout_errors.get(record.index) or ranges[record.index]
                entry = _intake_zip_entry(
                    fh,
                    record,
                    located,
                    record.index in shared,
                    blobs,
                    job_id,
                    limits,
                    budget,
                    index,
                    names,
                    upload,
                )
                if isinstance(entry, AcceptedEntry):
                    report.accepted.append(entry)
                    report.total_bytes += entry.size
                    if record.name_note:
                        report.notes.append(RejectedEntry(entry.name, "name_not_utf8", record.name_note))
                    index += 1
                elif entry.code == "skipped":
                    report.skipped.append(entry)
                else:
                    report.rejected.append(entry)
        except BaseException:
            discard_accepted(report, blobs)
            raise
    _refuse_if_empty(report)
    return report


def _lay_out(
    fh: BinaryIO, files: list[CentralRecord], directory: ZipDirectory
) -> tuple[dict[int, DataRange], dict[int, _EntryRejected]]:
    """Every entry's data range (one local header read each), or why it cannot be located."""
    ranges: dict[int, DataRange] = {}
    errors: dict[int, _EntryRejected] = {}
    for record in files:
        if record.problem is not None:
            errors[record.index] = _EntryRejected(*record.problem)
            continue
        try:
            ranges[record.index] = locate(fh, record, directory)
        except EntryLayoutError as exc:
            errors[record.index] = _EntryRejected(exc.code, exc.detail)
        except (OSError, ValueError) as exc:
            errors[record.index] = _EntryRejected("corrupt_entry", f"the entry cannot be located ({exc})")
    return ranges, errors


def _intake_zip_entry(
    fh: BinaryIO,
    record: CentralRecord,
    located: DataRange | _EntryRejected,
    shares_bytes: bool,
    blobs: BlobStore,
    job_id: str,
    limits: Limits,
    budget: _Budget,
    index: int,
    names: UniqueNames,
    upload: str = "",
) -> AcceptedEntry | RejectedEntry:
    raw = record.name
    try:
        name = safe_entry_name(raw)
        if is_system_junk(name):
            return RejectedEntry(raw, "skipped", "system or hidden file")
        if stat.S_ISLNK(record.mode):
            raise _EntryRejected("symlink", "symbolic links are not followed")
        if record.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) or record.method == 99:
            raise _EntryRejected("encrypted", "the entry is password-protected")
        if isinstance(located, _EntryRejected):
            raise located
        if shares_bytes:
            raise _EntryRejected(
                "overlapping_entry",
                "the entry's data overlaps another entry's (several entries reading one stream: zip bomb)",
            )
        if record.file_size > limits.max_entry_bytes:
            raise _EntryRejected(
                "too_large", f"the image is larger than {_human(limits.max_entry_bytes)} uncompressed"
            )
        stream = EntryStream(fh, record, located)
        size, fmt, key = _store_entry(
            blobs,
            lambda fmt: input_key(job_id, index, fmt, upload),
            name,
            _zip_chunks(stream),
            limits=limits,
            compressed=lambda: stream.compressed_read,
            budget=budget,
        )
        return AcceptedEntry(index, names.claim(name), key, size, fmt)
    except _EntryRejected as exc:
        return RejectedEntry(raw, exc.code, exc.detail)


def intake_files(
    files: Iterable[tuple[str, BinaryIO | bytes]],
    blobs: BlobStore,
    job_id: str,
    limits: Limits,
    *,
    start_index: int = 0,
    upload: str = "",
) -> IntakeReport:
    """Loose files uploaded one by one: the same checks as ZIP entries, minus the archive ones."""
    report = IntakeReport()
    names = UniqueNames()
    budget = _Budget(limits)
    index = start_index
    try:
        for raw, body in files:
            try:
                name = safe_entry_name(raw)  # relative paths (a folder upload) are kept, and checked
                if is_system_junk(name):
                    report.skipped.append(RejectedEntry(raw, "skipped", "system or hidden file"))
                    continue
                size, fmt, key = _store_entry(
                    blobs,
                    lambda fmt, i=index: input_key(job_id, i, fmt, upload),
                    name,
                    _file_chunks(body),
                    limits=limits,
                    compressed=None,
                    budget=budget,
                )
                report.accepted.append(AcceptedEntry(index, names.claim(name), key, size, fmt))
                report.total_bytes += size
                index += 1
            except _EntryRejected as exc:
                report.rejected.append(RejectedEntry(raw, exc.code, exc.detail))
        if len(report.accepted) + len(report.rejected) > limits.max_zip_entries:
            raise IntakeRefused(
                "too_many_entries", f"at most {limits.max_zip_entries} files are accepted in one job"
            )
    except BaseException:
        discard_accepted(report, blobs)
        raise
    _refuse_if_empty(report)
    return report


def _file_chunks(body: BinaryIO | bytes) -> Iterator[bytes]:
    if isinstance(body, bytes | bytearray | memoryview):
        data = bytes(body)
        for i in range(0, len(data), CHUNK):
            yield data[i : i + CHUNK]
        return
    while chunk := body.read(CHUNK):
        yield chunk


def _refuse_if_empty(report: IntakeReport) -> None:
    if report.accepted:
        return
    if report.rejected:
        reasons = sorted({r.code for r in report.rejected})
        raise IntakeRefused(
            "no_images",
            f"no usable images: {len(report.rejected)} files were rejected ({', '.join(reasons)})",
            report=report,
        )
    raise IntakeRefused("no_images", "the upload contains no JPEG, PNG or WebP images", report=report)


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"
