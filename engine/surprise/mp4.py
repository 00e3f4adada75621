"""Move an MP4's index (`moov`) in front of its media data (`mdat`), as FFmpeg's `-movflags
+faststart` does, so a browser starts playing while the file is still arriving.

FFmpeg's own faststart re-opens the output file to rewrite it, which an in-memory output cannot do;
this is the same rewrite on bytes: the boxes are reordered and every chunk offset in the sample
tables (`stco`, `co64`) moves by the index's size. Nothing else in the file changes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# boxes on the path from moov to the chunk offset tables
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


def _boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) of the boxes between start and end."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError(f"malformed MP4 box {kind!r} at {pos}")
        yield kind, pos, pos + header, pos + size
        pos += size


def _shift_offsets(moov: bytearray, start: int, end: int, shift: int) -> None:
    for kind, _, payload, box_end in _boxes(moov, start, end):
        if kind in _CONTAINERS:
            _shift_offsets(moov, payload, box_end, shift)
        elif kind in (b"stco", b"co64"):
            count = struct.unpack_from(">I", moov, payload + 4)[0]
            wide = kind == b"co64"
            fmt, width = (">Q", 8) if wide else (">I", 4)
            for i in range(count):
                at = payload + 8 + i * width
                value = struct.unpack_from(fmt, moov, at)[0] + shift
                if not wide and value > 0xFFFFFFFF:
                    raise ValueError("chunk offset beyond 4 GiB in a 32-bit table")
                struct.pack_into(fmt, moov, at, value)


def faststart(data: bytes) -> bytes:
    """The same MP4 with `moov` before `mdat` (returned unchanged when it already is)."""
    top = list(_boxes(data, 0, len(data)))
    kinds = [k for k, *_ in top]
    if b"moov" not in kinds or b"mdat" not in kinds or kinds.index(b"moov") < kinds.index(b"mdat"):
        return data
    moov_box = next(b for b in top if b[0] == b"moov")
    _, m_start, m_payload, m_end = moov_box
    moov = bytearray(data[m_start:m_end])
    _shift_offsets(moov, m_payload - m_start, len(moov), len(moov))
    first_mdat = kinds.index(b"mdat")
    before = b"".join(data[s:e] for k, s, _, e in top[:first_mdat])
    after = b"".join(data[s:e] for k, s, _, e in top[first_mdat:] if k != b"moov")
    return before + bytes(moov) + after
