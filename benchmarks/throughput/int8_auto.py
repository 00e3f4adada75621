"""Does `auto` keep its quality when the matting network is an int8 (or float32) copy, and how much CPU does
it save per image? (benchmarks/throughput/INT8.md judged the copies by the network's raw matte alone; the
product fuses that matte with the colour model and refines it, so this measures `auto` end to end.)

    .venv/bin/python -m benchmarks.throughput.int8_auto [--whites 144] [--emoji 48] [--copies DIR]
        [--variants fp32,head,enc,convin] [--threads 2] [--calibration 8] [--no-write]

1. The copies are made with benchmarks/throughput/int8.py's own functions (`float32_copy`,
   `calibration_shots`, `quantise`, `VARIANTS`: calibration images in neither split), into `--copies`
   (kept and reused when given, so a rerun does not calibrate again) or a temporary folder.
2. Every `tune` image of each slice (never the holdout split) goes through
   `engine.matting.matte(rgb, "auto", session=...)` once with the original model (the session the
   product opens: its verified batch copy where one is installed) and once per copy, each a
   `ModelSession(path, family, threads=--threads)`, the order rotated image by image. Recorded per image
   and variant: IoU, boundary F (3 px) and alpha MAE against the ground truth, auto's quality score and
   route, the number of network runs, this process's CPU seconds for the whole `matte` call
   (onnxruntime's threads count in process time) and for the network runs alone. No network output is
   cached: each copy runs its own graph. `--variants noise` adds int8.py's control instead of a copy: the
   original on the photo with +-1 level of noise per channel, how far auto itself moves under a change
   as small as sensor noise (the scale a copy's differences compare to).

A copy "holds" when, on each slice, its mean IoU and boundary F are within 0.002 of the original's, no
image that the original keeps at IoU >= 0.9 falls below 0.9, no image is more than 0.02 below the
original's IoU, and auto with it needs <= 1/1.5 of the original's CPU per image (all images pooled).
Writes benchmarks/throughput/INT8_AUTO.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.throughput.int8 import (
    CALIBRATIONS,
    CONTROL,
    VARIANTS,
    calibration_shots,
    float32_copy,
    quantise,
)

HERE = Path(__file__).resolve().parent
MEAN_TOLERANCE = 0.002  # mean IoU and boundary F, per slice, against the original's auto
FLOOR = 0.9  # no image the original keeps at or above this may fall below it
PER_IMAGE_DROP = 0.02  # no image more than this below the original's auto IoU
LISTED_DROP = 0.01  # images listed in the report
MIN_SPEEDUP = 1.5  # the original's CPU per image over the copy's
ORIGINAL = "original (fp16 weights)"
FP32 = "float32 copy"
# short names for --variants: the int8 variants of int8.py worth an end-to-end look (the ones whose raw
# matte stayed near the original's in INT8.md)
SHORT = {
    # the original on the photo with +-1 level of noise per channel (int8.py's control): how far auto
    # itself moves under a change as small as sensor noise
    "noise": CONTROL,
    "fp32": FP32,
    "head": "int8 all but the head, percentile",
    "convin": "int8 all but conv_in and the head, percentile",
    "enc": "int8 encoder only, percentile",
    "head-mean": "int8 all but the head, mean MinMax",
}
FILES = {
    FP32: "fp32.onnx",
    SHORT["head"]: "int8_head_pct.onnx",
    SHORT["convin"]: "int8_convin_head_pct.onnx",
    SHORT["enc"]: "int8_enc_pct.onnx",
    SHORT["head-mean"]: "int8_head_meanminmax.onnx",
}


class Counted:
    """A ModelSession as `matte` sees it (`predict`), counting runs and the CPU seconds of the runs."""

    def __init__(self, session) -> None:
        self.session = session
        self.runs = 0
        self.cpu = 0.0

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        x = self.session.preprocess(rgb)
        c0 = time.process_time()
        out = self.session.run(x)
        self.cpu += time.process_time() - c0
        self.runs += 1
        return self.session.postprocess(out, rgb.shape[0], rgb.shape[1])


@dataclass
class Rows:
    labels: list[str] = field(default_factory=list)
    iou: list[float] = field(default_factory=list)
    bf: list[float] = field(default_factory=list)
    mae: list[float] = field(default_factory=list)
    quality: list[float] = field(default_factory=list)
    route: list[str] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    net_cpu: list[float] = field(default_factory=list)


def build_copies(model: Path, folder: Path, labels: list[str], count: int, family: str) -> dict[str, Path]:
    """The float32 copy and the int8 copies named in `labels` under `folder`, made unless already there."""
    import onnx

    from engine.matting.model import ModelSession

    fp32 = folder / FILES[FP32]
    if not fp32.exists():
        wide = float32_copy(model)
        onnx.save(wide, str(fp32))
        del wide
        print(f"built {FP32}", flush=True)
    paths = {FP32: fp32} if FP32 in labels else {}
    wanted = [v for v in VARIANTS if v.label in labels]
    missing = [v for v in wanted if not (folder / FILES[v.label]).exists()]
    inputs: list[dict] = []
    if missing:
        original = ModelSession(model, family, threads=1, runtime="onnxruntime")
        name = onnx.load(str(fp32), load_external_data=False).graph.input[0].name
        inputs = [{name: original.preprocess(rgb)} for rgb in calibration_shots(count)]
    for variant in wanted:
        out = folder / FILES[variant.label]
        if not out.exists():
            cache = folder / f"ranges-{list(CALIBRATIONS).index(variant.calibration)}.json"
            took = quantise(fp32, out, variant, cache, inputs)
            print(f"built {variant.label} in {took:.0f} s", flush=True)
        paths[variant.label] = out
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--whites", type=int, default=144, help="tune whites images (default 144, 18 per kind)")
    ap.add_argument("--emoji", type=int, default=48, help="tune emoji images (default 48)")
    ap.add_argument("--variants", default="fp32,head,enc", help=f"comma-separated, of {', '.join(SHORT)}")
    ap.add_argument("--copies", type=Path, help="folder to keep the copies in (reused when present)")
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime threads per session (default 2)")
    ap.add_argument("--calibration", type=int, default=8, help="calibration images (default 8)")
    ap.add_argument("--log", type=Path, help="also append one JSON line per image here")
    ap.add_argument(
        "--from-log",
        type=Path,
        help="write the report from a --log of an earlier (maybe partial) run instead",
    )
    ap.add_argument(
        "--note", default="", help="a sentence for the report's header (e.g. the logged run's command)"
    )
    ap.add_argument("--no-write", action="store_true", help="print only; do not write INT8_AUTO.md")
    args = ap.parse_args(argv)

    from benchmarks.datasets import metrics
    from benchmarks.matting_quality.__main__ import shots
    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from engine.matting import MatteOptions, matte
    from engine.matting.model import ModelSession

    settings = Settings.from_env()
    model = resolve_model(settings, fetch_if_missing=False)
    family = model_family(settings)
    options = MatteOptions(working_size=settings.limits.working_size)
    labels = [SHORT[s.strip()] for s in args.variants.split(",") if s.strip()]
    given = list(argv if argv is not None else sys.argv[1:])
    if args.note and args.note in given:  # the note is printed under the command, not in it
        given[given.index(args.note)] = "(the sentence below)"
    command = "python -m benchmarks.throughput.int8_auto " + shlex.join(given)
    load_start = os.getloadavg()
    if args.from_log:
        return from_log(args, labels, model, family, command, load_start, options)
    with tempfile.TemporaryDirectory(prefix="drisya-int8-auto-") as tmp:
        folder = args.copies or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = build_copies(
            model, folder, [label for label in labels if label != CONTROL] + [FP32], args.calibration, family
        )
        original = ModelSession(model, family, threads=args.threads, runtime="onnxruntime")
        sessions = {ORIGINAL: original}
        sessions.update(
            {
                label: original
                if label == CONTROL
                else ModelSession(paths[label], family, threads=args.threads, runtime="onnxruntime")
                for label in labels
            }
        )
        names = list(sessions)
        results: dict[str, dict[str, Rows]] = {}
        image = 0
        for slice_name, count in (("whites", args.whites), ("emoji", args.emoji)):
            if count <= 0:
                continue
            results[slice_name] = per = {name: Rows() for name in names}
            for label, make in shots(slice_name, "tune", count, 1024):
                shot = make()
                noise = np.random.default_rng(image).integers(-1, 2, shot.rgb.shape)
                noisy = np.clip(shot.rgb + noise, 0, 255).astype(np.uint8)
                order = names[image % len(names) :] + names[: image % len(names)]  # rotated per image
                image += 1
                record = {"slice": slice_name, "image": label}
                for name in order:
                    counted = Counted(sessions[name])
                    c0 = time.process_time()
                    res = matte(
                        noisy if name == CONTROL else shot.rgb, "auto", session=counted, options=options
                    )
                    cpu = time.process_time() - c0
                    r = per[name]
                    r.labels.append(label)
                    r.iou.append(metrics.iou(res.alpha, shot.alpha))
                    r.bf.append(metrics.boundary_f(res.alpha, shot.alpha))
                    r.mae.append(metrics.mae(res.alpha, shot.alpha))
                    r.quality.append(res.quality)
                    r.route.append(res.method)
                    r.runs.append(counted.runs)
                    r.cpu.append(cpu)
                    r.net_cpu.append(counted.cpu)
                    record[name] = {
                        "iou": r.iou[-1],
                        "bf": r.bf[-1],
                        "mae": r.mae[-1],
                        "q": r.quality[-1],
                        "route": res.method,
                        "runs": counted.runs,
                        "cpu": cpu,
                        "net_cpu": counted.cpu,
                    }
                if args.log:
                    with args.log.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                print(
                    f"[{slice_name}] {label:<22} "
                    + "  ".join(
                        f"{n.split(',')[0]}: {per[n].iou[-1]:.4f} {per[n].runs[-1]}r {per[n].cpu[-1]:.2f}s"
                        for n in names
                    ),
                    flush=True,
                )
        providers = original.providers
        graph = original.graph_path.name
        sizes = {name: sessions[name].graph_path.stat().st_size for name in names}
    args.working_size = options.working_size
    text = report(results, names, sizes, command, load_start, providers, graph, model, family, args)
    print(text)
    if not args.no_write:
        (HERE / "INT8_AUTO.md").write_text(text)
    return 0


def from_log(args, labels, model, family, command, load_start, options) -> int:
    """The report from the JSON lines of an earlier run (`--log`): the images it finished."""

    names = [ORIGINAL] + labels
    results: dict[str, dict[str, Rows]] = {}
    for line in args.from_log.read_text().splitlines():
        record = json.loads(line)
        per = results.setdefault(record["slice"], {name: Rows() for name in names})
        for name in names:
            got, r = record[name], per[name]
            r.labels.append(record["image"])
            r.iou.append(got["iou"])
            r.bf.append(got["bf"])
            r.mae.append(got["mae"])
            r.quality.append(got["q"])
            r.route.append(got["route"])
            r.runs.append(got["runs"])
            r.cpu.append(got["cpu"])
            r.net_cpu.append(got["net_cpu"])
    folder = args.copies or Path(".")
    from engine.matting.model import verified_batch_copy

    graph = verified_batch_copy(model) or model
    sizes = {ORIGINAL: graph.stat().st_size}
    sizes.update(
        {label: (folder / FILES[label] if label in FILES else graph).stat().st_size for label in labels}
    )
    args.working_size = options.working_size
    command += f" (from the log of: {args.from_log.name})"
    text = report(
        results, names, sizes, command, load_start, ["CPUExecutionProvider"], graph.name, model, family, args
    )
    print(text)
    if not args.no_write:
        (HERE / "INT8_AUTO.md").write_text(text)
    return 0


def report(results, names, sizes, command, load_start, providers, graph, model, family, args) -> str:
    import onnxruntime as ort

    def pooled(name: str, attr: str) -> list[float]:
        return [v for per in results.values() for v in getattr(per[name], attr)]

    def per_run(name: str, per=None) -> float:
        groups = [per] if per is not None else list(results.values())
        runs = sum(sum(g[name].runs) for g in groups)
        return sum(sum(g[name].net_cpu) for g in groups) / runs if runs else float("nan")

    base_cpu = float(np.mean(pooled(ORIGINAL, "cpu")))
    rows = []
    drops = []
    verdicts = []
    failures: dict[str, list[str]] = {name: [] for name in names[1:]}
    for slice_name, per in results.items():
        base = per[ORIGINAL]
        for name in names:
            r = per[name]
            worst = int(np.argmin(r.iou))
            below9 = sum(v < 0.9 for v in r.iou)
            below8 = sum(v < 0.8 for v in r.iou)
            dropped = [k for k in range(len(r.iou)) if r.iou[k] < base.iou[k] - LISTED_DROP]
            routes = {}
            for route in r.route:
                routes[route] = routes.get(route, 0) + 1
            rows.append(
                f"| {slice_name} | {name} | {np.mean(r.iou):.4f} | {np.mean(r.bf):.4f} | {np.mean(r.mae):.4f} | "
                f"{np.mean(r.quality):.3f} | {r.iou[worst]:.4f} ({r.labels[worst]}) | {below9} | {below8} | "
                f"{len(dropped) if name != ORIGINAL else '-'} | {np.mean(r.runs):.2f} | "
                f"{np.mean(r.cpu):.2f} | {per_run(name, per):.2f} | "
                + ", ".join(f"{k} {v}" for k, v in sorted(routes.items()))
                + " |"
            )
            if name == ORIGINAL:
                continue
            for k in dropped:
                drops.append(
                    f"- {slice_name} {r.labels[k]}, {name}: {r.iou[k]:.4f} (original {base.iou[k]:.4f}; "
                    f"bF {r.bf[k]:.4f} vs {base.bf[k]:.4f}; route {r.route[k]} vs {base.route[k]}; "
                    f"quality {r.quality[k]:.2f} vs {base.quality[k]:.2f})"
                )
            f = failures[name]
            if np.mean(r.iou) < np.mean(base.iou) - MEAN_TOLERANCE:
                f.append(f"{slice_name} mean IoU {np.mean(r.iou):.4f} vs {np.mean(base.iou):.4f}")
            if np.mean(r.bf) < np.mean(base.bf) - MEAN_TOLERANCE:
                f.append(f"{slice_name} mean bF {np.mean(r.bf):.4f} vs {np.mean(base.bf):.4f}")
            new_low = [k for k in range(len(r.iou)) if r.iou[k] < FLOOR <= base.iou[k]]
            if new_low:
                f.append(
                    f"{slice_name}: new below {FLOOR}: "
                    + ", ".join(f"{r.labels[k]} {r.iou[k]:.4f} (orig {base.iou[k]:.4f})" for k in new_low)
                )
            big = [k for k in range(len(r.iou)) if r.iou[k] < base.iou[k] - PER_IMAGE_DROP]
            if big:
                f.append(
                    f"{slice_name}: more than {PER_IMAGE_DROP} below the original: "
                    + ", ".join(f"{r.labels[k]} {r.iou[k]:.4f} (orig {base.iou[k]:.4f})" for k in big)
                )
    for name in names:
        speedup = base_cpu / float(np.mean(pooled(name, "cpu")))
        net_speedup = per_run(ORIGINAL) / per_run(name)
        if name != ORIGINAL and speedup < MIN_SPEEDUP:
            failures[name].append(f"{speedup:.2f}x < {MIN_SPEEDUP}x CPU per image")
        holds = "-" if name == ORIGINAL else ("yes" if not failures[name] else "no")
        verdicts.append(
            f"| {name} | {np.mean(pooled(name, 'cpu')):.2f} | {speedup:.2f}x | {per_run(name):.2f} | "
            f"{net_speedup:.2f}x | {np.mean(pooled(name, 'runs')):.2f} | {sizes[name] / 2**20:.0f} | {holds} |"
        )
    kinds = []
    if "whites" in results:
        per = results["whites"]
        for kind in dict.fromkeys(label.rsplit("-", 1)[0] for label in per[ORIGINAL].labels):
            ks = [k for k, label in enumerate(per[ORIGINAL].labels) if label.rsplit("-", 1)[0] == kind]
            kinds.append(
                f"| {kind} | {len(ks)} | "
                + " | ".join(
                    f"{np.mean([per[n].iou[k] for k in ks]):.4f} | {np.mean([per[n].bf[k] for k in ks]):.4f} | "
                    f"{np.mean([per[n].cpu[k] for k in ks]):.2f}"
                    for n in names
                )
                + " |"
            )
    kind_head = " | ".join(f"{n}: IoU | bF | CPU s" for n in names)
    kind_rule = " | ".join("---: | ---: | ---:" for _ in names)
    holding = [n for n in names[1:] if not failures[n]]
    lines = [f"- {n}: " + "; ".join(failures[n]) for n in names[1:] if failures[n]]
    conclusion = (
        "**Holds end to end:** " + ", ".join(holding) + ".\n\n"
        if holding
        else "**No copy holds end to end.**\n\n"
    ) + ("Why the others do not:\n\n" + "\n".join(lines) if lines else "")
    load = os.getloadavg()
    load_text = (
        f"load average {load[0]:.1f} when this report was written from the log (the run's own load is not"
        " logged)"
        if args.from_log
        else f"load average {load_start[0]:.1f} at the start and {load[0]:.1f} at the end"
    )
    counts = ", ".join(f"{len(per[ORIGINAL].iou)} {s}" for s, per in results.items())
    return f"""# `auto` with an int8 (or float32) copy of the matting network, end to end

Written by `{command.strip()}` (benchmarks/throughput/int8_auto.py); do not edit by hand.
{args.note}

Machine: {platform.machine()}, {os.cpu_count()} CPUs, {load_text}; other work shared the cores
(CPU seconds of this process are the steadier figure; wall time is not reported), Python {platform.python_version()}, onnxruntime {ort.__version__}
({", ".join(providers)}), {args.threads} onnxruntime threads per session.
Original: `{model.name}` of `{model.parent.name}` (family {family}), run as the product opens it
(`{graph}`). Copies made by benchmarks/throughput/int8.py's functions, calibrated on {args.calibration}
images in neither split (see INT8.md).

Split: **tune** ({counts}); every variant on every image in the same run, order rotated image by image.
`engine.matting.matte(rgb, "auto")` at working size {args.working_size} px; no network
output cached. IoU, boundary F (3 px) and MAE against the ground truth; "below orig" counts images more
than {LISTED_DROP} IoU below the original's auto on the same image; runs = network runs per image;
CPU s / image = this process's CPU for the whole `matte` call; net s / run = CPU of the network runs
alone per run.

Over all images:

| variant | CPU s / image | speed-up per image | net CPU s / run | speed-up per run | runs / image | MiB | holds |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(verdicts)}

Per slice:

| slice | variant | IoU | bF | MAE | quality | worst IoU (image) | < 0.9 | < 0.8 | below orig | runs / image | CPU s / image | net s / run | routes |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}

Whites by kind (means):

| kind | images | {kind_head} |
| --- | ---: | {kind_rule} |
{chr(10).join(kinds)}

Images where a copy's auto IoU is more than {LISTED_DROP} below the original's:

{chr(10).join(drops) if drops else "none"}

The bar (each slice): mean IoU and bF within {MEAN_TOLERANCE} of the original's, no image newly below
{FLOOR}, none more than {PER_IMAGE_DROP} below the original's IoU; and >= {MIN_SPEEDUP}x less CPU per image
over all images.

{conclusion}
"""


if __name__ == "__main__":
    raise SystemExit(main())
