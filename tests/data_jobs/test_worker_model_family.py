"""A batch worker loads a configured model with that model's own pre/post-processing."""

from __future__ import annotations

import pytest


@pytest.mark.model
def test_worker_uses_the_configured_model_family(tmp_path, settings) -> None:
    from cluster.model_store import resolve_model
    from data_jobs.pipeline import ImageWorker
    from engine.pipeline import parse_recipe
    from engine.templates import resolve

    real = resolve_model(settings.with_(model_path=None), fetch_if_missing=False)
    custom = tmp_path / "u2net-custom.onnx"  # the name says U2-Net: 320 px, ImageNet statistics
    custom.symlink_to(real)
    recipe = parse_recipe({"module": "ready", "method": "model"}).to_dict()
    worker = ImageWorker(settings.with_(model_path=str(custom)), recipe, resolve("#ffffff"))
    assert worker.session is not None
    assert worker.session.family.name == "u2net"
