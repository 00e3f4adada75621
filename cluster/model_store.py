"""Fetch, verify and locate the matting model files (the only network step, done once at setup).

The default ISNet weights ship inside the npm package `@imgly/background-removal-data` as 4 MiB chunks,
each stored under its own sha256 and listed with byte offsets in `dist/resources.json`. We get the
package with the ordinary npm client (`npm pack`), reassemble the chunks, verify every chunk hash and the
total size, and store the ONNX file atomically in the cache dir with the package's AGPL licence next to
it. After that everything runs offline. Any other ISNet/U2-Net/BiRefNet-style ONNX can be used instead
through `DRISYA_MODEL_PATH`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cluster.settings import Settings

NPM_PACKAGE = "@imgly/background-removal-data"
NPM_VERSION = "1.4.5"
MODEL_FILE = "model.onnx"
LICENSE_FILE = "LICENSE.md"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    family: str  # pre/post-processing family understood by engine.matting.model
    resource: str  # key in dist/resources.json
    size: int
    description: str


MODELS: dict[str, ModelEntry] = {
    "isnet-quint8": ModelEntry(
        "isnet-quint8", "isnet", "/models/small", 44_342_436, "ISNet (IS-Net/DIS), 8-bit quantised, 44 MB"
    ),
    "isnet-fp16": ModelEntry(
        "isnet-fp16", "isnet", "/models/medium", 88_188_479, "ISNet (IS-Net/DIS), fp16 weights, 88 MB"
    ),
}


# Measured on the held-out benchmark set (benchmarks/matting_quality): the 8-bit quantised export loses
# a lot of quality (IoU 0.64-0.68 on images where the fp16 export reaches 0.99) for no speed gain on
# CPU (3.6 s vs 4.0 s per 1024 px image on 2 cores), so fp16 is the model we recommend and test.
RECOMMENDED_MODEL = Settings.__dataclass_fields__["model_name"].default  # one source: the settings default


class ModelFetchError(RuntimeError):
    """The model could not be fetched or failed verification; the cache is left untouched."""


def model_dir(name: str, cache_dir: str | Path) -> Path:
    return Path(cache_dir).expanduser() / name


def model_file(name: str, cache_dir: str | Path) -> Path:
    return model_dir(name, cache_dir) / MODEL_FILE


def is_fetched(name: str, cache_dir: str | Path) -> bool:
    """True when the model file is present with the size its manifest recorded (cheap, no hashing)."""
    path = model_file(name, cache_dir)
    manifest = model_dir(name, cache_dir) / MANIFEST_FILE
    if not path.is_file() or not manifest.is_file():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return path.stat().st_size == recorded.get("size")


def fetch_model(
    name: str, cache_dir: str | Path, *, log: Callable[[str], None] = print, force: bool = False
) -> Path:
    """Fetch model `name` into `cache_dir` (idempotent: an intact copy is kept) and return its path."""
    entry = MODELS.get(name)
    if entry is None:
        raise ModelFetchError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}")
    if not force and is_fetched(name, cache_dir):
        return model_file(name, cache_dir)
    npm = shutil.which("npm")
    if npm is None:
        raise ModelFetchError("npm is needed once to fetch the model (`npm pack`), but it is not on PATH")
    target_dir = model_dir(name, cache_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    log(f"fetching model {name} from npm {NPM_PACKAGE}@{NPM_VERSION} (about 136 MB, once) ...")
    with tempfile.TemporaryDirectory(prefix="drisya-npm-", dir=target_dir.parent) as tmp:
        tgz = _npm_pack(npm, Path(tmp))
        resources, chunk_paths, licence = _extract(tgz, Path(tmp) / "x", entry)
        sha = _assemble(entry, resources, chunk_paths, target_dir / (MODEL_FILE + ".part"))
        if licence is not None:
            _atomic_copy(licence, target_dir / LICENSE_FILE)
        os.replace(target_dir / (MODEL_FILE + ".part"), target_dir / MODEL_FILE)
        manifest = {
            "name": name,
            "family": entry.family,
            "source": f"npm:{NPM_PACKAGE}@{NPM_VERSION}{entry.resource}",
            "size": entry.size,
            "sha256": sha,
            "license": "AGPL-3.0 (see LICENSE.md next to this file)",
        }
        _atomic_write(target_dir / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())
    log(f"model {name} stored at {target_dir / MODEL_FILE} (sha256 {sha[:12]}..., verified)")
    return target_dir / MODEL_FILE


def _npm_pack(npm: str, dest: Path) -> Path:
    cmd = [npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--pack-destination", str(dest), "--silent"]
    try:
        proc = subprocess.run(cmd, cwd=dest, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        raise ModelFetchError("npm pack timed out after 15 minutes") from exc
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelFetchError(f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed: {last}")
    tgzs = sorted(dest.glob("*.tgz"))
    if not tgzs:
        raise ModelFetchError("npm pack produced no archive")
    return tgzs[0]


def _extract(tgz: Path, dest: Path, entry: ModelEntry) -> tuple[dict, dict[str, Path], Path | None]:
    """Extract resources.json, the licence and only the chunks this model needs (never other paths)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz, "r:gz") as tar:
        try:
            resources = json.load(tar.extractfile("package/dist/resources.json"))  # type: ignore[arg-type]
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelFetchError("the npm package has no readable dist/resources.json") from exc
        res = resources.get(entry.resource)
        if not res:
            raise ModelFetchError(f"resources.json does not list {entry.resource}")
        wanted = {c["hash"] for c in res["chunks"]}
        chunk_paths: dict[str, Path] = {}
        licence: Path | None = None
        for member in tar.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if not member.isfile():
                continue
            if member.name == f"package/dist/{base}" and base in wanted:
                out = dest / base
            elif member.name == "package/LICENSE.md":
                out = dest / LICENSE_FILE
            else:
                continue
            src = tar.extractfile(member)
            assert src is not None
            with src, open(out, "wb") as fh:
                shutil.copyfileobj(src, fh, 1 << 20)
            if base in wanted:
                chunk_paths[base] = out
            else:
                licence = out
    return res, chunk_paths, licence


def _assemble(entry: ModelEntry, res: dict, chunk_paths: dict[str, Path], out: Path) -> str:
    """Concatenate chunks in offset order, verifying each chunk's sha256, offsets and the total size."""
    if res.get("size") != entry.size:
        raise ModelFetchError(
            f"{entry.resource}: resources.json says {res.get('size')} bytes, expected {entry.size}"
        )
    total = hashlib.sha256()
    position = 0
    with open(out, "wb") as fh:
        for chunk in sorted(res["chunks"], key=lambda c: c["offsets"][0]):
            start, end = chunk["offsets"]
            if start != position:
                raise ModelFetchError(f"{entry.resource}: chunk offsets leave a gap at byte {position}")
            path = chunk_paths.get(chunk["hash"])
            if path is None:
                raise ModelFetchError(
                    f"{entry.resource}: chunk {chunk['hash'][:12]} missing from the package"
                )
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                raise ModelFetchError(f"{entry.resource}: chunk {chunk['hash'][:12]} fails its sha256 check")
            expected_len = min(end, entry.size) - start
            if len(data) != expected_len:
                raise ModelFetchError(
                    f"{entry.resource}: chunk {chunk['hash'][:12]} has {len(data)} bytes, expected {expected_len}"
                )
            fh.write(data)
            total.update(data)
            position += len(data)
    if position != entry.size:
        out.unlink(missing_ok=True)
        raise ModelFetchError(f"{entry.resource}: assembled {position} bytes, expected {entry.size}")
    return total.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _atomic_copy(src: Path, dst: Path) -> None:
    _atomic_write(dst, src.read_bytes())


def resolve_model(
    settings: Settings, *, fetch_if_missing: bool = True, log: Callable[[str], None] = print
) -> Path:
    """The ONNX file to use: `model_path` when set, else the cached `model_name` (fetched if missing)."""
    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise ModelFetchError(f"DRISYA_MODEL_PATH points to {path}, which does not exist")
        return path
    name = settings.model_name
    if is_fetched(name, settings.model_cache_dir):
        return model_file(name, settings.model_cache_dir)
    if not fetch_if_missing:
        raise ModelFetchError(f"model {name} is not in {settings.model_cache_dir}; run `drisya models fetch`")
    log(f"model {name} is not cached yet: fetching it now (first use)")
    return fetch_model(name, settings.model_cache_dir, log=log)


def model_family(settings: Settings) -> str:
    """The pre/post-processing family of the configured model: DRISYA_MODEL_FAMILY for a custom
    path, else guessed from the file's name (ISNet when the name says nothing)."""
    if settings.model_path:
        if settings.model_family:
            return settings.model_family
        lowered = Path(settings.model_path).name.lower()
        for family in ("birefnet", "u2net"):
            if family in lowered:
                return family
        return "isnet"
    entry = MODELS.get(settings.model_name)
    return entry.family if entry else "isnet"


@dataclass(frozen=True)
class ListedModel:
    name: str
    path: Path
    fetched: bool
    default: bool
    description: str


def list_models(settings: Settings) -> list[ListedModel]:
    """Every known model (and a custom `model_path`), with where its ONNX file is or will be."""
    out = [
        ListedModel(
            name=e.name,
            path=model_file(e.name, settings.model_cache_dir),
            fetched=is_fetched(e.name, settings.model_cache_dir),
            default=(settings.model_path is None and e.name == settings.model_name),
            description=e.description,
        )
        for e in MODELS.values()
    ]
    if settings.model_path:
        p = Path(settings.model_path).expanduser()
        out.insert(0, ListedModel("custom", p, p.is_file(), True, "DRISYA_MODEL_PATH"))
    return out
