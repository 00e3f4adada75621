"""`drisya batch` run as a user runs it: in its own process, with its own local Ray and data folder.

One owner for how the tests start it (the environment it needs, the Ray it must not join, its time
limit), so the batch, surprise and same-output tests cannot drift apart in how they call the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH_TIMEOUT_S = 300


def batch_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with the repository importable, a 2-CPU local Ray (never a cluster
    named by DRISYA_RAY_ADDRESS) and its own data folder; `extra` adds or overrides variables."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DRISYA_RAY_NUM_CPUS": "2",
        "DRISYA_DATA_DIR": str(data_dir),
        **extra,
    }
    env.pop("DRISYA_RAY_ADDRESS", None)
    return env


def run_batch(
    *args: str, env: dict[str, str], timeout: float = BATCH_TIMEOUT_S
) -> subprocess.CompletedProcess:
    """`python -m drisya.cli.main batch ARGS` from the repository root; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", "batch", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
