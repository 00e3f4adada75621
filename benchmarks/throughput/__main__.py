"""CPU seconds per image by stage, this code against the code before it, and images/s end to end.

    .venv/bin/python -m benchmarks.throughput                       # 8 photos per stage, 40 end to end
    .venv/bin/python -m benchmarks.throughput --images 200,1000     # the issue's end-to-end counts
    PY=/usr/bin/python3 benchmarks/throughput/gpu.sh                # on a GPU machine (see gpu.sh)

Part 1, by stage: the same ~1600 px photos (benchmarks.batch's cached ZIP) at the amazon preset
(2000x2000 JPEG), method `model`, each revision in its own process with one OpenCV thread, as a
batch worker runs. CPU time (`time.process_time`) per image of the three Ray Data stages: prepare
(decode, the network's input), network (`predict_u8`: measured once, on whatever runs it here; the
other runs reuse its matte so every revision finishes from the same one), finish, and of the steps
inside finish (decode, matte: the network's matte to a full-size alpha, render: retouch, cut-out,
compose, encode, check: the preset's compliance check). "Outside the network" is prepare + finish:
what the CPUs of a GPU node do per image. The baseline revision is exported with `git archive`
(nothing is registered in the checkout) and the revisions are measured alternately, `--rounds`
times, so a change in the machine's load hits both.

Each revision's processes start with the glibc malloc settings its batch gives the CPU stages' workers
(`data_jobs.stages.CPU_WORKER_ENV`, the environment spelling of what each stage task applies with
`mallopt`, where the revision has it; the two give the same system time, measured), so CPU time
and memory are those of a batch worker; the table gives each process's resident memory after its
finishing and its peak (runs that did not load the network only).

`--pool N` adds the images/s of prepare + finish with N one-thread processes (the CPU side's
ceiling on N cores, network mattes reused); `--mattes DIR` keeps the network's mattes for a later
run (or another machine) and `--baseline-tree DIR` takes an exported baseline where git is absent.

Part 2, end to end: `benchmarks.batch` (intake, the staged Ray Data batch, MongoDB writes, output
ZIP) at the amazon preset for each count in `--images`, with the driver's peak memory; this code
only unless `--baseline-images` asks for the baseline too. Results are printed and written to
benchmarks/throughput/RESULTS.md (or `--out`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from benchmarks.machine import describe_cpu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STAGES = ("prepare", "network", "finish")
STEPS = ("decode", "matte", "render", "encode", "check")


# --- measured inside the process of one revision --------------------------------------------------


def measure(tree: str, photo_files: list[str], method: str, preset: str) -> dict:
    """Per-image CPU seconds of every stage and step, with `tree`'s code (first on sys.path)."""
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    import engine
    from cluster.settings import Settings
    from engine.compliance import check_output
    from engine.decode import decode_image
    from engine.export import ExportOptions, encode
    from engine.matting.model import NetworkMatte
    from engine.pipeline import (
        _alpha_for,
        _render_placed,
        decode_size,
        finish_image,
        parse_recipe,
        prepare_background,
        prepare_matte,
    )
    from engine.templates import resolve

    # the check as finish runs it, in the revisions that have it as a function of its own
    check_compliance = getattr(importlib.import_module("engine.pipeline"), "check_compliance", None)
    if not str(Path(engine.__file__).resolve()).startswith(str(Path(tree).resolve())):
        raise SystemExit(f"measuring {tree} but engine comes from {engine.__file__}")
    settings = Settings.from_env()
    limits = settings.limits
    recipe = parse_recipe({"preset": preset, "method": method})
    template = resolve("#ffffff")
    background = prepare_background(recipe, template)
    stages = dict.fromkeys(STAGES, 0.0)
    steps = dict.fromkeys(STEPS, 0.0)
    network_runs = 0
    kw = {"max_pixels": limits.max_image_pixels, "working_size": limits.working_size}
    photos = [Path(name).read_bytes() for name in photo_files]
    caches = [Path(name).with_suffix(".matte.npy") for name in photo_files]

    def finish(data: bytes, plan, matte) -> None:
        finish_image(data, recipe, template, plan=plan, network_matte=matte, background=background, **kw)

    # Warm-up outside the clock (lazy imports, the sRGB profile, first-call allocations), then each
    # stage over all photos in turn: onnxruntime's threads spin for a while after a run, and that CPU
    # must not land on the stage measured next.
    plans = [prepare_matte(photos[0], recipe, **kw)]
    t0 = time.process_time()
    plans = [prepare_matte(data, recipe, **kw) for data in photos]
    stages["prepare"] = time.process_time() - t0
    mattes = []
    for plan, cached in zip(plans, caches, strict=True):
        if plan.network_input is None:
            mattes.append(None)
        elif cached.exists():
            mattes.append(np.load(cached))
        else:
            t0 = time.process_time()
            mattes.append(_session(settings).predict_u8(plan.network_input))
            stages["network"] += time.process_time() - t0
            network_runs += 1
            np.save(cached, mattes[-1])
    if network_runs:
        time.sleep(1.0)  # let the network's threads go idle before the CPU stages are timed
    finish(photos[0], plans[0], mattes[0])
    t0 = time.process_time()
    for data, plan, matte in zip(photos, plans, mattes, strict=True):
        finish(data, plan, matte)
    stages["finish"] = time.process_time() - t0

    # the same finish again, step by step (functions every measured revision has)
    for data, plan, matte in zip(photos, plans, mattes, strict=True):
        t0 = time.process_time()
        rgb = decode_image(data, max_pixels=limits.max_image_pixels, min_size=decode_size(recipe)).rgb
        t1 = time.process_time()
        if plan.alpha is not None:
            alpha = plan.alpha.astype(np.float32) / 255.0
        else:
            alpha = _alpha_for(rgb, None, method, NetworkMatte(matte), limits.working_size)[0]
        t2 = time.process_time()
        image, box = _render_placed(rgb, alpha, recipe, template, background=background, with_box=True)
        t3 = time.process_time()
        options = ExportOptions(format=recipe.format, quality=recipe.quality)
        out = encode(image, options)
        t4 = time.process_time()
        if check_compliance is not None:  # checks the composed pixels where the file keeps the band
            check_compliance(out, image, recipe, options, box)
        else:  # revisions before it decoded the file again
            check_output(out, recipe.preset_rule, product_box=box)
        t5 = time.process_time()
        for key, seconds in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            steps[key] += seconds
    n = len(photo_files)
    return {
        "memory": _memory() if network_runs == 0 else None,  # onnxruntime's memory is not finish's
        "stages": {k: v / n for k, v in stages.items()},
        "network_per_run": stages["network"] / network_runs if network_runs else None,
        "steps": {k: v / n for k, v in steps.items()},
        "images": n,
    }


def _memory() -> dict:
    """This process's resident memory now and at its peak, MiB (Linux)."""
    import resource

    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return {"now": resident / 2**20, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def pool_rate(tree: str, photo_files: list[str], method: str, preset: str, workers: int, images: int) -> dict:
    """Images/s of prepare + finish (the network's mattes reused) with `workers` processes of one
    OpenCV thread each, as a node's CPU stages run: the CPU side's ceiling on that many cores."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    jobs = [photo_files[i % len(photo_files)] for i in range(images)]
    with ctx.Pool(workers, initializer=_pool_init, initargs=(method, preset)) as pool:
        pool.map(_pool_one, (photo_files * workers)[:workers], chunksize=1)  # warm every worker
        t0 = time.perf_counter()
        cpu = sum(pool.map(_pool_one, jobs, chunksize=1))
        wall = time.perf_counter() - t0
    return {
        "workers": workers,
        "images": images,
        "images_per_s": images / wall,
        "cpu_per_image": cpu / images,
    }


_POOL: dict = {}


def _pool_init(method: str, preset: str) -> None:
    import cv2

    cv2.setNumThreads(1)
    from engine.pipeline import parse_recipe, prepare_background
    from engine.templates import resolve

    recipe = parse_recipe({"preset": preset, "method": method})
    template = resolve("#ffffff")
    _POOL.update(recipe=recipe, template=template, background=prepare_background(recipe, template))


def _pool_one(name: str) -> float:
    import numpy as np

    from engine.pipeline import finish_image, prepare_matte

    t0 = time.process_time()
    data = Path(name).read_bytes()
    plan = prepare_matte(data, _POOL["recipe"])
    matte = np.load(Path(name).with_suffix(".matte.npy")) if plan.network_input is not None else None
    finish_image(
        data,
        _POOL["recipe"],
        _POOL["template"],
        plan=plan,
        network_matte=matte,
        background=_POOL["background"],
    )
    return time.process_time() - t0


def _session(settings):
    from cluster.model_store import model_family, resolve_model
    from engine.matting.model import get_session

    return get_session(
        resolve_model(settings, fetch_if_missing=False), model_family(settings), settings.model_runtime
    )


# --- the driver -----------------------------------------------------------------------------------


def _photos(count: int, size: int, folder: Path) -> list[str]:
    from benchmarks.batch.__main__ import photos_zip

    files = []
    with zipfile.ZipFile(photos_zip(max(count, 40), size)) as zf:
        for i, name in enumerate(zf.namelist()[:count]):
            path = folder / f"{i:03d}.jpg"
            path.write_bytes(zf.read(name))
            files.append(str(path))
    return files


def _export_revision(rev: str, folder: Path) -> Path:
    """The tree of `rev` as plain files (git archive): no worktree left registered in the checkout."""
    try:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise SystemExit(
            f"cannot export the baseline {rev!r} with git archive ({detail.decode(errors='replace').strip()}); "
            "run from a git checkout that has that revision, or pass --baseline ''"
        ) from exc
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


_WORKER_ENVS: dict[Path, dict[str, str]] = {}


def worker_env(tree: Path) -> dict[str, str]:
    """The malloc settings `tree`'s batch gives its CPU workers, as environment variables
    (`CPU_WORKER_ENV`; {} where the revision has none). Read by importing the tree's module in a child: its values must be in the
    environment before the measuring process starts, since glibc reads them at start-up."""
    if tree not in _WORKER_ENVS:
        code = "import json, data_jobs.stages as s; print(json.dumps(getattr(s, 'CPU_WORKER_ENV', {})))"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True)
        _WORKER_ENVS[tree] = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    return _WORKER_ENVS[tree]


def _child_env(tree: Path) -> dict[str, str]:
    # one thread for OpenCV and BLAS as a batch worker has, and its worker environment; PYTHONPATH
    # kept (a GPU machine may bring onnxruntime-gpu that way), the measured tree goes first on
    # sys.path in `_measure_main`
    threads = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return {**os.environ, **threads, **worker_env(tree)}


def _measure_tree(tree: Path, files: list[str], args: argparse.Namespace) -> dict:
    env = _child_env(tree)
    cmd = [sys.executable, __file__, "--measure", str(tree), json.dumps(files), args.method, args.preset]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pool_tree(tree: Path, files: list[str], args: argparse.Namespace) -> dict:
    env = _child_env(tree)
    cmd = [sys.executable, __file__, "--pool", str(tree), json.dumps(files), args.method, args.preset]
    cmd += [str(args.pool), str(args.pool_images)]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the pool run on {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mean(runs: list[dict]) -> dict:
    """Per-key mean over rounds; the network's cost comes from the one run that computed it."""
    out: dict = {"stages": {}, "steps": {}, "rounds": len(runs)}
    for part in ("stages", "steps"):
        for key in runs[0][part]:
            values = [r[part][key] for r in runs]
            out[part][key] = sum(values) / len(values)
    per_run = [r["network_per_run"] for r in runs if r["network_per_run"] is not None]
    out["network_per_run"] = per_run[0] if per_run else None
    out["pool"] = runs[-1].get("pool")
    memory = [r["memory"] for r in runs if r.get("memory")]
    out["memory"] = {k: max(m[k] for m in memory) for k in ("now", "peak")} if memory else None
    out["spread_finish"] = (
        min(r["stages"]["finish"] for r in runs),
        max(r["stages"]["finish"] for r in runs),
    )
    return out


def per_stage(args: argparse.Namespace, tmp: Path) -> dict[str, dict]:
    files = _photos(args.photos, args.size, tmp)
    mattes = [Path(f).with_suffix(".matte.npy") for f in files]
    if args.mattes:  # network mattes kept from an earlier run (or another machine): no network here
        for m in mattes:
            if (args.mattes / m.name).exists():
                shutil.copyfile(args.mattes / m.name, m)
    trees = {"this": ROOT}
    if args.baseline_tree:
        trees[args.baseline] = args.baseline_tree.resolve()
    elif args.baseline:
        trees[args.baseline] = _export_revision(args.baseline, tmp / "baseline")
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    names = list(trees)
    network_run = None
    if not all(m.exists() for m in mattes):
        # The network's mattes in a process of their own, before the timed rounds: a finish measured in
        # the process that just ran onnxruntime (its arena, its threads) is slower and noisier than a
        # batch's finish workers, which never run the network. Only its network cost is kept.
        print(f"computing the network's mattes for {len(files)} photos (untimed)", file=sys.stderr)
        network_run = _measure_tree(ROOT, files, args)
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            print(f"round {r + 1}/{args.rounds}: measuring {name} on {len(files)} photos", file=sys.stderr)
            runs[name].append(_measure_tree(trees[name], files, args))
    if args.pool:
        for name in names:
            print(f"pool of {args.pool}: {name}", file=sys.stderr)
            runs[name][-1]["pool"] = _pool_tree(trees[name], files, args)
    if args.mattes:
        args.mattes.mkdir(parents=True, exist_ok=True)
        for m in mattes:
            if m.exists() and not (args.mattes / m.name).exists():
                shutil.copyfile(m, args.mattes / m.name)
    if network_run is not None:
        runs["this"][0]["network_per_run"] = network_run["network_per_run"]
    means = {name: _mean(rs) for name, rs in runs.items()}
    for name, tree in trees.items():
        means[name]["worker_env"] = worker_env(tree)
    return means


def end_to_end(args: argparse.Namespace, count: int, tree: Path) -> dict:
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "batch" / "__main__.py"),
        "--images",
        str(count),
        "--json",
        "--method",
        args.method,
        "--preset",
        args.preset,
        "--size",
        str(args.size),
    ]
    if args.gpu:
        cmd.append("--gpu")
    if args.ray_address:
        cmd += ["--ray-address", args.ray_address]
    # the driver script is this checkout's; the code it runs (and Ray's workers import) is `tree`'s
    pythonpath = os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": pythonpath}
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {count}-image run on {tree} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    text = describe_cpu()
    try:
        gpu = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        if gpu.returncode == 0 and gpu.stdout.strip():
            text += ", GPU " + "; ".join(gpu.stdout.strip().splitlines())
    except (OSError, subprocess.TimeoutExpired):
        pass
    return text


def report(
    args: argparse.Namespace, stages: dict[str, dict], e2e: list[tuple[str, dict]], loads: list
) -> str:
    cmd = " ".join(["python -m benchmarks.throughput", *sys.argv[1:]])
    lines = [
        f"# Throughput: CPU seconds per image by stage, and images/s end to end ({args.preset} preset, "
        f"method {args.method})",
        "",
        f"Command: `{cmd}`  ",
        f"Machine: {_machine()}; load average (1 min) {loads[0]:.1f} before, {loads[1]:.1f} after the "
        f"per-stage part, {loads[2]:.1f} at the end. 'this' is the working tree.",
    ]
    if stages:
        lines += _stage_tables(args, stages)
    if e2e:
        lines += _e2e_table(e2e)
    return "\n".join(lines)


def _stage_tables(args: argparse.Namespace, stages: dict[str, dict]) -> list[str]:
    lines = [
        "",
        f"Per stage: {args.photos} photos at {args.size} px, each revision in its own process with one "
        f"OpenCV thread, {args.rounds} alternating rounds (mean; finish's min..max over the rounds).",
        "",
        "| code | prepare | network | finish | outside the network | finish min..max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in stages.items():
        s, net = r["stages"], r["network_per_run"]
        lines.append(
            f"| {name} | {s['prepare']:.3f} | {'-' if net is None else f'{net:.3f}'} | {s['finish']:.3f} | "
            f"{s['prepare'] + s['finish']:.3f} | {r['spread_finish'][0]:.3f}..{r['spread_finish'][1]:.3f} |"
        )
    lines += [
        "",
        "network: CPU seconds of one `predict_u8` in an untimed process of its own before the rounds, so "
        "no timed finish shares a process with the network runtime (every round of both revisions reuses its "
        "mattes), on " + ("the GPU (host CPU time)" if args.gpu else "the CPU") + ".",
        "",
        "Inside finish (the same work again, step by step):",
        "",
        "| code | " + " | ".join(STEPS) + " | sum |",
        "| --- |" + " ---: |" * (len(STEPS) + 1),
    ]
    for name, r in stages.items():
        s = r["steps"]
        lines.append(
            f"| {name} | " + " | ".join(f"{s[k]:.3f}" for k in STEPS) + f" | {sum(s.values()):.3f} |"
        )
    lines += [
        "",
        "Process memory after the per-stage run, the largest over its rounds (MiB; runs that loaded the "
        "network left out), and the environment it started with (the revision's batch CPU workers'):",
        "",
        "| code | resident after finishing | peak | worker environment |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, r in stages.items():
        m, env = r.get("memory"), r.get("worker_env") or {}
        cells = ("-", "-") if m is None else (f"{m['now']:.0f}", f"{m['peak']:.0f}")
        where = " ".join(f"{k}={v}" for k, v in env.items()) or "(none)"
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {where} |")
    pools = [(name, r["pool"]) for name, r in stages.items() if r.get("pool")]
    if pools:
        w = pools[0][1]
        lines += [
            "",
            f"CPU stages in parallel (prepare + finish, network mattes reused): {w['workers']} processes "
            f"of one OpenCV thread, {w['images']} images:",
            "",
            "| code | images/s | CPU s per image |",
            "| --- | ---: | ---: |",
        ]
        lines += [f"| {n} | {p['images_per_s']:.1f} | {p['cpu_per_image']:.3f} |" for n, p in pools]
    if args.baseline and args.baseline in stages:
        now, before = stages["this"]["stages"], stages[args.baseline]["stages"]
        a, b = now["prepare"] + now["finish"], before["prepare"] + before["finish"]
        lines += [
            "",
            f"Outside the network: {b:.3f} s before ({args.baseline}), {a:.3f} s now: "
            f"{b / a:.2f}x less CPU per image.",
        ]
    return lines


def _e2e_table(e2e: list[tuple[str, dict]]) -> list[str]:
    lines = [
        "",
        "End to end (`benchmarks.batch`: intake, the staged Ray Data batch, MongoDB writes, output ZIP):",
        "",
        "| code | images | done | img/s end to end | img/s processing | CPU s/img prepare / network / finish "
        "| driver RSS peak MiB (growth) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for name, f in e2e:
        s = f["seconds"]
        cpu = " / ".join(f"{s.get(f'cpu_{k}_per_image', 0.0):.2f}" for k in STAGES)
        lines.append(
            f"| {name} | {f['images']} | {f['done']} | {f['images_per_s_end_to_end']:.2f} | "
            f"{f['images_per_s_processing']:.2f} | {cpu} | {f['driver_rss_peak_mib']:.0f} "
            f"(+{f['driver_rss_growth_mib']:.0f}) |"
        )
    return [*lines, "", f"Ray cluster: {e2e[0][1].get('cluster')}."]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=8, help="photos for the per-stage part")
    ap.add_argument("--images", default="40", help="image counts end to end, comma-separated ('0': skip)")
    ap.add_argument("--baseline", default="7d85efb", help="revision to compare with ('' for none)")
    ap.add_argument("--baseline-images", type=int, default=0, help="also run the baseline end to end")
    ap.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="the baseline's files already exported (no git needed)",
    )
    ap.add_argument(
        "--mattes", type=Path, default=None, help="keep/reuse the network's mattes in this folder"
    )
    ap.add_argument("--rounds", type=int, default=2, help="alternating per-stage rounds")
    ap.add_argument("--pool", type=int, default=0, help="also: images/s of the CPU stages with N processes")
    ap.add_argument("--pool-images", type=int, default=160, help="images for --pool (photos cycled)")
    ap.add_argument("--size", type=int, default=1600, help="input photo size (px)")
    ap.add_argument("--method", choices=("auto", "fast", "model"), default="model")
    ap.add_argument("--preset", default="amazon")
    ap.add_argument("--gpu", action="store_true", help="end to end: require a GPU in the Ray cluster")
    ap.add_argument("--ray-address", default=None)
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="drisya-throughput-") as tmp:
        stages = per_stage(args, Path(tmp)) if args.photos > 0 else {}
        loads.append(os.getloadavg()[0])
        e2e: list[tuple[str, dict]] = []
        for count in [int(x) for x in args.images.split(",") if x.strip()]:
            if count > 0:
                print(f"end to end: {count} images (this code)", file=sys.stderr)
                e2e.append(("this", end_to_end(args, count, ROOT)))
        if args.baseline and args.baseline_images > 0:
            tree = Path(tmp) / "baseline"
            if not tree.exists():
                _export_revision(args.baseline, tree)
            print(f"end to end: {args.baseline_images} images ({args.baseline})", file=sys.stderr)
            e2e.append((args.baseline, end_to_end(args, args.baseline_images, tree)))
    loads.append(os.getloadavg()[0])
    text = report(args, stages, e2e, loads)
    print(text)
    args.out.write_text(text + "\n")


def _measure_main(argv: list[str]) -> None:
    tree, files, method, preset = argv
    sys.path.insert(0, tree)
    print(json.dumps(measure(tree, json.loads(files), method, preset)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        _measure_main(sys.argv[2:])
    elif sys.argv[1:2] == ["--pool"]:
        tree, files, method, preset, workers, images = sys.argv[2:]
        sys.path.insert(0, tree)
        print(json.dumps(pool_rate(tree, json.loads(files), method, preset, int(workers), int(images))))
    else:
        main()
