"""The product video read back from its bytes with PyAV: H.264, yuv420p, 30 fps, 3-6 s, the canvas's aspect."""

import io

import av
import numpy as np
import pytest

from engine.pipeline import parse_recipe
from engine.surprise.render import render_surprise
from engine.surprise.video import make_video, video_size


def _probe(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        return {
            "codec": s.codec_context.name,
            "pix_fmt": s.codec_context.pix_fmt,
            "fps": s.average_rate,
            "seconds": c.duration / av.time_base,
            "size": (s.codec_context.width, s.codec_context.height),
            "frames": frames,
        }


@pytest.mark.parametrize(("aspect", "variants"), [("1:1", 2), ("4:5", 5), ("16:9", 1)])
def test_video_stream_read_back(aspect, variants, red_product):
    recipe = parse_recipe({"module": "look", "size": 300, "aspect": aspect})
    outs = render_surprise(*red_product, recipe, {"theme": "summer", "variants": variants, "video": True})
    assert [o.kind for o in outs] == ["image"] * variants + ["video"]
    video = outs[-1]
    assert (video.variant, video.extension, video.name) == (0, "mp4", "summer.mp4")
    info = _probe(video.data)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert info["fps"] == 30
    assert 3.0 <= info["seconds"] <= 6.0
    assert len(info["frames"]) == round(info["seconds"] * 30)
    assert info["size"] == video_size(recipe.canvas()) == (video.width, video.height)
    assert all(n % 2 == 0 for n in info["size"])
    assert video.data.index(b"moov") < video.data.index(b"mdat")  # plays while it downloads
    # it moves: the zoom alone changes the picture from the first frame to the last
    first, last = info["frames"][0].astype(np.float32), info["frames"][-1].astype(np.float32)
    assert float(np.abs(first - last).mean()) > 2.0


def test_video_is_deterministic_and_capped_in_size():
    rng = np.random.default_rng(0)
    stills = [rng.integers(0, 255, (1400, 2000, 3), dtype=np.uint8) // 4 * 4 for _ in range(2)]
    a = make_video(stills, max_side=240)
    b = make_video(stills, max_side=240)
    assert a.data == b.data
    assert (a.width, a.height) == (240, 168)
    assert a.frames == 90


def test_cross_fade_passes_through_both_variants():
    red = np.zeros((120, 160, 3), np.uint8)
    red[..., 0] = 220
    blue = np.zeros((120, 160, 3), np.uint8)
    blue[..., 2] = 220
    frames = _probe(make_video([red, blue]).data)["frames"]
    mid = [f[60, 80].astype(int) for f in frames]
    reds = [int(p[0]) for p in mid]
    assert reds[0] > 180 and reds[-1] < 40
    # smooth: no jump between two frames bigger than a tenth of the whole change
    assert max(abs(a - b) for a, b in zip(reds, reds[1:], strict=False)) < 0.1 * (reds[0] - reds[-1]) + 4
