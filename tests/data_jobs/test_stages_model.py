"""The network stage's model session on the CPU: what it hands on (a uint8 matte at the network's
size) gives `predict`'s matte back within the rounding, and IOBinding stays off without CUDA."""

from __future__ import annotations

import numpy as np
import pytest

from engine.matting.model import NetworkMatte, get_session, quantise
from tests.data_jobs.conftest import product_photo

pytestmark = pytest.mark.model


def _session(settings):
    from cluster.model_store import model_family, resolve_model

    return get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))


def _rgb(size: int) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(product_photo(size, seed=2))).convert("RGB"))


def test_the_uint8_matte_gives_predicts_matte_back(settings) -> None:
    session = _session(settings)
    rgb = _rgb(700)

    small = session.predict_u8(rgb)
    direct = session.predict(rgb)

    assert small.dtype == np.uint8 and small.shape == (session.input_size, session.input_size)
    again = NetworkMatte(small).predict(rgb)
    assert again.shape == direct.shape == rgb.shape[:2]
    assert float(np.abs(again - direct).max()) <= 1.0 / 255.0 + 1e-6
    assert 0.05 < float((direct > 0.5).mean()) < 0.9  # a real matte, not an empty or full one


def test_iobinding_is_only_used_with_cuda(settings) -> None:
    session = _session(settings)
    assert session.uses_iobinding == session.uses_gpu
    if not session.uses_gpu:
        x = session.preprocess(_rgb(300))
        # the one run path on the CPU: the raw output, activated and quantised as the stage does
        out = session.run(x)
        assert out.shape[-2:] == (session.input_size, session.input_size)
        assert np.array_equal(quantise(session.activate(out)), session.predict_u8(_rgb(300)))


def test_quantise_rounds_and_clips() -> None:
    pred = np.array([[-0.2, 0.0, 0.5 / 255, 0.5, 1.0, 1.3]], np.float32)
    assert quantise(pred).tolist() == [[0, 0, 1, 128, 255, 255]]
