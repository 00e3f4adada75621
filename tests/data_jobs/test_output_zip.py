"""The output ZIP: streamed from blobs, exact size known up front, manifest says what happened."""

from __future__ import annotations

import io
import posixpath
import zipfile

from data_jobs.output_zip import ManifestRow, build_output_zip, read_manifest


def test_outputs_and_manifest_stream_from_blobs(blobs) -> None:
    blobs.put_bytes("jobs/j/outputs/000000.jpg", b"\xff\xd8\xff" + b"a" * 5000)
    blobs.put_bytes("jobs/j/outputs/000001.png", b"\x89PNG" + b"b" * 300)
    blobs.put_bytes("jobs/j/outputs/000003.jpg", b"\xff\xd8\xff" + b"c" * 10)
    rows = [
        ManifestRow(
            "shoes/red.JPG",
            "done",
            quality=0.91234,
            output_key="jobs/j/outputs/000000.jpg",
            output_extension="jpg",
        ),
        ManifestRow(
            "bag.png", "done", quality=0.5, output_key="jobs/j/outputs/000001.png", output_extension="png"
        ),
        ManifestRow("broken.jpg", "failed", error="corrupt image:\n truncated data"),
        ManifestRow(
            "bag.webp", "done", quality=None, output_key="jobs/j/outputs/000003.jpg", output_extension="png"
        ),
        ManifestRow("notes.jpg", "rejected", error="not an image"),
    ]
    out = build_output_zip(blobs, rows)
    data = b"".join(out.chunks())
    assert len(data) == out.size  # Content-Length is exact before a byte is sent
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == ["shoes/red.jpg", "bag.png", "bag (2).png", "manifest.csv"]
        assert zf.read("shoes/red.jpg") == blobs.get_bytes("jobs/j/outputs/000000.jpg")
        manifest = read_manifest(zf.read("manifest.csv"))
    assert [m["input_name"] for m in manifest] == [r.input_name for r in rows]
    assert manifest[0] == {
        "input_name": "shoes/red.JPG",
        "output_name": "shoes/red.jpg",
        "status": "done",
        "error": "",
        "quality_score": "0.912",
        "compliance": "",
        "reasons": "",
    }
    assert manifest[2]["output_name"] == "" and manifest[2]["error"] == "corrupt image: truncated data"
    assert manifest[3]["output_name"] == "bag (2).png"
    assert manifest[4]["status"] == "rejected"


def test_manifest_carries_each_outputs_compliance(blobs) -> None:
    blobs.put_bytes("jobs/j/outputs/a.jpg", b"\xff\xd8\xff" + b"a" * 10)
    blobs.put_bytes("jobs/j/outputs/b.jpg", b"\xff\xd8\xff" + b"b" * 10)
    rows = [
        ManifestRow(
            "a.jpg", "done", output_key="jobs/j/outputs/a.jpg", output_extension="jpg", compliance="pass"
        ),
        ManifestRow(
            "b.jpg",
            "done",
            output_key="jobs/j/outputs/b.jpg",
            output_extension="jpg",
            compliance="fail",
            reasons=(
                "product fills 70% of the frame, the preset asks 85%",
                "file is png, the preset asks for jpg",
            ),
        ),
    ]
    with zipfile.ZipFile(io.BytesIO(b"".join(build_output_zip(blobs, rows).chunks()))) as zf:
        manifest = read_manifest(zf.read("manifest.csv"))
    assert [(m["compliance"], m["reasons"]) for m in manifest] == [
        ("pass", ""),
        ("fail", "product fills 70% of the frame, the preset asks 85%; file is png, the preset asks for jpg"),
    ]


def test_blobs_are_opened_one_at_a_time(blobs) -> None:
    """Nothing is read when the ZIP is built; each blob is opened when the stream reaches it."""
    opened: list[str] = []
    real_open = blobs.open_read

    def tracking_open(key: str):
        opened.append(key)
        return real_open(key)

    blobs.open_read = tracking_open  # type: ignore[method-assign]
    for i in range(3):
        blobs.put_bytes(f"jobs/j/outputs/{i}.jpg", bytes([i]) * 400_000)
    rows = [
        ManifestRow(f"{i}.jpg", "done", output_key=f"jobs/j/outputs/{i}.jpg", output_extension="jpg")
        for i in range(3)
    ]
    out = build_output_zip(blobs, rows)
    assert opened == []
    chunks = out.chunks()
    first = next(chunks)
    assert opened == [] or opened == ["jobs/j/outputs/0.jpg"]
    sizes = [len(first)] + [len(c) for c in chunks]
    assert opened == [f"jobs/j/outputs/{i}.jpg" for i in range(3)]
    assert max(sizes) <= 300_000  # streamed in pieces, never a whole file or the whole ZIP


def _done_rows(blobs, names: list[str], extension: str = "png") -> list[ManifestRow]:
    rows = []
    for i, name in enumerate(names):
        key = f"jobs/j/outputs/{i:06d}.{extension}"
        blobs.put_bytes(key, f"output {i}".encode())
        rows.append(ManifestRow(name, "done", output_key=key, output_extension=extension))
    return rows


HOSTILE_NAMES = [
    "x" * 252 + ".jpg",  # 256 bytes once the extension is .png: one byte too many
    "y" * 251 + ".jpg",  # 255 bytes, twice: the duplicate needs " (2)" within the limit
    "y" * 251 + ".jpg",
    "é" * 126 + ".jpeg",  # 257 bytes of UTF-8 (two bytes a character)
    "pic.jpg",  # becomes pic.png ...
    "pic.png/inner.jpg",  # ... beside a folder named pic.png
    "Cafe\u0301.jpg",  # NFD, as macOS writes it
    "Caf\u00e9.JPG",  # the same name in NFC and another case
]


def _extract_with_unzip(data: bytes, tmp_path) -> set[str]:
    import subprocess

    archive = tmp_path / "out.zip"
    archive.write_bytes(data)
    target = tmp_path / "unzip"
    done = subprocess.run(["unzip", "-q", str(archive), "-d", str(target)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}


def test_hostile_names_extract_fully_with_python_and_unzip(blobs, tmp_path) -> None:
    """Issue 15 item 9: long, duplicate, file-vs-folder and NFD names give a ZIP that extracts with
    every entry, both with Python's zipfile and Info-ZIP unzip."""
    import unicodedata

    out = build_output_zip(blobs, _done_rows(blobs, HOSTILE_NAMES))
    data = b"".join(out.chunks())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == len(HOSTILE_NAMES) + 1 == len(set(names))
        for name in names:
            assert all(len(part.encode()) <= 255 for part in name.split("/")), name
            assert unicodedata.is_normalized("NFC", name)
        folders = {posixpath.dirname(n) for n in names} - {""}
        assert not folders & set(names)  # no file named like a folder
        assert len({n.casefold() for n in names}) == len(names)
        target = tmp_path / "python"
        zf.extractall(target)
    from_python = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert from_python == set(names)
    assert _extract_with_unzip(data, tmp_path) == set(names)
    manifest = read_manifest(zf_read(data, "manifest.csv"))
    assert [m["output_name"] for m in manifest] == names[:-1]  # each row names its file exactly


def zf_read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def test_manifest_cells_cannot_run_as_spreadsheet_formulas(blobs) -> None:
    names = ['=HYPERLINK("http://x").jpg', "+1.jpg", "-2.jpg", "@SUM(A1).jpg", "\tx.jpg", "safe.jpg"]
    rows = _done_rows(blobs, names, "jpg")
    rows.append(ManifestRow("=cmd.jpg", "rejected", error="=1+1 is not an image"))
    data = b"".join(build_output_zip(blobs, rows).chunks())
    manifest = read_manifest(zf_read(data, "manifest.csv"))
    for row in manifest:
        for column in ("input_name", "output_name", "error"):
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert manifest[0]["input_name"] == '\'=HYPERLINK("http://x").jpg'
    assert manifest[5]["input_name"] == "safe.jpg"
    assert manifest[6]["error"] == "'=1+1 is not an image"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # the files themselves keep their names
        assert zf.namelist()[1:3] == ["+1.jpg", "-2.jpg"]


def test_our_own_output_zip_reads_back_through_intake(blobs) -> None:
    """The download is a ZIP our intake accepts (a seller may upload it again)."""
    from benchmarks.hostile.uploads import photo
    from cluster.settings import Limits
    from data_jobs.intake import intake_zip

    rows = []
    for i in range(3):
        key = f"jobs/j/outputs/{i}.jpg"
        blobs.put_bytes(key, photo(seed=i))
        rows.append(ManifestRow(f"p{i}.jpg", "done", output_key=key, output_extension="jpg"))
    data = b"".join(build_output_zip(blobs, rows).chunks())
    report = intake_zip(io.BytesIO(data), blobs, "again", Limits())
    assert [a.name for a in report.accepted] == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert [r.name for r in report.rejected] == ["manifest.csv"]
