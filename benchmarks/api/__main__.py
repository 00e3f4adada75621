"""The API under load, through the real Ray Serve app on local Ray and the embedded database.

    .venv/bin/python -m benchmarks.api                       # defaults below; writes RESULTS.md here
    .venv/bin/python -m benchmarks.api --requests 40 --concurrency 1,8,16 --jobs 1,2,4,8

1. `POST /v1/enhance` latency at 1024 px (a synthetic product photo, 1024x1024 output, the default
   `auto` matting), p50/p95 over `--requests` calls with 1 and 8 concurrent clients (threads), after
   one warm-up call. The enhance deployment autoscales (`num_replicas="auto"`); replicas it added during
   a run are reported.
2. Jobs side by side: `--jobs K` jobs of `--job-images` photos each are started together; reported
   are how many were `running` at the same moment (sampled every 0.2 s), the wall time until all
   finished and the images per second over all of them.

Every figure goes through HTTP exactly as a client's would (auth, rate limits aside: the benchmark
user's limits are those of any user, so `--requests` above the enhance burst is paced by 429s, which
are retried after Retry-After and counted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
PASSWORD = "benchmark password 123"


def photo(size: int, seed: int) -> bytes:
    """A product on white (the same generator the tests use, at any size)."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 248, np.uint8)
    img += rng.integers(0, 6, size=img.shape, dtype=np.uint8)
    colour = rng.integers(30, 200, size=3)
    y0, x0, y1, x1 = int(size * 0.25), int(size * 0.3), int(size * 0.8), int(size * 0.68)
    img[y0:y1, x0:x1] = colour
    img[y1 - size // 20 : y1, x0:x1] = colour // 2
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def enhance_run(url: str, headers: dict, data: bytes, recipe: dict, requests: int, clients: int) -> dict:
    latencies: list[float] = []
    throttled = 0
    lock = threading.Lock()

    def one(_: int) -> None:
        nonlocal throttled
        with httpx.Client(base_url=url, timeout=600) as c:
            while True:
                t0 = time.perf_counter()
                r = c.post(
                    "/v1/enhance",
                    headers=headers,
                    files={"image": ("p.jpg", data, "image/jpeg")},
                    data={"recipe": json.dumps(recipe), "template": "#ffffff"},
                )
                elapsed = time.perf_counter() - t0
                if r.status_code == 429:
                    with lock:
                        throttled += 1
                    time.sleep(float(r.headers.get("retry-after", "1")))
                    continue
                r.raise_for_status()
                with lock:
                    latencies.append(elapsed)
                return

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": requests,
        "p50_s": round(percentile(latencies, 50), 2),
        "p95_s": round(percentile(latencies, 95), 2),
        "mean_s": round(statistics.fmean(latencies), 2),
        "throughput_per_s": round(requests / wall, 2),
        "throttled_429": throttled,
    }


def jobs_run(url: str, headers: dict, count: int, images: int, size: int) -> dict:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(images):
            zf.writestr(f"p{i:03d}.jpg", photo(size, seed=i))
    body = buf.getvalue()
    recipe = {"method": "fast", "size": size}
    with httpx.Client(base_url=url, timeout=600) as c:
        ids = []
        for _ in range(count):
            job = c.post("/v1/jobs", headers=headers, json={"template_id": "#ffffff", "recipe": recipe})
            if job.status_code == 429:
                time.sleep(float(job.headers.get("retry-after", "1")))
                job = c.post("/v1/jobs", headers=headers, json={"template_id": "#ffffff", "recipe": recipe})
            job.raise_for_status()
            job_id = job.json()["id"]
            c.put(
                f"/v1/jobs/{job_id}/upload",
                headers={**headers, "Content-Type": "application/zip"},
                content=body,
            ).raise_for_status()
            ids.append(job_id)
        started = time.perf_counter()
        for job_id in ids:
            c.post(f"/v1/jobs/{job_id}/start", headers=headers).raise_for_status()
        peak = 0
        while True:
            statuses = [c.get(f"/v1/jobs/{j}", headers=headers).json()["status"] for j in ids]
            peak = max(peak, statuses.count("running"))
            if all(s in ("done", "failed", "cancelled") for s in statuses):
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
    return {
        "jobs": count,
        "images_per_job": images,
        "peak_running_together": peak,
        "wall_s": round(wall, 1),
        "images_per_s": round(count * images / wall, 2),
        "statuses": sorted(set(statuses)),
    }


def write_results(path: Path, figures: dict, command: str) -> None:
    lines = [
        "# API benchmark (`benchmarks/api`)",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {figures['machine']}; Ray cluster: {figures['cluster']}. "
        "Written by the command; figures from one run (the machine may be shared: compare rows of one run).",
        "",
        f"## POST /v1/enhance at {figures['size']} px ({figures['method']} matting)",
        "",
        "| concurrent clients | requests | p50 (s) | p95 (s) | mean (s) | requests/s | 429 retried |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in figures["enhance"]:
        lines.append(
            f"| {r['clients']} | {r['requests']} | {r['p50_s']} | {r['p95_s']} | {r['mean_s']} | "
            f"{r['throughput_per_s']} | {r['throttled_429']} |"
        )
    lines += [
        "",
        f'Enhance replicas at the end: {figures["enhance_replicas"]} (autoscaling, `num_replicas="auto"`).',
        "",
        f"## Jobs side by side ({figures['job_images']} photos of {figures['job_size']} px each, fast matting)",
        "",
        "| jobs started together | peak running at once | wall (s) | images/s over all |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in figures["jobs"]:
        lines.append(f"| {r['jobs']} | {r['peak_running_together']} | {r['wall_s']} | {r['images_per_s']} |")
    lines += [
        "",
        "Every job gets its own runner (a Ray Data actor pool) as soon as it is started; on a small",
        "machine they share the same cores, so images/s over all jobs stays about flat while each job",
        "takes longer. Raw figures:",
        "",
        "```json",
        json.dumps(figures, indent=1),
        "```",
        "",
    ]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=12, help="enhance calls per concurrency level")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated client counts")
    parser.add_argument("--size", type=int, default=1024, help="input and output size (px)")
    parser.add_argument("--method", default="auto", choices=("auto", "fast", "model"))
    parser.add_argument("--jobs", default="1,2,4", help="comma-separated numbers of jobs started together")
    parser.add_argument("--job-images", type=int, default=6)
    parser.add_argument("--job-size", type=int, default=512)
    parser.add_argument("--cpus", type=int, default=None, help="local Ray CPUs (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)

    import ray
    from ray import serve

    from cluster.embedded_mongo import EmbeddedMongo, free_port
    from cluster.settings import Settings
    from serve_apps.deployment import APP_NAME, deploy
    from serve_apps.startup import prepare
    from store.db import connect
    from store.ledger import Ledger

    with (
        tempfile.TemporaryDirectory(prefix="drisya-bench-api-") as tmp,
        EmbeddedMongo(Path(tmp) / "mongo") as mongo,
    ):
        settings = Settings.from_env(
            env={k: v for k, v in os.environ.items() if k.startswith("DRISYA_MODEL")},
            data_dir=tmp,
            mongodb_uri=mongo.start(),
            port=free_port(),
            admin_password=PASSWORD,
        )
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        try:
            asyncio.run(prepare(settings, owns_database=True))
            deploy(settings)
            url = f"http://{settings.host}:{settings.port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            httpx.post(
                f"{url}/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "B"}
            ).raise_for_status()
            token = httpx.post(f"{url}/v1/auth/login", json={"email": email, "password": PASSWORD}).json()[
                "access_token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            user_id = httpx.get(f"{url}/v1/me", headers=headers).json()["id"]

            async def grant() -> None:
                db = connect(settings.mongodb_uri, settings.mongodb_db)  # type: ignore[arg-type]
                await Ledger(db).credit(
                    user_id, 1_000_000, "grant", f"bench:{uuid.uuid4().hex}", ref="benchmark"
                )
                await db.client.close()

            asyncio.run(grant())
            data = photo(args.size, seed=1)
            recipe = {"method": args.method, "size": args.size, "aspect": "1:1"}
            print("warm-up ...", file=sys.stderr)
            enhance_run(url, headers, data, recipe, 1, 1)
            figures: dict = {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
                "cluster": {k: v for k, v in ray.cluster_resources().items() if k in ("CPU", "GPU")},
                "size": args.size,
                "method": args.method,
                "enhance": [],
                "jobs": [],
                "job_images": args.job_images,
                "job_size": args.job_size,
            }
            for clients in [int(c) for c in args.concurrency.split(",") if c.strip()]:
                print(f"enhance with {clients} client(s) ...", file=sys.stderr)
                figures["enhance"].append(enhance_run(url, headers, data, recipe, args.requests, clients))
                print(json.dumps(figures["enhance"][-1]))
            status = serve.status().applications[APP_NAME].deployments
            figures["enhance_replicas"] = sum(
                n for state, n in status["enhance"].replica_states.items() if str(state).endswith("RUNNING")
            )
            for count in [int(c) for c in args.jobs.split(",") if c.strip()]:
                print(f"{count} job(s) side by side ...", file=sys.stderr)
                figures["jobs"].append(jobs_run(url, headers, count, args.job_images, args.job_size))
                print(json.dumps(figures["jobs"][-1]))
        finally:
            serve.shutdown()
            ray.shutdown()
    command = "python -m benchmarks.api " + " ".join(argv if argv is not None else sys.argv[1:])
    write_results(args.out, figures, command.strip())
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
