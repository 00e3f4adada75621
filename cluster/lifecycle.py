"""Process-level lifecycle of a Drisya node: the database, Ray, and an ordered, complete shutdown.

`Platform` starts what the settings leave unset (the embedded nx-27017 server when `DRISYA_MONGODB_URI`
is empty, a local Ray when `DRISYA_RAY_ADDRESS` is empty), and stops exactly what it started, in reverse
order: callbacks registered with `add_cleanup` (e.g. Ray Serve) first, then Ray, then the database.

Database preparation and serving live in `serve_apps` (cluster may import only cluster); `drisya up`
composes the two:

    platform = Platform(settings)
    settings = platform.start_database()       # effective settings: mongodb_uri filled in
    await serve_apps.startup.prepare(settings, owns_database=platform.owns_database)
    platform.start_ray()
    serve_apps.deployment.deploy(settings); platform.add_cleanup(serve_apps.deployment.undeploy)
    platform.wait_for_signal(); platform.stop()
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from cluster import processes
from cluster.embedded_mongo import EmbeddedMongo
from cluster.settings import Settings, ensure_jwt_secret

log = logging.getLogger("drisya.lifecycle")


class PortInUse(RuntimeError):
    pass


def check_port_free(host: str, port: int) -> None:
    """Fail early with a clear message instead of a Serve proxy crash loop."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(f"{host}:{port} is already in use ({exc.strerror}); set DRISYA_PORT") from None


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = ensure_jwt_secret(settings)
        self.mongo: EmbeddedMongo | None = None
        self.ray_started = False
        self.ray_connected = False
        self._ray_init_attempted = False
        self._preexisting = processes.descendants()  # not ours to end at stop
        self._cleanups: list[tuple[str, Callable[[], Any]]] = []
        self._stop_requested = threading.Event()
        self._stopped = False

    @property
    def owns_database(self) -> bool:
        """True when the database is our embedded child, so nothing else can be writing to it."""
        return self.mongo is not None

    def start_database(self) -> Settings:
        self.settings.data_path.mkdir(parents=True, exist_ok=True)
        if not self.settings.mongodb_uri:
            self.mongo = EmbeddedMongo(self.settings.data_path)
            uri = self.mongo.start()
            self.settings = self.settings.with_(mongodb_uri=uri)
            log.info("embedded MongoDB (nx-27017) at %s, data in %s", uri, self.mongo.dir)
        return self.settings

    def start_ray(self) -> None:
        import ray

        if ray.is_initialized():
            self.ray_connected = True
            return
        options: dict[str, Any] = {
            "namespace": "drisya",
            "logging_level": logging.WARNING,
            "configure_logging": True,
        }
        self._ray_init_attempted = True
        if self.settings.ray_address:
            ray.init(address=self.settings.ray_address, **options)
        else:
            ray.init(num_cpus=self.settings.ray_num_cpus, include_dashboard=False, **options)
            self.ray_started = True
        self.ray_connected = True

    def ray_summary(self) -> str:
        import ray

        if not ray.is_initialized():
            return "not connected"
        resources = ray.cluster_resources()
        where = self.settings.ray_address or "local"
        gpus = f", {resources.get('GPU', 0):g} GPUs" if resources.get("GPU") else ""
        return f"{where} ({resources.get('CPU', 0):g} CPUs{gpus})"

    def add_cleanup(self, name: str, fn: Callable[[], Any]) -> None:
        """Run `fn` at stop, before Ray and the database go (last added, first run)."""
        self._cleanups.append((name, fn))

    def request_stop(self) -> None:
        self._stop_requested.set()

    def wait_for_signal(self, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> None:
        """Block the main thread until SIGINT/SIGTERM (or `request_stop`)."""

        def handler(signum: int, frame: FrameType | None) -> None:
            self._stop_requested.set()

        previous = {s: signal.signal(s, handler) for s in signals}
        try:
            while not self._stop_requested.wait(0.5):
                pass
        finally:
            for s, h in previous.items():
                signal.signal(s, h)

    def stop(self) -> None:
        """Stop everything this platform started; safe to call twice, and a second Ctrl-C cannot cut it short.

        Processes started through us that are still alive once Serve, Ray and the database were asked to
        stop (e.g. Ray agents when `ray.init` was interrupted half-way) are ended as well."""
        if self._stopped:
            return
        self._stopped = True
        # Everything below us now, including Ray's agents and workers (children of the raylet): if a
        # start-up was interrupted half-way, Ray may not know about all of them; none may outlive us.
        below = processes.snapshot(processes.descendants() - self._preexisting)
        restore: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            restore = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while self._cleanups:
                name, fn = self._cleanups.pop()
                try:
                    fn()
                except Exception:
                    log.exception("stopping %s failed", name)
            if self.ray_connected or self._ray_init_attempted:
                try:
                    import ray

                    ray.shutdown()  # stops the local cluster if we started it, else disconnects
                except Exception:
                    log.exception("stopping Ray failed")
                self.ray_connected = self.ray_started = False
            if self.mongo is not None:
                self.mongo.stop()
                self.mongo = None
            leftovers = processes.end_leftovers(below)
            if leftovers:
                log.warning("ended %d process(es) that outlived their owner: %s", len(leftovers), leftovers)
        finally:
            for signum, handler in restore.items():
                signal.signal(signum, handler)

    def __enter__(self) -> Platform:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
