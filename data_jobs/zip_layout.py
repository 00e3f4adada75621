"""Where each entry's bytes really lie in the archive, and which entries share bytes.

A central record only points at a local header; the data starts after that header's own name and
extra field. Several records may point into one compressed stream (an "overlapping" zip bomb: 40
records, one 64 MiB deflate stream, 41 images); no archiver writes that, so such entries are refused
(see `overlapping`). Ranges are computed for all entries before any is extracted, so the refusal
does not depend on which record comes first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from data_jobs.zip_directory import CentralRecord, ZipDirectory

_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # local file header, 30 bytes + name + extra
_LOCAL_SIG = b"PK\x03\x04"


@dataclass(frozen=True)
class DataRange:
    """The entry's local header starts at `header`; its compressed bytes are [data_start, data_end)."""

    header: int
    data_start: int
    data_end: int


class EntryLayoutError(Exception):
    """This entry's bytes cannot be located; `code`/`detail` say why (the entry alone is rejected)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def locate(fh: BinaryIO, record: CentralRecord, directory: ZipDirectory) -> DataRange:
    """Read the entry's local header and return its data range, checked to end before the central
    directory (no entry may read the directory or another archive's tail as its data)."""
    start = record.header_offset
    if start + _LOCAL.size > directory.directory_start:
        raise EntryLayoutError("corrupt_entry", "the entry points outside the archive's data")
    fh.seek(start)
    header = fh.read(_LOCAL.size)
    if len(header) != _LOCAL.size:
        raise EntryLayoutError("corrupt_entry", "the entry's header is truncated")
    fields = _LOCAL.unpack(header)
    if fields[0] != _LOCAL_SIG:
        raise EntryLayoutError("corrupt_entry", "the entry's header is damaged (bad signature)")
    name_len, extra_len = fields[9], fields[10]
    data_start = start + _LOCAL.size + name_len + extra_len
    data_end = data_start + record.compressed_size
    if data_end > directory.directory_start:
        raise EntryLayoutError("corrupt_entry", "the entry's data runs past the end of the archive's data")
    return DataRange(header=start, data_start=data_start, data_end=data_end)


def overlapping(ranges: dict[int, DataRange]) -> set[int]:
    """Indexes of entries that share bytes with another entry in a way no archiver writes.

    Two kinds: records that point at the same local header (all of them are refused: none is the
    real owner), and entries whose data runs past the next local header (they contain another
    entry: the container is refused, the entry it contains keeps its own, shorter range). Both
    bomb layouts (many records on one stream; nested "quoted" headers) lose their amplification,
    and a single entry with a damaged header never costs the intact neighbour it runs into."""
    by_header: dict[int, list[int]] = {}
    for index, rng in ranges.items():
        by_header.setdefault(rng.header, []).append(index)
    bad = {i for indexes in by_header.values() if len(indexes) > 1 for i in indexes}
    headers = sorted(by_header)
    for pos, header in enumerate(headers):
        next_header = headers[pos + 1] if pos + 1 < len(headers) else None
        for index in by_header[header]:
            if next_header is not None and ranges[index].data_end > next_header:
                bad.add(index)
    return bad
