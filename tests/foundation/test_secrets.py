"""Secrets generated on first start (JWT secret, first admin's password) are kept once, privately."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cluster.settings import Settings, ensure_jwt_secret, write_secret_once


def test_first_secret_wins_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "secret"
    assert write_secret_once(path, "first") == "first"
    assert write_secret_once(path, "second") == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary files left


def test_concurrent_first_starts_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with ThreadPoolExecutor(8) as pool:
        kept = set(pool.map(lambda i: write_secret_once(path, f"value-{i}"), range(32)))
    assert len(kept) == 1 and kept == {path.read_text().strip()}


def test_jwt_secret_is_generated_once_per_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path))
    first = ensure_jwt_secret(settings).jwt_secret
    assert first and len(first) >= 32
    assert ensure_jwt_secret(settings).jwt_secret == first
    assert ensure_jwt_secret(settings.with_(jwt_secret="given")).jwt_secret == "given"
