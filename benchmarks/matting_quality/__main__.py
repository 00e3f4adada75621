"""Matting quality per slice, ours and rembg on the same images in the same run.

    .venv/bin/python -m benchmarks.matting_quality [--split holdout] [--count 8] [--slices whites,emoji]
                                                   [--methods fast,auto,rembg] [--size 1024]

Slices (see each module's docstring for sources and licences):
- `whites` (benchmarks.datasets.whites): white, cream, silver and glass products on photographed,
  unevenly lit light sweeps with soft and hard shadows, noise and JPEG; exact alpha. The product's box
  spans 0.3-0.6 of the frame's side.
- `whites_close`: the same shots framed as sellers frame them (`whites.close_shot`): the product drawn
  twice as large on the same sweep, its box 0.6-0.87 of the frame's side.
- `emoji` (benchmarks.datasets.emoji + studio): Fluent Emoji 3D renders (MIT) on polynomial studio sweeps.

Splits: `tune` is what development tools show and what thresholds were set on; `holdout` (the default)
uses other photographs, other emoji and other seeds, and no development tool shows it. The results
file says which split its figures come from.

Per slice and method: mean IoU, boundary F (3 px), alpha MAE, the worst image's IoU; for `auto` the
routing counts and how well its quality score finds the bad mattes: its rank correlation with the true
IoU (Spearman, ties ranked together), of the images whose IoU is in the worst 10 % and 25 % how many
are also in the lowest 10 % and 25 % of quality scores (beside the k*k/n that chance gives), and how
many mattes below IoU 0.9 (and above) fall under the review line. Writes RESULTS.md beside this file
unless --no-write.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from benchmarks.datasets import emoji, metrics, studio, whites
from benchmarks.datasets.methods import auto_steps, build_methods
from engine.matting.score import REVIEW_LINE

HERE = Path(__file__).resolve().parent
SLICES = ("whites", "whites_close", "emoji")
BAD_IOU = 0.9  # a matte below this IoU is one a seller would send back


def shots(slice_name: str, split: str, count: int, size: int) -> Iterator[tuple[str, Callable]]:
    """(name, make) pairs; `make()` builds the shot lazily so a run holds one image at a time."""
    if slice_name in whites.SLICES:
        make = whites.SLICES[slice_name]
        for item in whites.pick(split, count):
            yield item.name, lambda item=item: make(item, size=size)
    elif slice_name == "emoji":
        emoji_split = "train" if split == "tune" else "test"
        offset = 0 if split == "tune" else 1000
        for i, path in enumerate(emoji.pick(emoji_split, count)):
            yield (
                path.stem,
                lambda path=path, i=i: studio.compose_shot(emoji.load_rgba(path), size=size, seed=offset + i),
            )
    else:
        raise SystemExit(f"unknown slice {slice_name!r}; choose from {', '.join(SLICES)}")


def score_ranking(quality: list[float], ious: list[float], share: float) -> tuple[int, int] | None:
    """(hits, k): of the k images worst by true IoU (k = `share` of them, at least 1), how many the quality
    score also puts among its k lowest. None with fewer than 4 images."""
    if len(ious) < 4:
        return None
    k = max(1, round(len(ious) * share))
    worst_true = set(np.argsort(ious, kind="stable")[:k].tolist())
    worst_score = set(np.argsort(quality, kind="stable")[:k].tolist())
    return len(worst_true & worst_score), k


def average_ranks(values: list[float]) -> np.ndarray:
    """1-based ranks, ties sharing the mean of the ranks they span (many mattes score exactly 1.00)."""
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v), np.float64)
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def rank_correlation(quality: list[float], ious: list[float]) -> float | None:
    """Spearman's rank correlation of the quality score with the true IoU (1: the score orders the mattes
    as their IoU does; 0: no better than chance). None with fewer than 4 images or a constant side."""
    if len(ious) < 4:
        return None
    a, b = average_ranks(quality), average_ranks(ious)
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="holdout", choices=list(whites.SPLITS))
    ap.add_argument("--count", type=int, default=8, help="images per slice")
    ap.add_argument("--slices", default=",".join(SLICES))
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--methods", default="fast,auto,rembg", help="also: model (the bare network)")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()

    names = args.methods.split(",")
    methods, info = build_methods(names)
    table: list[str] = []
    notes: list[str] = []
    for slice_name in args.slices.split(","):
        scores: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
        seconds = dict.fromkeys(names, 0.0)
        routes: Counter[str] = Counter()
        quality: list[float] = []
        labels: list[str] = []
        for i, (label, make) in enumerate(shots(slice_name, args.split, args.count, args.size)):
            shot = make()
            labels.append(label)
            for name, fn in methods.items():
                t0 = time.perf_counter()
                alpha = fn(shot.rgb)
                seconds[name] += time.perf_counter() - t0
                scores[name].append(
                    (
                        metrics.iou(alpha, shot.alpha),
                        metrics.boundary_f(alpha, shot.alpha),
                        metrics.mae(alpha, shot.alpha),
                    )
                )
                if name == "auto":
                    routes[info["last_route"]["auto"]] += 1
                    for step in auto_steps(info["last_details"]["auto"]):
                        routes[step] += 1
                    quality.append(info["last_quality"]["auto"])
            print(
                f"[{slice_name} {i + 1}/{args.count}] {label:<24} "
                + "  ".join(f"{n}: IoU {scores[n][-1][0]:.3f} BF {scores[n][-1][1]:.3f}" for n in names)
                + (f"  q {quality[-1]:.2f} ({info['last_route']['auto']})" if "auto" in names else ""),
                flush=True,
            )
        count = len(labels)
        for n in names:
            arr = np.array(scores[n])
            w = int(np.argmin(arr[:, 0]))
            table.append(
                f"| {slice_name} | {n} | {count} | {arr[:, 0].mean():.4f} | {arr[:, 1].mean():.4f} | "
                f"{arr[:, 2].mean():.4f} | {arr[w, 0]:.3f} ({labels[w]}) | {seconds[n] / count:.2f} |"
            )
        if routes:
            ious = [s[0] for s in scores["auto"]]
            ranks = {share: score_ranking(quality, ious, share) for share in (0.1, 0.25)}
            found = [
                f"{hits} of the worst {k} ({share:.0%}) by IoU among its lowest {k} (chance {k * k / count:.1f})"
                for share, r in ranks.items()
                if r is not None
                for hits, k in [r]
            ]
            rho = rank_correlation(quality, ious)
            bad = [q for q, v in zip(quality, ious, strict=True) if v < BAD_IOU]
            good = [q for q, v in zip(quality, ious, strict=True) if v >= BAD_IOU]
            notes.append(
                f"- {slice_name}: auto routing "
                + ", ".join(f"{k} {v}" for k, v in sorted(routes.items()))
                + (
                    f"; quality score's rank correlation with IoU (Spearman) {rho:.2f}"
                    if rho is not None
                    else ""
                )
                + (f"; it finds {'; '.join(found)}" if found else "")
                + f"; below the review line (quality < {REVIEW_LINE}): "
                f"{sum(q < REVIEW_LINE for q in bad)} of the {len(bad)} mattes with IoU < {BAD_IOU}, "
                f"{sum(q < REVIEW_LINE for q in good)} of the {len(good)} with IoU >= {BAD_IOU}"
            )

    lines = [
        "# Matting quality",
        "",
        f"`.venv/bin/python -m benchmarks.matting_quality --split {args.split} --count {args.count} "
        f"--slices {args.slices} --methods {args.methods} --size {args.size}`",
        "",
        f"Split: **{args.split}**"
        + (" (held out: no development tool shows it)" if args.split == "holdout" else " (tuned on)")
        + f". {args.size}x{args.size} inputs.",
        f"Model: `{info['model_name']}`, network runtime {info['runtime']} {info['providers']}; rembg "
        f"{info.get('rembg', '-')} runs the same ONNX file through its `dis_custom` session.",
        f"whites sources: {whites.SOURCES}. emoji: Fluent Emoji 3D (MIT, npm {emoji.PACKAGE}@{emoji.VERSION}).",
        "",
        "| slice | method | images | mean IoU | boundary F (3 px) | alpha MAE | worst IoU (image) | s/image |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
        *table,
        "",
        *notes,
        "",
        "Targets for auto: IoU >= 0.975, boundary F >= 0.94, no image below IoU 0.8, no slice below rembg.",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
