"""Batch throughput end to end: ZIP intake -> Ray Data actors -> MongoDB bulk writes -> output ZIP.

    .venv/bin/python -m benchmarks.batch --images 200                # one run, figures printed
    .venv/bin/python -m benchmarks.batch --compare 200,1000          # driver memory must stay flat
    .venv/bin/python -m benchmarks.batch --gpu --images 1000         # on a GPU machine (see README.md)

Synthetic ~1600x1600 JPEG product photos (benchmarks.batch.photos) are zipped once and cached under
benchmarks/out/batch/. Each run uses a fresh embedded MongoDB and blob dir in a temp folder and the
same code as `drisya batch` and the API. Printed: images/second (end to end and processing only),
seconds per stage, and the driver's resident memory (VmRSS sampled every 50 ms, and the kernel's
VmHWM peak). Ray workers and the database are other processes: the driver only ever holds image
references and status rows, which is what `--compare` checks as the ZIP grows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.machine import describe_cpu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = ROOT / "benchmarks" / "out" / "batch"


def _proc_status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """The driver's resident set size, sampled on a thread (MiB)."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(_proc_status_kib("VmRSS") / 1024)
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max(self.samples) if self.samples else 0.0


def photos_zip(images: int, size: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"photos-{images}-{size}.zip"
    if not path.exists():
        print(f"rendering {images} synthetic photos at {size}px into {path} ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.batch.photos",
                str(path),
                "--images",
                str(images),
                "--size",
                str(size),
            ],
            cwd=ROOT,
            check=True,
        )
    return path


async def run_once(args: argparse.Namespace, zip_path: Path, work: Path) -> dict:
    import ray

    from cluster.embedded_mongo import EmbeddedMongo
    from cluster.settings import Settings
    from data_jobs.download import job_output_zip
    from data_jobs.jobs import add_zip, create_job, submit_job
    from data_jobs.runner import ensure_ray, run_job
    from store.blobs import blob_store_from_settings
    from store.db import connect, ensure_indexes
    from store.job_coins import quote
    from store.ledger import Ledger
    from store.repositories import Repositories

    settings = Settings.from_env().with_(data_dir=str(work), blob_dir=None, blob_backend="local")
    if args.ray_address:
        settings = settings.with_(ray_address=args.ray_address)
    elif settings.ray_address is None:
        settings = settings.with_(ray_address="local")
    blobs = blob_store_from_settings(settings)
    recipe = {"method": args.method, "size": args.out_size, "aspect": "1:1"}
    if args.preset:
        recipe = {"method": args.method, "preset": args.preset}  # the preset decides size and background
    figures: dict = {
        "images": args.images,
        "method": args.method,
        "output_px": args.out_size,
        "preset": args.preset,
    }
    with EmbeddedMongo(work / "mongo") as mongo:
        db = connect(mongo.start(), "bench")
        await ensure_indexes(db)
        repos = Repositories(db)
        ensure_ray(settings)
        resources = ray.cluster_resources()
        if args.gpu and not resources.get("GPU"):
            raise SystemExit("--gpu: this Ray cluster has no GPU")
        figures["cluster"] = {k: resources[k] for k in ("CPU", "GPU") if k in resources}
        figures["rss_before_mib"] = _proc_status_kib("VmRSS") / 1024
        user = await repos.users.create("bench@drisya.local", "benchmark-password")
        with RssSampler() as rss:
            t_start = time.perf_counter()
            job = await create_job(
                repos, owner=user.id, module="ready", template=args.template, recipe=recipe
            )
            t0 = time.perf_counter()
            with open(zip_path, "rb") as fh:
                report = await add_zip(repos, blobs, settings, job.id, fh)
            intake = time.perf_counter() - t0
            job = await repos.jobs.get(job.id)
            await Ledger(db).credit(user.id, quote(job), "grant", "bench")
            t0 = time.perf_counter()
            await submit_job(repos, job.id)
            reserve = time.perf_counter() - t0
            summary = await run_job(repos, settings, job.id, reserve_cpus=0.0, max_actors=args.workers)
            t0 = time.perf_counter()
            zipped = await job_output_zip(repos, blobs, job.id)
            out_path = work / "output.zip"

            def write() -> int:
                with open(out_path, "wb") as out:
                    for chunk in zipped.chunks():
                        out.write(chunk)
                return out_path.stat().st_size

            out_bytes = await asyncio.to_thread(write)
            output_zip = time.perf_counter() - t0
            total = time.perf_counter() - t_start
        await db.client.close()
    ray.shutdown()
    stages = summary.stages
    figures.update(
        accepted=len(report.accepted),
        done=summary.done,
        failed=summary.failed,
        images_per_s_end_to_end=summary.done / total if total else 0.0,
        images_per_s_processing=summary.done / stages.get("process_wall", total),
        seconds={
            "intake": intake,
            "reserve": reserve,
            "prepare_and_plan": stages.get("prepare", 0.0) + stages.get("plan", 0.0),
            "process_wall": stages.get("process_wall", 0.0),
            "db_writes_in_process": stages.get("db_writes", 0.0),
            "worker_seconds_per_image": stages.get("worker_seconds_sum", 0.0) / max(summary.done, 1),
            # CPU seconds per image in each Ray Data stage (data_jobs.stages), summed over workers
            **{
                f"cpu_{name}_per_image": stages.get(f"cpu_{name}", 0.0) / max(summary.done, 1)
                for name in ("prepare", "network", "finish")
            },
            "finish": stages.get("finish", 0.0),
            "output_zip": output_zip,
            "total": total,
        },
        output_zip_mb=out_bytes / 1e6,
        driver_rss_peak_mib=rss.peak,
        driver_rss_growth_mib=rss.peak - figures["rss_before_mib"],
        driver_vmhwm_mib=_proc_status_kib("VmHWM") / 1024,
    )
    return figures


def print_figures(f: dict) -> None:
    s = f["seconds"]
    print(
        f"images: {f['done']}/{f['images']} done ({f['failed']} failed), method {f['method']}, "
        f"output {f.get('preset') or str(f['output_px']) + 'px'}, cluster {f['cluster']}"
    )
    print(
        f"throughput: {f['images_per_s_end_to_end']:.2f} img/s end to end, "
        f"{f['images_per_s_processing']:.2f} img/s processing"
    )
    print("seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in s.items()))
    print(
        f"driver memory: {f['rss_before_mib']:.0f} MiB before, peak {f['driver_rss_peak_mib']:.0f} MiB "
        f"(+{f['driver_rss_growth_mib']:.0f} MiB during the job), VmHWM {f['driver_vmhwm_mib']:.0f} MiB; "
        f"output ZIP {f['output_zip_mb']:.0f} MB"
    )


def compare(args: argparse.Namespace) -> None:
    rows = []
    for n in [int(x) for x in args.compare.split(",")]:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.batch",
            "--images",
            str(n),
            "--json",
            "--method",
            args.method,
            "--out-size",
            str(args.out_size),
            "--size",
            str(args.size),
        ]
        if args.gpu:
            cmd.append("--gpu")
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.preset:
            cmd += ["--preset", args.preset]
        if args.ray_address:
            cmd += ["--ray-address", args.ray_address]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the {n}-image run failed:\n{done.stderr[-4000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print_figures(rows[-1])
        print()
    print(
        f"{'images':>7} {'img/s e2e':>10} {'img/s proc':>11} {'ZIP MB':>8} {'driver peak MiB':>16} {'growth MiB':>11}"
    )
    for r in rows:
        print(
            f"{r['images']:>7} {r['images_per_s_end_to_end']:>10.2f} {r['images_per_s_processing']:>11.2f} "
            f"{r['output_zip_mb']:>8.0f} {r['driver_rss_peak_mib']:>16.0f} {r['driver_rss_growth_mib']:>11.0f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--size", type=int, default=1600, help="input photo size (px)")
    ap.add_argument("--out-size", type=int, default=1600, help="output longest side (px)")
    ap.add_argument("--method", choices=("auto", "fast", "model"), default=None)
    ap.add_argument("--template", default="studio-sweep-white", help="template id or #RRGGBB")
    ap.add_argument("--preset", default=None, help="a platform preset (e.g. amazon): its size and backdrop")
    ap.add_argument("--workers", type=int, default=None, help="cap on worker actors")
    ap.add_argument(
        "--gpu", action="store_true", help="require GPUs in the Ray cluster; method defaults to model"
    )
    ap.add_argument("--ray-address", default=None, help="join this Ray cluster instead of a local one")
    ap.add_argument("--compare", help="comma-separated image counts, each run in a fresh process")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = ap.parse_args()
    args.method = args.method or ("model" if args.gpu else "auto")
    _check_template(args)
    if args.compare:
        compare(args)
        return
    zip_path = photos_zip(args.images, args.size)
    with tempfile.TemporaryDirectory(prefix="drisya-bench-") as tmp:
        figures = asyncio.run(run_once(args, zip_path, Path(tmp)))
    figures["machine"] = describe_cpu()
    if args.json:
        print(json.dumps(figures))
    else:
        print_figures(figures)


def _check_template(args: argparse.Namespace) -> None:
    from engine.templates import UnknownTemplate, resolve

    try:
        resolve(args.template)
    except UnknownTemplate:
        args.template = "#ffffff"


if __name__ == "__main__":
    main()
