"""ZIP intake: every hostile entry is reported with a reason, good images reach blob storage."""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import replace

import pytest

from cluster.settings import Limits
from data_jobs.errors import IntakeRefused
from data_jobs.intake import intake_files, intake_zip
from tests.data_jobs.conftest import make_zip, mixed_zip, product_photo


def _reasons(report) -> dict[str, str]:
    return {r.name: r.code for r in report.rejected}


def test_mixed_zip_accepts_images_and_reports_the_rest(blobs) -> None:
    data, good = mixed_zip(good=4)
    report = intake_zip(io.BytesIO(data), blobs, "job1", Limits())
    accepted = {a.name for a in report.accepted}
    # the corrupt JPEG has a valid signature: it is accepted here and fails later as one image
    assert accepted == set(good) | {"corrupt.jpg"}
    assert _reasons(report) == {
        "notes.jpg": "not_an_image",
        "../../etc/evil.jpg": "unsafe_path",
        "bomb.jpg": "zip_bomb",
        "inner.zip": "nested_archive",
    }
    assert {s.name for s in report.skipped} == {"__MACOSX/._item-00.jpg", ".DS_Store"}
    for entry in report.accepted:
        assert entry.blob_key.startswith("jobs/job1/inputs/")
        assert blobs.size(entry.blob_key) == entry.size
    assert set(blobs.list_prefix("jobs/job1/")) == {a.blob_key for a in report.accepted}


def test_absolute_and_windows_paths_are_rejected(blobs) -> None:
    photo = product_photo(64)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("ok.jpg", "C:/Windows/x.jpg", "a/../../b.jpg", "/abs/slash.jpg"):
            zf.writestr(name, photo)
    report = intake_zip(io.BytesIO(buf.getvalue()), blobs, "j", Limits())
    assert [a.name for a in report.accepted] == ["ok.jpg"]
    assert set(_reasons(report).values()) == {"unsafe_path"}
    assert sorted(r.name for r in report.rejected) == ["/abs/slash.jpg", "C:/Windows/x.jpg", "a/../../b.jpg"]


def test_duplicate_names_are_made_unique_case_insensitively(blobs) -> None:
    photo = product_photo(64)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Shoe.jpg", photo)
        zf.writestr("shoe.JPG", photo)
        zf.writestr("shoe.jpg", photo)  # a true duplicate entry (ZIP allows it)
    report = intake_zip(io.BytesIO(buf.getvalue()), blobs, "j", Limits())
    assert [a.name for a in report.accepted] == ["Shoe.jpg", "shoe (2).JPG", "shoe (3).jpg"]


def test_entry_size_and_ratio_limits_use_real_bytes(blobs) -> None:
    photo = product_photo(256)
    limits = replace(Limits(), max_entry_bytes=len(photo) - 1)
    with pytest.raises(IntakeRefused) as exc:
        intake_zip(io.BytesIO(make_zip({"a.jpg": photo})), blobs, "j", limits)
    assert exc.value.code == "no_images"
    assert exc.value.report.rejected[0].code == "too_large"


def test_lying_header_does_not_get_past_the_limits(blobs) -> None:
    """A bomb whose headers claim it is tiny: the declared check passes, the byte count does not."""
    bomb = b"\xff\xd8\xff\xe0" + bytes(8 * 1024 * 1024)
    raw = bytearray(make_zip({"liar.jpg": bomb, "ok.jpg": product_photo(64)}))
    # rewrite the uncompressed size (local header at offset 22, central directory at 24) to 1000 bytes
    real = struct.pack("<I", len(bomb))
    fake = struct.pack("<I", 1000)
    assert raw.count(real) == 2
    raw = bytearray(bytes(raw).replace(real, fake))
    report = intake_zip(io.BytesIO(bytes(raw)), blobs, "j", Limits())
    assert [a.name for a in report.accepted] == ["ok.jpg"]
    assert _reasons(report)["liar.jpg"] in ("corrupt_entry", "zip_bomb", "too_large")
    assert blobs.size(report.accepted[0].blob_key) == len(product_photo(64))


def test_total_uncompressed_limit_refuses_and_leaves_nothing(blobs) -> None:
    photos = {f"p{i}.jpg": product_photo(128, seed=i) for i in range(5)}
    total = sum(len(p) for p in photos.values())
    limits = replace(Limits(), max_total_uncompressed_bytes=total - 1)
    with pytest.raises(IntakeRefused) as exc:
        intake_zip(io.BytesIO(make_zip(photos)), blobs, "j", limits)
    assert exc.value.code == "too_large"
    assert list(blobs.list_prefix("jobs/")) == []


def test_too_many_entries_is_refused(blobs) -> None:
    photos = {f"p{i}.jpg": b"x" for i in range(6)}
    with pytest.raises(IntakeRefused) as exc:
        intake_zip(io.BytesIO(make_zip(photos)), blobs, "j", replace(Limits(), max_zip_entries=5))
    assert exc.value.code == "too_many_entries"


def test_not_a_zip_and_no_images_are_refused(blobs) -> None:
    with pytest.raises(IntakeRefused) as exc:
        intake_zip(io.BytesIO(b"hello, I am not a zip"), blobs, "j", Limits())
    assert exc.value.code == "not_a_zip"
    with pytest.raises(IntakeRefused) as exc:
        intake_zip(io.BytesIO(make_zip({"readme.txt": b"hi", ".hidden.jpg": b"x"})), blobs, "j", Limits())
    assert exc.value.code == "no_images"


def test_loose_files_get_the_same_checks(blobs) -> None:
    png = product_photo(64, fmt="PNG")
    webp = product_photo(64, fmt="WEBP")
    report = intake_files(
        [
            ("a.png", png),
            ("b.webp", io.BytesIO(webp)),
            ("c.jpg", b"GIF89a...."),
            ("a.png", png),
            ("shelf/d.png", png),
            ("../e.png", png),
        ],
        blobs,
        "j",
        Limits(),
    )
    assert [(a.name, a.format) for a in report.accepted] == [
        ("a.png", "png"),
        ("b.webp", "webp"),
        ("a (2).png", "png"),
        ("shelf/d.png", "png"),
    ]
    assert report.accepted[1].blob_key.endswith(".webp")
    assert _reasons(report) == {"c.jpg": "not_an_image", "../e.png": "unsafe_path"}
