"""Read a ZIP's central directory ourselves, sizing it from the end record before parsing a byte of it.

`zipfile.ZipFile` parses the whole central directory into objects before anyone can ask how many
entries there are: an upload declaring millions of records costs gigabytes and minutes before the
entry limit is even checked. Here the end-of-central-directory record (and its ZIP64 twin) is read
first; the declared entry count and the directory's size are checked against the limits, and only
then are the records parsed, one at a time, from a directory whose size is already bounded (at most
`max_zip_entries` x SANE_RECORD_BYTES: 40 MiB at the default 10,000 entries, read once).

Names are decoded entry by entry: a name that is not valid UTF-8 although the archive says it is
falls back to replacement characters and carries a note, so one bad name never costs the photos
beside it. Format reference: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.12 to 4.3.16 and 4.5.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from cluster.settings import Limits
from data_jobs.errors import IntakeRefused

_EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory, 22 bytes + comment
_EOCD_SIG = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sIQI")  # ZIP64 end of central directory locator, 20 bytes
_LOCATOR_SIG = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")  # ZIP64 end of central directory record, 56 bytes
_EOCD64_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # central file header, 46 bytes + name/extra/comment
_CENTRAL_SIG = b"PK\x01\x02"
_MAX_COMMENT = 0xFFFF
_ZIP64_EXTRA = 0x0001
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP: a UTF-8 copy of the name, tied to it by a CRC

# Average bytes one central record may take: 46 fixed + a long path + extra fields. A directory
# larger than entries x this is refused before it is parsed (real archives average 80-200 bytes).
SANE_RECORD_BYTES = 4096

FLAG_ENCRYPTED = 0x0001
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_UTF8 = 0x0800


@dataclass(frozen=True)
class CentralRecord:
    """One entry as the central directory describes it; `header_offset` is absolute in the file.

    `name_note` is set when the name had to be decoded with a fallback; `problem` (code, detail)
    when the record itself is unusable (the entry is rejected, the others go on)."""

    index: int
    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    file_size: int
    header_offset: int
    external_attr: int
    name_note: str | None = None
    problem: tuple[str, str] | None = None

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/") or self.name.endswith("\\")

    @property
    def mode(self) -> int:
        """Unix mode bits, where the archiver recorded them (symlinks are S_IFLNK here)."""
        return (self.external_attr >> 16) & 0xFFFF


@dataclass(frozen=True)
class ZipDirectory:
    records: list[CentralRecord]
    directory_start: int  # where the central directory begins: no entry's data may reach past it
    file_size: int


def read_directory(fh: BinaryIO, limits: Limits) -> ZipDirectory:
    """The archive's records, or IntakeRefused when the archive as a whole is unusable.

    The entry count and the directory size come from the end records and are checked before any
    record is parsed, so a directory of millions of records is refused for the cost of one read."""
    file_size = fh.seek(0, 2)
    eocd_pos, entries, cd_size, cd_offset = _find_end_record(fh, file_size)
    end = eocd_pos
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF or _has_locator(fh, eocd_pos):
        end, entries, cd_size, cd_offset = _read_zip64_end(fh, eocd_pos)
    if entries > limits.max_zip_entries:
        raise IntakeRefused(
            "too_many_entries",
            f"the archive has {entries} entries; at most {limits.max_zip_entries} are accepted",
        )
    if cd_size > max(entries, 1) * SANE_RECORD_BYTES or cd_size < entries * _CENTRAL.size:
        raise IntakeRefused(
            "not_a_zip",
            f"the archive's central directory ({cd_size} bytes for {entries} entries) is damaged",
        )
    cd_start = end - cd_size
    base = cd_start - cd_offset  # bytes prepended to the archive (self-extractors), as zipfile allows
    if cd_start < 0 or base < 0:
        raise IntakeRefused("not_a_zip", "the archive's central directory lies outside the file")
    fh.seek(cd_start)
    blob = _read_exact(fh, cd_size)
    records = []
    pos = 0
    for index in range(entries):
        record, pos = _parse_record(blob, pos, index, base)
        records.append(record)
    return ZipDirectory(records=records, directory_start=cd_start, file_size=file_size)


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise IntakeRefused("not_a_zip", "the archive is truncated")
    return data


def _find_end_record(fh: BinaryIO, file_size: int) -> tuple[int, int, int, int]:
    """(position, entries, directory size, directory offset) of the last plausible end record."""
    tail_len = min(file_size, _EOCD.size + _MAX_COMMENT)
    fh.seek(file_size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(_EOCD_SIG)
    while pos >= 0:
        if pos + _EOCD.size <= len(tail):
            sig, disk, cd_disk, on_disk, entries, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, pos)
            if pos + _EOCD.size + comment <= len(tail):
                if disk != 0 or cd_disk != 0 or on_disk != entries:
                    raise IntakeRefused("not_a_zip", "split (multi-part) ZIP archives are not accepted")
                return file_size - tail_len + pos, entries, cd_size, cd_offset
        pos = tail.rfind(_EOCD_SIG, 0, pos)
    raise IntakeRefused("not_a_zip", "the upload is not a ZIP archive")


def _has_locator(fh: BinaryIO, eocd_pos: int) -> bool:
    if eocd_pos < _LOCATOR.size:
        return False
    fh.seek(eocd_pos - _LOCATOR.size)
    return fh.read(4) == _LOCATOR_SIG


def _read_zip64_end(fh: BinaryIO, eocd_pos: int) -> tuple[int, int, int, int]:
    """(position of the ZIP64 end record, entries, directory size, directory offset)."""
    if eocd_pos < _LOCATOR.size:
        raise IntakeRefused("not_a_zip", "the archive's ZIP64 end record is missing")
    fh.seek(eocd_pos - _LOCATOR.size)
    sig, disk, z64_offset, disks = _LOCATOR.unpack(_read_exact(fh, _LOCATOR.size))
    if sig != _LOCATOR_SIG:
        raise IntakeRefused("not_a_zip", "the archive's ZIP64 end record is missing")
    if disks > 1 or disk != 0:
        raise IntakeRefused("not_a_zip", "split (multi-part) ZIP archives are not accepted")
    # the ZIP64 record sits right before its locator; its stored offset is only used to check that,
    # since bytes prepended to the archive shift every offset the archive states
    z64_pos = eocd_pos - _LOCATOR.size - _EOCD64.size
    if z64_pos < 0:
        raise IntakeRefused("not_a_zip", "the archive's ZIP64 end record is damaged")
    fh.seek(z64_pos)
    fields = _EOCD64.unpack(_read_exact(fh, _EOCD64.size))
    sig, _size, _made, _needed, disk, cd_disk, on_disk, entries, cd_size, cd_offset = fields
    if sig != _EOCD64_SIG:
        # a ZIP64 record with extensible data (size > 44) sits earlier: follow the stated offset
        z64_pos = z64_offset
        fh.seek(z64_pos)
        fields = _EOCD64.unpack(_read_exact(fh, _EOCD64.size))
        sig, _size, _made, _needed, disk, cd_disk, on_disk, entries, cd_size, cd_offset = fields
        if sig != _EOCD64_SIG:
            raise IntakeRefused("not_a_zip", "the archive's ZIP64 end record is damaged")
    if disk != 0 or cd_disk != 0 or on_disk != entries:
        raise IntakeRefused("not_a_zip", "split (multi-part) ZIP archives are not accepted")
    return z64_pos, entries, cd_size, cd_offset


def _parse_record(blob: bytes, pos: int, index: int, base: int) -> tuple[CentralRecord, int]:
    if pos + _CENTRAL.size > len(blob):
        raise IntakeRefused("not_a_zip", "the archive's central directory is truncated")
    (
        sig,
        _made_by,
        _needed,
        flags,
        method,
        _time,
        _date,
        crc,
        compressed,
        size,
        name_len,
        extra_len,
        comment_len,
        _disk,
        _internal,
        external,
        offset,
    ) = _CENTRAL.unpack_from(blob, pos)
    if sig != _CENTRAL_SIG:
        raise IntakeRefused("not_a_zip", "the archive's central directory is damaged")
    start = pos + _CENTRAL.size
    end = start + name_len + extra_len + comment_len
    if end > len(blob):
        raise IntakeRefused("not_a_zip", "the archive's central directory is truncated")
    raw_name = blob[start : start + name_len]
    extras = _extra_fields(blob[start + name_len : start + name_len + extra_len])
    problem = None
    zip64 = extras.get(_ZIP64_EXTRA)
    try:
        size, compressed, offset = _apply_zip64(zip64, size, compressed, offset)
    except ValueError as exc:
        problem = ("corrupt_entry", f"the entry's ZIP64 sizes are damaged ({exc})")
    name, note = decode_name(raw_name, flags, extras.get(_UNICODE_PATH_EXTRA))
    record = CentralRecord(
        index=index,
        name=name,
        flags=flags,
        method=method,
        crc=crc,
        compressed_size=compressed,
        file_size=size,
        header_offset=base + offset,
        external_attr=external,
        name_note=note,
        problem=problem,
    )
    return record, end


def _extra_fields(data: bytes) -> dict[int, bytes]:
    """Extra fields by id; a truncated trailing field is ignored (as Info-ZIP does)."""
    fields: dict[int, bytes] = {}
    pos = 0
    while pos + 4 <= len(data):
        field_id, length = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + length]
        if len(body) < length:
            break
        fields.setdefault(field_id, body)
        pos += 4 + length
    return fields


def _apply_zip64(extra: bytes | None, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF placeholders by the ZIP64 extra field's values, in the spec's order."""
    values = []
    if extra is not None:
        values = [v for (v,) in struct.iter_unpack("<Q", extra[: len(extra) // 8 * 8])]
    out = []
    for value in (size, compressed, offset):
        if value == 0xFFFFFFFF:
            if not values:
                raise ValueError("a size is marked as ZIP64 but the ZIP64 field is missing")
            value = values.pop(0)
        out.append(value)
    return out[0], out[1], out[2]


_NOT_UTF8 = "the name is not valid UTF-8 although the archive says it is; unreadable characters were replaced"


def decode_name(raw: bytes, flags: int, unicode_extra: bytes | None = None) -> tuple[str, str | None]:
    """(name, note). UTF-8 when flagged (replacement characters and a note when it is not valid),
    the Info-ZIP Unicode path when present and matching, otherwise UTF-8 when the bytes are valid
    UTF-8 (macOS and many tools write UTF-8 without the flag) and CP437, the format's default, else."""
    if flags & FLAG_UTF8:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), _NOT_UTF8
    if unicode_extra is not None and len(unicode_extra) > 5 and unicode_extra[0] == 1:
        (crc,) = struct.unpack_from("<I", unicode_extra, 1)
        if crc == zlib.crc32(raw):
            try:
                return unicode_extra[5:].decode("utf-8"), None
            except UnicodeDecodeError:
                pass
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("cp437"), None
