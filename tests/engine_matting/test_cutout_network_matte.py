"""The finish stage mattes with the network's matte from the model stage (`NetworkMatte`), which
reads only the working size's shape: `matte` hands it a stand-in of that shape instead of
resizing the full photo (issue 12). The matte, method and quality are those of the resized photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import emoji, studio
from engine.matting import MatteOptions, _model_only_quality, matte
from engine.matting.model import NetworkMatte
from engine.matting.refine import upsample_alpha


def ref_model_matte(rgb: np.ndarray, session: NetworkMatte, working_size: int) -> tuple[np.ndarray, float]:
    """`matte(..., "model")` before the change: the photo resized to the working size first."""
    h, w = rgb.shape[:2]
    scale = working_size / max(h, w)
    work = rgb
    if scale < 1.0:
        work = cv2.resize(
            rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
    alpha = session.predict(work)
    quality = _model_only_quality(alpha)
    return (upsample_alpha(alpha, rgb) if work.shape[:2] != rgb.shape[:2] else alpha), quality


@pytest.mark.parametrize(("size", "working_size"), [(1600, 1024), (900, 1024), (1300, 640)])
def test_a_given_network_matte_gives_the_matte_of_the_resized_photo(size, working_size) -> None:
    for i, path in enumerate(emoji.pick("test", 2)):
        shot = studio.compose_shot(emoji.load_rgba(path), size=size, seed=40 + i)
        # the network's matte as the model stage hands it over: uint8 at the network's own size
        net = np.clip(cv2.resize(shot.alpha, (320, 320), interpolation=cv2.INTER_AREA) * 255 + 0.5, 0, 255)
        session = NetworkMatte(net.astype(np.uint8))
        got = matte(shot.rgb, "model", session=session, options=MatteOptions(working_size=working_size))
        want, quality = ref_model_matte(shot.rgb, session, working_size)
        assert got.method == "model" and got.alpha.dtype == np.float32
        assert got.alpha.shape == shot.rgb.shape[:2]
        assert np.array_equal(got.alpha, want)
        assert got.quality == quality
