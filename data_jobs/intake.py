"""Turn an uploaded ZIP (or a set of loose files) into image blobs, one entry at a time.

An upload is hostile until proven otherwise: names may climb out of the archive (zip-slip), headers
may lie about sizes (zip bombs), and a file called `.jpg` may be anything. Every entry is checked
against `settings.limits` from its header first and again while its bytes stream, so a lying header
costs at most one limit's worth of work, and nothing is ever held in memory whole. Entries that fail
a check are reported with a reason; only a ZIP that cannot be used at all is refused outright.

Image content is only sniffed (magic bytes) here: a corrupt JPEG with a valid header is accepted
and fails later as that one image, never the whole job.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.names import UniqueNames
from engine.decode import sniff_format
from store.blobs import BlobStore, job_key

CHUNK = 1024 * 1024
_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
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
    total_bytes: int = 0

    def to_dict(self) -> dict:
        return {
            "accepted": len(self.accepted),
            "rejected": [asdict(r) for r in self.rejected],
            "skipped": [asdict(s) for s in self.skipped],
            "total_bytes": self.total_bytes,
        }


class _EntryRejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def safe_entry_name(raw: str) -> str:
    """The entry's relative path with forward slashes, or _EntryRejected if it could escape the
    archive root (absolute path, drive letter, `..`)."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or _WINDOWS_DRIVE.match(name):
        raise _EntryRejected("unsafe_path", "absolute paths are not allowed inside the archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise _EntryRejected("unsafe_path", "the name climbs out of the archive ('..')")
    if not parts:
        raise _EntryRejected("unsafe_path", "the entry has no name")
    if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
        raise _EntryRejected("unsafe_path", "a path component is longer than 255 bytes")
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


def _metered(
    chunks: Iterator[bytes], *, limit: int, compressed: int | None, ratio: float, budget: _Budget
) -> Iterator[bytes]:
    """Pass chunks through while counting real bytes: the header's sizes are only a claim."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise _EntryRejected("too_large", f"the image is larger than {_human(limit)} uncompressed")
        if compressed is not None and seen > 64 * 1024 and seen > ratio * max(compressed, 1):
            raise _EntryRejected(
                "zip_bomb", f"the entry expands more than {ratio:g}x its compressed size (zip bomb)"
            )
        budget.take(len(chunk))
        yield chunk


def _store_entry(
    blobs: BlobStore,
    key_for: Callable[[str], str],
    name: str,
    chunks: Iterator[bytes],
    *,
    limits: Limits,
    compressed: int | None,
    budget: _Budget,
) -> tuple[int, str, str]:
    """Sniff the first bytes, then stream everything to `key_for(format)`. Returns (bytes, format, key)."""
    metered = _metered(
        chunks,
        limit=limits.max_entry_bytes,
        compressed=compressed,
        ratio=limits.max_compression_ratio,
        budget=budget,
    )
    head = b""
    for chunk in metered:  # read until we have enough bytes to recognise the format
        head += chunk
        if len(head) >= 512:
            break
    if not head:
        raise _EntryRejected("empty", "the file is empty")
    archive = _archive_kind(name, head)
    fmt = sniff_format(head[:32])
    if fmt is None and archive is not None:
        raise _EntryRejected("nested_archive", f"archives inside the archive are not opened ({archive})")
    if fmt is None:
        raise _EntryRejected(
            "not_an_image",
            "the content is not a JPEG, PNG or WebP image (checked by its bytes, not its name)",
        )

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


def _zip_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise _EntryRejected("corrupt_entry", f"the archive entry cannot be read ({exc})") from exc
    except Exception as exc:  # zlib.error and friends from a damaged stream
        if type(exc).__module__ in ("zlib", "lzma", "bz2", "_lzma", "_bz2"):
            raise _EntryRejected("corrupt_entry", f"the archive entry cannot be read ({exc})") from exc
        raise


def _entry_mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0xFFFF


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
    spooled upload). Raises IntakeRefused when the archive as a whole is unusable; on refusal the
    blobs written so far are deleted, so a refused upload leaves nothing behind."""
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise IntakeRefused("not_a_zip", "the upload is not a ZIP archive") from exc
    except (OSError, ValueError) as exc:
        raise IntakeRefused("not_a_zip", f"the upload cannot be read as a ZIP archive ({exc})") from exc
    report = IntakeReport()
    names = names or UniqueNames()
    budget = _Budget(limits)
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > limits.max_zip_entries:
            raise IntakeRefused(
                "too_many_entries",
                f"the archive has {len(files)} files; at most {limits.max_zip_entries} are accepted",
            )
        declared_total = sum(i.file_size for i in files)
        if declared_total > limits.max_total_uncompressed_bytes:
            raise IntakeRefused(
                "too_large",
                f"the archive expands to {_human(declared_total)}; "
                f"at most {_human(limits.max_total_uncompressed_bytes)} is accepted",
            )
        index = start_index
        try:
            for info in files:
                entry = _intake_zip_entry(zf, info, blobs, job_id, limits, budget, index, names, upload)
                if isinstance(entry, AcceptedEntry):
                    report.accepted.append(entry)
                    report.total_bytes += entry.size
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


def _intake_zip_entry(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    blobs: BlobStore,
    job_id: str,
    limits: Limits,
    budget: _Budget,
    index: int,
    names: UniqueNames,
    upload: str = "",
) -> AcceptedEntry | RejectedEntry:
    raw = info.filename
    try:
        name = safe_entry_name(raw)
        if is_system_junk(name):
            return RejectedEntry(raw, "skipped", "system or hidden file")
        if stat.S_ISLNK(_entry_mode(info)):
            raise _EntryRejected("symlink", "symbolic links are not followed")
        if info.flag_bits & 0x1:
            raise _EntryRejected("encrypted", "the entry is password-protected")
        if info.file_size > limits.max_entry_bytes:
            raise _EntryRejected(
                "too_large", f"the image is larger than {_human(limits.max_entry_bytes)} uncompressed"
            )
        if info.file_size > limits.max_compression_ratio * max(info.compress_size, 1) and (
            info.file_size > 64 * 1024
        ):
            raise _EntryRejected(
                "zip_bomb",
                f"the entry claims to expand more than {limits.max_compression_ratio:g}x (zip bomb)",
            )
        size, fmt, key = _store_entry(
            blobs,
            lambda fmt: input_key(job_id, index, fmt, upload),
            name,
            _zip_chunks(zf, info),
            limits=limits,
            compressed=info.compress_size,
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
