"""`drisya models fetch|list|check|batch`: get the matting model once (setup), show where model files live,
check that the configured model loads and runs, and on which device (GPU or CPU), and write a verified
batch-capable copy of it for the network stage (`drisya.cli.model_batch`)."""

from __future__ import annotations

import argparse

from drisya.cli.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="fetch or list matting models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    sub.required = True
    fetch = sub.add_parser("fetch", help="fetch models into the cache dir (idempotent, offline afterwards)")
    fetch.add_argument("names", nargs="*", help="model names (default: the configured model)")
    fetch.add_argument("--all", action="store_true", help="fetch every known model")
    fetch.add_argument("--force", action="store_true", help="fetch again even when a verified copy exists")
    fetch.set_defaults(func=_fetch)
    listing = sub.add_parser("list", help="print each model's name and the path of its ONNX file")
    listing.set_defaults(func=_list)
    check = sub.add_parser(
        "check",
        help="load the configured model, run it once and say whether it runs on the GPU or the CPU",
        description="Load the configured model (DRISYA_MODEL_PATH, else DRISYA_MODEL_NAME from the cache), "
        "run one inference and print the execution providers onnxruntime chose. Exit 1 when the model "
        "is missing or cannot load or run. It never fetches.",
    )
    check.set_defaults(func=_check)
    batch = sub.add_parser(
        "batch",
        help="write a batch-capable copy of the configured model next to it, verified against the original",
        description="Rewrite the configured model's graph so it takes any batch size (the network stage "
        "then runs several images per call), check the copy on a batch of N synthetic product photos "
        "against runs of the original on each photo alone, and install it with a manifest of both files' "
        "sha256 only when every matte agrees within half a uint8 step. Idempotent: an intact verified "
        "copy is kept. Exit 1 when the copy cannot be made or fails its check (nothing is installed).",
    )
    batch.add_argument(
        "--images", type=int, default=3, help="batch size of the check (default 3, at least 2)"
    )
    batch.add_argument("--force", action="store_true", help="write and check the copy again even when intact")
    batch.add_argument(
        "--check",
        action="store_true",
        help="only check the installed copy (checksums, then the numeric comparison); install nothing",
    )
    batch.set_defaults(func=_batch)


def _fetch(args: argparse.Namespace) -> int:
    from cluster.model_store import MODELS, ModelFetchError, fetch_model, is_fetched
    from cluster.settings import Settings

    settings = Settings.from_env()
    names = sorted(MODELS) if args.all else (args.names or [settings.model_name])
    if settings.model_path and not args.names and not args.all:
        print(f"custom model configured (DRISYA_MODEL_PATH={settings.model_path}); nothing to fetch")
        return 0
    for name in names:
        if name not in MODELS:
            raise CliError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}", 2)
        if is_fetched(name, settings.model_cache_dir) and not args.force:
            print(f"{name}: already fetched")
            continue
        try:
            fetch_model(name, settings.model_cache_dir, force=args.force)
        except ModelFetchError as exc:
            raise CliError(str(exc), 1) from exc
    return 0


def _list(args: argparse.Namespace) -> int:
    from cluster.model_store import list_models
    from cluster.settings import Settings

    for m in list_models(Settings.from_env()):
        flags = ("default, " if m.default else "") + ("fetched" if m.fetched else "not fetched")
        print(f"{m.name}\t{m.path}\t({flags}) {m.description}")
    return 0


def _configured_model():
    """(settings, model path, family) of the configured model, already fetched: a CliError (exit 1)
    that says how to get it otherwise. `check` and `batch` never download."""
    from cluster.model_store import ModelFetchError, model_family, resolve_model
    from cluster.settings import Settings

    settings = Settings.from_env()
    try:
        path = resolve_model(settings, fetch_if_missing=False)
    except ModelFetchError as exc:
        raise CliError(str(exc), 1) from exc
    return settings, path, model_family(settings)


def _check(args: argparse.Namespace) -> int:
    """Why a command for this: onnxruntime silently falls back to the CPU when onnxruntime-gpu is
    installed but CUDA/cuDNN cannot be loaded, and a batch then runs ten times slower with no error.
    The session's providers (`uses_gpu`) are the truth, so they are what this reports."""
    import time

    import numpy as np
    import onnxruntime as ort

    from engine.matting.model import ModelLoadError, batch_copy_problem, get_session

    settings, path, family = _configured_model()
    name = "custom (DRISYA_MODEL_PATH)" if settings.model_path else settings.model_name
    try:
        session = get_session(path, family, settings.model_runtime)
        t0 = time.perf_counter()
        alpha = session.predict(np.full((64, 64, 3), 128, np.uint8))
        seconds = time.perf_counter() - t0
    except ModelLoadError as exc:
        raise CliError(str(exc), 1) from exc
    except Exception as exc:  # loads, but the graph does not fit this family's input/output
        raise CliError(
            f"the model {path} loads but cannot run as {family}: {type(exc).__name__}: {exc}", 1
        ) from exc
    if alpha.shape != (64, 64):
        raise CliError(f"the model {path} returned a {alpha.shape} mask for a 64x64 image", 1)
    device = "GPU" if session.uses_gpu else "CPU"
    print(f"model: {name} {path} (family {family}, input {session.input_size} px)")
    print(f"runs on: {device}, {session.runtime} ({', '.join(session.providers)})")
    print(f"one inference: {seconds:.2f}s")
    # the session hashed and verified the copy when it opened; only a refusal needs the reason
    problem = None if session.uses_batch_copy else batch_copy_problem(path)
    print(
        f"batch copy: {'installed and intact, every network run uses it' if problem is None else problem} (`drisya models batch`)"
    )
    if not session.uses_gpu and "CUDAExecutionProvider" in ort.get_available_providers():
        print(
            "note: onnxruntime offers CUDA but the session fell back to the CPU "
            "(are the CUDA and cuDNN libraries installed?)"
        )
    return 0


def _batch(args: argparse.Namespace) -> int:
    """Why a command and not a step inside the engine: the rewrite needs the `onnx` package and a check
    that runs the network N+1 times (a minute on two cores), which belongs to setup, not to a worker."""
    from drisya.cli.model_batch import BatchGraphError, install_batch_copy, sample_photos, verify_copy
    from engine.matting.model import ModelLoadError, batch_copy_paths, batch_copy_problem

    if args.images < 2:
        raise CliError("--images must be at least 2: a batch of one shows nothing", 2)
    settings, path, family = _configured_model()
    try:
        if args.check:
            problem = batch_copy_problem(path)
            if problem is not None:
                raise CliError(f"{problem}; run `drisya models batch` to write a verified copy", 1)
            copy = batch_copy_paths(path)[0]
            result = verify_copy(path, copy, family, sample_photos(args.images))
            print(f"batch copy: {copy} (intact)")
            print(f"checked on a batch of {result.images}: max abs difference {result.max_abs_diff:.2e}")
            return 0
        done = install_batch_copy(path, family, images=args.images, force=args.force)
    except BatchGraphError as exc:
        raise CliError(str(exc), 1) from exc
    except ModelLoadError as exc:
        raise CliError(str(exc), 1) from exc
    verified = done.recorded.get("verified", {})
    state = "already verified" if done.verification is None else "written and verified"
    print(f"batch copy: {done.copy} ({state}, sha256 {done.recorded.get('sha256', '')[:12]}...)")
    print(
        f"checked on a batch of {verified.get('images')}: max abs difference "
        f"{float(verified.get('max_abs_diff', float('nan'))):.2e} (tolerance {float(verified.get('tolerance', 0)):.2e})"
    )
    return 0
