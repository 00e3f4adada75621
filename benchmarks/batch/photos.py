"""Synthetic product photos for the batch benchmark, written straight into a ZIP on disk.

Studio shots (benchmarks.datasets.studio) of real object cut-outs at about 1600x1600, JPEG. Rendering
one costs more than processing it on a GPU, so `distinct` shots are rendered and then cycled under
different names; each entry is still decoded, matted and composed on its own by the pipeline.

    .venv/bin/python -m benchmarks.batch.photos OUT.zip --images 1000 [--size 1600] [--distinct 40]
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

from PIL import Image

from benchmarks.datasets import emoji, studio


def write_zip(out: Path, images: int, *, size: int = 1600, distinct: int = 40) -> Path:
    objects = emoji.pick("test", distinct)
    shots: list[bytes] = []
    for i, path in enumerate(objects):
        shot = studio.compose_shot(emoji.load_rgba(path), size=size, seed=1000 + i)
        buf = io.BytesIO()
        Image.fromarray(shot.rgb).save(buf, "JPEG", quality=int(shot.params.get("jpeg_quality", 90)))
        shots.append(buf.getvalue())
    tmp = out.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:  # JPEGs do not compress; store them
        for n in range(images):
            zf.writestr(f"products/sku-{n:05d}.jpg", shots[n % len(shots)])
    tmp.replace(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--size", type=int, default=1600)
    ap.add_argument("--distinct", type=int, default=40)
    args = ap.parse_args()
    write_zip(args.out, args.images, size=args.size, distinct=args.distinct)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.0f} MB, {args.images} images)")


if __name__ == "__main__":
    main()
