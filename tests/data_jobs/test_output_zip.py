"""The output ZIP: streamed from blobs, exact size known up front, manifest says what happened."""

from __future__ import annotations

import io
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
    }
    assert manifest[2]["output_name"] == "" and manifest[2]["error"] == "corrupt image: truncated data"
    assert manifest[3]["output_name"] == "bag (2).png"
    assert manifest[4]["status"] == "rejected"


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
