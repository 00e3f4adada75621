"""The embedded nx-27017 child: starts, answers, keeps data, stops, and never outlives its parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from cluster.embedded_mongo import EmbeddedMongo, EmbeddedMongoError, free_port
from cluster.processes import is_alive

ROOT = Path(__file__).resolve().parents[2]


def _wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_start_ping_persist_stop(tmp_path: Path) -> None:
    with EmbeddedMongo(tmp_path) as server:
        assert server.uri and server.uri.startswith("mongodb://127.0.0.1:")
        pid = server.pid
        client: MongoClient = MongoClient(server.uri)
        client["app"]["things"].insert_one({"_id": "a", "n": 1})
        client.close()
        assert (tmp_path / "mongo" / "db").is_dir()
    assert pid is not None and _wait_gone(pid)
    assert not (tmp_path / "mongo" / "owner.json").exists()

    with EmbeddedMongo(tmp_path) as again:  # a new port, the same data
        client = MongoClient(again.uri)
        assert client["app"]["things"].find_one({"_id": "a"})["n"] == 1
        client.close()


def test_second_owner_of_a_data_dir_is_refused(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from cluster.embedded_mongo import EmbeddedMongo\n"
        "m = EmbeddedMongo(sys.argv[1]); m.start(); print('up', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "up"
        with pytest.raises(EmbeddedMongoError, match="in use by another Drisya process"):
            EmbeddedMongo(tmp_path).start()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    owner = json.loads((tmp_path / "mongo" / "owner.json").read_text())
    assert _wait_gone(owner["child_pid"]), "the child outlived its SIGKILLed parent"
    # the stale owner record no longer blocks the data dir
    with EmbeddedMongo(tmp_path) as server:
        assert server.uri


def test_stale_child_of_a_dead_owner_is_reaped(tmp_path: Path) -> None:
    """Even if the watchdog never fired, a new start ends a server whose recorded owner died."""
    (tmp_path / "mongo").mkdir()
    dead_parent = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_parent.wait()
    stale = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cluster.mongo_child",
            "--parent-pid",
            str(os.getpid()),
            "--",
            "--data-dir",
            str(tmp_path / "stale-db"),
            "--port",
            str(free_port()),
            "--pid-file",
            str(tmp_path / "stale.pid"),
            "--log-file",
            str(tmp_path / "stale.log"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        assert stale.poll() is None
        (tmp_path / "mongo" / "owner.json").write_text(
            json.dumps({"parent_pid": dead_parent.pid, "child_pid": stale.pid, "port": 1})
        )
        with EmbeddedMongo(tmp_path) as server:
            assert server.pid != stale.pid
            assert stale.wait(timeout=15) is not None
    finally:
        if stale.poll() is None:
            stale.kill()
            stale.wait()


def test_unusable_data_dir_fails_with_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises((EmbeddedMongoError, OSError)):
        EmbeddedMongo(blocker).start()


def test_server_started_from_a_short_lived_thread_keeps_running(tmp_path: Path) -> None:
    import threading

    server = EmbeddedMongo(tmp_path)
    thread = threading.Thread(target=server.start)
    thread.start()
    thread.join()
    try:
        time.sleep(1.0)  # the thread is gone; the server must not have gone with it
        client: MongoClient = MongoClient(server.uri, serverSelectionTimeoutMS=3000)
        assert client.admin.command("ping")["ok"] == 1
        client.close()
    finally:
        server.stop()
