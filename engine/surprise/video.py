"""A short product video: the variants one after another with cross-fades and a gentle zoom.

Everything expensive happens before the first frame: the variants are already composed, and are
resized once to the video size. Each frame then costs one affine warp per visible variant (two
during a cross-fade) and a blend, in uint8/float32. Encoded with PyAV's bundled FFmpeg (libx264,
yuv420p, 30 fps) to MP4 bytes in memory, the index then moved to the front (engine.surprise.mp4) so a
browser starts playing before the whole file has arrived.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from engine.surprise.mp4 import faststart

FPS = 30
MIN_SECONDS = 3.0
MAX_SECONDS = 6.0
SECONDS_PER_VARIANT = 1.5
MAX_CROSSFADE = 0.5  # seconds
ZOOM = 0.06  # the picture grows by this much over the whole video (Ken Burns)
MAX_VIDEO_SIDE = 1080  # longest side of the video: phone screens and marketplace players
CRF = 23  # x264 quality: visually clean for slow zooms at a few hundred kB a second


@dataclass(frozen=True)
class VideoResult:
    data: bytes
    width: int
    height: int
    seconds: float
    frames: int


def video_size(canvas: tuple[int, int], max_side: int = MAX_VIDEO_SIDE) -> tuple[int, int]:
    """The canvas's aspect at most `max_side` long, both sides even (yuv420p halves them)."""
    w, h = canvas
    f = min(1.0, max_side / max(w, h))
    return max(2, int(round(w * f / 2)) * 2), max(2, int(round(h * f / 2)) * 2)


def duration(variants: int) -> float:
    return min(MAX_SECONDS, max(MIN_SECONDS, SECONDS_PER_VARIANT * variants))


def make_video(
    images: Sequence[np.ndarray],
    focus: tuple[float, float] = (0.5, 0.5),
    *,
    max_side: int = MAX_VIDEO_SIDE,
) -> VideoResult:
    """uint8 RGB variants (same size) -> MP4 bytes. `focus`: the point the zoom closes in on, as
    fractions of the width and height (the product's centre, so it stays framed)."""
    import av

    if not images:
        raise ValueError("a video needs at least one image")
    width, height = video_size((images[0].shape[1], images[0].shape[0]), max_side)
    stills = [_fit(im, width, height) for im in images]
    seconds = duration(len(stills))
    frames = int(round(seconds * FPS))
    segment = seconds / len(stills)
    fade = min(MAX_CROSSFADE, 0.4 * segment)
    cx, cy = focus[0] * width, focus[1] * height

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        # a fixed thread count: x264's output depends on it, and the same inputs must give the same bytes
        stream.codec_context.thread_count = 2
        stream.options = {"crf": str(CRF), "preset": "veryfast", "profile": "high"}
        for i in range(frames):
            t = i / FPS
            rgb = _frame(stills, t, seconds, segment, fade, cx, cy)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return VideoResult(faststart(out.getvalue()), width, height, frames / FPS, frames)


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    if image.shape[1] == width and image.shape[0] == height:
        return np.ascontiguousarray(image[..., :3])
    return cv2.resize(np.ascontiguousarray(image[..., :3]), (width, height), interpolation=cv2.INTER_AREA)


def _frame(
    stills: Sequence[np.ndarray], t: float, seconds: float, segment: float, fade: float, cx: float, cy: float
) -> np.ndarray:
    k = min(len(stills) - 1, int(t / segment))
    scale = 1.0 + ZOOM * _smooth(t / seconds)
    m = np.array([[scale, 0.0, cx * (1 - scale)], [0.0, scale, cy * (1 - scale)]], np.float32)
    size = (stills[0].shape[1], stills[0].shape[0])
    current = cv2.warpAffine(stills[k], m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    into = t - k * segment - (segment - fade)
    if k + 1 >= len(stills) or into <= 0:
        return current
    nxt = cv2.warpAffine(stills[k + 1], m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    w = _smooth(into / fade)
    return cv2.addWeighted(current, 1.0 - w, nxt, w, 0.0)


def _smooth(x: float) -> float:
    """Smoothstep: starts and ends at rest, so a fade or zoom never jumps."""
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


__all__ = ["FPS", "VideoResult", "duration", "make_video", "video_size"]
