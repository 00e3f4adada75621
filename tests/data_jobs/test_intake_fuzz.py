"""A bounded fuzz of ZIP intake (issue 15, "Show"): 300 mutated archives from a fixed seed.

Every mutated upload must end as a report or as IntakeRefused (never another exception), write only
under its job's input folder, and, when the mutation touched a single entry, still accept every
other good photo with its exact bytes.
"""

from __future__ import annotations

import io
import random
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.hostile import uploads
from benchmarks.hostile.uploads import BZIP2, DEFLATED, LZMA, STORED, RawEntry, RawZip
from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.intake import intake_zip
from store.blobs import LocalBlobStore

CASES = 300
SEED = 20261126
LIMITS = replace(Limits(), max_entry_bytes=8 * 1024 * 1024, max_total_uncompressed_bytes=64 * 1024 * 1024)
_METHODS = [STORED, DEFLATED, BZIP2, LZMA]


def _base_entries() -> list[RawEntry]:
    entries = [
        uploads.entry(f"photos/p{i}.{'png' if i % 2 else 'jpg'}", _photo(i), _METHODS[i % 4])
        for i in range(6)
    ]
    entries.append(uploads.entry("notes.txt", b"not a photo\n" * 50, DEFLATED))
    entries.append(uploads.entry("caf\u00e9.jpg", _photo(9), DEFLATED))
    return entries


def _photo(i: int) -> bytes:
    return uploads.photo(48 + 8 * i, seed=i, fmt="PNG" if i % 2 else "JPEG")


_BASE = _base_entries()
_NAMES = [e.name.decode() for e in _BASE]
GOOD = {name: _photo(i) for i, name in enumerate(_NAMES[:6])} | {"caf\u00e9.jpg": _photo(9)}


def _fresh() -> list[RawEntry]:
    return [replace(e) for e in _BASE]


def _layout(entries: list[RawEntry]) -> tuple[list[int], list[int], int]:
    """(local header offsets, central record offsets, end record offset) of RawZip(entries).build()."""
    local, pos = [], 0
    for e in entries:
        local.append(pos)
        pos += 30 + len(e.name) + len(e.extra) + len(e.payload)
    central = []
    for e in entries:
        central.append(pos)
        pos += 46 + len(e.name) + len(e.extra)
    return local, central, pos


_LOCAL_FIELDS = {
    "version": (4, "H"),
    "flags": (6, "H"),
    "method": (8, "H"),
    "crc": (14, "I"),
    "csize": (18, "I"),
}
_LOCAL_FIELDS |= {"size": (22, "I"), "name_len": (26, "H"), "extra_len": (28, "H")}
_CENTRAL_ENTRY_FIELDS = {"flags": (8, "H"), "method": (10, "H"), "crc": (16, "I"), "external": (38, "I")}
_CENTRAL_GLOBAL_FIELDS = {
    "csize": (20, "I"),
    "size": (24, "I"),
    "name_len": (28, "H"),
    "extra_len": (30, "H"),
}
_CENTRAL_GLOBAL_FIELDS |= {"comment_len": (32, "H"), "offset": (42, "I")}
_EOCD_FIELDS = {"on_disk": (8, "H"), "entries": (10, "H"), "cd_size": (12, "I"), "cd_offset": (16, "I")}
_EOCD_FIELDS |= {"comment_len": (20, "H")}


def _random_value(rng: random.Random, fmt: str) -> int:
    bits = 16 if fmt == "H" else 32
    return rng.choice(
        [0, 1, 2, 8, 12, 14, 99, 0xFFFF, (1 << bits) - 1, rng.getrandbits(bits), rng.getrandbits(12)]
    )


def _mutate(rng: random.Random) -> tuple[bytes, int | None, str]:
    """(archive, index of the only entry touched or None for a global mutation, description)."""
    entries = _fresh()
    target = rng.randrange(len(entries))
    kind = rng.choice(
        ["local", "central", "name", "data", "size", "global-field", "eocd", "flip", "truncate"]
    )
    if kind == "name":
        length = len(entries[target].name)
        entries[target].name = bytes(rng.getrandbits(8) for _ in range(length))
        return RawZip(entries).build(), target, "random name bytes"
    if kind == "size":  # a lying uncompressed size within the entry limit
        entries[target].file_size = rng.choice(
            [0, 1, 999, rng.getrandbits(22), entries[target].file_size + 1]
        )
        return RawZip(entries).build(), target, "declared size"
    data = bytearray(RawZip(entries).build())
    local, central, eocd = _layout(entries)
    if kind == "local":
        field, (off, fmt) = rng.choice(list(_LOCAL_FIELDS.items()))
        struct.pack_into("<" + fmt, data, local[target] + off, _random_value(rng, fmt))
        return bytes(data), target, f"local {field}"
    if kind == "central":
        field, (off, fmt) = rng.choice(list(_CENTRAL_ENTRY_FIELDS.items()))
        struct.pack_into("<" + fmt, data, central[target] + off, _random_value(rng, fmt))
        return bytes(data), target, f"central {field}"
    if kind == "data":
        start = local[target] + 30 + len(entries[target].name)
        end = start + len(entries[target].payload)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(start, max(end, start + 1))
            data[pos] = rng.getrandbits(8)
        return bytes(data), target, "data bytes"
    if kind == "global-field":
        field, (off, fmt) = rng.choice(list(_CENTRAL_GLOBAL_FIELDS.items()))
        struct.pack_into("<" + fmt, data, central[target] + off, _random_value(rng, fmt))
        return bytes(data), None, f"central {field}"
    if kind == "eocd":
        field, (off, fmt) = rng.choice(list(_EOCD_FIELDS.items()))
        struct.pack_into("<" + fmt, data, eocd + off, _random_value(rng, fmt))
        return bytes(data), None, f"end record {field}"
    if kind == "flip":
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        return bytes(data), None, "random bytes"
    return bytes(data[: rng.randrange(len(data))]), None, "truncated"


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_mutated_archives_never_crash_escape_or_lose_good_photos(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    for case in range(CASES):
        data, touched, what = _mutate(rng)
        case_dir = tmp_path / f"case{case}"
        blobs = LocalBlobStore(case_dir / "blobs")
        try:
            report = intake_zip(io.BytesIO(data), blobs, "fz", LIMITS)
        except IntakeRefused as exc:
            outcomes[f"refused:{exc.code}"] = outcomes.get(f"refused:{exc.code}", 0) + 1
            assert touched is None, f"case {case} ({what}): one damaged entry refused the archive: {exc}"
            assert _files_under(case_dir) == [], f"case {case}: a refused upload left files"
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"case {case} ({what}): {type(exc).__name__}: {exc}")
        outcomes["report"] = outcomes.get("report", 0) + 1
        inputs = (case_dir / "blobs" / "jobs" / "fz" / "inputs").resolve()
        for path in _files_under(case_dir):
            assert path.resolve().parent == inputs, f"case {case} ({what}): wrote {path}"
        assert {a.blob_key for a in report.accepted} == {
            f"jobs/fz/inputs/{p.name}" for p in _files_under(case_dir)
        }
        stored = [blobs.get_bytes(a.blob_key) for a in report.accepted]
        if touched is not None:
            survivors = [body for name, body in GOOD.items() if _NAMES.index(name) != touched]
            for body in survivors:
                assert body in stored, f"case {case} ({what} of entry {touched}) lost a good photo"
    # the fuzz reached both ends: archives refused as a whole and reports with rejected entries
    assert outcomes.get("report", 0) > CASES // 2 and any(k.startswith("refused") for k in outcomes)
