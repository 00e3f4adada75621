"""Matting throughput (images/second) at 1024x1024 on this machine, ours and rembg in one run.

    .venv/bin/python -m benchmarks.matting_speed [--count 12] [--methods fast,model,auto,rembg]

Same images and the same ISNet ONNX for every method; methods run interleaved image by image so that
load from other processes affects them alike. One warm-up image per method is not timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from benchmarks.datasets import emoji, studio
from benchmarks.datasets.methods import build_methods

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--methods", default="fast,model,auto,rembg")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    names = args.methods.split(",")
    methods, info = build_methods(names)
    files = emoji.pick("test", args.count + 1, seed=11)
    shots = [
        studio.compose_shot(emoji.load_rgba(p), size=args.size, seed=2000 + i).rgb
        for i, p in enumerate(files)
    ]
    for fn in methods.values():
        fn(shots[0])
    seconds = {n: 0.0 for n in names}
    routed = 0
    for rgb in shots[1:]:
        for n, fn in methods.items():
            t0 = time.perf_counter()
            fn(rgb)
            seconds[n] += time.perf_counter() - t0
            if n == "auto" and info["last_route"].get("auto") == "auto:model":
                routed += 1
    count = len(shots) - 1
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Matting speed",
        "",
        f"`.venv/bin/python -m benchmarks.matting_speed --count {args.count}`",
        "",
        f"{count} images of {args.size}x{args.size} (studio shots of held-out objects), {os.cpu_count()} CPU cores "
        f"({cpu}), providers {info['providers']}, model `{info['model_name']}`.",
        "",
        "| method | images/s | s/image |",
        "| --- | ---: | ---: |",
    ]
    for n in names:
        lines.append(f"| {n} | {count / seconds[n]:.2f} | {seconds[n] / count:.2f} |")
    if "auto" in names:
        lines += ["", f"auto sent {routed} of {count} images to the network."]
    if "auto" in names and "rembg" in names:
        lines += [
            "",
            f"auto vs rembg (same ONNX): {seconds['rembg'] / seconds['auto']:.1f}x the throughput "
            "(target >= 3x).",
        ]
    if "model" in names and "rembg" in names:
        lines += [f"model vs rembg: {seconds['rembg'] / seconds['model']:.2f}x."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
