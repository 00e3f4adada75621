"""Model store: chunk reassembly with sha256 and size checks, idempotent fetch, resolution."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from cluster import model_store
from cluster.model_store import ModelEntry, ModelFetchError
from cluster.settings import Settings


def _package(tmp_path: Path, payload: bytes, chunk: int, *, corrupt: bool = False) -> tuple[Path, ModelEntry]:
    """An npm-style tarball laid out like @imgly/background-removal-data (dist/<sha256> chunks)."""
    chunks = []
    files = {}
    for start in range(0, len(payload), chunk):
        part = payload[start : start + chunk]
        digest = hashlib.sha256(part).hexdigest()
        chunks.append({"hash": digest, "offsets": [start, start + chunk]})
        files[f"package/dist/{digest}"] = part if not corrupt or start == 0 else part[::-1]
    resources = {"/models/test": {"chunks": chunks, "size": len(payload), "mime": "application/octet-steam"}}
    files["package/dist/resources.json"] = json.dumps(resources).encode()
    files["package/LICENSE.md"] = b"GNU AFFERO GENERAL PUBLIC LICENSE"
    files["package/../escape.txt"] = b"never extracted"
    tgz = tmp_path / "pkg.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz, ModelEntry("test-model", "isnet", "/models/test", len(payload), "test")


def test_chunks_are_reassembled_and_verified(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 41  # 10496 bytes: 3 chunks, the last one short
    tgz, entry = _package(tmp_path, payload, 4096)
    res, chunk_paths, licence = model_store._extract(tgz, tmp_path / "x", entry)
    out = tmp_path / "model.onnx"
    sha = model_store._assemble(entry, res, chunk_paths, out)
    assert out.read_bytes() == payload and sha == hashlib.sha256(payload).hexdigest()
    assert licence is not None and b"AFFERO" in licence.read_bytes()
    assert not (tmp_path / "escape.txt").exists()


def test_a_corrupt_chunk_is_refused(tmp_path: Path) -> None:
    payload = b"x" * 5000 + b"y" * 5000
    tgz, entry = _package(tmp_path, payload, 4096, corrupt=True)
    res, chunk_paths, _ = model_store._extract(tgz, tmp_path / "x", entry)
    with pytest.raises(ModelFetchError, match="sha256"):
        model_store._assemble(entry, res, chunk_paths, tmp_path / "model.onnx")


def test_a_size_mismatch_is_refused(tmp_path: Path) -> None:
    payload = b"z" * 9000
    tgz, entry = _package(tmp_path, payload, 4096)
    wrong = ModelEntry(entry.name, entry.family, entry.resource, entry.size + 1, "")
    res, chunk_paths, _ = model_store._extract(tgz, tmp_path / "x", wrong)
    with pytest.raises(ModelFetchError, match="bytes"):
        model_store._assemble(wrong, res, chunk_paths, tmp_path / "model.onnx")


def test_resolution_and_listing(tmp_path: Path) -> None:
    custom = tmp_path / "my-birefnet.onnx"
    custom.write_bytes(b"onnx")
    settings = Settings.from_env(env={}, model_path=str(custom), model_cache_dir=str(tmp_path / "cache"))
    assert model_store.resolve_model(settings) == custom
    assert model_store.model_family(settings) == "birefnet"
    plain = settings.with_(model_path=str(tmp_path / "model.onnx"))
    assert model_store.model_family(plain) == "isnet"  # the name says nothing
    assert model_store.model_family(plain.with_(model_family="u2net")) == "u2net"  # configured
    with pytest.raises(ValueError, match="DRISYA_MODEL_FAMILY"):
        Settings.from_env(env={"DRISYA_MODEL_FAMILY": "resnet"})
    names = [m.name for m in model_store.list_models(settings)]
    assert names[0] == "custom" and "isnet-fp16" in names

    empty = Settings.from_env(env={}, model_cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ModelFetchError, match="drisya models fetch"):
        model_store.resolve_model(empty, fetch_if_missing=False)
    with pytest.raises(ModelFetchError, match="does not exist"):
        model_store.resolve_model(empty.with_(model_path=str(tmp_path / "nope.onnx")))
    with pytest.raises(ModelFetchError, match="unknown model"):
        model_store.fetch_model("nope", tmp_path)


@pytest.mark.model
def test_fetched_model_is_intact_and_fetch_is_idempotent() -> None:
    """The model `make setup` fetched: manifest matches the file; a second fetch does no work."""
    settings = Settings.from_env(env={}, model_name=model_store.RECOMMENDED_MODEL)
    path = model_store.resolve_model(settings)
    manifest = json.loads((path.parent / "manifest.json").read_text())
    assert path.stat().st_size == manifest["size"] == model_store.MODELS[settings.model_name].size
    assert (path.parent / "LICENSE.md").is_file()
    mtime = path.stat().st_mtime_ns
    messages: list[str] = []
    assert model_store.fetch_model(settings.model_name, settings.model_cache_dir, log=messages.append) == path
    assert path.stat().st_mtime_ns == mtime and messages == []
