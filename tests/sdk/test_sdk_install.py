"""`pip install ./sdk` into a fresh virtual environment gives a client that imports fast and talks to
the server without any of the server's dependencies (needs PyPI for httpx and websockets)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

SDK = Path(__file__).resolve().parents[2] / "sdk"
SERVER_ONLY = ("ray", "cv2", "onnxruntime", "numpy", "PIL", "fastapi", "pymongo")

PROBE = """
import importlib.util, json, sys, time
t = time.perf_counter()
import drisya_client
import_s = time.perf_counter() - t
from drisya_client import Client
server_only = sys.argv[2].split(",")
with Client(sys.argv[1]) as c:
    page = c.templates.search("blue")
print(json.dumps({
    "import_s": import_s,
    "templates": page.total,
    "present": [m for m in server_only if importlib.util.find_spec(m) is not None],
    "loaded": [m for m in server_only if m in sys.modules],
}))
"""


def test_client_installs_alone_and_runs_without_server_dependencies(api, tmp_path):
    source = tmp_path / "sdk"  # pip builds in the source folder: keep the checkout clean
    shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        check=True,
        env=clean,
        cwd=tmp_path,
        timeout=600,
    )
    probe = subprocess.run(
        [str(py), "-c", PROBE, api.url, ",".join(SERVER_ONLY)],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    import json

    found = json.loads(probe.stdout)
    assert found["present"] == [] and found["loaded"] == []
    assert found["templates"] >= 1
    print(f"import drisya_client in the fresh venv: {found['import_s'] * 1000:.1f} ms", file=sys.stderr)
    # its own `drisya` command holds the client commands only
    cli = env_dir / "bin" / "drisya"
    helped = subprocess.run([str(cli), "--help"], capture_output=True, text=True, env=clean, timeout=60)
    assert helped.returncode == 0
    for command in ("login", "submit", "jobs", "templates", "wallet"):
        assert command in helped.stdout
    server_side = subprocess.run(
        [str(cli), "batch", "in.zip"], capture_output=True, text=True, env=clean, timeout=60
    )
    assert server_side.returncode == 2 and "invalid choice: 'batch'" in server_side.stderr
    missing = subprocess.run(
        [str(cli), "wallet"],
        capture_output=True,
        text=True,
        env={**clean, "DRISYA_CONFIG_DIR": str(tmp_path / "cfg")},
        timeout=60,
    )
    assert missing.returncode == 2 and "drisya login" in missing.stderr
