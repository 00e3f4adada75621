"""`drisya batch --module surprise` as a user runs it: a subprocess, its exit code, its grouped ZIP."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import av
import pytest

from data_jobs.output_zip import read_manifest
from tests.data_jobs.conftest import make_zip, product_photo
from tests.drisya_cli import batch_env, run_batch


def _drisya(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_batch(*args, env=batch_env(tmp_path / "never-used"))


@pytest.mark.ray
def test_surprise_batch_writes_variants_and_video_per_product(tmp_path: Path) -> None:
    src = tmp_path / "in.zip"
    src.write_bytes(
        make_zip({"bags/tote.jpg": product_photo(300, seed=4), "cap.jpg": product_photo(300, seed=5)})
    )
    out = tmp_path / "out.zip"
    args = ["--module", "surprise", "--theme", "bold", "--variants", "3", "--video", "--seed", "12"]
    args += ["--template", "no-such-template"]  # ignored, as the API ignores it: the theme draws templates
    result = _drisya(
        str(src), *args, "--method", "fast", "--size", "240", "--out", str(out), tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with zipfile.ZipFile(out) as zf:
        names = sorted(zf.namelist())
        manifest = read_manifest(zf.read("manifest.csv"))
        video = zf.read("cap/cap-bold.mp4")
    assert names == sorted(
        [f"bags/tote/tote-bold-{n}.jpg" for n in (1, 2, 3)]
        + [f"cap/cap-bold-{n}.jpg" for n in (1, 2, 3)]
        + ["bags/tote/tote-bold.mp4", "cap/cap-bold.mp4", "manifest.csv"]
    )
    assert len(manifest) == 8
    assert all(r["theme"] == "bold" and r["seed"] == "12" and r["status"] == "done" for r in manifest)
    assert sorted(r["variant"] for r in manifest if r["input_name"] == "cap.jpg") == ["0", "1", "2", "3"]
    with av.open(io.BytesIO(video)) as c:
        assert c.streams.video[0].codec_context.name == "h264"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--module", "surprise", "--variants", "2"], "--theme"),
        (["--module", "surprise", "--theme", "disco"], "disco"),
        (["--module", "surprise", "--theme", "tech", "--variants", "9"], "variants"),
        (["--module", "look", "--video"], "--video only apply to --module surprise"),
    ],
)
def test_bad_surprise_options_refused_before_any_work(args, words, tmp_path: Path) -> None:
    src = tmp_path / "in.zip"
    src.write_bytes(make_zip({"a.jpg": product_photo(120)}))
    out = tmp_path / "out.zip"
    result = _drisya(str(src), *args, "--method", "fast", "--out", str(out), tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert words in result.stderr
    assert not out.exists()


def test_without_the_database_a_surprise_image_is_done_only_with_all_its_outputs(blobs) -> None:
    """If the run's database dies, the ZIP is built from blob storage: an image counts as done only
    when every output the worker writes for it exists (names as data_jobs.pipeline writes them)."""
    from data_jobs.output_zip import ManifestRow
    from drisya.cli.batch import UNKNOWN_STATUS, KnownInputs, _expected_items, rows_without_database

    options = {"theme": "tech", "variants": 2, "video": True, "seed": 5}
    items = {
        "a.jpg": _expected_items("jobs/j/outputs/000001", "jpg", options),
        "b.jpg": _expected_items("jobs/j/outputs/000002", "jpg", options),
    }
    assert [i["blob"] for i in items["a.jpg"]] == [
        "jobs/j/outputs/000001-tech-1.jpg",
        "jobs/j/outputs/000001-tech-2.jpg",
        "jobs/j/outputs/000001-tech.mp4",
    ]
    for item in items["a.jpg"]:
        blobs.put_bytes(item["blob"], b"x")
    blobs.put_bytes(items["b.jpg"][0]["blob"], b"x")  # b's worker died after its first variant
    known = KnownInputs(
        rows=[ManifestRow("a.jpg", "pending"), ManifestRow("b.jpg", "pending")],
        output_keys={name: outs[0]["blob"] for name, outs in items.items()},
        output_items=items,
    )
    a, b = rows_without_database(known, blobs)
    assert a.status == "done" and a.outputs == items["a.jpg"]
    assert b.status == UNKNOWN_STATUS and b.outputs == ()
