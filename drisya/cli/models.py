"""`drisya models fetch|list`: get the matting model once (setup) and show where model files live."""

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
