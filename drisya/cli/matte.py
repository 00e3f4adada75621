"""`drisya matte IMAGE... --out DIR`: RGBA cut-outs at the input's size, one line per image.

A bad file (not an image, truncated, too large, not a regular file, a blank photo with no product)
is reported on stderr in one line and skipped; the others are still processed and the command exits
1 at the end. The model is loaded, and fetched on first use if it is missing, only when an image
actually needs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drisya.cli.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("matte", help="cut products out of their background (RGBA PNGs)")
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="JPEG, PNG or WebP files")
    parser.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--method", choices=["auto", "fast", "model"], default="auto")
    parser.add_argument(
        "--keep-shadows", action="store_true", help="keep soft floor shadows as part of the product"
    )
    parser.set_defaults(func=run)


def _session_factory(settings):
    """A zero-argument callable that loads (and on first use fetches) the model once, lazily."""
    from cluster.model_store import model_family, resolve_model
    from engine.matting.model import get_session

    holder: dict = {}

    def get():
        if "session" not in holder:
            path = resolve_model(settings, fetch_if_missing=True, log=lambda m: print(m, file=sys.stderr))
            holder["session"] = get_session(path, model_family(settings), settings.model_runtime)
        return holder["session"]

    return get


def run(args: argparse.Namespace) -> int:
    import io

    import numpy as np
    from PIL import Image

    from cluster.model_store import ModelFetchError
    from cluster.settings import Settings
    from drisya.cli._files import (
        InputRefused,
        OutputNames,
        is_fatal_write_error,
        read_input,
        write_atomically,
    )
    from engine.compose import clean_alpha, product_box
    from engine.decode import decode_image
    from engine.errors import ImageError
    from engine.matting import MatteOptions, MissingModel, cutout, matte
    from engine.matting.model import ModelLoadError

    settings = Settings.from_env()
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create output folder {args.out}: {exc.strerror}", 2) from exc
    options = MatteOptions(working_size=settings.limits.working_size, keep_shadows=args.keep_shadows)
    session = _session_factory(settings)
    failed = 0
    names = OutputNames(args.out)
    for path in args.images:
        try:
            data = read_input(path, max_bytes=settings.limits.max_entry_bytes)
        except InputRefused as exc:
            print(f"drisya: {path}: refused: {exc}", file=sys.stderr)
            failed += 1
            continue
        except OSError as exc:
            print(f"drisya: {path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        try:
            decoded = decode_image(data, max_pixels=settings.limits.max_image_pixels)
            rgb = decoded.rgb
            if decoded.alpha is not None:
                # Already partly transparent: judge the product on white, keep the source's transparency.
                a = decoded.alpha[..., None]
                rgb = np.clip(rgb * a + 255.0 * (1.0 - a), 0, 255).astype(np.uint8)
            result = matte(rgb, args.method, session=session, options=options)
            alpha = result.alpha if decoded.alpha is None else np.minimum(result.alpha, decoded.alpha)
            product_box(clean_alpha(alpha))  # EmptyCutout: "no product found", as enhance and batch say
            rgba = cutout(rgb, alpha)
        except ImageError as exc:
            print(f"drisya: {path}: {exc}", file=sys.stderr)
            failed += 1
            continue
        except (ModelFetchError, MissingModel, ModelLoadError) as exc:
            print(f"drisya: {path}: {exc}", file=sys.stderr)
            failed += 1
            continue
        target = names.claim(path.stem, "png")
        png = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(png, format="PNG", optimize=False)
        try:
            write_atomically(target, png.getvalue())
        except OSError as exc:  # a folder in the way ...; a full disk fails every later image too
            if is_fatal_write_error(exc):
                raise CliError(f"cannot write {target}: {exc.strerror or exc}", 1) from None
            print(f"drisya: {path}: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path} -> {target}  method={result.method} quality={result.quality:.2f}")
    if failed:
        print(f"drisya: {failed} of {len(args.images)} image(s) failed", file=sys.stderr)
        return 1
    return 0
