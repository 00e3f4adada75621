"""`auto` on a GPU node: the network first on every image, against plain `model` and today's `auto`.

    .venv/bin/python -m benchmarks.matting_quality.network_first [--whites 40] [--emoji 24]
                                                                 [--cache DIR] [--no-write]

On a GPU node the network costs ~7-9 ms of GPU per image and the CPU work around it decides throughput
(issue 12), so what matters besides quality is the CPU each route spends OUTSIDE the network. Methods,
all through the engine's public API with the same ISNet file, on the TUNE split only (whites and emoji
slices of benchmarks.matting_quality):

- `model`: the network's answer alone (DRISYA_AUTO_ROUTE=network).
- `auto`: today's auto, colour model first (DRISYA_AUTO_ROUTE=colour, and hardware without a GPU).
- `network-first`: auto with `MatteOptions(network_first=True)`, run as the batch runs it
  (DRISYA_AUTO_ROUTE=hardware on a GPU): the network stage takes every look auto asks for
  (`engine.matting.network_auto`); where auto had to run to the end there to know them (a textured
  backdrop) its matte goes on as uint8, elsewhere the finish stage replays the first look.
- `nf-textured`: a variant that keeps the colour model's refinement only where the backdrop fit (a
  thumbnail, cheap) says the backdrop is textured or unevenly lit (`BACKDROP_RESIDUAL`), and takes the
  network's answer alone elsewhere: the quality/CPU trade-off of dropping the refinement.

The network's uint8 answers (`predict_u8`, what the batch's network stage hands on) are cached on disk
by input, so a rerun costs only the CPU work; every method reads the same answers. CPU seconds are
`time.process_time` with OpenCV on one thread (a stage task's setting), minus the time inside the
network calls; for `network-first` the network stage's share (deciding on further looks, and auto's
matte where it ran to the end there) is counted too and also shown alone. Writes NETWORK_FIRST.md beside this file unless --no-write.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from benchmarks.datasets import metrics
from benchmarks.datasets.methods import model_path
from benchmarks.matting_quality.__main__ import shots
from cluster.model_store import model_family
from cluster.settings import Settings
from engine.matting import MatteOptions, matte, network_auto, to_image
from engine.matting.auto import BACKDROP_RESIDUAL
from engine.matting.fast import backdrop_fit
from engine.matting.model import NetworkMatte, get_session, quantise

HERE = Path(__file__).resolve().parent
METHODS = ("model", "auto", "network-first", "nf-textured")
DEFAULT_CACHE = Path(__file__).resolve().parents[1] / "data" / "network_cache"


class CachedNetwork:
    """A session whose network answers come from a disk cache keyed by the input's pixels, computed
    once with the real session; `seconds` is the process time spent inside network calls (cache
    reads included) so that callers can leave it out."""

    def __init__(self, session, cache: Path) -> None:
        self.session = session
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self.tag = hashlib.sha1(str(session.path.resolve()).encode()).hexdigest()[:8]
        self.seconds = 0.0
        self.runs = 0  # network runs this process made (cache misses)
        self.calls = 0

    def predict_u8(self, rgb: np.ndarray) -> np.ndarray:
        started = time.process_time()
        self.calls += 1
        key = hashlib.sha1(np.ascontiguousarray(rgb).tobytes() + str(rgb.shape).encode()).hexdigest()
        path = self.cache / f"{self.tag}-{key}.npy"
        if path.exists():
            out = np.load(path)
        else:
            out = self.session.predict_u8(rgb)
            np.save(path, out)
            self.runs += 1
        self.seconds += time.process_time() - started
        return out

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """The session interface: the cached answer widened to the image's size (finish-stage work,
        so outside the network and counted)."""
        return NetworkMatte(self.predict_u8(rgb)).at(rgb.shape[0], rgb.shape[1])


@dataclass
class Run:
    """One method on one image: its matte's scores, CPU outside the network, network calls."""

    iou: float
    bf: float
    mae: float
    cpu: float
    decide_cpu: float  # of `cpu`, spent in the network stage deciding on further looks
    looks: int
    details: dict = field(default_factory=dict)


def methods(net: CachedNetwork, working_size: int) -> dict[str, Callable[[np.ndarray], tuple]]:
    """name -> rgb -> (alpha, cpu seconds deciding looks in the network stage, network calls, details)."""
    plain = MatteOptions(working_size=working_size)
    first = MatteOptions(working_size=working_size, network_first=True)

    def one(method: str):
        def run(rgb: np.ndarray):
            calls = net.calls
            res = matte(rgb, method, session=net, options=plain)
            return res.alpha, 0.0, net.calls - calls, res.details

        return run

    def staged(rgb: np.ndarray):
        """As the batch runs it: the network stage takes the looks and, where auto had to run to
        the end to know them, its matte (handed on as uint8); otherwise the finish stage replays
        the first look."""
        started, inside = time.process_time(), net.seconds
        looks, done = network_auto(rgb, net.predict_u8, options=first)
        decide = time.process_time() - started - (net.seconds - inside)
        if done is not None:
            alpha = to_image(quantise(done.alpha).astype(np.float32) * np.float32(1 / 255), rgb)
            return alpha, decide, len(looks), done.details
        res = matte(rgb, "auto", session=NetworkMatte(np.stack(looks)), options=first)
        return res.alpha, decide, len(looks), res.details

    def textured(rgb: np.ndarray):
        if backdrop_fit(rgb)[1] > BACKDROP_RESIDUAL:
            return staged(rgb)
        return one("model")(rgb)

    return {"model": one("model"), "auto": one("auto"), "network-first": staged, "nf-textured": textured}


def measure(fn, rgb: np.ndarray, net: CachedNetwork) -> tuple:
    """(result, cpu outside the network); again where the run filled the cache, so that no network
    run (and its threads winding down) lands in the figure."""
    while True:
        runs, started, inside = net.runs, time.process_time(), net.seconds
        out = fn(rgb)
        cpu = time.process_time() - started - (net.seconds - inside)
        if net.runs == runs:
            return out, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--whites", type=int, default=40, help="whites tune shots")
    ap.add_argument("--emoji", type=int, default=24, help="emoji tune shots")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    cv2.setNumThreads(1)  # as each batch stage task runs (data_jobs.stages._one_cpu)
    settings = Settings.from_env()
    path = model_path(settings)
    session = get_session(path, model_family(settings), settings.model_runtime)
    net = CachedNetwork(session, args.cache)
    fns = methods(net, settings.limits.working_size)
    results: dict[str, dict[str, list[Run]]] = {}
    labels: dict[str, list[str]] = {}
    residuals: dict[str, list[float]] = {}
    for slice_name, count in (("whites", args.whites), ("emoji", args.emoji)):
        if count <= 0:
            continue
        results[slice_name] = {m: [] for m in METHODS}
        labels[slice_name], residuals[slice_name] = [], []
        for i, (label, make) in enumerate(shots(slice_name, "tune", count, args.size)):
            shot = make()
            labels[slice_name].append(label)
            residuals[slice_name].append(float(backdrop_fit(shot.rgb)[1]))
            for name, fn in fns.items():
                (alpha, decide, looks, details), cpu = measure(fn, shot.rgb, net)
                results[slice_name][name].append(
                    Run(
                        metrics.iou(alpha, shot.alpha),
                        metrics.boundary_f(alpha, shot.alpha),
                        metrics.mae(alpha, shot.alpha),
                        cpu,
                        decide,
                        looks,
                        details,
                    )
                )
            print(
                f"[{slice_name} {i + 1}/{count}] {label:<18} res {residuals[slice_name][-1]:.4f} "
                + "  ".join(
                    f"{m}: {r[-1].iou:.3f}/{r[-1].bf:.3f} {r[-1].cpu:.2f}s {r[-1].looks}L"
                    for m, r in results[slice_name].items()
                ),
                flush=True,
            )
    text = report(results, labels, residuals, args, str(settings.model_path or settings.model_name), session)
    print()
    print(text)
    if not args.no_write:
        (HERE / "NETWORK_FIRST.md").write_text(text)


def report(results, labels, residuals, args, model_name: str, session) -> str:
    lines = [
        "# `auto` with the network first (GPU nodes)",
        "",
        f"`.venv/bin/python -m benchmarks.matting_quality.network_first --whites {args.whites} "
        f"--emoji {args.emoji} --size {args.size}`",
        "",
        f"Split: **tune** (tuned on; not held out). {args.size}x{args.size} inputs, working size "
        f"{Settings.from_env().limits.working_size}. Model `{model_name}`, providers {session.providers}; "
        "the network's uint8 answers (what a batch's network stage hands on) are cached and shared by "
        "every method. whites: white, cream, silver and glass products on photographed, unevenly lit "
        "sweeps; emoji: Fluent Emoji 3D renders on polynomial studio sweeps "
        "(see benchmarks/matting_quality/__main__.py).",
        "",
        "CPU s/image: process time with OpenCV on one thread, outside the network calls (ISNet's "
        "pre/post-processing and run excluded); for `network-first` the network stage's share "
        "(deciding on further looks, and auto's matte where it ran to the end there) is included and "
        "also shown alone: what a GPU node's cores spend on matting per image. Network runs: ISNet "
        "runs per image.",
        "",
        "| slice | method | images | mean IoU | boundary F (3 px) | alpha MAE | worst IoU (image) "
        "| CPU s/image | of which in the network stage | network runs/image |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for slice_name, by_method in results.items():
        names = labels[slice_name]
        for m, runs in by_method.items():
            iou = np.array([r.iou for r in runs])
            w = int(np.argmin(iou))
            lines.append(
                f"| {slice_name} | {m} | {len(runs)} | {iou.mean():.4f} | "
                f"{np.mean([r.bf for r in runs]):.4f} | {np.mean([r.mae for r in runs]):.4f} | "
                f"{iou[w]:.3f} ({names[w]}) | {np.mean([r.cpu for r in runs]):.3f} | "
                f"{np.mean([r.decide_cpu for r in runs]):.3f} | {np.mean([r.looks for r in runs]):.2f} |"
            )
    lines += ["", "## Trade-off against the network alone (`model`)", ""]
    for slice_name, by_method in results.items():
        base = by_method["model"]
        for m in METHODS[1:]:
            runs = by_method[m]
            lines.append(
                f"- {slice_name}, {m}: IoU {_delta(runs, base, 'iou'):+.4f}, boundary F "
                f"{_delta(runs, base, 'bf'):+.4f}, worst IoU {min(r.iou for r in base):.3f} -> "
                f"{min(r.iou for r in runs):.3f}, CPU {_delta(runs, base, 'cpu'):+.3f} s/image"
            )
    lines += [
        "",
        "`auto` is timed as the one-image path runs it (`matte` with the network at hand); in a batch "
        "without `network-first` its prepare stage also runs the colour model on every image.",
        "",
        f"`nf-textured` fuses where the backdrop fit's residual is above {BACKDROP_RESIDUAL} "
        "(textured or unevenly lit: the colour model's blind case) and takes the network alone elsewhere.",
        "",
        "## Per image (IoU; residual of the backdrop fit)",
        "",
        "| slice | image | residual | " + " | ".join(METHODS) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in METHODS) + " |",
    ]
    for slice_name, by_method in results.items():
        for i, name in enumerate(labels[slice_name]):
            lines.append(
                f"| {slice_name} | {name} | {residuals[slice_name][i]:.4f} | "
                + " | ".join(f"{by_method[m][i].iou:.3f}" for m in METHODS)
                + " |"
            )
    return "\n".join(lines) + "\n"


def _delta(runs: list[Run], base: list[Run], name: str) -> float:
    return float(np.mean([getattr(r, name) for r in runs]) - np.mean([getattr(r, name) for r in base]))


if __name__ == "__main__":
    main()
