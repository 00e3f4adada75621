"""faststart: the index in front of the media, every frame decoding exactly as before."""

from __future__ import annotations

import io
import struct

import av
import numpy as np

from engine.surprise.mp4 import faststart


def _top_level(data: bytes) -> list[bytes]:
    kinds, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        pos += size
    return kinds


def _encode_plain(frames: list[np.ndarray]) -> bytes:
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return out.getvalue()


def _decoded(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_moov_moves_before_mdat_and_frames_are_unchanged():
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(20)]
    plain = _encode_plain(frames)
    kinds = _top_level(plain)
    assert kinds.index(b"moov") > kinds.index(b"mdat")  # FFmpeg's default: index at the end
    fast = faststart(plain)
    fast_kinds = _top_level(fast)
    assert fast_kinds.index(b"moov") < fast_kinds.index(b"mdat")
    assert sorted(fast_kinds) == sorted(kinds) and len(fast) == len(plain)
    before, after = _decoded(plain), _decoded(fast)
    assert len(after) == len(before) == 20
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert faststart(fast) == fast  # already in front: unchanged
