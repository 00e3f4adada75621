"""The matting methods a benchmark compares, each as `rgb uint8 -> alpha float32` with the same model.

rembg 2.0.86 (`pip install rembg==2.0.86`, the `bench` extra) runs the very same ISNet ONNX file through
its `dis_custom` session, so differences come from the method, not from the weights.

`fast`, `model` and `auto` run the network in the runtime the settings choose (`DRISYA_MODEL_RUNTIME`,
engine.matting.runtimes); `model:onnxruntime`, `auto:openvino` and the like pin one, so a run can show
what the runtime alone changes beside what the method does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cluster.model_store import model_family, resolve_model
from cluster.settings import Settings
from engine.matting import MatteOptions, matte
from engine.matting.model import get_session
from engine.matting.runtimes import RUNTIMES

Method = Callable[[np.ndarray], np.ndarray]


# What `auto` did beyond its first network run, by the detail it leaves (engine.matting.auto): the
# routing counts the quality and speed benchmarks print, so further network runs are never hidden.
# Each look is one network run (counted where taken); the frame is counted where it added pixels.
AUTO_LOOKS = {
    "flattened_added": "second network look",
    "beside_added": "look past a found part",
    "light_added": "look on the sweep's local level",
    "light_again": "again with lighter shadows painted",
    "past_shadows": "look past a plant and its shadows",
}
FRAME_COMPLETED = "light frame completed"


def auto_steps(details: dict) -> list[str]:
    """The further steps one `auto` matte took (`AUTO_LOOKS`, then `FRAME_COMPLETED`), in that order."""
    steps = [label for key, label in AUTO_LOOKS.items() if key in details]
    return steps + ([FRAME_COMPLETED] if details.get("frame_added", 0.0) > 0.0 else [])


def model_path(settings: Settings | None = None) -> Path:
    settings = settings or Settings.from_env()
    return resolve_model(settings, fetch_if_missing=True)


def build_methods(names: list[str], settings: Settings | None = None) -> tuple[dict[str, Method], dict]:
    """Callables for the named methods plus a record of what ran (model file, providers, versions)."""
    settings = settings or Settings.from_env()
    path = model_path(settings)
    session = get_session(path, model_family(settings), settings.model_runtime)
    options = MatteOptions(working_size=settings.limits.working_size)
    info = {
        "model": str(path),
        "model_name": settings.model_path or settings.model_name,
        "runtime": session.runtime,
        "providers": session.providers,
    }
    methods: dict[str, Method] = {}
    last_route: dict[str, str] = {}
    last_quality: dict[str, float] = {}
    last_details: dict[str, dict] = {}

    def ours(name: str, method: str, runtime: str) -> Method:
        own = get_session(path, model_family(settings), runtime) if runtime else session

        def run(rgb: np.ndarray) -> np.ndarray:
            res = matte(rgb, method, session=own, options=options)
            last_route[name] = res.method
            last_quality[name] = res.quality
            last_details[name] = res.details
            return res.alpha

        return run

    for name in names:
        method, _, runtime = name.partition(":")
        if method in ("fast", "model", "auto") and runtime in ("", *RUNTIMES[1:]):
            methods[name] = ours(name, method, runtime)
        elif name == "rembg":
            methods[name] = _rembg(path)
            import rembg

            info["rembg"] = getattr(rembg, "__version__", "2.0.86")
        else:
            raise SystemExit(f"unknown method {name!r}")
    info["last_route"] = last_route
    info["last_quality"] = last_quality
    info["last_details"] = last_details
    return methods, info


def _rembg(path: Path) -> Method:
    try:
        from rembg import new_session, remove
    except ImportError as exc:  # pragma: no cover - depends on the bench extra
        raise SystemExit("rembg is not installed: .venv/bin/pip install rembg==2.0.86") from exc
    # rembg only loads custom models from its home dir; point it at the folder that holds ours.
    os.environ["U2NET_HOME"] = str(path.resolve().parent)
    session = new_session("dis_custom", model_path=str(path.resolve()))

    def run(rgb: np.ndarray) -> np.ndarray:
        out = remove(rgb, session=session)
        return np.asarray(out)[..., 3].astype(np.float32) / 255.0

    return run
