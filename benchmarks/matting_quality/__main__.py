"""Matting quality on real cut-outs with true alpha, composited onto realistic studio backgrounds.

    .venv/bin/python -m benchmarks.matting_quality [--count 40] [--split test] [--methods fast,model,auto,rembg]

Objects: Fluent Emoji 3D renders (MIT, npm @lobehub/fluent-emoji-3d), the held-out `test` split (hash
of the file name; the methods were tuned on `train` only). Each is placed on a 1024x1024 off-white sweep
with a gradient, vignetting, a colour cast, a floor or drop shadow, noise and JPEG compression.
Prints mean IoU, MAE and boundary F (3 px) per method and writes RESULTS.md next to this file.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from benchmarks.datasets import emoji, metrics, studio
from benchmarks.datasets.methods import build_methods

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--methods", default="fast,model,auto,rembg")
    ap.add_argument("--sheet", type=Path, default=None, help="write a contact sheet of the masks here")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()

    names = args.methods.split(",")
    methods, info = build_methods(names)
    files = emoji.pick(args.split, args.count)
    scores: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    seconds: dict[str, float] = {n: 0.0 for n in names}
    routes: Counter[str] = Counter()
    worst: list[tuple[float, str, str]] = []
    sheet_rows = []
    for i, path in enumerate(files):
        shot = studio.compose_shot(emoji.load_rgba(path), size=args.size, seed=1000 + i)
        row = [shot.rgb]
        for name, fn in methods.items():
            t0 = time.perf_counter()
            alpha = fn(shot.rgb)
            seconds[name] += time.perf_counter() - t0
            s = (
                metrics.iou(alpha, shot.alpha),
                metrics.mae(alpha, shot.alpha),
                metrics.boundary_f(alpha, shot.alpha),
            )
            scores[name].append(s)
            if name == "auto":
                routes[info["last_route"]["auto"]] += 1
                worst.append((s[0], path.stem, info["last_route"]["auto"]))
            row.append(np.repeat((alpha * 255).astype(np.uint8)[..., None], 3, axis=2))
        sheet_rows.append(np.concatenate(row, axis=1))
        print(
            f"[{i + 1}/{len(files)}] {path.stem:<28} "
            + "  ".join(f"{n}: IoU {scores[n][-1][0]:.4f} BF {scores[n][-1][2]:.3f}" for n in names),
            flush=True,
        )

    lines = [
        "# Matting quality",
        "",
        f"`.venv/bin/python -m benchmarks.matting_quality --count {args.count} --split {args.split}`",
        "",
        f"{len(files)} Fluent Emoji 3D objects (`{args.split}` split; `test` is held out) on {args.size}x{args.size} studio "
        "backgrounds (gradient, vignette, colour cast, floor/drop shadow, noise, JPEG 80-95).",
        f"Model: `{info['model_name']}` ({info['model']}), providers {info['providers']}; rembg runs the same "
        "ONNX file through its `dis_custom` session.",
        "",
        "| method | mean IoU | MAE | boundary F (3 px) | s/image |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for n in names:
        arr = np.array(scores[n])
        lines.append(
            f"| {n} | {arr[:, 0].mean():.4f} | {arr[:, 1].mean():.4f} | {arr[:, 2].mean():.4f} | "
            f"{seconds[n] / len(files):.2f} |"
        )
    if routes:
        lines += ["", "auto routing: " + ", ".join(f"{k} {v}" for k, v in sorted(routes.items()))]
        worst.sort()
        lines += ["", "lowest auto IoU: " + ", ".join(f"{s} {iou:.3f} ({r})" for iou, s, r in worst[:5])]
    lines += ["", "Targets for auto at 1024x1024: mean IoU >= 0.975, boundary F (3 px) >= 0.94."]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)
    if args.sheet:
        sheet = np.concatenate(sheet_rows, axis=0)
        sheet = cv2.resize(sheet, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(args.sheet), sheet[..., ::-1])


if __name__ == "__main__":
    main()
