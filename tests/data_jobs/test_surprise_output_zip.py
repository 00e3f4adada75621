"""A surprise job's ZIP: every output in its product's folder, a manifest row per output."""

from __future__ import annotations

import io
import zipfile

from data_jobs.output_zip import ManifestRow, build_output_zip, grouped_name, read_manifest


def _items(blobs, stem: str, theme: str, variants: int, video: bool) -> list[dict]:
    items = []
    for n in range(1, variants + 1):
        key = f"jobs/j/outputs/{stem}-{theme}-{n}.jpg"
        blobs.put_bytes(key, b"\xff\xd8\xff" + bytes([n]) * 10)
        items.append(
            {
                "name": f"{theme}-{n}.jpg",
                "blob": key,
                "kind": "image",
                "theme": theme,
                "template": f"t{n}",
                "seed": 4,
                "variant": n,
            }
        )
    if video:
        key = f"jobs/j/outputs/{stem}-{theme}.mp4"
        blobs.put_bytes(key, b"\x00\x00\x00\x18ftypisom")
        items.append(
            {
                "name": f"{theme}.mp4",
                "blob": key,
                "kind": "video",
                "theme": theme,
                "template": "",
                "seed": 4,
                "variant": 0,
            }
        )
    return items


def _surprise_row(input_name: str, items: list[dict], quality: float) -> ManifestRow:
    """A finished surprise image's row: its first variant as the main output, every output listed."""
    return ManifestRow(
        input_name,
        "done",
        quality=quality,
        output_key=items[0]["blob"],
        output_extension="jpg",
        outputs=tuple(items),
    )


def test_grouped_name():
    assert grouped_name("shoes/red.JPG", "festive-2.jpg") == "shoes/red/red-festive-2.jpg"
    assert grouped_name("mug.png", "tech.mp4") == "mug/mug-tech.mp4"


def test_outputs_grouped_by_product_with_a_manifest_row_each(blobs):
    red = _items(blobs, "000001", "festive", 2, True)
    mug = _items(blobs, "000002", "festive", 2, False)
    rows = [
        _surprise_row("shoes/red.JPG", red, quality=0.9),
        _surprise_row("mug.png", mug, quality=0.8),
        ManifestRow("broken.jpg", "failed", error="corrupt image"),
        # a one-output image beside them (another module's row) keeps its plain name and empty columns
        ManifestRow("plain.jpg", "done", quality=0.7, output_key=mug[0]["blob"], output_extension="jpg"),
    ]
    out = build_output_zip(blobs, rows)
    body = b"".join(out.chunks())
    assert len(body) == out.size
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = zf.namelist()
        manifest = read_manifest(zf.read("manifest.csv"))
        assert zf.read("shoes/red/red-festive.mp4") == b"\x00\x00\x00\x18ftypisom"
        assert zf.read("mug/mug-festive-2.jpg")[:3] == b"\xff\xd8\xff"
    assert sorted(names) == sorted(
        [
            "shoes/red/red-festive-1.jpg",
            "shoes/red/red-festive-2.jpg",
            "shoes/red/red-festive.mp4",
            "mug/mug-festive-1.jpg",
            "mug/mug-festive-2.jpg",
            "plain.jpg",
            "manifest.csv",
        ]
    )
    assert out.entries == 7
    by_output = {r["output_name"]: r for r in manifest}
    assert len(manifest) == 3 + 2 + 1 + 1
    video = by_output["shoes/red/red-festive.mp4"]
    assert (video["input_name"], video["theme"], video["template"], video["seed"], video["variant"]) == (
        "shoes/red.JPG",
        "festive",
        "",
        "4",
        "0",
    )
    second = by_output["shoes/red/red-festive-2.jpg"]
    assert (second["status"], second["theme"], second["template"], second["variant"]) == (
        "done",
        "festive",
        "t2",
        "2",
    )
    assert by_output["plain.jpg"]["theme"] == by_output["plain.jpg"]["variant"] == ""
    failed = [r for r in manifest if r["input_name"] == "broken.jpg"]
    assert failed[0]["status"] == "failed" and failed[0]["output_name"] == "" and failed[0]["theme"] == ""
