"""Decompress one ZIP entry in bounded chunks, whatever its method, counting the bytes really read.

Python's zipfile asks its bzip2 and LZMA decompressors for everything one input chunk expands to: a
14 KB bzip2 entry can become gigabytes in a single call. Here every method goes through a
decompressor object with `max_length`, so each step yields at most OUTPUT_CHUNK bytes whatever the
input claims, and the caller can stop at any limit by bytes really produced. `compressed_read` is
the number of archive bytes the entry has really consumed so far (not its declared size), which is
what a bomb ratio must be computed on. A method that cannot be bounded this way is refused for
that entry only. The stored CRC-32 and size are checked at the end.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

from data_jobs.zip_directory import CentralRecord
from data_jobs.zip_layout import DataRange, EntryLayoutError

STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
METHOD_NAMES = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "LZMA"}
INPUT_CHUNK = 16 * 1024
OUTPUT_CHUNK = 256 * 1024
_MIN_LZMA_DICT = 4096


class EntryDataError(EntryLayoutError):
    """The entry's data is damaged, lies about its size, or uses a method we do not open."""


class _Decompressor(Protocol):
    eof: bool
    needs_input: bool

    def decompress(self, data: bytes, max_length: int) -> bytes: ...


class _Inflate:
    """zlib's raw deflate with the bz2/lzma interface: leftover input is kept in unconsumed_tail."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(-zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._d.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        tail = self._d.unconsumed_tail
        return self._d.decompress(tail + data if tail else data, max_length)

    @property
    def unconsumed(self) -> int:
        return len(self._d.unconsumed_tail) + len(self._d.unused_data)


class _Stored:
    needs_input = True

    def __init__(self, size: int) -> None:
        self._left = size
        self.eof = size == 0

    def decompress(self, data: bytes, max_length: int) -> bytes:
        self._left -= len(data)
        self.eof = self._left <= 0
        return data


class EntryStream:
    """Iterate to get the entry's bytes; `compressed_read` grows as archive bytes are consumed."""

    def __init__(self, fh: BinaryIO, record: CentralRecord, rng: DataRange) -> None:
        self.fh = fh
        self.record = record
        self.range = rng
        self.produced = 0
        self._fed = 0  # archive bytes handed to the decompressor (or read for its header)
        self._position = rng.data_start
        self._decompressor: _Decompressor | None = None

    @property
    def compressed_read(self) -> int:
        """Archive bytes this entry has consumed; deflate's unread leftover does not count."""
        unread = self._decompressor.unconsumed if isinstance(self._decompressor, _Inflate) else 0
        return self._fed - unread

    def _read(self, n: int) -> bytes:
        n = min(n, self.range.data_end - self._position)
        if n <= 0:
            return b""
        self.fh.seek(self._position)  # the file is shared: never rely on where it was left
        data = self.fh.read(n)
        if len(data) != n:
            raise EntryDataError("corrupt_entry", "the entry's data is truncated")
        self._position += n
        self._fed += n
        return data

    def __iter__(self) -> Iterator[bytes]:
        record = self.record
        decompressor = self._decompressor = self._open()
        crc = 0
        idle = 0
        while not decompressor.eof:
            data = b""
            if decompressor.needs_input:
                data = self._read(INPUT_CHUNK)
                if not data:
                    break
            try:
                out = decompressor.decompress(data, OUTPUT_CHUNK)
            except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as exc:
                raise EntryDataError(
                    "corrupt_entry", f"the entry's compressed data is damaged ({exc})"
                ) from exc
            if not out:
                idle = 0 if data else idle + 1
                if idle > 2:  # holding input yet producing nothing: never spin on it
                    raise EntryDataError("corrupt_entry", "the entry's compressed data is damaged")
                continue
            idle = 0
            self.produced += len(out)
            if self.produced > record.file_size:
                raise EntryDataError(
                    "corrupt_entry", "the entry holds more data than its header declares (a lying header)"
                )
            crc = zlib.crc32(out, crc)
            yield out
        if self.produced != record.file_size:
            raise EntryDataError(
                "corrupt_entry",
                f"the entry's data ends after {self.produced} of the {record.file_size} bytes it declares",
            )
        if crc != record.crc:
            raise EntryDataError("corrupt_entry", "the entry's checksum does not match (damaged data)")

    def _open(self) -> _Decompressor:
        record = self.record
        method = record.method
        if method == STORED:
            if record.compressed_size != record.file_size:
                raise EntryDataError("corrupt_entry", "a stored entry's two sizes differ")
            return _Stored(record.file_size)
        if method == DEFLATED:
            return _Inflate()
        if method == BZIP2:
            return bz2.BZ2Decompressor()
        if method == LZMA:
            return _lzma_decompressor(self._read, record.file_size)
        name = _OTHER_METHODS.get(method, f"method {method}")
        raise EntryDataError(
            "unsupported_method",
            f"the entry is compressed with a method that is not accepted ({name}); "
            "use stored, deflate, bzip2 or LZMA",
        )


_OTHER_METHODS = {9: "deflate64", 93: "zstd", 95: "xz", 98: "PPMd", 99: "AES encryption"}


def _lzma_decompressor(read: Callable[[int], bytes], file_size: int) -> lzma.LZMADecompressor:
    """ZIP's LZMA: a 4-byte header (version, properties size) then 5 property bytes, then raw LZMA1.

    The dictionary the properties ask for (up to 4 GiB) is never needed beyond the entry's own size,
    so it is capped there: a hostile header cannot make the decoder allocate gigabytes."""
    header = read(4)
    if len(header) != 4:
        raise EntryDataError("corrupt_entry", "the entry's LZMA header is truncated")
    _major, _minor, props_size = struct.unpack("<BBH", header)
    props = read(5) if props_size == 5 else b""
    if len(props) != 5:
        raise EntryDataError("corrupt_entry", "the entry's LZMA properties are damaged")
    (dict_size,) = struct.unpack_from("<I", props, 1)
    d = props[0]
    if d >= 9 * 5 * 5:
        raise EntryDataError("corrupt_entry", "the entry's LZMA properties are damaged")
    lc, lp, pb = d % 9, (d // 9) % 5, d // 45
    dict_size = max(_MIN_LZMA_DICT, min(dict_size, file_size))
    lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}
    try:
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])
    except (lzma.LZMAError, ValueError) as exc:
        raise EntryDataError("corrupt_entry", f"the entry's LZMA properties are damaged ({exc})") from exc
