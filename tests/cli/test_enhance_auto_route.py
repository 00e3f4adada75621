"""`drisya enhance` runs `auto` the way a batch on the same machine would (DRISYA_AUTO_ROUTE), so the
one-image path and the batch give the same picture: on a clean studio shot colour-first lets the colour
model decide alone, network-first asks the network anyway, `network` takes the network's answer alone."""

from __future__ import annotations

import re

import pytest

from cluster.model_store import model_family, resolve_model
from cluster.settings import Settings
from drisya.cli.enhance import _auto_mode
from drisya.cli.main import main
from engine.matting.model import get_session
from engine.pipeline import parse_recipe, process_image
from engine.templates import resolve
from tests.data_jobs.conftest import product_photo


def _enhance(tmp_path, capsys, monkeypatch, route: str) -> tuple[str, bytes]:
    monkeypatch.setenv("DRISYA_AUTO_ROUTE", route)
    photo = tmp_path / "box.jpg"
    photo.write_bytes(product_photo(320, seed=3))
    out = tmp_path / f"out-{route}"
    assert main(["enhance", str(photo), "--out", str(out), "--size", "400", "--template", "#ffffff"]) == 0
    method = re.search(r"method=(\S+)", capsys.readouterr().out).group(1)
    return method, (out / "box.jpg").read_bytes()


@pytest.mark.model
def test_enhance_follows_the_auto_route(tmp_path, capsys, monkeypatch) -> None:
    colour, colour_out = _enhance(tmp_path, capsys, monkeypatch, "colour")
    first, first_out = _enhance(tmp_path, capsys, monkeypatch, "network-first")
    alone, _ = _enhance(tmp_path, capsys, monkeypatch, "network")
    assert colour == "auto:fast"  # a clean shot: the colour model is sure, no network
    assert first == "auto:model" and alone == "auto:model"  # the network asked, either way
    assert first_out != colour_out
    # the same picture the one-image path gives in that mode (what a batch's stages reproduce)
    recipe, template = parse_recipe({"size": 400}), resolve("#ffffff")
    data = (tmp_path / "box.jpg").read_bytes()
    settings = Settings.from_env()
    session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    expected = process_image(data, recipe, template, session=session, network_first="network-first")
    assert first_out == expected.data


def test_hardware_is_colour_first_without_cuda_and_other_methods_are_untouched() -> None:
    import onnxruntime as ort

    assert "CUDAExecutionProvider" not in ort.get_available_providers()  # this machine: CPU only
    assert _auto_mode("auto", "hardware") == "colour"
    assert _auto_mode("auto", "network-first") == "network-first"
    assert _auto_mode("fast", "network-first") is False
    with pytest.raises(ValueError, match="DRISYA_AUTO_ROUTE"):
        _auto_mode("auto", "gpu")
    assert Settings.from_env(env={}).auto_route == "hardware"
