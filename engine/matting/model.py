"""`model` matting: a salient-object ONNX network (ISNet by default), run by onnxruntime or OpenVINO.

Loading a 44-88 MB network takes a second or more and hundreds of MB, so a process holds one session
per model file and runtime (`get_session`), created lazily and safe to lose. Which runtime runs the
graph is `engine.matting.runtimes.choose_runtime`'s decision: onnxruntime's CUDA provider where
onnxruntime-gpu offers it, OpenVINO in bfloat16 on a CPU that has it, onnxruntime on the CPU
otherwise. Each model family brings its
own input size, normalisation and output activation, as rembg's sessions do, so any ISNet/U2-Net/
BiRefNet-style ONNX can be dropped in via DRISYA_MODEL_PATH.

Batches: an exported graph usually declares a batch of 1, and onnxruntime refuses any other. `drisya
models batch` writes a verified batch-capable copy next to the model file (`<stem>.batch.onnx` with a
manifest `<stem>.batch.json` holding both files' sha256). Where that copy is there and intact, the
session runs EVERY call through it (`predict_batch` as one run per group, `predict`, `predict_u8` and
`run` as batches of one) and never loads the original: the copy computes only the output the engine
reads (~10% less CPU an image), and one process holds one network instead of two (the original beside
the copy peaked at 3.3 GB in a network actor that also takes auto's further looks, against 1.3 GB for
one). Without a copy every call runs the original, one image at a time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.matting.runtimes import GraphLoadError, choose_runtime, load_graph

log = logging.getLogger(__name__)

BATCH_SUFFIX = ".batch"  # model.onnx -> model.batch.onnx (the copy) and model.batch.json (its manifest)


@dataclass(frozen=True)
class Family:
    """Pre/post-processing of one model family."""

    name: str
    size: int  # square input side the network was trained at
    mean: tuple[float, float, float]  # on 0..1 pixel values
    std: tuple[float, float, float]
    activation: str  # "none" (output already 0..1), "sigmoid" (logits), "minmax" (rescale per image)


FAMILIES: dict[str, Family] = {
    # ISNet (DIS): trained on x/255 - 0.5 with unit std; the exported graph ends with a sigmoid.
    "isnet": Family("isnet", 1024, (0.5, 0.5, 0.5), (1.0, 1.0, 1.0), "none"),
    # U2-Net: ImageNet statistics at 320 px, output rescaled per image as in the reference code.
    "u2net": Family("u2net", 320, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), "minmax"),
    # BiRefNet: ImageNet statistics at 1024 px, logits out.
    "birefnet": Family("birefnet", 1024, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), "sigmoid"),
}


class ModelLoadError(RuntimeError):
    """The model file exists but the runtime cannot load it (not an ONNX file, truncated, wrong opset)."""


def _threads_from_env() -> int | None:
    """The runtime's thread count where the process was given a CPU budget: Ray sets
    OMP_NUM_THREADS to a task's or actor's num_cpus, but neither onnxruntime (not built with OpenMP)
    nor OpenVINO reads it, and each would start one thread per core in every worker. None: its default."""
    import os

    try:
        value = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return value if value > 0 else None


class ModelSession:
    """One network for one model file in one runtime, with its family's pre/post-processing."""

    def __init__(
        self,
        model_path: str | Path,
        family: str = "isnet",
        *,
        threads: int | None = None,
        runtime: str = "auto",
    ) -> None:
        if family not in FAMILIES:
            raise ValueError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")
        self.path = Path(model_path)
        self.family = FAMILIES[family]
        self.runtime = choose_runtime(runtime)
        # the verified batch-capable copy where one is installed (two files hashed, ~0.3 s), else the
        # original: the one graph this session runs
        self.batch_path: Path | None = verified_batch_copy(self.path)
        self.graph_path = self.batch_path or self.path
        try:
            self._graph = load_graph(self.graph_path, self.runtime, threads or _threads_from_env())
        except GraphLoadError as exc:
            raise ModelLoadError(f"cannot load the model {self.graph_path}: {exc}".strip()) from exc
        self.providers = list(self._graph.providers)
        fixed = [d for d in self._graph.input_shape[2:] if isinstance(d, int)]
        self.input_size = fixed[0] if len(fixed) == 2 and fixed[0] == fixed[1] else self.family.size
        self._lock = threading.Lock()

    @property
    def uses_iobinding(self) -> bool:
        """Whether runs go through IOBinding (input and output on the GPU; CUDA provider only)."""
        return self._graph.uses_iobinding

    @property
    def uses_batch_copy(self) -> bool:
        """Whether the verified batch-capable copy runs (several images per call in `predict_batch`)."""
        return self.batch_path is not None

    @property
    def uses_gpu(self) -> bool:
        """Whether this session really got CUDA. onnxruntime falls back to the CPU without an error when
        onnxruntime-gpu is installed but CUDA/cuDNN cannot load, so the session's providers, not the
        available ones, are the truth; `drisya models check` reports it."""
        return self._graph.uses_gpu

    def preprocess(self, rgb: np.ndarray) -> np.ndarray:
        """uint8 RGB (H, W, 3) -> the network's input (1, 3, S, S) float32, normalised.

        One pass per channel: each uint8 plane goes through a table of its normalised values straight
        into its slot of the output, instead of widening, dividing, subtracting, dividing and
        transposing 12 MB five times (55 -> a few ms per 1024 px image: on a GPU node this ran on
        the network actor's one core beside a 9 ms network run, issue 12). The table holds exactly
        what `(v / 255 - mean) / std` gives in float32, so the input is bit for bit the same."""
        size = self.input_size
        if rgb.shape[:2] != (size, size):
            rgb = cv2.resize(
                rgb,
                (size, size),
                interpolation=cv2.INTER_AREA if max(rgb.shape[:2]) > size else cv2.INTER_LINEAR,
            )
        x = np.empty((1, 3, size, size), np.float32)
        rgb = np.ascontiguousarray(rgb)
        tables = self._tables
        for c in range(3):  # one plane at a time: cv2.split's three new planes cost more (issue 12)
            cv2.LUT(cv2.extractChannel(rgb, c), tables[c], dst=x[0, c])
        return x

    @functools.cached_property
    def _tables(self) -> np.ndarray:
        """Per channel, the normalised float32 value of each uint8 code: (3, 256)."""
        codes = np.arange(256, dtype=np.float32) / np.float32(255.0)
        mean = np.array(self.family.mean, np.float32)[:, None]
        std = np.array(self.family.std, np.float32)[:, None]
        return np.ascontiguousarray((codes[None, :] - mean) / std, dtype=np.float32)

    def postprocess(self, out: np.ndarray, height: int, width: int) -> np.ndarray:
        return resize_prediction(self.activate(out), height, width)

    def activate(self, out: np.ndarray) -> np.ndarray:
        """The network's raw output -> a float32 matte at its own size, 0..1."""
        pred = out.reshape(out.shape[-2], out.shape[-1]).astype(np.float32, copy=False)
        if self.family.activation == "sigmoid":
            pred = 1.0 / (1.0 + np.exp(-pred))
        elif self.family.activation == "minmax":
            lo, hi = float(pred.min()), float(pred.max())
            pred = (pred - lo) / (hi - lo) if hi > lo else np.zeros_like(pred)
        return pred

    def run(self, x: np.ndarray) -> np.ndarray:
        """One network run on a preprocessed input (N, 3, S, S) float32 -> the raw output (N, ...).
        N > 1 only through the batch copy (`uses_batch_copy`); the original refuses it."""
        with self._lock:  # one run at a time per session: the runtime parallelises inside a run
            out = self._graph.run(x)
        if out.shape[0] != x.shape[0]:
            raise RuntimeError(f"the network returned {out.shape[0]} outputs for {x.shape[0]} inputs")
        return out

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Alpha (float32, 0..1) at the size of `rgb` (uint8 HxWx3)."""
        out = self.run(self.preprocess(rgb))
        return self.postprocess(out, rgb.shape[0], rgb.shape[1])

    def predict_u8(self, rgb: np.ndarray) -> np.ndarray:
        """The network's matte for `rgb` at the network's own size, as uint8: what a batch's model
        stage hands on (a 1 MB matte instead of a float array at the photo's size).
        `NetworkMatte(predict_u8(x)).predict(x)` equals `predict(x)` within 1/255."""
        return quantise(self.activate(self.run(self.preprocess(rgb))))

    def predict_batch(self, rgbs: list[np.ndarray]) -> list[np.ndarray]:
        """`predict_u8` for each image (uint8 HxWx3, any sizes), as one network run where the verified
        batch-capable copy is installed, else one run of the original per image. The copy's output was
        checked against the original's when it was installed (`drisya models batch`, in onnxruntime),
        within half a uint8 step, so each matte is what the original gives, within one level there
        (OpenVINO's bfloat16 kernels for the two graphs differ by up to two).

        If the batched run fails (e.g. the GPU runs out of memory for this batch), the images run one
        by one, so only an image that fails alone fails."""
        if len(rgbs) > 1 and self.uses_batch_copy:
            x = np.concatenate([self.preprocess(rgb) for rgb in rgbs])
            try:
                out = self.run(x)
            except Exception as exc:  # noqa: BLE001 - onnxruntime's own classes; per-image runs remain
                log.warning("batched run of %d images failed (%s); running them one by one", len(rgbs), exc)
            else:
                return [quantise(self.activate(out[i : i + 1])) for i in range(len(rgbs))]
        return [self.predict_u8(rgb) for rgb in rgbs]


def batch_copy_paths(model_path: str | Path) -> tuple[Path, Path]:
    """Where the batch-capable copy of `model_path` and its manifest live: next to the model file."""
    path = Path(model_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(stem + BATCH_SUFFIX + ".onnx"), path.with_name(stem + BATCH_SUFFIX + ".json")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batch_copy_problem(model_path: str | Path) -> str | None:
    """Why the batch copy of `model_path` must not be used (words), or None when it is installed and
    intact: the manifest is readable, and the copy and the model are byte for byte the files that were
    verified (sha256). A copy that was never verified has no manifest, since the manifest is written
    only after the check passed; a model replaced since then no longer matches its recorded hash."""
    copy, manifest = batch_copy_paths(model_path)
    if not manifest.is_file():
        return "no batch copy installed"
    try:
        recorded = json.loads(manifest.read_text())
        want_copy, want_source = str(recorded["sha256"]), str(recorded["source_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"the manifest {manifest} is unreadable"
    if not copy.is_file():
        return f"the batch copy {copy} is missing"
    if file_sha256(copy) != want_copy:
        return f"the batch copy {copy} does not match its recorded sha256 (corrupted or changed)"
    if file_sha256(model_path) != want_source:
        return f"the model {model_path} changed since its batch copy was verified"
    return None


def verified_batch_copy(model_path: str | Path) -> Path | None:
    """The batch copy's path when `batch_copy_problem` finds none; else None (and a warning when a
    copy is there but cannot be trusted, so per-image runs are not a silent surprise)."""
    problem = batch_copy_problem(model_path)
    if problem is None:
        return batch_copy_paths(model_path)[0]
    if problem != "no batch copy installed":
        log.warning("%s; images run one at a time (rerun `drisya models batch`)", problem)
    return None


def quantise(pred: np.ndarray) -> np.ndarray:
    """A 0..1 float matte -> uint8 (rounded, clipped)."""
    return np.clip(pred * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)


def resize_prediction(pred: np.ndarray, height: int, width: int) -> np.ndarray:
    """A matte at the network's size -> float32 0..1 at (height, width), a new array. One pass where
    the size is the network's own (a resize to the same size would copy, then the clip again), and
    the resized copy is clipped in place."""
    if pred.shape[:2] == (height, width):
        return np.clip(pred, 0.0, 1.0)
    out = cv2.resize(pred, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(out, 0.0, 1.0, out=out)


_U8_UNIT = np.arange(256, dtype=np.float32) * np.float32(1.0 / 255.0)  # the widening NetworkMatte used


class NetworkMatte:
    """Network mattes computed elsewhere (a batch's model stage), offered with the `predict` of a
    session so `engine.matting.matte` uses them as if the network ran here. One matte (H, W), or the
    looks `engine.matting.network_looks` recorded (k, H, W): `predict` hands them out in order, as
    auto asked for them; asking for more than were recorded is an error, never the first again."""

    def __init__(self, matte_u8: np.ndarray) -> None:
        looks = np.asarray(matte_u8)
        self.looks = [looks] if looks.ndim == 2 else list(looks)
        self.matte = self.looks[0]
        self._handed = 0

    def at(self, height: int, width: int, look: int = 0) -> np.ndarray:
        """A look as float32 0..1 at (height, width): all the finish stage needs, so no image of
        that size has to exist (issue 12). A table widens the uint8 codes, one pass and the same
        values as `astype(float32) * (1/255)`."""
        pred = cv2.LUT(np.ascontiguousarray(self.looks[look], dtype=np.uint8), _U8_UNIT)
        return resize_prediction(pred, height, width)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """The next look at the size of `rgb` (its pixels are not read): the session interface."""
        if self._handed >= len(self.looks):
            raise RuntimeError(
                f"the network stage recorded {len(self.looks)} look(s) for this image and matting asked "
                "for another: the stages decided differently"
            )
        self._handed += 1
        return self.at(rgb.shape[0], rgb.shape[1], self._handed - 1)


_SESSIONS: dict[tuple[str, str, str, str], ModelSession] = {}
_SESSIONS_LOCK = threading.Lock()


def get_session(model_path: str | Path, family: str = "isnet", runtime: str = "auto") -> ModelSession:
    """The process-wide session for a model file in a runtime (created on first use, reused
    afterwards). A link to the model elsewhere gets a session of its own: the batch copy is looked
    for next to the path given, not next to the file it points to."""
    key = (
        str(Path(model_path).resolve()),
        family,
        str(batch_copy_paths(Path(model_path).absolute())[0]),
        choose_runtime(runtime),
    )
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = ModelSession(model_path, family, runtime=key[3])
            _SESSIONS[key] = session
        return session
