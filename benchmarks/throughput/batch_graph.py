"""Time per image of the matting network: the original graph one image per run, against the batch-capable
copy (`drisya models batch`) at each batch size asked for, on whatever device the session gets.

    .venv/bin/python -m benchmarks.throughput.batch_graph                      # CPU here: batch 1 vs 4
    python -m benchmarks.throughput.batch_graph --batches 1,8,16 --images 32 --threads 0 \
        --out benchmarks/throughput/BATCH-gpu.md                                # on a GPU machine

The copy is written and verified afresh in a temporary folder next to a link to the configured model
(the model cache is not touched), so the report also carries the check's max difference. Then the same
`--images` synthetic product photos (`drisya.cli.model_batch.sample_photos`) run through each variant,
`--rounds` times, the variants taking turns so a change in the machine's load hits all of them; the
report gives the median over rounds of wall ms and CPU ms (this process) per image. One onnxruntime
thread by default, as in a network-stage actor holding one CPU: CPU time per image is then the work
itself, not threads waiting on each other on cores that other work shares. Network runs only:
preprocessing is the same for every variant. Writes benchmarks/throughput/BATCH.md (or `--out`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), MiB; NaN without /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _added_by(run) -> float:
    """MiB of resident memory that `run` needed above what the process already held: the peak is
    reset first (Linux: `5` to /proc/self/clear_refs), then read back after the run."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return float("nan")
    before = _status_mib("VmRSS")
    run()
    return _status_mib("VmHWM") - before


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", default="1,4", help="batch sizes of the copy to time (default 1,4)")
    ap.add_argument("--images", type=int, default=4, help="photos per measurement (default 4)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="onnxruntime threads per session (default 1, as a network-stage actor holding one CPU; 0: all cores)",
    )
    ap.add_argument("--out", default=str(HERE / "BATCH.md"))
    args = ap.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",")]
    if min(batches) < 1 or args.images < max(batches):
        ap.error("batch sizes must be 1 or more and at most --images")

    import onnx
    import onnxruntime as ort

    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from drisya.cli.model_batch import install_batch_copy, sample_photos
    from engine.matting.model import ModelSession

    settings = Settings.from_env()
    model = resolve_model(settings, fetch_if_missing=False)
    family = model_family(settings)
    command = "python -m benchmarks.throughput.batch_graph " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="drisya-batch-") as tmp:
        link = Path(tmp) / "model.onnx"
        link.symlink_to(model.resolve())
        started = time.perf_counter()
        installed = install_batch_copy(link, family, images=3)
        check_s = time.perf_counter() - started
        verification = installed.verification
        assert verification is not None
        original = ModelSession(model, family, threads=args.threads or None, runtime="onnxruntime")
        copy = ModelSession(installed.copy, family, threads=args.threads or None, runtime="onnxruntime")
        xs = [original.preprocess(rgb) for rgb in sample_photos(args.images, seed=99)]
        variants: dict[str, tuple[ModelSession, int]] = {"original, 1 per run": (original, 1)}
        for b in batches:
            variants[f"batch copy, {b} per run"] = (copy, b)
        added = {  # warm-up, in the order of the rows: the first run of each allocates its arena
            name: _added_by(lambda session=session, b=b: session.run(np.concatenate(xs[:b])))
            for name, (session, b) in variants.items()
        }
        wall: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (session, b) in variants.items():
                t0, c0 = time.perf_counter(), time.process_time()
                for start in range(0, len(xs), b):
                    session.run(np.concatenate(xs[start : start + b]))
                wall[name].append((time.perf_counter() - t0) / len(xs) * 1000)
                cpu[name].append((time.process_time() - c0) / len(xs) * 1000)
        providers = original.providers
        nodes = [len(onnx.load(str(p), load_external_data=False).graph.node) for p in (model, installed.copy)]

    base = statistics.median(wall["original, 1 per run"])
    rows = [
        f"| {name} | {statistics.median(wall[name]):.0f} | {statistics.median(cpu[name]):.0f} | "
        f"{base / statistics.median(wall[name]):.2f} | {added[name]:.0f} |"
        for name in variants
    ]
    first, last = f"batch copy, {batches[0]} per run", f"batch copy, {batches[-1]} per run"
    wall_ratio = statistics.median(wall[first]) / statistics.median(wall[last])
    cpu_ratio = statistics.median(cpu[last]) / statistics.median(cpu[first])
    cpu_saved = 1 - statistics.median(cpu[first]) / statistics.median(cpu["original, 1 per run"])
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    threads = (
        f"{args.threads} onnxruntime thread{'s' if args.threads > 1 else ''}" if args.threads else "all cores"
    )
    text = f"""# The matting network in batches (`drisya models batch`)

Written by `{command.strip()}` (benchmarks/throughput/batch_graph.py); do not edit by hand.

Machine: {platform.machine()}, {os.cpu_count()} CPUs (load average {load[0]:.1f} at the end), Python
{platform.python_version()}, onnxruntime {ort.__version__} with {", ".join(providers)}. Model: `{model.name}` of
`{model.parent.name}` (family {family}), {xs[0].shape[-1]} px input.

The copy, written and checked in {check_s:.0f} s: on a batch of {verification.images} synthetic product photos its
mattes differ from runs of the original on each photo alone by at most **{verification.max_abs_diff:.2e}**
(tolerance {installed.recorded["verified"]["tolerance"]:.2e}, half a uint8 step; the photos' own mattes differ
by {verification.min_spread:.2f} or more).

Network runs only, {args.images} photos, median of {args.rounds} rounds taken in turns, {threads} per
session; CPU ms is this process's CPU time per image; "MiB added" is the resident memory the variant's
first run needed above what the process held before it (the rows ran in this order and the copy's rows
share one session, so the last row shows what its larger batch adds to the batch before it):

| variant | wall ms / image | CPU ms / image | speed-up vs original | MiB added by the first run |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Batch {batches[-1]} vs batch {batches[0]} of the copy: {wall_ratio:.2f}x the images per second (wall) and
{cpu_ratio:.2f}x the CPU time per image. Where other work shares the cores (load {load_start:.1f} at the start),
wall times swing with it and the CPU column is the steadier figure. The copy keeps only the output the engine
reads ({nodes[1]} of the original's {nodes[0]} nodes): the nodes only the other outputs need (the side
outputs' upsampling to the full {xs[0].shape[-1]} px and their sigmoids) do not run, at any batch size, which
saves {cpu_saved:.0%} of the CPU time per image at batch {batches[0]}.
"""
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
