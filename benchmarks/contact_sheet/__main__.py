"""A contact sheet to look at: input photo, matte, and the composed result on a light and a dark template.

    .venv/bin/python -m benchmarks.contact_sheet [--count 8] [--method auto] [--light studio-sweep-white]
                                                 [--dark studio-sweep-charcoal] [--out benchmarks/out] [--speed]

Inputs are real object renders with true alpha (Fluent Emoji 3D, MIT, npm @lobehub/fluent-emoji-3d,
`train` split: this is a development tool, so it never shows the held-out images the benchmarks
score on) shot onto realistic off-white studio sweeps by `benchmarks.datasets.studio`
(gradient, vignette, colour cast, floor or drop shadow, noise, JPEG). Each row goes through the real
engine: matte -> retouch -> compose -> the same arrays `engine.pipeline.process_image` encodes.
Writes `<out>/contact_sheet.jpg` (git-ignored) and prints seconds per image. `--speed` also times the
whole `process_image` (decode -> matte -> retouch -> compose -> encode) on 16-megapixel camera-size
JPEGs for the Amazon preset and a 1080 px template output.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmarks.datasets import emoji, studio
from engine.matting import matte
from engine.pipeline import parse_recipe, prepare_background, process_image, render_product
from engine.templates import resolve

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("input", "matte", "light template", "dark template")


def _session_loader():
    def load():
        from benchmarks.datasets.methods import model_path
        from cluster.model_store import model_family
        from cluster.settings import Settings
        from engine.matting.model import get_session

        settings = Settings.from_env()
        return get_session(model_path(), model_family(settings), settings.model_runtime)

    return load


def _tile(img: np.ndarray, side: int) -> np.ndarray:
    """Fit into a side x side grey tile without stretching."""
    if img.ndim == 2:
        img = np.dstack([img] * 3)
    h, w = img.shape[:2]
    s = side / max(h, w)
    small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    tile = np.full((side, side, 3), 128, np.uint8)
    y, x = (side - small.shape[0]) // 2, (side - small.shape[1]) // 2
    tile[y : y + small.shape[0], x : x + small.shape[1]] = small
    return tile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--method", default="auto", choices=["auto", "fast", "model"])
    ap.add_argument("--light", default="studio-sweep-white", help="light template id or #rrggbb")
    ap.add_argument("--dark", default="studio-sweep-charcoal", help="dark template id or #rrggbb")
    ap.add_argument("--size", type=int, default=1200, help="output size of each composed image")
    ap.add_argument("--tile", type=int, default=360)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--speed", action="store_true", help="also time the full pipeline on 16 MP inputs")
    args = ap.parse_args()

    recipe = parse_recipe({"size": args.size, "method": args.method})
    templates = [resolve(args.light), resolve(args.dark)]
    backgrounds = [prepare_background(recipe, t) for t in templates]
    session = _session_loader() if args.method != "fast" else None

    rows, times = [], []
    for i, path in enumerate(emoji.pick("train", args.count)):
        shot = studio.compose_shot(emoji.load_rgba(path), size=1024, seed=100 + i)
        t0 = time.perf_counter()
        result = matte(shot.rgb, args.method, session=session)
        composed = [
            render_product(shot.rgb, result.alpha, recipe, t, background=bg)
            for t, bg in zip(templates, backgrounds, strict=True)
        ]
        dt = time.perf_counter() - t0
        times.append(dt)
        print(
            f"{path.stem:40s} {result.method:11s} quality={result.quality:.2f} {dt:5.2f}s (matte + 2 composites)"
        )
        mask = (np.clip(result.alpha, 0, 1) * 255).round().astype(np.uint8)
        rows.append(np.hstack([_tile(x, args.tile) for x in (shot.rgb, mask, *composed)]))

    header = np.full((36, args.tile * len(LABELS), 3), 24, np.uint8)
    for j, label in enumerate(LABELS):
        cv2.putText(
            header,
            label,
            (j * args.tile + 10, 25),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
    sheet = np.vstack([header, *rows])
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "contact_sheet.jpg"
    Image.fromarray(sheet).save(target, quality=90)
    print(
        f"{len(rows)} images, mean {np.mean(times):.2f}s each; templates {templates[0].id} / {templates[1].id}"
    )
    print(f"wrote {target}")
    if args.speed:
        _speed(args.method, session)


def _speed(method: str, session, count: int = 3) -> None:
    """Seconds per image for the full pipeline on camera-size inputs (4000x4000 JPEG)."""
    shots = []
    for i, path in enumerate(emoji.pick("train", count, seed=11)):
        rgb = studio.compose_shot(emoji.load_rgba(path), size=1024, seed=300 + i).rgb
        big = cv2.resize(rgb, (4000, 4000), interpolation=cv2.INTER_CUBIC)
        buf = io.BytesIO()
        Image.fromarray(big).save(buf, "JPEG", quality=92)
        shots.append(buf.getvalue())
    for label, d, template in [
        ("amazon preset 2000x2000 jpg", {"preset": "amazon"}, "#ffffff"),
        ("1080x1080 jpg on studio-sweep-white", {"size": 1080}, "studio-sweep-white"),
    ]:
        recipe = parse_recipe({**d, "method": method})
        spec = resolve(template)
        background = prepare_background(recipe, spec)
        process_image(shots[0], recipe, spec, background=background, session=session)  # warm-up
        t0 = time.perf_counter()
        for data in shots:
            process_image(data, recipe, spec, background=background, session=session)
        per = (time.perf_counter() - t0) / len(shots)
        print(f"pipeline {label:38s} 16 MP input: {per:.2f} s/image ({1 / per:.2f} images/s, one process)")


if __name__ == "__main__":
    main()
