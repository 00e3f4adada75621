"""`drisya matte` and `drisya enhance` under hostile input: long names, devices, FIFOs, huge sparse
files, folders and blank photos each fail alone, in one line, and the next image is processed.

The commands run as subprocesses with a timeout, so a command that would read /dev/zero forever or
wait on a FIFO fails the test instead of hanging it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drisya.cli._files import NAME_MAX, InputRefused, OutputNames, fit_name, read_input
from tests.data_jobs.conftest import product_photo

ROOT = Path(__file__).resolve().parents[2]


def _drisya(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRISYA_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    """A good photo last, after every kind of input that must be refused without being read."""
    paths: dict[str, Path] = {}
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    paths["fifo"] = fifo
    paths["zero"] = Path("/dev/zero")
    sparse = tmp_path / "huge.jpg"
    with open(sparse, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(3 * 1024**3)  # 3 GiB that take no disk
    paths["sparse"] = sparse
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    paths["folder"] = folder
    paths["too_long_to_exist"] = tmp_path / ("x" * 300 + ".jpg")
    paths["blank"] = tmp_path / "blank.jpg"
    Image.fromarray(np.full((300, 300, 3), 250, np.uint8)).save(paths["blank"], "JPEG", quality=95)
    long_ascii = tmp_path / ("a" * (NAME_MAX - 4) + ".jpg")  # 255 bytes: the longest name there is
    long_ascii.write_bytes(product_photo(320, seed=1))
    paths["long_ascii"] = long_ascii
    long_utf8 = tmp_path / ("é" * 125 + ".jpg")  # 254 bytes in UTF-8
    long_utf8.write_bytes(product_photo(320, seed=2))
    paths["long_utf8"] = long_utf8
    good = tmp_path / "good.jpg"
    good.write_bytes(product_photo(320, seed=3))
    paths["good"] = good
    return paths


REFUSED = {
    "fifo": "not a regular file (a FIFO)",
    "zero": "not a regular file (a device)",
    "sparse": "above the limit",
    "folder": "is a folder",
    "too_long_to_exist": "File name too long",
}


def _check_refusals(stderr: str, paths: dict[str, Path]) -> None:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    for key, reason in REFUSED.items():
        mine = [line for line in lines if str(paths[key]) in line]
        assert len(mine) == 1 and reason in mine[0], (key, stderr)
    blank = [line for line in lines if str(paths["blank"]) in line]
    assert len(blank) == 1 and "no product found" in blank[0], stderr


def test_matte_refuses_hostile_inputs_one_line_each_and_processes_the_rest(tmp_path, hostile) -> None:
    out = tmp_path / "out"
    result = _drisya(
        "matte", *map(str, hostile.values()), "--out", str(out), "--method", "fast", tmp_path=tmp_path
    )

    assert result.returncode == 1, result.stderr
    _check_refusals(result.stderr, hostile)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 3 and "good.png" in written, written
    assert all(len(name.encode()) + len(".part") <= NAME_MAX for name in written)
    assert any(name.startswith("aaaa") and "~" in name for name in written)
    assert any(name.startswith("éé") for name in written)
    for name in written:
        assert Image.open(out / name).mode == "RGBA"
    assert len(result.stdout.splitlines()) == 3


def test_enhance_refuses_hostile_inputs_one_line_each_and_processes_the_rest(tmp_path, hostile) -> None:
    out = tmp_path / "out"
    result = _drisya(
        "enhance",
        *map(str, hostile.values()),
        "--out",
        str(out),
        "--method",
        "fast",
        "--size",
        "400",
        "--format",
        "webp",
        tmp_path=tmp_path,
    )

    assert result.returncode == 1, result.stderr
    _check_refusals(result.stderr, hostile)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 3 and "good.webp" in written, written
    assert all(len(name.encode()) + len(".part") <= NAME_MAX for name in written)
    assert not list(out.glob("*.part"))


def test_read_input_checks_the_open_file_before_reading(tmp_path: Path) -> None:
    small = tmp_path / "small.jpg"
    small.write_bytes(b"\xff\xd8\xff" + bytes(100))
    assert len(read_input(small, max_bytes=103)) == 103
    with pytest.raises(InputRefused, match="above the limit of 102 bytes"):
        read_input(small, max_bytes=102)
    with pytest.raises(FileNotFoundError):
        read_input(tmp_path / "missing.jpg", max_bytes=10)


def test_output_names_fit_and_stay_unique() -> None:
    assert fit_name("mug", ".png") == "mug.png"
    long_a, long_b = "a" * 300 + "1", "a" * 300 + "2"
    fitted = {fit_name(long_a, ".png"), fit_name(long_b, ".png")}
    assert len(fitted) == 2 and all(len(n.encode()) + len(".part") <= NAME_MAX for n in fitted)
    emoji = fit_name("📦" * 100, ".webp")  # never cut inside a character
    assert len(emoji.encode()) + len(".part") <= NAME_MAX and emoji.encode().decode() == emoji
    names = OutputNames(Path("/out"))
    first, second = names.claim(long_a, "png"), names.claim(long_a, "png")
    assert first != second and len(second.name.encode()) + len(".part") <= NAME_MAX
    assert names.claim("mug", "png").name == "mug.png" and names.claim("mug", "png").name == "mug-2.png"
