"""Our central-directory reader: sized from the end record before parsing (issue 15 item 7), names
decoded entry by entry (item 8), and every honest archive Python or an archiver writes still opens."""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import replace

import pytest

from benchmarks.hostile import uploads
from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.zip_directory import FLAG_UTF8, decode_name, read_directory


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it (to show what a refusal cost)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        data = super().read(n)
        self.bytes_read += len(data)
        return data


def test_millions_of_declared_entries_are_refused_before_parsing() -> None:
    data = uploads.millions_declared(4_000_000)
    fh = CountingReader(data)
    with pytest.raises(IntakeRefused) as exc:
        read_directory(fh, Limits())
    assert exc.value.code == "too_many_entries" and "4000000" in str(exc.value)
    assert fh.bytes_read <= 22 + 0xFFFF + 20 + 56  # the end records only, not one central record


def test_the_classic_end_record_count_is_checked_first_too() -> None:
    data = uploads.RawZip([uploads.entry("a.jpg", uploads.photo())]).build(declared_entries=60_000)
    fh = CountingReader(data)
    with pytest.raises(IntakeRefused) as exc:
        read_directory(fh, Limits())
    assert exc.value.code == "too_many_entries"
    assert fh.bytes_read <= 22 + 0xFFFF


def test_a_directory_too_large_for_its_entry_count_is_refused_unparsed() -> None:
    data = bytearray(uploads.RawZip([uploads.entry("a.jpg", uploads.photo())]).build())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, eocd + 12, 1_000_000)  # directory size: 1 MB for one entry
    with pytest.raises(IntakeRefused) as exc:
        read_directory(io.BytesIO(bytes(data)), Limits())
    assert exc.value.code == "not_a_zip" and "damaged" in str(exc.value)


def test_entry_limit_counts_every_record() -> None:
    data = uploads.many_records(12)
    with pytest.raises(IntakeRefused) as exc:
        read_directory(io.BytesIO(data), replace(Limits(), max_zip_entries=11))
    assert exc.value.code == "too_many_entries"
    assert len(read_directory(io.BytesIO(data), replace(Limits(), max_zip_entries=12)).records) == 12


@pytest.mark.parametrize("force_zip64", [False, True])
def test_archives_python_writes_open_with_their_sizes(force_zip64: bool) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = b"a comment, as some archivers write"
        with zf.open("a/b.jpg", "w", force_zip64=force_zip64) as fh:
            fh.write(b"\xff\xd8\xff" + bytes(1000))
        zf.writestr("a/", b"")
        zf.writestr("ü.jpg", b"x" * 10)
    directory = read_directory(io.BytesIO(buf.getvalue()), Limits())
    by_name = {r.name: r for r in directory.records}
    assert set(by_name) == {"a/b.jpg", "a/", "ü.jpg"}
    assert by_name["a/b.jpg"].file_size == 1003 and by_name["a/"].is_dir
    with zipfile.ZipFile(buf) as zf:
        for info in zf.infolist():
            record = by_name[info.filename]
            assert (record.header_offset, record.compressed_size, record.crc) == (
                info.header_offset,
                info.compress_size,
                info.CRC,
            )


def test_zip64_end_records_are_read() -> None:
    archive = uploads.RawZip([uploads.entry(f"p{i}.jpg", uploads.photo(seed=i)) for i in range(3)])
    directory = read_directory(io.BytesIO(archive.build(zip64_entries=3)), Limits())
    assert [r.name for r in directory.records] == ["p0.jpg", "p1.jpg", "p2.jpg"]


def test_bytes_before_the_archive_shift_every_offset() -> None:
    """A self-extracting archive (a stub program, then the ZIP) opens as zipfile opens it."""
    data = b"MZ" + bytes(5000) + uploads.clean_zip(2)
    directory = read_directory(io.BytesIO(data), Limits())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert [r.header_offset for r in directory.records] == [i.header_offset for i in zf.infolist()]


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x05\x06" + bytes(10), b"PK\x03\x04" + bytes(100)])
def test_not_a_zip_is_refused(data: bytes) -> None:
    with pytest.raises(IntakeRefused) as exc:
        read_directory(io.BytesIO(data), Limits())
    assert exc.value.code == "not_a_zip"


def test_names_fall_back_without_failing_the_archive() -> None:
    assert decode_name(b"caf\xc3\xa9.jpg", FLAG_UTF8) == ("caf\u00e9.jpg", None)
    name, note = decode_name(b"caf\xe9.jpg", FLAG_UTF8)
    assert name == "caf\ufffd.jpg" and note and "UTF-8" in note
    assert decode_name(b"caf\xc3\xa9.jpg", 0) == ("caf\u00e9.jpg", None)  # macOS: UTF-8, no flag
    assert decode_name(b"caf\x82.jpg", 0) == ("caf\u00e9.jpg", None)  # CP437, the format's default


def test_info_zip_unicode_path_is_used_when_it_matches() -> None:
    import zlib

    legacy = b"caf\x82.jpg"
    extra = b"\x01" + struct.pack("<I", zlib.crc32(legacy)) + "café-unicode.jpg".encode()
    assert decode_name(legacy, 0, extra) == ("café-unicode.jpg", None)
    stale = b"\x01" + struct.pack("<I", 0) + b"other.jpg"
    assert decode_name(legacy, 0, stale) == ("caf\u00e9.jpg", None)
