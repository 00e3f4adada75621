"""`drisya up` end to end: a real subprocess starts nx-27017, Ray and Serve, answers /healthz, and
Ctrl-C (SIGINT to its process group, as a terminal sends it) stops everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cluster.embedded_mongo import free_port
from cluster.processes import descendants, is_alive

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.ray, pytest.mark.timeout(180)]


def _cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return "?"


def test_up_serves_healthz_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DRISYA_", "RAY_ADDRESS"))},
        "DRISYA_DATA_DIR": str(tmp_path / "data"),
        "DRISYA_PORT": str(port),
        "DRISYA_ADMIN_PASSWORD": "a test admin password",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "up.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "drisya.cli.main", "up"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    started: set[int] = set()
    try:
        body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            started |= descendants(proc.pid)
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                if response.status_code == 200 and "Press Ctrl-C" in log_path.read_text():
                    body = response.json()
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert body is not None, (
            f"no healthy /healthz; exit={proc.poll()} log:\n{log_path.read_text()[-3000:]}"
        )
        assert body["ray"]["status"] == "up" and body["ray"]["cpus"] > 0
        assert body["mongodb"]["status"] == "up" and body["storage"]["status"] == "up"
        started |= descendants(proc.pid)
        output = log_path.read_text()
        assert f"http://127.0.0.1:{port}" in output
        assert "admin@drisya.local / a test admin password" in output

        mongo_children = [p for p in started if "cluster.mongo_child" in _cmd(p)]
        ray_children = [p for p in started if "ray" in _cmd(p)]
        assert mongo_children and ray_children, sorted(_cmd(p) for p in started)

        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 0, log_path.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    deadline = time.monotonic() + 20
    left = {p for p in started if is_alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = {p for p in left if is_alive(p)}
    assert not left, "left running: " + "; ".join(_cmd(p) for p in left)
    assert "stopped." in log_path.read_text()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_sigterm_during_start_up_unwinds_everything(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DRISYA_", "RAY_ADDRESS"))},
        "DRISYA_DATA_DIR": str(tmp_path / "data"),
        "DRISYA_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "up.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "drisya.cli.main", "up"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while "starting Ray" not in log_path.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.2)
        time.sleep(2)  # Ray is starting: its processes exist, Serve does not yet
        started |= descendants(proc.pid)
        assert any("cluster.mongo_child" in _cmd(p) for p in started)
        proc.send_signal(signal.SIGTERM)
        # The exit code depends on who holds SIGTERM at that instant: ours (130), Ray's Python handler
        # inside ray.init (15), or Ray's native one (abort). What matters is that nothing is left behind.
        assert proc.wait(timeout=60) != 0, log_path.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + 20
    left = {p for p in started if is_alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = {p for p in left if is_alive(p)}
    assert not left, "left running: " + "; ".join(_cmd(p) for p in left)


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "drisya.cli.main", "up", "--port", str(port), "--data-dir", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "already in use" in result.stderr
    assert not (tmp_path / "mongo").exists()  # nothing was started


def test_unreachable_external_database_is_a_one_line_error(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DRISYA_", "RAY_ADDRESS"))},
        "DRISYA_MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/",
    }
    result = subprocess.run(
        [sys.executable, "-m", "drisya.cli.main", "up", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().count("\n") == 0 and "MongoDB is not usable" in result.stderr
