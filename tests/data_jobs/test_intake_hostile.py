"""Hostile uploads of issue 15 (items 5, 6, 7, 8 and 13) through the whole intake, with the memory
the intake really used measured in a child process (peak RSS), never wall time."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.hostile import uploads
from benchmarks.hostile.uploads import BZIP2, DEFLATED, LZMA
from cluster.settings import Limits
from data_jobs.intake import intake_zip

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
# What one intake may add to its process's peak memory, whatever the upload: output chunks of
# 256 KiB, a 256 KiB head, a central directory bounded by the entry limit. zipfile took gigabytes.
INTAKE_MEMORY_BUDGET = 48 * MIB

# VmHWM, the peak of the child's own address space: ru_maxrss would start from the parent's peak,
# which the kernel carries into a child across fork and exec.
_CHILD = """
import json, sys
from benchmarks.hostile.__main__ import high_water_mark
from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.intake import intake_zip
from store.blobs import LocalBlobStore

before = high_water_mark()
try:
    report = intake_zip(sys.argv[1], LocalBlobStore(sys.argv[2]), "job", Limits())
    result = {"accepted": [a.name for a in report.accepted], "rejected": {r.name: r.code for r in report.rejected}}
except IntakeRefused as exc:
    result = {"refused": exc.code}
result["growth"] = high_water_mark() - before
print(json.dumps(result))
"""


def _intake_in_child(data: bytes, tmp_path: Path) -> dict:
    upload = tmp_path / "upload.zip"
    upload.write_bytes(data)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(upload), str(tmp_path / "blobs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _reasons(report) -> dict[str, str]:
    return {r.name: r.code for r in report.rejected}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """bzip2 (512 MiB) and LZMA (256 MiB) streams of a JPEG header and zeros, each written twice:
    declaring 60000 bytes (a lying size) and 60 MB (honest-looking, under the entry limit)."""
    built = {}
    for label, method, size in (("bzip2", BZIP2, 512 * MIB), ("lzma", LZMA, 256 * MIB)):
        bomb = uploads.entry(
            "bomb.jpg", [b"\xff\xd8\xff\xe0"] + [bytes(16 * MIB)] * (size // (16 * MIB)), method
        )
        good = uploads.entry("good.jpg", uploads.photo(seed=1))
        for declares in (60_000, 60_000_000):
            built[f"{label}-{declares}"] = uploads.RawZip([replace(bomb, file_size=declares), good]).build()
    return built


@pytest.mark.parametrize("name", ["bzip2-60000", "bzip2-60000000", "lzma-60000", "lzma-60000000"])
def test_codec_bombs_are_refused_in_bounded_memory(bombs, name: str, tmp_path: Path) -> None:
    result = _intake_in_child(bombs[name], tmp_path)
    assert result["accepted"] == ["good.jpg"]
    expected = "corrupt_entry" if name.endswith("-60000") else "zip_bomb"
    assert result["rejected"] == {"bomb.jpg": expected}
    assert result["growth"] < INTAKE_MEMORY_BUDGET, result
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == ["000000.jpg"]


def test_overlapping_records_are_refused_all_and_cost_nothing(tmp_path: Path) -> None:
    result = _intake_in_child(uploads.overlapping_bomb(records=40), tmp_path)
    assert result["accepted"] == ["good.jpg"]
    assert result["rejected"] == {f"shared-{i}.jpg": "overlapping_entry" for i in range(40)}
    assert result["growth"] < INTAKE_MEMORY_BUDGET
    blob_bytes = sum(p.stat().st_size for p in (tmp_path / "blobs").rglob("*") if p.is_file())
    assert blob_bytes == len(uploads.photo(seed=2))


def test_millions_of_declared_entries_are_refused_before_parsing(tmp_path: Path) -> None:
    result = _intake_in_child(uploads.millions_declared(4_000_000), tmp_path)
    assert result["refused"] == "too_many_entries"
    assert result["growth"] < INTAKE_MEMORY_BUDGET


def test_the_ratio_uses_bytes_really_read_not_the_declared_size(blobs) -> None:
    """A stream that inflates 1000:1 but declares a compressed size large enough to pass the ratio
    (padding makes the range real): judged on the bytes the stream consumed, it is a bomb."""
    bomb = uploads.entry("bomb.jpg", [b"\xff\xd8\xff\xe0", bytes(20 * MIB)], DEFLATED)
    bomb.padding = bytes(300_000)  # declared 320 KB for 20 MiB: ratio 65, under the limit of 100
    bomb.compressed_size = len(bomb.payload) + len(bomb.padding)
    data = uploads.RawZip([bomb, uploads.entry("good.jpg", uploads.photo(seed=1))]).build()
    report = intake_zip(io.BytesIO(data), blobs, "j", Limits())
    assert [a.name for a in report.accepted] == ["good.jpg"]
    assert _reasons(report) == {"bomb.jpg": "zip_bomb"}


def test_an_invalid_utf8_name_is_kept_with_a_note_beside_the_good_photos(blobs) -> None:
    report = intake_zip(io.BytesIO(uploads.bad_name_beside_good(good=3)), blobs, "j", Limits())
    names = [a.name for a in report.accepted]
    assert names[:3] == ["good-0.jpg", "good-1.jpg", "good-2.jpg"]
    assert names[3] == "caf\ufffd-\ufffd\ufffd.jpg"
    assert [(n.name, n.code) for n in report.notes] == [(names[3], "name_not_utf8")]
    assert report.rejected == [] and report.to_dict()["notes"][0]["code"] == "name_not_utf8"


def test_flat_images_are_judged_on_their_pixels_not_their_ratio(blobs) -> None:
    report = intake_zip(io.BytesIO(uploads.flat_images_zip()), blobs, "j", Limits())
    accepted = {a.name: a.format for a in report.accepted}
    assert accepted["flat.png"] == "png" and accepted["good.jpg"] == "jpeg"
    reasons = _reasons(report)
    assert accepted["flat.bmp"] == "bmp" and accepted["flat.tiff"] == "tiff"
    assert "zip_bomb" not in reasons.values()


def test_true_bombs_stay_refused_even_with_an_image_header(blobs) -> None:
    """A PNG header naming 100x100 pixels followed by 30 MiB: far more than those pixels need.
    A PNG header naming 400 megapixels: over the decoder's pixel limit."""
    small_png = uploads.flat_image(100, 100, "PNG")
    padded = small_png[:33] + bytes(30 * MIB)  # signature + IHDR, then zeros
    huge = bytearray(small_png)
    huge[16:24] = (20_000).to_bytes(4, "big") * 2
    data = uploads.RawZip(
        [
            uploads.entry("padded.png", padded),
            uploads.entry("huge.png", bytes(huge) + bytes(2 * MIB)),
            uploads.entry("text.jpg", b"not an image at all " * 500_000),
            uploads.entry("good.jpg", uploads.photo(seed=3)),
        ]
    ).build()
    report = intake_zip(io.BytesIO(data), blobs, "j", Limits())
    assert [a.name for a in report.accepted] == ["good.jpg"]
    assert _reasons(report) == {
        "padded.png": "zip_bomb",
        "huge.png": "too_many_pixels",
        "text.jpg": "not_an_image",
    }


def test_long_entry_names_are_shortened_not_refused(blobs) -> None:
    long_name = "p" * 300 + ".jpg"
    data = uploads.RawZip([uploads.entry(long_name, uploads.photo(seed=i)) for i in range(2)]).build()
    report = intake_zip(io.BytesIO(data), blobs, "j", Limits())
    names = [a.name for a in report.accepted]
    assert len(names) == 2 and names[0] != names[1]
    assert all(len(n.encode()) <= 255 and n.endswith(".jpg") for n in names)
