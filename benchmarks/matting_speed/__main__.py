"""Matting throughput (images/second) at 1024x1024 on this machine per slice, ours and rembg in one run.

    .venv/bin/python -m benchmarks.matting_speed [--count 12] [--slices emoji,whites]
                                                 [--methods fast,model,auto,rembg]

Same images and the same ISNet ONNX for every method; methods run interleaved image by image (the order
alternates from one image to the next) so that load from other processes affects them alike. One
warm-up image per method is not timed. Slices: `emoji` (held-out emoji renders on studio sweeps),
`whites` (the held-out white-on-white photographs of benchmarks.datasets.whites, where most images need
the network) and `whites_close` (the same shots framed as sellers frame them, the product filling
most of the frame); auto's routing counts are printed per slice. `model` and `auto` run the network in the
runtime the settings choose (OpenVINO in bfloat16 on a CPU that has it); `auto:onnxruntime` and
`model:onnxruntime` pin onnxruntime, rembg's own runtime, so one run shows what the runtime buys.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.datasets import emoji, studio, whites
from benchmarks.datasets.methods import auto_steps, build_methods
from benchmarks.machine import describe_cpu

HERE = Path(__file__).resolve().parent
SLICES = ("emoji", "whites", "whites_close")


def slice_shots(name: str, count: int, size: int) -> list[np.ndarray]:
    """`count` held-out inputs of one slice."""
    if name == "emoji":
        files = emoji.pick("test", count, seed=11)
        return [
            studio.compose_shot(emoji.load_rgba(p), size=size, seed=2000 + i).rgb for i, p in enumerate(files)
        ]
    if name in whites.SLICES:
        make = whites.SLICES[name]
        return [make(item, size=size).rgb for item in whites.pick("holdout", count)]
    raise SystemExit(f"unknown slice {name!r}; choose from {', '.join(SLICES)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=12, help="timed images per slice")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--slices", default=",".join(SLICES))
    ap.add_argument("--methods", default="fast,model,auto,rembg")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    names = args.methods.split(",")
    slices = args.slices.split(",")
    methods, info = build_methods(names)
    warm = slice_shots(slices[0], 1, args.size)[0]
    for fn in methods.values():
        fn(warm)
    lines = [
        "# Matting speed",
        "",
        f"`.venv/bin/python -m benchmarks.matting_speed --count {args.count} --slices {args.slices} "
        f"--methods {args.methods}`",
        "",
        f"{args.size}x{args.size} held-out inputs, {describe_cpu()}, network runtime "
        f"{info['runtime']} {info['providers']} (methods without a `:runtime` suffix), model "
        f"`{info['model_name']}`; methods interleaved image by image, order alternating.",
        "",
        "| slice | method | images | images/s | s/image |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    notes: list[str] = []
    for slice_name in slices:
        shots = slice_shots(slice_name, args.count, args.size)
        seconds = dict.fromkeys(names, 0.0)
        routes: Counter[str] = Counter()
        for i, rgb in enumerate(shots):
            order = names if i % 2 == 0 else names[::-1]
            for n in order:
                t0 = time.perf_counter()
                methods[n](rgb)
                seconds[n] += time.perf_counter() - t0
                if n == "auto":
                    routes[info["last_route"]["auto"]] += 1
                    for step in auto_steps(info["last_details"]["auto"]):
                        routes[step] += 1
            print(f"[{slice_name} {i + 1}/{len(shots)}]", flush=True)
        count = len(shots)
        for n in names:
            lines.append(
                f"| {slice_name} | {n} | {count} | {count / seconds[n]:.2f} | {seconds[n] / count:.2f} |"
            )
        note = f"- {slice_name}:"
        if routes:
            note += " auto routing " + ", ".join(f"{k} {v}" for k, v in sorted(routes.items())) + "."
        if "rembg" in names:
            ratios = [
                f"{n} {seconds['rembg'] / seconds[n]:.2f}x"
                for n in names
                if n.partition(":")[0] in ("model", "auto")
            ]
            if ratios:
                note += " Throughput vs rembg (same ONNX): " + ", ".join(ratios) + "."
        notes.append(note)
    lines += ["", *notes, "", "Target: auto >= 3x rembg on real-looking photos."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
