"""`drisya enhance`: good files processed, bad ones reported one line each, exit codes 0/1/2."""

from __future__ import annotations

import numpy as np
from PIL import Image

from drisya.cli.main import main

from .test_pipeline import studio_jpeg


def test_enhance_processes_good_files_and_reports_the_corrupt_one(tmp_path, capsys):
    good = tmp_path / "mug.jpg"
    good.write_bytes(studio_jpeg())
    other = tmp_path / "bottle.jpg"
    other.write_bytes(studio_jpeg(colour=(180, 40, 40)))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(studio_jpeg()[:300])
    missing = tmp_path / "missing.jpg"
    out = tmp_path / "out"

    code = main(
        [
            "enhance",
            str(good),
            str(broken),
            str(missing),
            str(other),
            "--out",
            str(out),
            "--aspect",
            "4:5",
            "--size",
            "500",
            "--method",
            "fast",
            "--template",
            "#f4efe6",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if line]
    assert len(errors) == 2
    assert errors[0].startswith(f"drisya: enhance: {broken}: ")
    assert errors[1].startswith(f"drisya: enhance: {missing}: ")
    assert "Traceback" not in captured.err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["bottle.jpg", "mug.jpg"]
    im = Image.open(out / "mug.jpg")
    assert im.size == (400, 500) and im.format == "JPEG"
    assert "mug.jpg" in captured.out and "method=fast" in captured.out


def test_enhance_png_and_preset(tmp_path, capsys):
    src = tmp_path / "p.jpg"
    src.write_bytes(studio_jpeg())
    assert (
        main(
            [
                "enhance",
                str(src),
                "--out",
                str(tmp_path / "a"),
                "--format",
                "png",
                "--size",
                "300",
                "--method",
                "fast",
            ]
        )
        == 0
    )
    rgba = np.asarray(Image.open(tmp_path / "a" / "p.png"))
    assert rgba.shape == (300, 300, 4) and rgba[0, 0, 3] == 0
    assert "compliance=" not in capsys.readouterr().out  # no preset: no rules to check against
    assert (
        main(
            [
                "enhance",
                str(src),
                "--out",
                str(tmp_path / "b"),
                "--preset",
                "instagram-story",
                "--method",
                "fast",
            ]
        )
        == 0
    )
    assert Image.open(tmp_path / "b" / "p.jpg").size == (1080, 1920)
    assert "compliance=pass" in capsys.readouterr().out


def test_enhance_prints_the_compliance_report(tmp_path, capsys):
    src = tmp_path / "p.jpg"
    src.write_bytes(studio_jpeg())
    args = ["enhance", str(src), "--method", "fast", "--preset", "amazon"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("compliance=pass")
    # a PNG where Amazon asks for JPEG: the output is still written, the line says why it does not comply
    assert main([*args, "--out", str(tmp_path / "b"), "--format", "png"]) == 0
    line = capsys.readouterr().out
    assert "compliance=fail: " in line and "the preset asks for jpg" in line


def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys):
    src = tmp_path / "p.jpg"
    src.write_bytes(studio_jpeg())
    for extra, words in [
        (["--preset", "tiktok"], "unknown preset 'tiktok'"),
        (["--aspect", "2:1"], "unknown aspect ratio '2:1'"),
        (["--template", "no-such-template"], "unknown template"),
        (["--size", "5"], "size must be an integer"),
    ]:
        code = main(["enhance", str(src), "--out", str(tmp_path / "o"), *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert len(err) == 1 and words in err[0], err


def test_duplicate_stems_do_not_overwrite_each_other(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "shot.jpg").write_bytes(studio_jpeg())
    assert (
        main(
            [
                "enhance",
                str(tmp_path / "a" / "shot.jpg"),
                str(tmp_path / "b" / "shot.jpg"),
                "--out",
                str(tmp_path / "o"),
                "--size",
                "200",
                "--method",
                "fast",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["shot-2.jpg", "shot.jpg"]
    capsys.readouterr()


def test_an_unwritable_result_is_a_one_line_error(tmp_path, capsys):
    src = tmp_path / "shot.jpg"
    src.write_bytes(studio_jpeg())
    out = tmp_path / "o"
    (out / "shot.jpg").mkdir(parents=True)  # a folder where the result should go: the write fails
    code = main(["enhance", str(src), "--out", str(out), "--size", "200", "--method", "fast"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "cannot write" in err[0], err
