"""The Ray Serve side: the API as an ingress deployment, and helpers to run it.

The FastAPI app is built on each replica (`__serve_build_asgi_app__`, Ray >= 2.50's late-bound ingress),
so the settings travel to replicas as a plain frozen dataclass and each replica opens its own database
connection. The replica needs no CPU reservation of its own: it waits on I/O, and the cores stay free
for the batch actors.
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application

from cluster.settings import Settings, ensure_jwt_secret
from serve_apps.app import create_app

APP_NAME = "drisya"


@serve.deployment(name="api", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=200)
@serve.ingress()
class ApiIngress:
    def __init__(self, settings: Settings, run_startup: bool = False) -> None:
        self._settings = settings
        self._run_startup = run_startup

    async def __serve_build_asgi_app__(self) -> Any:
        if self._run_startup:  # a cluster deployment (RayService) has no `drisya up` to prepare the database
            from serve_apps.startup import prepare

            await prepare(self._settings, owns_database=False)
        return create_app(self._settings)


def build_app(settings: Settings, *, replicas: int = 1, run_startup: bool = False) -> Application:
    return ApiIngress.options(num_replicas=replicas).bind(settings, run_startup)


def app_builder(args: dict[str, Any]) -> Application:
    """Entry point for Serve config files / KubeRay RayService (`import_path: serve_apps.deployment:app_builder`).

    Settings come from the DRISYA_* environment of the cluster; `args` may set `replicas`. Set
    DRISYA_JWT_SECRET there: a generated secret is only shared by replicas that share a data dir.
    """
    settings = ensure_jwt_secret(Settings.from_env())
    return build_app(settings, replicas=int(args.get("replicas", 1)), run_startup=True)


def deploy(settings: Settings, *, replicas: int = 1) -> None:
    """Start Serve's HTTP proxy on settings.host:port and run the API there (returns once it is live)."""
    serve.start(
        http_options={"host": settings.host, "port": settings.port}, logging_config={"log_level": "WARNING"}
    )
    serve.run(build_app(settings, replicas=replicas), name=APP_NAME, route_prefix="/", blocking=False)


def undeploy() -> None:
    serve.shutdown()
