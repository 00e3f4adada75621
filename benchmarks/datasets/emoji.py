"""Real object cut-outs with true alpha: Microsoft's Fluent Emoji 3D renders (MIT) from npm.

Fetched with `npm pack` into the git-ignored `benchmarks/data/` at benchmark time, never committed.
Each render is a 256x256 RGBA WebP of one object (fruit, tools, bags, mugs, devices ...) with an
anti-aliased alpha, which is what a matting benchmark needs: the true alpha is known exactly.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGE = "@lobehub/fluent-emoji-3d"
VERSION = "1.1.0"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_SKIN_TONES = ("1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff")


def ensure_emoji(data_dir: Path = DATA_DIR) -> Path:
    """Return the folder of emoji renders, fetching the npm package once."""
    assets = data_dir / "fluent-emoji-3d" / "package" / "assets"
    if assets.is_dir() and any(assets.iterdir()):
        return assets
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the benchmark images")
    dest = data_dir / "fluent-emoji-3d"
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=dest, check=True, capture_output=True
    )
    tgz = next(dest.glob("*.tgz"))
    with tarfile.open(tgz) as tar:
        tar.extractall(dest, filter="data")
    tgz.unlink()
    return assets


def split_of(name: str) -> str:
    """Deterministic split by name hash: 'test' (held out, never tuned on) or 'train'."""
    return "test" if int(hashlib.sha1(name.encode()).hexdigest(), 16) % 4 == 0 else "train"


def pick(split: str, count: int, *, data_dir: Path = DATA_DIR, seed: int = 7) -> list[Path]:
    """`count` object renders of one split, skin-tone variants excluded, in a fixed pseudo-random order."""
    files = sorted(
        p for p in ensure_emoji(data_dir).glob("*.webp") if not any(t in p.stem for t in _SKIN_TONES)
    )
    files = [p for p in files if split_of(p.stem) == split]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(files))
    return [files[i] for i in order[:count]]


def load_rgba(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA"))
