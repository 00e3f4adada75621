"""CPU seconds per image for each step of a batch, this code against an earlier revision, in one run.

    .venv/bin/python -m benchmarks.batch.stages --images 6 --baseline HEAD~3 [--method model] [--profile]

The same ~1600x1600 photos as `benchmarks.batch` (its cached ZIP) at the `amazon` preset (2000x2000
JPEG). Each process runs alone with one thread for OpenCV, as a batch worker does when several share
a machine, and measures CPU time (`time.process_time`: every thread of the process) per step:

- steps: decode, matting outside the network, the network, retouch+compose (`render_product`), encode
  (functions both revisions have, so the columns compare the same work);
- stages (this revision only): prepare, network, finish as the Ray Data stages run them.

"outside the network" is everything but the network: what the CPUs of a GPU node must do per image.
`--baseline REV` exports that revision with `git archive` and measures it in a subprocess. Results
are printed and written to benchmarks/batch/STAGES.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STEPS = ("decode", "matte_cpu", "network", "render", "encode")
STAGES = ("prepare", "network", "finish")


def _photos(count: int, size: int) -> list[bytes]:
    from benchmarks.batch.__main__ import photos_zip

    with zipfile.ZipFile(photos_zip(max(count, 40), size)) as zf:
        return [zf.read(name) for name in zf.namelist()[:count]]


class _TimedSession:
    """The model session with its CPU time counted (the network is measured apart from the rest).

    Its output for each photo is kept beside the photo, so the second revision measured reuses it
    instead of running the network again (both then work on the same matte)."""

    def __init__(self, session) -> None:
        self.session = session
        self.seconds = 0.0
        self.cache: Path | None = None

    def predict(self, rgb):
        import numpy as np

        if self.cache is not None and self.cache.exists():
            return np.load(self.cache)
        t0 = time.process_time()
        try:
            alpha = self.session.predict(rgb)
        finally:
            self.seconds += time.process_time() - t0
        if self.cache is not None:
            np.save(self.cache, alpha)
        return alpha


def measure(photo_files: list[str], method: str, staged: bool, profile: bool) -> dict:
    """Run in the process of the revision measured (its tree first on sys.path)."""
    import cv2

    cv2.setNumThreads(1)
    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from engine.decode import decode_image
    from engine.export import ExportOptions, encode
    from engine.matting.model import get_session
    from engine.pipeline import _alpha_for, decode_size, parse_recipe, prepare_background, render_product
    from engine.templates import resolve

    settings = Settings.from_env()
    recipe = parse_recipe({"preset": "amazon", "method": method})
    template = resolve("#ffffff")
    background = prepare_background(recipe, template)
    session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    photos = [Path(p).read_bytes() for p in photo_files]
    caches = [Path(p).with_suffix(".network.npy") for p in photo_files]
    limits = settings.limits
    steps = dict.fromkeys(STEPS, 0.0)
    timed = _TimedSession(session)
    _alpha_for(
        decode_image(photos[0], max_pixels=limits.max_image_pixels).rgb,
        None,
        method,
        timed,
        limits.working_size,
    )
    for data, cache in zip(photos, caches, strict=True):
        timed.seconds, timed.cache = 0.0, cache
        t0 = time.process_time()
        decoded = decode_image(data, max_pixels=limits.max_image_pixels, min_size=decode_size(recipe))
        t1 = time.process_time()
        alpha, _, _ = _alpha_for(decoded.rgb, decoded.alpha, method, timed, limits.working_size)
        t2 = time.process_time()
        image = render_product(decoded.rgb, alpha, recipe, template, background=background)
        t3 = time.process_time()
        encode(image, ExportOptions(format=recipe.format, quality=recipe.quality))
        t4 = time.process_time()
        steps["decode"] += t1 - t0
        steps["network"] += timed.seconds  # 0 where the other revision's run left the matte
        steps["matte_cpu"] += t2 - t1 - timed.seconds
        steps["render"] += t3 - t2
        steps["encode"] += t4 - t3
    n = len(photos)
    out: dict = {"steps": {k: v / n for k, v in steps.items()}}
    if staged:
        out["stages"] = _measure_stages(photos, recipe, template, background, session, limits, profile)
    return out


def _measure_stages(photos, recipe, template, background, session, limits, profile: bool) -> dict:
    from engine.pipeline import finish_image, prepare_matte

    sums = dict.fromkeys(STAGES, 0.0)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    for data in photos:
        t0 = time.process_time()
        plan = prepare_matte(
            data, recipe, max_pixels=limits.max_image_pixels, working_size=limits.working_size
        )
        t1 = time.process_time()
        matte = session.predict_u8(plan.network_input) if plan.network_input is not None else None
        t2 = time.process_time()
        if profiler:
            profiler.enable()
        finish_image(
            data,
            recipe,
            template,
            plan=plan,
            network_matte=matte,
            background=background,
            max_pixels=limits.max_image_pixels,
            working_size=limits.working_size,
        )
        if profiler:
            profiler.disable()
        t3 = time.process_time()
        sums["prepare"] += t1 - t0
        sums["network"] += t2 - t1
        sums["finish"] += t3 - t2
    if profiler:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(18)
    return {k: v / len(photos) for k, v in sums.items()}


def _run_tree(tree: Path, files: list[str], args: argparse.Namespace, staged: bool) -> dict:
    # this file runs as a script with the measured tree first on sys.path (see `_measure_main`)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    cmd = [sys.executable, __file__, "--measure", str(tree), json.dumps(files), args.method]
    cmd += ["1" if staged else "0", "1" if args.profile and staged else "0"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{done.stderr[-3000:]}")
    if args.profile:
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _outside_network(steps: dict) -> float:
    return sum(v for k, v in steps.items() if k != "network")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=6)
    ap.add_argument("--size", type=int, default=1600)
    ap.add_argument("--method", choices=("auto", "fast", "model"), default="model")
    ap.add_argument("--baseline", default=None, help="git revision to compare with (e.g. HEAD~3)")
    ap.add_argument("--profile", action="store_true", help="cProfile the finish stage (stderr)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="drisya-stages-") as tmp:
        files = []
        for i, data in enumerate(_photos(args.images, args.size)):
            path = Path(tmp) / f"{i}.jpg"
            path.write_bytes(data)
            files.append(str(path))
        rows = {"this": _run_tree(ROOT, files, args, staged=True)}
        if args.baseline:
            tree = Path(tmp) / "baseline"
            tree.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
            rows[args.baseline] = _run_tree(tree, files, args, staged=False)
    report = _report(rows, args)
    print(report)
    (HERE / "STAGES.md").write_text(report + "\n")


def _report(rows: dict, args: argparse.Namespace) -> str:
    lines = [
        f"# CPU seconds per image by step ({args.images} photos at {args.size}px, amazon preset, "
        f"method {args.method}, one OpenCV thread)",
        "",
        "Command: `.venv/bin/python -m benchmarks.batch.stages "
        + f"--images {args.images} --method {args.method}"
        + (f" --baseline {args.baseline}`" if args.baseline else "`"),
        "",
        "(network: CPU seconds where that run computed it; the other revision reuses its matte). "
        f"Load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; 'this' is the "
        "working tree (with any uncommitted engine changes).",
        "",
        "| code | " + " | ".join(STEPS) + " | outside the network |",
        "| --- |" + " ---: |" * (len(STEPS) + 1),
    ]
    for name, r in rows.items():
        s = r["steps"]
        lines.append(
            f"| {name} | " + " | ".join(f"{s[k]:.3f}" for k in STEPS) + f" | {_outside_network(s):.3f} |"
        )
    stages = rows["this"].get("stages")
    if stages:
        outside = stages["prepare"] + stages["finish"]
        lines += [
            "",
            "| stages (this code) | prepare | network | finish | outside the network |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| per image | {stages['prepare']:.3f} | {stages['network']:.3f} | {stages['finish']:.3f} "
            f"| {outside:.3f} |",
        ]
        if args.baseline:
            before = _outside_network(rows[args.baseline]["steps"])
            lines += [
                "",
                f"Outside the network: {before:.3f} s before, {outside:.3f} s staged now "
                f"({before / outside:.2f}x less CPU per image).",
            ]
    return "\n".join(lines)


def _measure_main(argv: list[str]) -> None:
    tree, files, method, staged, profile = argv
    sys.path.insert(0, tree)
    print(json.dumps(measure(json.loads(files), method, staged == "1", profile == "1")))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        _measure_main(sys.argv[2:])
    else:
        main()
