"""`drisya enhance`: photos in, marketplace-ready images out, locally, through engine.pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drisya.cli.errors import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enhance",
        help="cut out, retouch and place product photos on a template or marketplace preset",
        description="Cut out, retouch, centre and place each IMAGE on a template, then export it.",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", type=Path)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    p.add_argument(
        "--template", default="#ffffff", metavar="ID|#RRGGBB", help="template id or a plain colour"
    )
    p.add_argument("--preset", metavar="NAME", help="platform preset (amazon, instagram-square, ...)")
    p.add_argument("--aspect", metavar="W:H", help="1:1, 4:5, 3:4, 16:9 or 9:16 (default 1:1)")
    p.add_argument("--size", type=int, metavar="PX", help="longest side in pixels (default 2000)")
    p.add_argument("--format", choices=("jpg", "png", "webp"), help="png gives an RGBA cut-out (default jpg)")
    p.add_argument("--method", choices=("auto", "fast", "model"), default="auto", help="matting method")
    p.add_argument("--quality", type=int, metavar="Q", help="JPEG/WebP quality 1-100 (default 90)")
    p.add_argument("--fill", type=float, metavar="F", help="product's share of the canvas, 0.05-1")
    p.add_argument("--shadow", metavar="STYLE", help="auto, none, contact, cast, both or drop")
    p.add_argument("--no-retouch", action="store_true", help="switch every retouch correction off")
    p.set_defaults(func=run)


def _recipe_dict(args: argparse.Namespace) -> dict:
    d: dict = {"method": args.method}
    for name in ("preset", "aspect", "size", "format", "quality", "fill"):
        value = getattr(args, name)
        if value is not None:
            d[name] = value
    if args.shadow is not None:
        d["shadow"] = {"style": args.shadow}
    if args.no_retouch:
        d["retouch"] = "off"
    return d


class ModelUnavailable(RuntimeError):
    """The network was needed and could not be loaded (not fetched, no network, bad file)."""


def _lazy_session():
    """A zero-argument callable the matting code calls only when an image needs the network, so
    `auto` on clean studio shots never loads (or fetches) the model."""

    def load():
        from cluster.model_store import ModelFetchError, model_family, resolve_model
        from cluster.settings import Settings
        from engine.matting.model import ModelLoadError, get_session

        settings = Settings.from_env()
        try:
            path = resolve_model(settings, log=lambda msg: print(f"drisya: {msg}", file=sys.stderr))
            return get_session(path, model_family(settings), settings.model_runtime)
        except (ModelFetchError, ModelLoadError, OSError) as exc:
            raise ModelUnavailable(str(exc)) from exc

    return load


def _auto_mode(method: str, route: str) -> str | bool:
    """How `auto` runs here, as a batch on this machine would run it (`DRISYA_AUTO_ROUTE`; `hardware`
    is network-first where onnxruntime offers CUDA, colour-first without). Other methods: False."""
    if method != "auto":
        return False
    from data_jobs.stages import auto_network_first

    gpu = {}
    if route == "hardware":
        import onnxruntime as ort

        gpu = {"GPU": 1.0} if "CUDAExecutionProvider" in ort.get_available_providers() else {}
    return auto_network_first(gpu, route)


def run(args: argparse.Namespace) -> int:
    from cluster.settings import Settings
    from drisya.cli._files import (
        InputRefused,
        OutputNames,
        is_fatal_write_error,
        read_input,
        write_atomically,
    )
    from engine.errors import ImageError, RecipeError
    from engine.pipeline import parse_recipe, prepare_background, process_image
    from engine.templates import UnknownTemplate, resolve

    try:
        recipe = parse_recipe(_recipe_dict(args))
    except RecipeError as exc:
        raise CliError(f"enhance: {exc}", 2) from None
    try:
        template = resolve(args.template)
    except (UnknownTemplate, KeyError, ValueError) as exc:
        raise CliError(f"enhance: unknown template {args.template!r} ({exc})", 2) from None
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"enhance: cannot create {args.out}: {exc.strerror or exc}", 2) from None

    settings = Settings.from_env()
    limits = settings.limits
    mode = _auto_mode(recipe.method, settings.auto_route)
    background = prepare_background(recipe, template)
    session = _lazy_session() if recipe.method != "fast" else None
    failed, names = 0, OutputNames(args.out)
    for path in args.images:
        try:
            data = read_input(path, max_bytes=limits.max_entry_bytes)
            result = process_image(
                data,
                recipe,
                template,
                background=background,
                session=session,
                max_pixels=limits.max_image_pixels,
                working_size=limits.working_size,
                network_first=mode,
            )
        except ModelUnavailable as exc:
            raise CliError(f"enhance: the matting model is unavailable: {exc}", 1) from None
        except (OSError, ImageError, InputRefused) as exc:
            failed += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"drisya: enhance: {path}: {reason}", file=sys.stderr)
            continue
        target = names.claim(path.stem, result.extension)
        try:
            write_atomically(target, result.data)
        except OSError as exc:
            if is_fatal_write_error(exc):  # a full disk or a read-only folder fails every later image too
                raise CliError(f"enhance: cannot write {target}: {exc.strerror or exc}", 1) from None
            failed += 1
            print(f"drisya: enhance: {path}: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            continue
        # the preset's rules, checked by the pipeline on the very bytes written with the placed product's box
        compliance = _summary(result.compliance)
        print(
            f"{path} -> {target} {result.width}x{result.height} method={result.method} quality={result.quality:.2f}"
            + (f" compliance={compliance}" if compliance else ""),
            flush=True,
        )
    return 1 if failed else 0


def _summary(report: dict | None) -> str | None:
    """`pass`, `n/a` or `fail: reason; reason` (engine.compliance's one-line form); None without a preset."""
    if report is None:
        return None
    return report["status"] if report["status"] != "fail" else "fail: " + "; ".join(report["reasons"])
