"""Catalogue consistency: one recipe over a batch of varied photos, before and after, in one run.

    .venv/bin/python -m benchmarks.consistency [--count 24] [--matte fast|true] [--template ID]
                                               [--size 768] [--no-write]

A catalogue page looks like one shoot when its products keep one fill rule, stand on one baseline
and share one white point. Per photo (benchmarks.consistency.photos: 12 emoji studio shots and 12
white-on-white shots, each under its own light, 4000-9000 K) this measures, with the rules as they
were (benchmarks.consistency.before) and as they are now (engine):

- fill: the product's share of the canvas along its limiting side, max(w / W, h / H), the
  definition engine.compliance checks presets with;
- baseline: where the product's true base (its true alpha > 0.5) lands, as a fraction of the canvas
  height, on a floor template (the matte decides the placement, so a matte that keeps a shadow tail
  makes its product float);
- neutral point after retouch (CIELAB a*, b*): of the backdrop's bright half, and of the product
  pixels that were neutral before the light's cast (error = distance in a*b* from where they were).

and reports min / median / max / stdev over the batch. Writes RESULTS.md beside this file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

import engine.templates as tpl
from benchmarks.consistency import before
from benchmarks.consistency.photos import Photo, batch
from engine.compose import EmptyCutout, clean_alpha, plan, product_box
from engine.pipeline import Recipe
from engine.retouch import analyse, apply_plan

HERE = Path(__file__).resolve().parent


def _lab(u8: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(u8.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _session():
    """The configured matting model (as `drisya matte` loads it), for `--matte auto`."""
    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from engine.matting.model import get_session

    settings = Settings.from_env()
    return get_session(
        resolve_model(settings, fetch_if_missing=False), model_family(settings), settings.model_runtime
    )


def _matte(photo: Photo, how: str, session) -> np.ndarray:
    if how == "true":
        return photo.alpha
    from engine.matting import matte

    return matte(photo.rgb, how, session=session).alpha.astype(np.float32)


def measure(
    photo: Photo, recipe: Recipe, spec: tpl.TemplateSpec, how: str, session=None
) -> dict[str, dict[str, float]]:
    alpha = clean_alpha(_matte(photo, how, session))
    canvas = recipe.canvas()
    params = recipe.compose_params()
    box = product_box(alpha)
    placements = {
        "before": before.plan_placement(
            box, canvas, fill=params.fill, margin=params.margin, floor_line=spec.floor_line
        ),
        "after": plan(box, canvas, spec, params),
    }
    true_rows = np.flatnonzero((photo.alpha > 0.5).any(axis=1))
    base_row = int(true_rows[-1]) + 1 if true_rows.size else box.y1

    plan_after = analyse(photo.rgb, alpha, recipe.retouch)
    plans = {
        "before": replace(plan_after, wb_gains=before.white_balance_gains(photo.rgb, alpha)),
        "after": plan_after,
    }

    orig = _lab(photo.original)
    chroma0 = np.hypot(orig[..., 1], orig[..., 2])
    bg = photo.alpha < 0.02
    bg_bright = bg & (orig[..., 0] >= np.percentile(orig[..., 0][bg], 50))
    neutral = (photo.alpha > 0.98) & (chroma0 < 5.0) & (orig[..., 0] > 60.0)

    out: dict[str, dict[str, float]] = {}
    for when in ("before", "after"):
        pl = placements[when]
        lab = _lab(apply_plan(photo.rgb, plans[when]))
        row: dict[str, float] = {
            "fill": max(pl.width / canvas[0], pl.height / canvas[1]),
            "backdrop_a": float(lab[..., 1][bg_bright].mean()),
            "backdrop_b": float(lab[..., 2][bg_bright].mean()),
        }
        if pl.standing:
            row["baseline"] = (pl.y + (base_row - box.y0) * pl.scale) / canvas[1]
        if neutral.sum() >= 200:
            da = float(lab[..., 1][neutral].mean() - orig[..., 1][neutral].mean())
            db = float(lab[..., 2][neutral].mean() - orig[..., 2][neutral].mean())
            row["neutral_error"] = float(np.hypot(da, db))
        out[when] = row
    return out


METRICS = [
    ("fill", "fill ratio (limiting side)", "{:.3f}"),
    ("baseline", "baseline (true base y / H)", "{:.4f}"),
    ("backdrop_a", "backdrop a* after retouch", "{:+.2f}"),
    ("backdrop_b", "backdrop b* after retouch", "{:+.2f}"),
    ("neutral_error", "neutral product pixels: a*b* error", "{:.2f}"),
]


def _stats(values: list[float], fmt: str) -> str:
    if not values:
        return "| - | - | - | - | - |"
    sd = statistics.pstdev(values)
    cells = [fmt.format(min(values)), fmt.format(statistics.median(values)), fmt.format(max(values))]
    return f"| {' | '.join(cells)} | {sd:.4f} | {len(values)} |"


def report(
    rows: list[tuple[Photo, dict]],
    args: argparse.Namespace,
    spec: tpl.TemplateSpec,
    seconds: float,
    failed: list[str],
) -> str:
    lines = [
        "# Catalogue consistency: before and after, one run",
        "",
        f"Command: `.venv/bin/python -m benchmarks.consistency --count {args.count} --matte {args.matte} "
        f"--template {args.template} --size {args.size}` ({seconds:.0f} s).",
        "",
        f"Batch: {len(rows)} photos (benchmarks/consistency/photos.py: emoji `test` split on studio sweeps and "
        "white-on-white `holdout` shots), each under its own light between 4000 K and 9000 K. "
        f"Recipe: template `{spec.id}` (floor line {spec.floor_line}), 1:1 at 1000 px, fill 0.8, margin 0.05, "
        f"default retouch. Matte: `{args.matte}` ({'the dataset alpha' if args.matte == 'true' else 'engine.matting'}); "
        "it decides the placement, the true alpha decides where the product really stands.",
        "`before` = the rules frozen in benchmarks/consistency/before.py; `after` = the engine now."
        + (f" Left out (empty matte): {', '.join(failed)}." if failed else ""),
        "",
        "| metric | rules | min | median | max | stdev | photos |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label, fmt in METRICS:
        for when in ("before", "after"):
            values = [m[when][key] for _, m in rows if key in m[when]]
            lines.append(f"| {label} | {when} {_stats(values, fmt)}")
    lines += [
        "",
        "Per photo (before -> after):",
        "",
        "| photo | light | fill | baseline | backdrop b* | neutral error |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for photo, m in rows:
        b, a = m["before"], m["after"]

        def pair(key: str, fmt: str, b=b, a=a) -> str:
            return f"{fmt.format(b[key])} -> {fmt.format(a[key])}" if key in a else "-"

        lines.append(
            f"| {photo.name} | {photo.kelvin:.0f} K | {pair('fill', '{:.3f}')} | {pair('baseline', '{:.4f}')} "
            f"| {pair('backdrop_b', '{:+.2f}')} | {pair('neutral_error', '{:.2f}')} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--matte", choices=["auto", "fast", "true"], default="auto")
    ap.add_argument("--template", default="studio-sweep-white")
    ap.add_argument("--size", type=int, default=768, help="side of the generated photos")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    spec = tpl.resolve(args.template)
    recipe = Recipe(size=1000)
    session = _session() if args.matte == "auto" else None
    rows = []
    failed: list[str] = []
    for photo in batch(args.count, size=args.size):
        try:
            m = measure(photo, recipe, spec, args.matte, session)
        except EmptyCutout:
            failed.append(photo.name)
            print(f"{photo.name:32s} the matte is empty: left out", file=sys.stderr)
            continue
        rows.append((photo, m))
        print(
            f"{photo.name:32s} {photo.kelvin:5.0f} K  fill {m['before']['fill']:.3f} -> {m['after']['fill']:.3f}",
            file=sys.stderr,
        )
    text = report(rows, args, spec, time.perf_counter() - t0, failed)
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
