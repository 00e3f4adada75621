"""Fixtures for the matting tests: the real ISNet model (fetched by `make setup`) and synthetic scenes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/datasets holds the shared scene builders
    sys.path.insert(0, str(ROOT))

from benchmarks.datasets import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def model_session():
    """The recommended model, loaded once; fetched on first use exactly as the CLI would."""
    from cluster.model_store import RECOMMENDED_MODEL, model_family, resolve_model
    from cluster.settings import Settings
    from engine.matting.model import get_session

    settings = Settings.from_env(env={}, model_name=RECOMMENDED_MODEL)
    return get_session(
        resolve_model(settings, fetch_if_missing=True), model_family(settings), settings.model_runtime
    )


@pytest.fixture(scope="session")
def scenes() -> dict[str, synthetic.Scene]:
    return {name: synthetic.scene(name, seed=3) for name in synthetic.SCENES}
