"""CPU milliseconds per image that the network stage spends around the network run, this code against
a baseline revision.

    .venv/bin/python -m benchmarks.throughput.network_io            # writes benchmarks/throughput/NETWORK_IO.md

On a GPU node the network actor's own core does this work for every image beside a network run of
~9 ms (ISNet fp16 on an H100, `RESULTS-gpu.md`): the input's normalisation before the run and the
matte's quantisation after it. What the network stage hands on is the same either way (the tests hold
the input bit for bit); only its CPU cost is measured here. Each revision runs in its own process
(one OpenCV and one onnxruntime thread, as a batch's network actor on a CPU share), on the network
inputs the prepare stage makes from the same ~1600 px photos as `benchmarks.throughput`, alternately
`--rounds` times; the network itself runs once per image, untimed, for the output to quantise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def measure(tree: str, photo_files: list[str], preset: str) -> dict:
    """Per-image CPU ms of preprocess and of activate + quantise, with `tree`'s code."""
    import cv2

    cv2.setNumThreads(1)
    import engine
    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from engine.matting.model import ModelSession, quantise
    from engine.pipeline import parse_recipe, prepare_matte

    if not str(Path(engine.__file__).resolve()).startswith(str(Path(tree).resolve())):
        raise SystemExit(f"measuring {tree} but engine comes from {engine.__file__}")
    settings = Settings.from_env()
    limits = settings.limits
    session = ModelSession(
        resolve_model(settings, fetch_if_missing=False),
        model_family(settings),
        threads=1,
        runtime=settings.model_runtime,
    )
    recipe = parse_recipe({"preset": preset, "method": "model"})
    kw = {"max_pixels": limits.max_image_pixels, "working_size": limits.working_size}
    inputs = [prepare_matte(Path(f).read_bytes(), recipe, **kw).network_input for f in photo_files]
    outputs = [session.run(session.preprocess(x)) for x in inputs]  # untimed: the network itself
    session.preprocess(inputs[0])  # first-call allocations (tables, arena) outside the clock
    t0 = time.process_time()
    for x in inputs:
        session.preprocess(x)
    t1 = time.process_time()
    for out in outputs:
        quantise(session.activate(out))
    t2 = time.process_time()
    n = len(inputs)
    return {
        "preprocess_ms": 1000 * (t1 - t0) / n,
        "postprocess_ms": 1000 * (t2 - t1) / n,
        "input": list(inputs[0].shape),
        "network_input": list(session.preprocess(inputs[0]).shape),
    }


def _measure_tree(tree: Path, files: list[str], preset: str) -> dict:
    """`measure` in a process of its own whose code (engine, cluster) is `tree`'s."""
    from benchmarks.throughput.__main__ import _child_env

    env = {**_child_env(tree), "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--measure", str(tree), json.dumps(files), preset]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from benchmarks.throughput.__main__ import _export_revision, _machine, _photos

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", type=int, default=1600, help="input photo size (px)")
    ap.add_argument("--preset", default="amazon")
    ap.add_argument("--baseline", default="731a4ab", help="revision to compare with")
    ap.add_argument("--out", type=Path, default=HERE / "NETWORK_IO.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="drisya-network-io-") as tmp:
        files = _photos(args.photos, args.size, Path(tmp))
        trees = {"this": ROOT, args.baseline: _export_revision(args.baseline, Path(tmp) / "baseline")}
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        names = list(trees)
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                print(f"round {r + 1}/{args.rounds}: {name}", file=sys.stderr)
                runs[name].append(_measure_tree(trees[name], files, args.preset))
    lines = [
        "# The network stage's CPU around the network run (ms per image)",
        "",
        f"Command: `python -m benchmarks.throughput.network_io --photos {args.photos} --rounds {args.rounds}`  ",
        f"Machine: {_machine()}; load average (1 min) {load:.1f} before, {os.getloadavg()[0]:.1f} after.",
        "",
        f"{args.photos} photos at {args.size} px, {args.preset} preset; the prepare stage's network input "
        f"{runs['this'][0]['input']} -> {runs['this'][0]['network_input']}; one thread; mean of {args.rounds} "
        "alternating rounds (min..max).",
        "",
        "| code | preprocess | min..max | activate + quantise | min..max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, rs in runs.items():
        pre = [r["preprocess_ms"] for r in rs]
        post = [r["postprocess_ms"] for r in rs]
        lines.append(
            f"| {name} | {sum(pre) / len(pre):.1f} | {min(pre):.1f}..{max(pre):.1f} "
            f"| {sum(post) / len(post):.1f} | {min(post):.1f}..{max(post):.1f} |"
        )
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        tree, files, preset = sys.argv[2:]
        sys.path.insert(0, tree)
        print(json.dumps(measure(tree, json.loads(files), preset)))
    else:
        main()
