"""Hostile ZIP uploads written byte by byte, the way an attacker would (issue 15, items 5-9 and 13).

Python's zipfile writes only honest archives, so these are built with a small raw writer: every
header field (sizes, methods, flags, offsets, the end record's counts) can be set to anything. The
benchmark (`python -m benchmarks.hostile`) and the intake tests use the same builders.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
FLAG_UTF8 = 0x0800
_LZMA_PROPS = {"lc": 3, "lp": 0, "pb": 2, "dict_size": 1 << 20}
_MIB = 1024 * 1024


@dataclass
class RawEntry:
    """One entry as written: `payload` is the compressed bytes exactly as they go into the file."""

    name: bytes
    payload: bytes
    method: int
    crc: int
    file_size: int
    flags: int = 0
    external_attr: int = 0
    compressed_size: int | None = None  # declared; None = len(payload)
    header_offset: int | None = None  # declared in the central record; None = where it was written
    extra: bytes = b""
    padding: bytes = b""  # written after the payload (makes a declared compressed size real)


@dataclass
class RawZip:
    entries: list[RawEntry] = field(default_factory=list)
    extra_records: list[RawEntry] = field(default_factory=list)  # central records with no local data

    def build(self, *, declared_entries: int | None = None, zip64_entries: int | None = None) -> bytes:
        out = io.BytesIO()
        offsets = []
        for e in self.entries:
            offsets.append(out.tell())
            out.write(_local_header(e))
            out.write(e.payload + e.padding)
        cd_start = out.tell()
        for e, off in zip(self.entries, offsets, strict=True):
            out.write(_central_record(e, off if e.header_offset is None else e.header_offset))
        for e in self.extra_records:
            out.write(_central_record(e, e.header_offset or 0))
        cd_size = out.tell() - cd_start
        count = len(self.entries) + len(self.extra_records)
        if zip64_entries is not None:
            z64 = out.tell()
            out.write(
                struct.pack(
                    "<4sQHHIIQQQQ",
                    b"PK\x06\x06",
                    44,
                    45,
                    45,
                    0,
                    0,
                    zip64_entries,
                    zip64_entries,
                    cd_size,
                    cd_start,
                )
            )
            out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, z64, 1))
            out.write(
                struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
            )
        else:
            n = count if declared_entries is None else declared_entries
            out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, cd_size, cd_start, 0))
        return out.getvalue()


def _local_header(e: RawEntry) -> bytes:
    compressed = len(e.payload) if e.compressed_size is None else e.compressed_size
    version = 63 if e.method == LZMA else 46 if e.method == BZIP2 else 20
    return (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            version,
            e.flags,
            e.method,
            0,
            0x21,
            e.crc,
            compressed & 0xFFFFFFFF,
            e.file_size & 0xFFFFFFFF,
            len(e.name),
            len(e.extra),
        )
        + e.name
        + e.extra
    )


def _central_record(e: RawEntry, offset: int) -> bytes:
    compressed = len(e.payload) if e.compressed_size is None else e.compressed_size
    version = 63 if e.method == LZMA else 46 if e.method == BZIP2 else 20
    return (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            (3 << 8) | version,
            version,
            e.flags,
            e.method,
            0,
            0x21,
            e.crc,
            compressed & 0xFFFFFFFF,
            e.file_size & 0xFFFFFFFF,
            len(e.name),
            len(e.extra),
            0,
            0,
            0,
            e.external_attr,
            offset & 0xFFFFFFFF,
        )
        + e.name
        + e.extra
    )


def compress(chunks: list[bytes] | bytes, method: int) -> tuple[bytes, int, int]:
    """(payload, crc, size) of `chunks` compressed with a ZIP method; chunks may repeat one object."""
    if isinstance(chunks, bytes):
        chunks = [chunks]
    crc, size = 0, 0
    for c in chunks:
        crc = zlib.crc32(c, crc)
        size += len(c)
    if method == STORED:
        return b"".join(chunks), crc, size
    if method == DEFLATED:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    elif method == BZIP2:
        comp = bz2.BZ2Compressor(9)
    elif method == LZMA:
        comp = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1, **_LZMA_PROPS}])
    else:
        raise ValueError(f"no compressor for method {method}")
    body = b"".join(comp.compress(c) for c in chunks) + comp.flush()
    if method == LZMA:
        props = bytes([(_LZMA_PROPS["pb"] * 5 + _LZMA_PROPS["lp"]) * 9 + _LZMA_PROPS["lc"]])
        props += struct.pack("<I", _LZMA_PROPS["dict_size"])
        body = struct.pack("<BBH", 9, 20, 5) + props + body
    return body, crc, size


def entry(name: str | bytes, data: bytes | list[bytes], method: int = DEFLATED, **kw: object) -> RawEntry:
    raw_name = name.encode("utf-8") if isinstance(name, str) else name
    payload, crc, size = compress(data, method)
    flags = kw.pop("flags", FLAG_UTF8 if isinstance(name, str) and not name.isascii() else 0)
    return RawEntry(raw_name, payload, method, crc, size, flags=flags, **kw)  # type: ignore[arg-type]


def photo(size: int = 96, *, seed: int = 0, fmt: str = "JPEG", **save: object) -> bytes:
    """A small product-like photo (a coloured box on near-white)."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 246, np.uint8) + rng.integers(0, 8, (size, size, 3), dtype=np.uint8)
    img[size // 4 : size * 3 // 4, size // 3 : size * 2 // 3] = rng.integers(30, 200, 3)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, fmt, **save)
    return buf.getvalue()


def flat_image(width: int, height: int, fmt: str) -> bytes:
    """A flat (one colour) image saved uncompressed: shrinks ~1000:1 inside a ZIP, yet honest."""
    buf = io.BytesIO()
    img = Image.new("RGB", (width, height), (250, 250, 250))
    if fmt == "PNG":
        img.save(buf, "PNG", compress_level=0)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def _zeros(total: int, chunk: int = 16 * _MIB) -> list[bytes]:
    block = bytes(chunk)
    chunks = [block] * (total // chunk)
    if total % chunk:
        chunks.append(bytes(total % chunk))
    return chunks


def clean_zip(count: int = 20, size: int = 96) -> bytes:
    return RawZip([entry(f"photo-{i:03d}.jpg", photo(size, seed=i)) for i in range(count)]).build()


def codec_bomb(method: int, inflates_to: int, *, declares: int = 60_000) -> bytes:
    """One JPEG-looking entry that declares `declares` bytes and inflates to `inflates_to`, beside a
    good photo."""
    data = [b"\xff\xd8\xff\xe0"] + _zeros(inflates_to - 4)
    bomb = entry("bomb.jpg", data, method)
    bomb.file_size = declares
    return RawZip([bomb, entry("good.jpg", photo(seed=1))]).build()


def overlapping_bomb(records: int = 40, inflates_to: int = 64 * _MIB - 1, declares: int = 700_000) -> bytes:
    """`records` central records pointing at one deflate stream that inflates to `inflates_to` and
    declares `declares` compressed bytes (padding makes the declared range real)."""
    data = [b"\xff\xd8\xff\xe0"] + _zeros(inflates_to - 4)
    stream = entry("shared-0.jpg", data, DEFLATED)
    stream.padding = bytes(max(declares - len(stream.payload), 0))
    stream.compressed_size = len(stream.payload) + len(stream.padding)
    twins = [
        RawEntry(
            f"shared-{i}.jpg".encode(),
            b"",
            DEFLATED,
            stream.crc,
            stream.file_size,
            compressed_size=stream.compressed_size,
            header_offset=0,
        )
        for i in range(1, records)
    ]
    return RawZip([stream, entry("good.jpg", photo(seed=2))], extra_records=twins).build()


def millions_declared(entries: int = 4_000_000) -> bytes:
    """A small ZIP whose ZIP64 end record declares millions of entries (and a directory to match)."""
    archive = RawZip([entry("good.jpg", photo(seed=3))])
    data = bytearray(archive.build(zip64_entries=entries))
    # make the declared directory size plausible for that many records (46 bytes each, at least)
    z64 = data.rfind(b"PK\x06\x06")
    struct.pack_into("<Q", data, z64 + 40, entries * 60)
    return bytes(data)


def many_records(count: int) -> bytes:
    """A real ZIP with `count` tiny stored entries (the directory really has them all)."""
    tiny = entry("x", b"x", STORED)
    archive = RawZip()
    for i in range(count):
        archive.entries.append(RawEntry(f"f{i}.txt".encode(), tiny.payload, STORED, tiny.crc, 1))
    return archive.build()


def bad_name_beside_good(good: int = 3) -> bytes:
    """An entry named with invalid UTF-8 although the UTF-8 flag is set, beside good photos."""
    entries = [entry(f"good-{i}.jpg", photo(seed=10 + i)) for i in range(good)]
    bad = entry(b"caf\xe9-\xff\xfe.jpg", photo(seed=20))
    bad.flags |= FLAG_UTF8
    return RawZip([*entries, bad]).build()


def flat_images_zip() -> bytes:
    """Honest images that compress ~1000:1 in a ZIP: a flat BMP, an uncompressed TIFF, a PNG saved
    without compression (12 megapixels: far under the pixel limit, far over the ratio)."""
    return RawZip(
        [
            entry("flat.bmp", flat_image(3000, 2000, "BMP")),
            entry("flat.tiff", flat_image(3000, 2000, "TIFF")),
            entry("flat.png", flat_image(3000, 2000, "PNG")),
            entry("good.jpg", photo(seed=4)),
        ]
    ).build()
