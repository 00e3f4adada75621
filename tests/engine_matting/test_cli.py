"""`drisya matte` and `drisya models` through the real CLI entry point."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.datasets import metrics, synthetic
from drisya.cli.main import main


def _write(path: Path, rgb: np.ndarray, fmt: str) -> Path:
    Image.fromarray(rgb).save(path, fmt, **({"quality": 92} if fmt in ("JPEG", "WEBP") else {}))
    return path


def test_matte_writes_cutouts_and_reports_bad_files(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DRISYA_DATA_DIR", str(tmp_path / "data"))
    mug = synthetic.scene("mug", seed=1)
    card = synthetic.scene("card", size=(600, 400), seed=2)
    inputs = [
        _write(tmp_path / "mug.jpg", mug.rgb, "JPEG"),
        tmp_path / "broken.jpg",
        _write(tmp_path / "card.webp", card.rgb, "WEBP"),
        tmp_path / "notes.png",
        tmp_path / "missing.jpg",
    ]
    good = io.BytesIO()
    Image.fromarray(mug.rgb).save(good, "JPEG")
    inputs[1].write_bytes(good.getvalue()[:2000])  # truncated
    inputs[3].write_text("this is not a picture")
    out = tmp_path / "out"

    code = main(["matte", *map(str, inputs), "--out", str(out), "--method", "fast"])
    captured = capsys.readouterr()
    assert code == 1
    err_lines = [line for line in captured.err.splitlines() if line.strip()]
    assert any("broken.jpg" in line and "truncated" in line for line in err_lines)
    assert any("notes.png" in line and "unsupported image format" in line for line in err_lines)
    assert any("missing.jpg" in line and "cannot read" in line for line in err_lines)
    assert "Traceback" not in captured.err

    lines = captured.out.splitlines()
    assert len(lines) == 2 and all("method=fast" in line and "quality=" in line for line in lines)
    cut = np.asarray(Image.open(out / "mug.png"))
    assert cut.shape == (*mug.rgb.shape[:2], 4)
    assert metrics.iou(cut[..., 3] / 255.0, mug.alpha) >= 0.98
    card_cut = Image.open(out / "card.png")
    assert card_cut.mode == "RGBA" and card_cut.size == (400, 600)
    assert not list(out.glob("*.part"))


@pytest.mark.model
def test_matte_auto_uses_the_model_when_needed(tmp_path: Path, capsys, monkeypatch) -> None:
    from cluster.model_store import RECOMMENDED_MODEL

    monkeypatch.setenv("DRISYA_MODEL_NAME", RECOMMENDED_MODEL)
    bottle = synthetic.scene("grey_bottle", seed=4)
    src = _write(tmp_path / "bottle.png", bottle.rgb, "PNG")
    assert main(["matte", str(src), "--out", str(tmp_path / "o")]) == 0
    line = capsys.readouterr().out.strip()
    assert "method=auto:model" in line
    cut = np.asarray(Image.open(tmp_path / "o" / "bottle.png"))
    assert metrics.iou(cut[..., 3] / 255.0, bottle.alpha) >= 0.97


def test_models_list_prints_names_and_paths(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DRISYA_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "isnet-fp16" in out and "isnet-quint8" in out
    assert str(tmp_path / "cache" / "isnet-fp16" / "model.onnx") in out
    assert "not fetched" in out


def test_models_fetch_unknown_name_is_one_line(capsys) -> None:
    assert main(["models", "fetch", "no-such-model"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("drisya: unknown model") and "\n" not in err


def test_matte_output_that_cannot_be_written_is_one_line_and_the_rest_go_on(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("DRISYA_DATA_DIR", str(tmp_path / "data"))
    scene = synthetic.scene("mug", size=(200, 200), seed=4)
    first = _write(tmp_path / "blocked.png", scene.rgb, "PNG")
    second = _write(tmp_path / "fine.png", scene.rgb, "PNG")
    out = tmp_path / "out"
    (out / "blocked.png").mkdir(parents=True)  # a folder where the cut-out should go

    code = main(["matte", str(first), str(second), "--out", str(out), "--method", "fast"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    assert any("blocked.png" in line and "cannot write" in line for line in captured.err.splitlines())
    assert (out / "fine.png").is_file() and not list(out.glob("*.part"))


def test_a_model_file_onnxruntime_cannot_load_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    bad = tmp_path / "isnet-broken.onnx"
    bad.write_bytes(b"this is not an ONNX graph")
    monkeypatch.setenv("DRISYA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRISYA_MODEL_PATH", str(bad))
    image = _write(tmp_path / "mug.png", synthetic.scene("mug", size=(120, 120), seed=5).rgb, "PNG")

    code = main(["matte", str(image), "--out", str(tmp_path / "out"), "--method", "model"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    assert any("mug.png" in line and "cannot load the model" in line for line in captured.err.splitlines())


@pytest.mark.model
def test_models_check_runs_the_model_and_says_which_device(capsys, monkeypatch) -> None:
    from cluster.model_store import RECOMMENDED_MODEL

    monkeypatch.delenv("DRISYA_MODEL_PATH", raising=False)
    monkeypatch.setenv("DRISYA_MODEL_NAME", RECOMMENDED_MODEL)
    assert main(["models", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"model: {RECOMMENDED_MODEL} ") and "family isnet" in lines[0]
    runs_on = next(line for line in lines if line.startswith("runs on: "))
    # the device and runtime named are the ones the loaded session really uses, not what onnxruntime
    # merely offers: this CPU-only machine runs OpenVINO where it computes in bfloat16
    from engine.matting.runtimes import choose_runtime

    runtime = choose_runtime("auto")
    assert runs_on.startswith(f"runs on: CPU, {runtime} (")
    assert ("OpenVINO CPU (bfloat16)" if runtime == "openvino" else "CPUExecutionProvider") in runs_on


def test_models_check_on_a_broken_or_missing_model_is_one_line_exit_1(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"this is not an ONNX graph")
    monkeypatch.setenv("DRISYA_MODEL_PATH", str(bad))
    assert main(["models", "check"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("drisya: cannot load the model") and "\n" not in err

    monkeypatch.delenv("DRISYA_MODEL_PATH")
    monkeypatch.setenv("DRISYA_MODEL_CACHE_DIR", str(tmp_path / "empty-cache"))
    assert main(["models", "check"]) == 1  # never fetches: says how to
    err = capsys.readouterr().err.strip()
    assert "drisya models fetch" in err and "\n" not in err
    assert not (tmp_path / "empty-cache").exists()
