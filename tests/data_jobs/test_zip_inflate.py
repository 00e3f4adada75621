"""Bounded decompression of one entry for every method (issue 15 item 5) and data ranges that may
not overlap (item 6)."""

from __future__ import annotations

import io
import zipfile

import pytest

from benchmarks.hostile import uploads
from benchmarks.hostile.uploads import BZIP2, DEFLATED, LZMA, STORED
from cluster.settings import Limits
from data_jobs.zip_directory import read_directory
from data_jobs.zip_inflate import OUTPUT_CHUNK, EntryDataError, EntryStream
from data_jobs.zip_layout import DataRange, locate, overlapping

METHODS = [STORED, DEFLATED, BZIP2, LZMA]


def _streams(data: bytes) -> list[EntryStream]:
    fh = io.BytesIO(data)
    directory = read_directory(fh, Limits())
    return [EntryStream(fh, r, locate(fh, r, directory)) for r in directory.records]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_round_trips_like_zipfile(method: int) -> None:
    payload = uploads.photo(200, seed=3) * 3
    data = uploads.RawZip([uploads.entry("a.jpg", payload, method)]).build()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("a.jpg") == payload  # the crafted archive is a valid one
    (stream,) = _streams(data)
    assert b"".join(stream) == payload
    assert 0 < stream.compressed_read <= len(uploads.compress(payload, method)[0])


@pytest.mark.parametrize("method", METHODS)
def test_python_written_archives_of_every_method_open(method: int) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("p.png", uploads.photo(64, fmt="PNG"))
    (stream,) = _streams(buf.getvalue())
    assert b"".join(stream) == uploads.photo(64, fmt="PNG")


def test_streamed_archives_with_data_descriptors_open() -> None:
    """zipfile writing to a pipe sets flag bit 3 and writes the sizes after the data."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.buf = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # noqa: ANN001
            self.buf += b
            return len(b)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"{i}.jpg", uploads.photo(64, seed=i))
    streams = _streams(bytes(pipe.buf))
    assert [s.record.flags & 0x8 for s in streams] == [0x8] * 3
    assert [b"".join(s) for s in streams] == [uploads.photo(64, seed=i) for i in range(3)]


@pytest.mark.parametrize("method", [DEFLATED, BZIP2, LZMA])
def test_a_lying_size_stops_the_stream_at_the_declared_size(method: int) -> None:
    """The issue's bomb: declares 60000 bytes, inflates to far more. Each step yields at most
    OUTPUT_CHUNK bytes and the stream stops right after passing the declared size."""
    data = uploads.codec_bomb(method, 64 * 1024 * 1024, declares=60_000)
    stream = _streams(data)[0]
    produced = []
    with pytest.raises(EntryDataError) as exc:
        for chunk in stream:
            assert len(chunk) <= OUTPUT_CHUNK
            produced.append(len(chunk))
    assert exc.value.code == "corrupt_entry" and "declares" in exc.value.detail
    assert sum(produced) <= 60_000 + OUTPUT_CHUNK


def test_damaged_data_is_a_corrupt_entry_not_a_crash() -> None:
    good = uploads.entry("a.jpg", uploads.photo(seed=5), DEFLATED)
    bad_crc = uploads.entry("b.jpg", uploads.photo(seed=6), BZIP2)
    bad_crc.crc ^= 1
    broken = uploads.entry("c.jpg", uploads.photo(seed=7), LZMA)
    broken.payload = broken.payload[:9] + bytes(len(broken.payload) - 9)
    odd = uploads.entry("d.jpg", uploads.photo(seed=8), DEFLATED)
    odd.method = 9  # deflate64: not something we can bound
    streams = _streams(uploads.RawZip([good, bad_crc, broken, odd]).build())
    assert b"".join(streams[0]) == uploads.photo(seed=5)
    codes = []
    for stream in streams[1:]:
        with pytest.raises(EntryDataError) as exc:
            b"".join(stream)
        codes.append(exc.value.code)
    assert codes == ["corrupt_entry", "corrupt_entry", "unsupported_method"]


def test_a_huge_lzma_dictionary_is_capped_at_the_entry_size() -> None:
    """Properties asking for a 4 GiB dictionary decode with one no larger than the entry."""
    e = uploads.entry("a.jpg", uploads.photo(seed=9), LZMA)
    payload = bytearray(e.payload)
    payload[5:9] = (0xFFFFFFFF).to_bytes(4, "little")
    e.payload = bytes(payload)
    (stream,) = _streams(uploads.RawZip([e]).build())
    assert b"".join(stream) == uploads.photo(seed=9)


def test_records_pointing_into_one_stream_all_overlap() -> None:
    data = uploads.overlapping_bomb(records=40)
    fh = io.BytesIO(data)
    directory = read_directory(fh, Limits())
    ranges = {r.index: locate(fh, r, directory) for r in directory.records}
    shared = overlapping(ranges)
    names = {r.index: r.name for r in directory.records}
    assert {names[i] for i in shared} == {f"shared-{i}.jpg" for i in range(40)}
    assert "good.jpg" not in {names[i] for i in shared}


def test_overlap_rule_is_exact() -> None:
    ranges = {
        0: DataRange(0, 30, 100),  # contains 1 and 2 ("quoted" headers): the container is refused
        1: DataRange(10, 15, 60),  # runs into 2's header
        2: DataRange(50, 55, 60),  # contained, its own range is clean: kept
        3: DataRange(100, 130, 200),  # starts where 0 ends: no overlap
        4: DataRange(300, 330, 400),
        5: DataRange(300, 330, 400),  # two records on one header: both refused
        6: DataRange(400, 430, 500),
    }
    assert overlapping(ranges) == {0, 1, 4, 5}
