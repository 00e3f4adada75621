"""`drisya batch` as a user runs it: a subprocess, its exit code, its output ZIP."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from data_jobs.output_zip import read_manifest
from tests.data_jobs.conftest import make_zip, mixed_zip, product_photo
from tests.drisya_cli import ROOT, batch_env, run_batch


def _drisya(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_batch(*args, env=batch_env(tmp_path / "never-used"))


def _manifest(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with zipfile.ZipFile(path) as zf:
        rows = read_manifest(zf.read("manifest.csv"))
        return zf.namelist(), {r["input_name"]: r for r in rows}


@pytest.mark.ray
def test_all_good_exits_0(tmp_path: Path) -> None:
    src = tmp_path / "in.zip"
    src.write_bytes(make_zip({f"shot-{i}.png": product_photo(300, seed=i, fmt="PNG") for i in range(3)}))
    out = tmp_path / "out.zip"
    result = _drisya(
        str(src), "--out", str(out), "--method", "fast", "--aspect", "4:5", "--size", "500", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    names, manifest = _manifest(out)
    assert sorted(names) == ["manifest.csv", "shot-0.jpg", "shot-1.jpg", "shot-2.jpg"]
    assert all(row["status"] == "done" for row in manifest.values())
    with zipfile.ZipFile(out) as zf:
        from PIL import Image

        img = Image.open(io.BytesIO(zf.read("shot-0.jpg")))
        assert img.size == (400, 500)  # 4:5 with the longest side 500
    assert "3 done, 0 failed" in result.stderr
    assert not (tmp_path / "never-used").exists()  # a local run leaves no database behind


@pytest.mark.ray
def test_some_failed_exits_1_and_the_manifest_says_which(tmp_path: Path) -> None:
    src = tmp_path / "in.zip"
    data, good = mixed_zip(good=2, size=256)
    src.write_bytes(data)
    out = tmp_path / "out.zip"
    result = _drisya(
        str(src), "--out", str(out), "--method", "fast", "--size", "400", "-q", tmp_path=tmp_path
    )
    assert result.returncode == 1, result.stderr[-3000:]
    _, manifest = _manifest(out)
    assert {n for n, r in manifest.items() if r["status"] == "done"} == set(good)
    assert manifest["corrupt.jpg"]["status"] == "failed"
    assert manifest["notes.jpg"]["status"] == "rejected"
    assert "Traceback" not in result.stderr


def test_refused_input_exits_2_without_output(tmp_path: Path) -> None:
    out = tmp_path / "out.zip"
    not_zip = tmp_path / "photos.zip"
    not_zip.write_bytes(b"definitely not a zip archive")
    result = _drisya(str(not_zip), "--out", str(out), "--method", "fast", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "not a ZIP" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()

    only_junk = tmp_path / "junk.zip"
    only_junk.write_bytes(make_zip({"readme.txt": b"hello", "__MACOSX/._a.jpg": b"x"}))
    result = _drisya(str(only_junk), "--out", str(out), "--method", "fast", tmp_path=tmp_path)
    assert result.returncode == 2 and "no usable images" in result.stderr

    result = _drisya(str(only_junk), "--out", str(out), "--aspect", "7:3", tmp_path=tmp_path)
    assert result.returncode == 2 and "aspect" in result.stderr
    assert not out.exists()


def test_a_fifo_or_a_device_as_input_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "photos.zip"
    os.mkfifo(fifo)
    for source in (fifo, Path("/dev/zero")):
        result = _drisya(
            str(source), "--out", str(tmp_path / "out.zip"), "--method", "fast", tmp_path=tmp_path
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == f"drisya: input {source} is not a regular file or a folder"


def test_help_says_a_local_run_is_free() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", "batch", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "free" in result.stdout and "manifest.csv" in result.stdout


def test_unusable_out_path_is_refused_up_front_in_one_line(tmp_path: Path) -> None:
    src = tmp_path / "in.zip"
    src.write_bytes(make_zip({"a.png": product_photo(64, seed=1, fmt="PNG")}))
    too_long = tmp_path / ("x" * 300 + ".zip")  # the file system refuses the name, even for root
    result = _drisya(str(src), "--out", str(too_long), "--method", "fast", tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "cannot use" in result.stderr
    assert "starting workers" not in result.stderr  # refused before any work


def test_missing_model_is_fetched_on_first_use_and_says_so(tmp_path: Path) -> None:
    """`auto` needs the model: the CLI fetches it on first use (here npm is not on PATH, so the fetch
    itself is refused in one line, exit 2, before any work)."""
    src = tmp_path / "in.zip"
    src.write_bytes(make_zip({"a.png": product_photo(64, seed=1, fmt="PNG")}))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": str(tmp_path / "no-tools"),
        "DRISYA_MODEL_CACHE_DIR": str(tmp_path / "empty-cache"),
        "DRISYA_DATA_DIR": str(tmp_path / "never-used"),
    }
    env.pop("DRISYA_MODEL_PATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", "batch", str(src), "--out", str(tmp_path / "o.zip")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert "first use" in result.stderr and "npm" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o.zip").exists()


@pytest.mark.ray
def test_whole_job_failure_still_writes_a_zip_whose_manifest_lists_every_input(tmp_path: Path) -> None:
    """No worker can load the model (the configured file is not ONNX): the job fails as a whole, yet
    the user gets an output ZIP whose manifest says what became of every input, and one error line."""
    src = tmp_path / "in.zip"
    src.write_bytes(
        make_zip(
            {
                "a.png": product_photo(96, seed=1, fmt="PNG"),
                "shoes/b.jpg": product_photo(96, seed=2),
                "notes.jpg": b"a text file pretending to be a JPEG\n" * 20,
            }
        )
    )
    bad_model = tmp_path / "broken.onnx"
    bad_model.write_bytes(b"this is not an ONNX model\n" * 100)
    out = tmp_path / "out.zip"
    env = batch_env(tmp_path / "never-used", DRISYA_MODEL_PATH=str(bad_model))
    result = run_batch(str(src), "--out", str(out), "--method", "model", env=env)
    assert result.returncode == 1, result.stderr[-3000:]
    assert out.exists(), result.stderr[-3000:]
    names, manifest = _manifest(out)
    assert names == ["manifest.csv"]  # nothing finished, so the ZIP holds only the manifest
    assert set(manifest) == {"a.png", "shoes/b.jpg", "notes.jpg"}
    assert manifest["notes.jpg"]["status"] == "rejected"
    for name in ("a.png", "shoes/b.jpg"):
        assert manifest[name]["status"] == "failed"
        assert "ModelLoadError: cannot load the model" in manifest[name]["error"]
        assert "Traceback" not in manifest[name]["error"]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("drisya: the batch could not run: ModelLoadError: cannot load the model")
    assert str(out) in last
    assert "Traceback" not in result.stderr


def test_rows_after_job_failure_keep_what_finished_and_say_why_the_rest_did_not() -> None:
    from data_jobs.output_zip import ManifestRow
    from drisya.cli.batch import rows_after_job_failure

    job_error = "the batch could not run: JobStalled: no image finished for 900s\n  (long text)"
    rows = [
        ManifestRow("done.jpg", "done", output_key="jobs/x/outputs/000001.jpg", output_extension="jpg"),
        ManifestRow("own.jpg", "failed", error="cannot decode: truncated JPEG"),
        ManifestRow("stalled.jpg", "failed", error=job_error),
        ManifestRow("marked.jpg", "failed", error=f"not processed: the job failed ({job_error})"),
        ManifestRow("never-ran.jpg", "pending"),
        ManifestRow("notes.jpg", "rejected", error="not an image"),
    ]
    fixed = {
        r.input_name: r for r in rows_after_job_failure(rows, job_error, "JobStalled: no image finished")
    }
    assert fixed["done.jpg"] == rows[0] and fixed["own.jpg"] == rows[1] and fixed["notes.jpg"] == rows[5]
    for name in ("stalled.jpg", "marked.jpg", "never-ran.jpg"):
        assert fixed[name].status == "failed"
        assert fixed[name].error == "not processed: the batch could not run: JobStalled: no image finished"


def test_one_line_reason_finds_the_innermost_exception_in_ray_text() -> None:
    from drisya.cli.batch import one_line_reason

    text = (
        "The actor died because of an error raised in its creation task, \x1b[36mray::W.__init__()\x1b[39m\n"
        '  File "x.py", line 1, in f\n'
        "onnxruntime.capi.onnxruntime_pybind11_state.InvalidProtobuf: [ONNXRuntimeError] : 7\n"
        "The above exception was the direct cause of the following exception:\n"
        "engine.matting.model.ModelLoadError: cannot load the model /m.onnx: bad\n"
    )
    assert one_line_reason(RuntimeError(text)) == "ModelLoadError: cannot load the model /m.onnx: bad"
    assert (
        one_line_reason(TimeoutError("no image finished for 900s"))
        == "TimeoutError: no image finished for 900s"
    )


@pytest.mark.ray
def test_database_dying_mid_run_still_writes_the_zip_and_says_so_in_one_line(tmp_path: Path) -> None:
    import json
    import signal
    import time

    src = tmp_path / "in.zip"
    photos = {f"p{i:02d}.jpg": product_photo(900, seed=i) for i in range(40)}
    photos["notes.jpg"] = b"not an image at all\n" * 10
    src.write_bytes(make_zip(photos))
    out, data_dir = tmp_path / "out.zip", tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRISYA_RAY_NUM_CPUS": "2"}
    env.pop("DRISYA_RAY_ADDRESS", None)
    args = [
        str(src),
        "--out",
        str(out),
        "--method",
        "fast",
        "--size",
        "1200",
        "-q",
        "--data-dir",
        str(data_dir),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "drisya.cli.main", "batch", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        owner = data_dir / "mongo" / "mongo" / "owner.json"
        deadline = time.monotonic() + 240
        while not list((data_dir / "blobs").rglob("outputs/*.jpg")):  # some images are finished
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1][-3000:]
            time.sleep(0.05)
        os.kill(json.loads(owner.read_text())["child_pid"], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Ray's own C++ core worker may log a line of its own (about actor restarts); ours is one line
    lines = [line for line in stderr.strip().splitlines() if "core_worker.cc" not in line]
    assert proc.returncode == 1, stderr[-3000:]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-3000:]
    assert lines[0].startswith("drisya: the database stopped during the run") and str(out) in lines[0]
    names, manifest = _manifest(out)
    assert set(manifest) == set(photos)
    assert manifest["notes.jpg"]["status"] == "rejected"
    statuses = {row["status"] for name, row in manifest.items() if name != "notes.jpg"}
    assert statuses <= {"done", "failed", "unknown"} and {"done", "unknown"} <= statuses
    done = {n for n, r in manifest.items() if r["status"] == "done"}
    assert {manifest[n]["output_name"] for n in done} | {"manifest.csv"} == set(names)
    for row in manifest.values():
        if row["status"] == "unknown":
            assert row["error"].startswith("state unknown") and row["output_name"] == ""
