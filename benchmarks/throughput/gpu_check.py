"""GPU checks that cannot run on a CPU-only machine (run by `benchmarks/throughput/gpu.sh` first).

    .venv/bin/python -m benchmarks.throughput.gpu_check [--runs 50]

1. The configured model really runs on CUDA and its session uses IOBinding.
2. IOBinding gives the same output as a plain `session.run` with host arrays (max abs difference).
3. Time per network run both ways, and `predict_u8` (what the network stage does per image).
4. `auto` routing: with a GPU in the Ray cluster, `auto` sends every image to the network.
Exits non-zero when a check fails; prints one line per figure.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()

    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from data_jobs.stages import auto_network_first
    from engine.matting.model import ModelSession

    settings = Settings.from_env()
    session = ModelSession(
        resolve_model(settings, fetch_if_missing=False),
        model_family(settings),
        runtime=settings.model_runtime,
    )
    print(f"providers: {session.providers}; IOBinding: {session.uses_iobinding}")
    if not session.uses_gpu or not session.uses_iobinding:
        print("FAIL: the model does not run on CUDA with IOBinding", file=sys.stderr)
        return 1
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8)
    x = session.preprocess(rgb)
    import onnxruntime as ort

    raw = ort.InferenceSession(str(session.path), providers=session.providers)  # host arrays, no binding
    names = ([o.name for o in raw.get_outputs()][:1], raw.get_inputs()[0].name)
    (plain,) = raw.run(names[0], {names[1]: x})
    bound = session.run(x)
    diff = float(np.abs(plain.astype(np.float32) - bound.astype(np.float32)).max())
    print(f"IOBinding vs host arrays: max abs difference {diff:.2e}")
    failed = diff > 1e-3

    def per_run(fn) -> float:
        fn()
        t0 = time.perf_counter()
        for _ in range(args.runs):
            fn()
        return (time.perf_counter() - t0) / args.runs * 1000

    host_ms = per_run(lambda: raw.run(names[0], {names[1]: x}))
    bound_ms = per_run(lambda: session.run(x))
    u8_ms = per_run(lambda: session.predict_u8(rgb))
    print(f"network run: {host_ms:.1f} ms with host arrays, {bound_ms:.1f} ms with IOBinding")
    print(f"predict_u8 (preprocess + run + uint8 matte): {u8_ms:.1f} ms per image")

    import ray

    ray.init(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    resources = ray.cluster_resources()
    mode = auto_network_first(resources, Settings.from_env().auto_route)
    print(f"Ray cluster {resources.get('CPU')} CPUs, {resources.get('GPU', 0)} GPUs: auto runs {mode}")
    failed |= mode == "colour"  # a GPU cluster whose auto does not ask the network first
    ray.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
