"""`drisya templates list | render | sheet`: browse and preview the built-in template library offline.

These commands read the catalogue in code (no server, no database), so a seller or designer can look
at templates on any machine with the package installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drisya.cli.errors import CliError

_ASPECTS = "W:H such as 1:1, 4:5, 16:9"


def _parse_aspect(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.split(":"))
    except ValueError:
        raise CliError(f"--aspect must be {_ASPECTS}, not {text!r}") from None
    if w <= 0 or h <= 0 or max(w / h, h / w) > 6:
        raise CliError(f"--aspect {text!r} is out of range (both positive, at most 6:1)")
    return w, h


_IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def _check_out(out: Path) -> str:
    """The PIL format for --out, checked before any rendering so a typo costs nothing."""
    fmt = _IMAGE_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CliError(f"--out must end in .png, .jpg or .webp, not {out.name!r}")
    if out.parent and not out.parent.is_dir():
        raise CliError(f"folder {str(out.parent)!r} does not exist")
    return fmt


def _check_range(name: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise CliError(f"--{name} must be between {lo} and {hi}, not {value}")


def _write_image(rgb, out: Path) -> None:
    from PIL import Image

    fmt = _check_out(out)
    options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
    try:
        Image.fromarray(rgb).save(out, format=fmt, **options)
    except OSError as exc:
        raise CliError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None


def cmd_list(args: argparse.Namespace) -> int:
    from engine.templates import catalog, colour_families
    from engine.templates.catalog import search

    specs = search(catalog(), args.q, args.category)
    if args.json:
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "category": s.category,
                "tags": list(s.tags),
                "colours": list(s.colours),
                "colour_families": colour_families(s),
                "floor_line": s.floor_line,
                "light_direction": s.light_direction,
                "light_softness": s.light_softness,
                "tone": list(s.tone),
                "shadow_style": s.shadow_style,
                "version": s.version,
            }
            for s in specs
        ]
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    if not specs:
        print("no templates match", file=sys.stderr)
        return 1
    width = max(len(s.id) for s in specs)
    for s in specs:
        print(f"{s.id:<{width}}  {s.category:<9}  {s.name}")
    print(f"{len(specs)} templates", file=sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from engine.templates import UnknownTemplate, render, resolve

    try:
        spec = resolve(args.id)
    except UnknownTemplate as exc:
        raise CliError(str(exc)) from None
    aw, ah = _parse_aspect(args.aspect)
    if not 16 <= args.size <= 8000:
        raise CliError("--size is the longest side in pixels, 16 to 8000")
    _check_out(Path(args.out))
    if aw >= ah:
        w, h = args.size, max(1, round(args.size * ah / aw))
    else:
        w, h = max(1, round(args.size * aw / ah)), args.size
    out = Path(args.out)
    _write_image(render(spec, w, h), out)
    print(f"{spec.id}: {w}x{h} -> {out}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    from engine.templates import catalog
    from engine.templates.catalog import search
    from engine.templates.sheet import contact_sheet

    specs = search(catalog(), args.q, args.category)
    if not specs:
        raise CliError("no templates match")
    aspect = _parse_aspect(args.aspect)
    _check_range("cell", args.cell, 32, 2000)
    _check_range("cols", args.cols, 1, 50)
    out = Path(args.out)
    _check_out(out)
    _write_image(contact_sheet(specs, cell=args.cell, cols=args.cols, aspect=aspect), out)
    print(f"{len(specs)} templates -> {out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Render every template at --size and print timing figures (wall and CPU seconds per render)."""
    import statistics
    import time

    import cv2

    from engine.templates import catalog, render
    from engine.templates.catalog import search

    _check_range("threads", args.threads, 1, 256)
    _check_range("size", args.size, 16, 8000)
    cv2.setNumThreads(args.threads)
    aw, ah = _parse_aspect(args.aspect)
    w, h = (args.size, round(args.size * ah / aw)) if aw >= ah else (round(args.size * aw / ah), args.size)
    specs = search(catalog(), None, args.category)
    rows: list[tuple[str, str, float, float]] = []
    for s in specs:
        render(s, 64, 64)  # warm the per-template caches (noise tiles)
        t0, c0 = time.perf_counter(), time.process_time()
        render(s, w, h)
        rows.append((s.category, s.id, time.perf_counter() - t0, time.process_time() - c0))
    print(f"{len(rows)} templates at {w}x{h}, OpenCV threads={args.threads}")
    print(f"{'category':<10} {'n':>3} {'median s':>9} {'max s':>7}  (CPU seconds)")
    for cat in sorted({r[0] for r in rows}):
        cpu = [r[3] for r in rows if r[0] == cat]
        print(f"{cat:<10} {len(cpu):>3} {statistics.median(cpu):>9.3f} {max(cpu):>7.3f}")
    cpu = sorted(r[3] for r in rows)
    wall = sorted(r[2] for r in rows)
    p95 = cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))]
    print(
        f"all        {len(cpu):>3} {statistics.median(cpu):>9.3f} {cpu[-1]:>7.3f}  p95 {p95:.3f}; wall median {statistics.median(wall):.3f} max {wall[-1]:.3f}"
    )
    slowest = max(rows, key=lambda r: r[3])
    print(f"slowest: {slowest[1]} ({slowest[3]:.3f} s CPU)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("templates", help="list, render and preview built-in templates (offline)")
    sub = parser.add_subparsers(dest="templates_command", metavar="ACTION")
    sub.required = True

    ls = sub.add_parser("list", help="list templates (id, category, name)")
    ls.add_argument("--json", action="store_true", help="print a JSON list with all metadata")
    ls.add_argument("--category", help="only this category (studio, gradient, festive ...)")
    ls.add_argument("--q", help="words that must appear in the name, id or tags")
    ls.set_defaults(func=cmd_list)

    rd = sub.add_parser("render", help="render one template to an image file")
    rd.add_argument("id", help="template id, or a colour like '#ffffff'")
    rd.add_argument("--aspect", default="1:1", help=_ASPECTS)
    rd.add_argument("--size", type=int, default=2000, help="longest side in pixels (default 2000)")
    rd.add_argument("--out", required=True, help="output .png, .jpg or .webp")
    rd.set_defaults(func=cmd_render)

    sh = sub.add_parser("sheet", help="a contact sheet of all templates with their names")
    sh.add_argument("--out", required=True, help="output .png, .jpg or .webp")
    sh.add_argument("--aspect", default="1:1", help=_ASPECTS)
    sh.add_argument("--cell", type=int, default=220, help="width of one tile in pixels")
    sh.add_argument("--cols", type=int, default=10)
    sh.add_argument("--category")
    sh.add_argument("--q")
    sh.set_defaults(func=cmd_sheet)

    bn = sub.add_parser("bench", help="time rendering every template (figures for the README)")
    bn.add_argument("--size", type=int, default=2000, help="longest side in pixels (default 2000)")
    bn.add_argument("--aspect", default="1:1", help=_ASPECTS)
    bn.add_argument("--threads", type=int, default=1, help="OpenCV threads (default 1: one core)")
    bn.add_argument("--category")
    bn.set_defaults(func=cmd_bench)
