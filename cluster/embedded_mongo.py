"""The embedded database: an nx-27017 (MongoDB wire protocol over SQLite) child process.

Used when `DRISYA_MONGODB_URI` is unset, so one laptop needs no MongoDB install. The server listens on
a free loopback port; its SQLite files (one per logical database), log and pid file live under
`<data_dir>/mongo/`. An `owner.json` there records which process owns the running server, so a second
`drisya up` on the same data dir is refused with a clear message, and a server left behind by a parent
that was killed outright is reaped on the next start (the child also watches its parent itself, see
`cluster.mongo_child`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from cluster.processes import is_alive


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started (port, data dir in use, crashed on start)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago; callers retry if someone else takes it first."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _terminate(pid: int, timeout: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class EmbeddedMongo:
    """Owns one nx-27017 child process; `start()` returns its URI, `stop()` ends it."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.dir = Path(data_dir).expanduser().resolve() / "mongo"
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self.uri: str | None = None

    @property
    def owner_file(self) -> Path:
        return self.dir / "owner.json"

    @property
    def log_file(self) -> Path:
        return self.dir / "nx-27017.log"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> str:
        if self._proc is not None and self._proc.poll() is None:
            assert self.uri is not None
            return self.uri
        self.dir.mkdir(parents=True, exist_ok=True)
        self._reap_stale()
        attempts = 1 if self.port else 3
        last_error: Exception | None = None
        for _ in range(attempts):
            port = self.port or free_port(self.host)
            try:
                return self._start_on(port)
            except EmbeddedMongoError as exc:  # most likely the port was taken between probe and bind
                last_error = exc
        raise EmbeddedMongoError(f"embedded MongoDB did not start: {last_error}")

    def _start_on(self, port: int) -> str:
        cmd = [
            sys.executable,
            "-m",
            "cluster.mongo_child",
            "--parent-pid",
            str(os.getpid()),
            "--",
            "--data-dir",
            str(self.dir / "db"),
            "--host",
            self.host,
            "--port",
            str(port),
            "--pid-file",
            str(self.dir / "nx-27017.pid"),
            "--log-file",
            str(self.log_file),
        ]
        (self.dir / "db").mkdir(exist_ok=True)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        stdout = open(self.dir / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            stdout.close()
        self._write_owner(port)
        uri = f"mongodb://{self.host}:{port}/?directConnection=true"
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                self.owner_file.unlink(missing_ok=True)
                raise EmbeddedMongoError(f"nx-27017 exited with code {code}: {self._log_tail()}")
            if self._ping(uri):
                self.uri = uri
                return uri
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedMongoError(f"nx-27017 did not answer ping within {self.startup_timeout:.0f}s")
            time.sleep(0.1)

    @staticmethod
    def _ping(uri: str) -> bool:
        client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=300, connectTimeoutMS=300)
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()

    def _write_owner(self, port: int) -> None:
        assert self._proc is not None
        tmp = self.owner_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"parent_pid": os.getpid(), "child_pid": self._proc.pid, "port": port}))
        tmp.replace(self.owner_file)

    def _reap_stale(self) -> None:
        """Refuse a data dir whose server has a live owner; end a server whose owner died."""
        try:
            owner = json.loads(self.owner_file.read_text())
        except (OSError, ValueError):
            return
        parent, child = int(owner.get("parent_pid", 0)), int(owner.get("child_pid", 0))
        child_ours = is_alive(child) and "cluster.mongo_child" in _cmdline(child)
        if child_ours and parent != os.getpid() and is_alive(parent):
            raise EmbeddedMongoError(
                f"the data dir {self.dir.parent} is in use by another Drisya process (pid {parent}); "
                "stop it or choose another DRISYA_DATA_DIR"
            )
        if child_ours:
            _terminate(child)
        self.owner_file.unlink(missing_ok=True)
        (self.dir / "nx-27017.pid").unlink(missing_ok=True)

    def _log_tail(self, lines: int = 8) -> str:
        chunks = []
        for path in (self.dir / "stdout.log", self.log_file):
            try:
                chunks.extend(path.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                pass
        return " | ".join(chunks[-lines:]) or "no log output"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        self.uri = None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.owner_file.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort; normal paths call stop()
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
