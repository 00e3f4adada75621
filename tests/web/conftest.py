"""The platform as `make up` starts it (`drisya up` on a free port, a temporary data dir, a known admin
password), for the browser tests in this folder, plus the pieces they need: Node, Debian's chromium and
the built dashboard. One platform per session; it is stopped with Ctrl-C (SIGINT) as a user would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cluster.embedded_mongo import free_port

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ADMIN_EMAIL = "admin@drisya.test"
ADMIN_PASSWORD = "browser-test admin password"
START_TIMEOUT_S = 300


@dataclass
class Platform:
    url: str
    data_dir: Path
    admin_email: str
    admin_password: str
    log: Path


def _require_browser_stack() -> str:
    """Node, chromium, playwright-core and web/dist must be there: `make test` provides all four."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Node 20.19+)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (make chromium)")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        missing.append("web/node_modules (make web)")
    if not (WEB / "dist" / "index.html").is_file():
        missing.append("web/dist (make web)")
    if missing:
        pytest.fail("the browser tests need " + ", ".join(missing) + "; `make test` installs them")
    return node  # type: ignore[return-value]


@pytest.fixture(scope="session")
def node() -> str:
    return _require_browser_stack()


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, node: str) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("drisya-web")
    log = data_dir / "drisya-up.log"
    port = free_port()
    env = {
        **os.environ,
        "DRISYA_DATA_DIR": str(data_dir / "data"),
        "DRISYA_ADMIN_EMAIL": ADMIN_EMAIL,
        "DRISYA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DRISYA_PAYMENTS_PROVIDER": "test",
        # the admin resumes a stalled job by hand in test_admin_paths: the periodic watch would race it
        "DRISYA_RESUME_WATCH_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DRISYA_MONGODB_URI", None)
    drisya = Path(sys.executable).parent / "drisya"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(drisya), "up", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it reaches Ray's children too
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"drisya up exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"drisya up did not answer /healthz in {START_TIMEOUT_S}s:\n{log.read_text()[-4000:]}"
                )
            time.sleep(1)
        yield Platform(url, data_dir, ADMIN_EMAIL, ADMIN_PASSWORD, log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C first (drisya up stops Serve, Ray and the database in order), then the group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def run_e2e(node: str, script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run web/e2e/<script>.mjs with node; its output is printed so a failure shows every step."""
    result = subprocess.run(
        [node, str(WEB / "e2e" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(result.stdout)
    print(result.stderr, file=sys.stderr)
    return result
