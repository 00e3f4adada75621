"""`drisya templates ...` end to end through the real command dispatcher (no server needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from PIL import Image

from drisya.cli.main import main


def test_list_json_from_a_real_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", "templates", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert len(rows) >= 120
    assert len(Counter(r["category"] for r in rows)) >= 10
    assert all({"id", "name", "category", "tags"} <= r.keys() for r in rows)
    assert {"id": "studio-sweep-blue", "name": "Blue Background"}.items() <= next(
        r for r in rows if r["id"] == "studio-sweep-blue"
    ).items()


def test_list_filters(capsys) -> None:
    assert main(["templates", "list", "--json", "--category", "festive", "--q", "diwali"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["category"] == "festive" and "diwali" in r["tags"] for r in rows)
    assert main(["templates", "list", "--q", "blue background"]) == 0
    assert "studio-sweep-blue" in capsys.readouterr().out


def test_render_writes_the_requested_aspect(tmp_path) -> None:
    out = tmp_path / "blue.png"
    assert (
        main(
            [
                "templates",
                "render",
                "studio-sweep-blue",
                "--aspect",
                "16:9",
                "--size",
                "320",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert Image.open(out).size == (320, 180)
    out2 = tmp_path / "white.jpg"
    assert (
        main(["templates", "render", "#ffffff", "--aspect", "4:5", "--size", "100", "--out", str(out2)]) == 0
    )
    assert Image.open(out2).size == (80, 100)


def test_bad_input_is_one_line_errors(tmp_path, capsys) -> None:
    assert main(["templates", "render", "nope", "--out", str(tmp_path / "x.png")]) == 2
    assert "unknown template 'nope'" in capsys.readouterr().err
    assert (
        main(
            ["templates", "render", "studio-sweep-blue", "--aspect", "wide", "--out", str(tmp_path / "x.png")]
        )
        == 2
    )
    assert main(["templates", "render", "studio-sweep-blue", "--out", str(tmp_path / "x.gif")]) == 2
    assert (
        main(["templates", "render", "studio-sweep-blue", "--out", str(tmp_path / "missing" / "x.png")]) == 2
    )
    capsys.readouterr()
    for args in (
        ["sheet", "--cell", "0", "--out", str(tmp_path / "s.png")],
        ["sheet", "--cols", "0", "--out", str(tmp_path / "s.png")],
        ["bench", "--threads", "0", "--category", "studio"],
        ["bench", "--size", "0", "--category", "studio"],
    ):
        assert main(["templates", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "must be between" in err, err
    blocked = tmp_path / "blocked.png"
    blocked.mkdir()  # a folder where the file should go: the write fails
    assert main(["templates", "render", "#ffffff", "--size", "16", "--out", str(blocked)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_sheet(tmp_path) -> None:
    out = tmp_path / "sheet.jpg"
    assert (
        main(["templates", "sheet", "--category", "podium", "--cell", "80", "--cols", "4", "--out", str(out)])
        == 0
    )
    w, h = Image.open(out).size
    assert w > 4 * 80 and h > 80
