"""The job's download: outputs plus `manifest.csv`, streamed straight from blob storage.

The ZIP is generated while it is sent (zipstream-ng), one blob open at a time, so a 10,000-image job
costs the server a few hundred kilobytes however large the archive is. Outputs are stored, not
deflated: JPEG/PNG/WebP are already compressed, and a stored ZIP has a size known up front, which
gives browsers a real download progress bar (Content-Length).

A surprise image yields several outputs: they go to a folder per product (`shoes/red/red-festive-1.jpg`,
`shoes/red/red-festive.mp4`), with a manifest row each naming its theme, template, seed and variant.

Output names follow data_jobs.names (one rule for every archive we write: NFC, at most 255 bytes a
path component, unique case-insensitively, no file named like a folder), so the ZIP extracts fully
with unzip, Python, Windows Explorer and macOS Archive Utility. Cells of `manifest.csv` that a
spreadsheet would run as a formula are neutralised (OWASP's CSV-injection rule): input names are
chosen by whoever made the upload, and sellers open the manifest in Excel.
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from zipstream import ZIP_STORED, ZipStream

from data_jobs.names import UniqueNames
from store.blobs import BlobStore

READ_CHUNK = 256 * 1024
MANIFEST_NAME = "manifest.csv"
BASE_COLUMNS = ("input_name", "output_name", "status", "error", "quality_score", "compliance", "reasons")
# A surprise job's manifest adds theme, template, seed, variant (one row per output; empty on a row
# without outputs). Other modules' manifests keep exactly BASE_COLUMNS, so the spreadsheets and
# scripts sellers already built on them keep working.
SURPRISE_COLUMNS = ("theme", "template", "seed", "variant")
MANIFEST_COLUMNS = (*BASE_COLUMNS, *SURPRISE_COLUMNS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ManifestRow:
    """One input's fate. `output_key`/`output_bytes` are set only for images that succeeded."""

    input_name: str
    status: str  # done | failed | rejected | skipped | cancelled | queued | unknown (database lost)
    error: str = ""
    quality: float | None = None
    output_key: str | None = None
    output_extension: str | None = None
    output_bytes: int | None = None
    # the preset check of the output (engine.compliance): "pass" | "fail" | "n/a", "" when not checked,
    # and the failed rules' reasons, which the manifest joins with "; "
    compliance: str = ""
    reasons: tuple[str, ...] = ()
    # a surprise image's outputs (the image document's `output_items`: name, blob, kind, theme,
    # template, seed, variant); empty for one-output modules, whose output is `output_key`
    outputs: tuple[dict, ...] = ()


@dataclass
class OutputZip:
    """A ZIP ready to stream: iterate `chunks()` once; `size` is its exact length in bytes."""

    stream: ZipStream
    entries: int

    @property
    def size(self) -> int:
        return len(self.stream)

    def chunks(self) -> Iterator[bytes]:
        return iter(self.stream)


def output_name(input_name: str, extension: str) -> str:
    """`shoes/red.JPG` -> `shoes/red.png`: the seller finds each output where its input was."""
    stem, _ = posixpath.splitext(input_name)
    return f"{stem}.{extension.lstrip('.')}"


def grouped_name(input_name: str, item_name: str) -> str:
    """A surprise output's path: `shoes/red.JPG` + `festive-2.jpg` -> `shoes/red/red-festive-2.jpg`,
    so every file of one product sits in its own folder, named after it."""
    stem, _ = posixpath.splitext(input_name)
    return f"{stem}/{posixpath.basename(stem)}-{item_name}"


def _blob_chunks(blobs: BlobStore, key: str) -> Iterator[bytes]:
    """Opened only when the ZIP reaches this entry, closed right after it."""
    with blobs.open_read(key) as fh:
        while chunk := fh.read(READ_CHUNK):
            yield chunk


def _format_quality(q: float | None) -> str:
    return "" if q is None else f"{q:.3f}"


def build_output_zip(blobs: BlobStore, rows: Iterable[ManifestRow]) -> OutputZip:
    """Queue every output (lazily) and the manifest; nothing is read until the ZIP is iterated."""
    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    names = UniqueNames(reserved=[MANIFEST_NAME])
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    rows = list(rows)  # small records (the blobs are read lazily); the header depends on all of them
    multi = any(row.outputs for row in rows)
    writer.writerow(MANIFEST_COLUMNS if multi else BASE_COLUMNS)
    entries = 0
    for row in rows:
        if row.status == "done" and row.outputs:
            entries += _add_outputs(stream, writer, names, blobs, row)
            continue
        out_name = ""
        if row.status == "done" and row.output_key:
            out_name = names.claim(output_name(row.input_name, row.output_extension or "jpg"))
            size = row.output_bytes if row.output_bytes is not None else blobs.size(row.output_key)
            stream.add(_blob_chunks(blobs, row.output_key), out_name, size=size)
            entries += 1
        writer.writerow(
            [
                spreadsheet_safe(row.input_name),
                spreadsheet_safe(out_name),
                row.status,
                spreadsheet_safe(_one_line(row.error)),
                _format_quality(row.quality),
                row.compliance,
                spreadsheet_safe(_one_line("; ".join(row.reasons))),
                *([""] * (len(SURPRISE_COLUMNS) if multi else 0)),
            ]
        )
    stream.add(manifest.getvalue().encode("utf-8"), MANIFEST_NAME)
    return OutputZip(stream=stream, entries=entries + 1)


def _add_outputs(stream: ZipStream, writer, names: UniqueNames, blobs: BlobStore, row: ManifestRow) -> int:
    """Every output of a multi-output image in its product's folder, one manifest row each."""
    for item in row.outputs:
        out_name = names.claim(grouped_name(row.input_name, str(item["name"])))
        key = str(item["blob"])
        stream.add(_blob_chunks(blobs, key), out_name, size=blobs.size(key))
        writer.writerow(
            [
                spreadsheet_safe(row.input_name),
                spreadsheet_safe(out_name),
                row.status,
                "",
                _format_quality(row.quality),
                row.compliance,
                spreadsheet_safe(_one_line("; ".join(row.reasons))),
                spreadsheet_safe(str(item.get("theme", ""))),
                spreadsheet_safe(str(item.get("template", ""))),
                str(item.get("seed", "")),
                str(item.get("variant", "")),
            ]
        )
    return len(row.outputs)


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or CR) gets a
    leading single quote, which Excel, LibreOffice and Google Sheets treat as "this is text"."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def read_manifest(data: bytes | str) -> list[dict[str, str]]:
    """Parse a manifest back (tests, the CLI's summary, the SDK). Cells come back as written:
    a neutralised name keeps its leading quote."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.DictReader(io.StringIO(text)))
