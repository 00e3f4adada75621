"""Surprise for You, to look at and to time: a contact sheet, a sample video, seconds per variant.

    .venv/bin/python -m benchmarks.surprise [--size 1024] [--products 3] [--variants 4]

Products: real object renders with true alpha (Fluent Emoji 3D, MIT, npm @lobehub/fluent-emoji-3d,
held-out `test` split) shot on off-white studio sweeps by `benchmarks.datasets.studio`, the same
photos the batch benchmark uses. The shot's true alpha stands in for the matte (matting is timed by
benchmarks/matting_speed; here only what the surprise module adds is timed).

For every theme and product it runs `engine.surprise.render.render_surprise` with `--variants`
variants at `--size` px (1:1, JPEG q90) and times the pieces: the cut-out made once per photo
(`prepare_product`), then each variant (graded backdrop render, compose, encode). One video
(`make_video`, at the default 1080 px and at 720 px) is timed per second of video.

Writes docs/surprise-contact-sheet.jpg (every theme x variants for each product, < 400 KB),
docs/surprise-sample.mp4 (720 px, < 1.5 MB) and benchmarks/surprise/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmarks.datasets import emoji, studio
from benchmarks.machine import describe_cpu
from engine.export import ExportOptions, encode
from engine.pipeline import parse_recipe
from engine.surprise import THEMES
from engine.surprise.variants import backdrop_cache_hits, plan_variants, prepare_product, render_variant
from engine.surprise.video import make_video

ROOT = Path(__file__).resolve().parents[2]
SHEET = ROOT / "docs" / "surprise-contact-sheet.jpg"
VIDEO = ROOT / "docs" / "surprise-sample.mp4"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SHEET_LIMIT = 400_000
VIDEO_LIMIT = 1_500_000
TILE = 150
LABEL_W = 90
HEADER_H = 24
SAMPLE_THEME = "festive"


# product-like objects of the emoji set (a sneaker, headphones, a teapot), then any others
PRODUCTS = {"1f45f": "sneaker", "1f3a7": "headphones", "1fad6": "teapot"}


def _products(count: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    assets = emoji.ensure_emoji()
    paths = [assets / f"{code}.webp" for code in PRODUCTS if (assets / f"{code}.webp").exists()]
    paths += [p for p in emoji.pick("test", count, seed=11) if p not in paths]
    out = []
    for i, path in enumerate(paths[:count]):
        shot = studio.compose_shot(emoji.load_rgba(path), size=900, seed=2000 + i)
        out.append((PRODUCTS.get(path.stem, path.stem), shot.rgb, shot.alpha))
    return out


def _label(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.45) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (30, 30, 30), 1, cv2.LINE_AA)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--products", type=int, default=3)
    ap.add_argument("--variants", type=int, default=4)
    args = ap.parse_args()
    cv2.setNumThreads(1)  # one core, as a batch stage task runs

    recipe = parse_recipe({"module": "look", "size": args.size, "format": "jpg", "quality": 90})
    canvas = recipe.canvas()
    products = _products(args.products)
    prepare_s: list[float] = []
    variant_s: list[float] = []
    prepare_cpu: list[float] = []
    variant_cpu: list[float] = []
    reused_s: list[float] = []  # variants whose graded backdrop an earlier product already rendered
    reused_cpu: list[float] = []
    tiles: dict[tuple[int, str], list[np.ndarray]] = {}
    sample: list[np.ndarray] = []
    sample_focus = (0.5, 0.5)
    prepared = []
    for name, rgb, alpha in products:
        t0, c0 = time.perf_counter(), time.process_time()
        prepared.append(prepare_product(rgb, alpha, recipe, canvas))
        prepare_s.append(time.perf_counter() - t0)
        prepare_cpu.append(time.process_time() - c0)
        print(f"{name}: cut-out {prepare_s[-1]:.2f}s", flush=True)
    for theme in THEMES:  # one theme after another, as a job of that theme runs its products
        for p_index, product in enumerate(prepared):
            plans = plan_variants(theme, 0, args.variants, product.colour, canvas, recipe.compose_params())
            row = []
            for p in plans:
                hits = backdrop_cache_hits()
                t0, c0 = time.perf_counter(), time.process_time()
                image, where = render_variant(product, p, canvas)
                data = encode(image, ExportOptions(format="jpg", quality=90))
                reused = backdrop_cache_hits() > hits
                (reused_s if reused else variant_s).append(time.perf_counter() - t0)
                (reused_cpu if reused else variant_cpu).append(time.process_time() - c0)
                small = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                row.append(cv2.resize(small, (TILE, TILE), interpolation=cv2.INTER_AREA))
                if p_index == 0 and theme == SAMPLE_THEME:
                    sample.append(image)
                    sample_focus = (
                        (where.x + where.width / 2) / canvas[0],
                        (where.y + where.height / 2) / canvas[1],
                    )
            tiles[(p_index, theme)] = row
        print(f"{theme}: {len(prepared) * args.variants} variants", flush=True)

    sheet_kb = _write_sheet(tiles, products, args.variants)
    video_rows = []
    for side in (1080, 720):
        t0, c0 = time.perf_counter(), time.process_time()
        video = make_video(sample, sample_focus, max_side=side)
        seconds = time.perf_counter() - t0
        video_rows.append((time.process_time() - c0, video, seconds))
        if side == 720:
            VIDEO.write_bytes(video.data)
    assert VIDEO.stat().st_size < VIDEO_LIMIT, f"{VIDEO} is {VIDEO.stat().st_size} bytes"
    timings = ((prepare_s, prepare_cpu), (variant_s, variant_cpu), (reused_s, reused_cpu))
    _write_results(args, timings, video_rows, sheet_kb)
    print(RESULTS.read_text())


def _write_sheet(tiles, products, variants: int) -> float:
    """Product blocks side by side (columns: variants), one row per theme, labelled."""
    block_w = variants * TILE
    width = LABEL_W + len(products) * (block_w + 8)
    height = HEADER_H + len(THEMES) * TILE
    sheet = np.full((height, width, 3), 250, np.uint8)
    for p_index, (name, _, _) in enumerate(products):
        x0 = LABEL_W + p_index * (block_w + 8)
        _label(sheet, f"{name} - variants 1-{variants}", (x0 + 4, 17))
        for t_index, theme in enumerate(THEMES):
            y0 = HEADER_H + t_index * TILE
            for v, tile in enumerate(tiles[(p_index, theme)]):
                sheet[y0 : y0 + TILE, x0 + v * TILE : x0 + (v + 1) * TILE] = tile
    for t_index, theme in enumerate(THEMES):
        _label(sheet, theme, (8, HEADER_H + t_index * TILE + TILE // 2), 0.5)
    rgb = cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB)
    for quality in (85, 80, 75, 70, 65, 60):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=quality, optimize=True)
        if buf.tell() < SHEET_LIMIT:
            break
    SHEET.write_bytes(buf.getvalue())
    return buf.tell() / 1000


def _write_results(args, timings, video_rows, sheet_kb: float) -> None:
    prepare_s, variant_s, reused_s = timings
    lines = [
        "# Surprise for You: time per variant and per video second",
        "",
        "Command (from the repository root):",
        "",
        "    .venv/bin/python -m benchmarks.surprise"
        + (f" --size {args.size}" if args.size != 1024 else "")
        + (f" --products {args.products}" if args.products != 3 else "")
        + (f" --variants {args.variants}" if args.variants != 4 else ""),
        "",
        f"Machine: {describe_cpu()}, shared with other work while it ran, so CPU "
        "seconds of this process are given beside wall-clock seconds; OpenCV limited to one thread, as a "
        "batch stage task runs.",
        "",
        f"Output {args.size}x{args.size} JPEG q90; {len(THEMES)} themes x {args.variants} variants x "
        f"{args.products} products = {len(variant_s[0]) + len(reused_s[0])} variants. A worker keeps the "
        "last 8 graded backdrops, and every product of a job draws variant k from the same seeded template "
        "order, so in a batch most variants reuse a backdrop (second row); the first row renders and "
        "grades the template too.",
        "",
        "| step | median wall s | mean wall s | max wall s | median CPU s |",
        "| --- | --- | --- | --- | --- |",
        _row("cut-out once per photo (retouch + cutout)", prepare_s),
        _row(
            f"one variant, new backdrop (render + grade + compose + encode; n={len(variant_s[0])})", variant_s
        ),
        _row(f"one variant, backdrop reused (compose + encode; n={len(reused_s[0])})", reused_s),
    ]
    lines += [
        "",
        "Video (`make_video`, libx264 veryfast crf 23, yuv420p, 30 fps) of the "
        f"{args.variants} `{SAMPLE_THEME}` variants of the first product:",
        "",
        "| size | video s | frames | render + encode wall s | wall s per video second | CPU s per video second | MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for cpu_s, video, seconds in video_rows:
        lines.append(
            f"| {video.width}x{video.height} | {video.seconds:.1f} | {video.frames} | {seconds:.2f} | "
            f"{seconds / video.seconds:.2f} | {cpu_s / video.seconds:.2f} | {len(video.data) / 1e6:.2f} |"
        )
    lines += [
        "",
        f"Outputs: `docs/{SHEET.name}` ({sheet_kb:.0f} KB: each theme's {args.variants} variants for every "
        f"product) and `docs/{VIDEO.name}` (the 720 px video).",
        "",
    ]
    RESULTS.write_text("\n".join(lines))


def _row(label: str, values: tuple[list[float], list[float]]) -> str:
    wall, cpu = values
    return (
        f"| {label} | {statistics.median(wall):.3f} | {statistics.mean(wall):.3f} | {max(wall):.3f} | "
        f"{statistics.median(cpu):.3f} |"
    )


if __name__ == "__main__":
    main()
