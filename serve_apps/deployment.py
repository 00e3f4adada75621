"""The Ray Serve side: the API as an ingress deployment, and helpers to run it.

The FastAPI app is built on each replica (`__serve_build_asgi_app__`, Ray >= 2.50's late-bound ingress),
so the settings travel to replicas as a plain frozen dataclass and each replica opens its own database
connection. The replica needs no CPU reservation of its own: it waits on I/O, and the cores stay free
for the batch actors. Per-image work (`POST /v1/enhance`, `POST /v1/preview`) goes to the enhance
deployment (`serve_apps.enhance_deployment`) through a handle bound here and handed to the app's state.
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle

from cluster.settings import Settings, ensure_jwt_secret
from serve_apps.app import APP_STARTUP_HOOKS, create_app
from serve_apps.enhance_deployment import build_enhance
from serve_apps.enhance_service import HANDLE_KEY
from serve_apps.state import AppState

APP_NAME = "drisya"


@serve.deployment(name="api", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=200)
@serve.ingress()
class ApiIngress:
    def __init__(
        self, settings: Settings, run_startup: bool = False, enhancer: DeploymentHandle | None = None
    ) -> None:
        self._settings = settings
        self._run_startup = run_startup
        self._enhancer = enhancer

    async def __serve_build_asgi_app__(self) -> Any:
        if self._run_startup:  # a cluster deployment (RayService) has no `drisya up` to prepare the database
            from serve_apps.startup import prepare

            await prepare(self._settings, owns_database=False)
        enhancer = self._enhancer

        async def use_enhance_deployment(state: AppState) -> None:
            if enhancer is not None:
                state.extras[HANDLE_KEY] = enhancer

        return create_app(self._settings, startup_hooks=[*APP_STARTUP_HOOKS, use_enhance_deployment])


def build_app(
    settings: Settings,
    *,
    replicas: int = 1,
    run_startup: bool = False,
    enhance_cpus: float = 1.0,
    enhance_max_replicas: int | None = None,
) -> Application:
    """The API ingress bound to its enhance deployment (which autoscales on its own)."""
    enhancer = build_enhance(settings, num_cpus=enhance_cpus, max_replicas=enhance_max_replicas)
    return ApiIngress.options(num_replicas=replicas).bind(settings, run_startup, enhancer)


def app_builder(args: dict[str, Any]) -> Application:
    """Entry point for Serve config files / KubeRay RayService (`import_path: serve_apps.deployment:app_builder`).

    Settings come from the DRISYA_* environment of the cluster; `args` may set `replicas`. Set
    DRISYA_JWT_SECRET there: a generated secret is only shared by replicas that share a data dir.
    """
    settings = ensure_jwt_secret(Settings.from_env())
    return build_app(settings, replicas=int(args.get("replicas", 1)), run_startup=True)


def deploy(settings: Settings, *, replicas: int = 1, **options: Any) -> None:
    """Start Serve's HTTP proxy on settings.host:port and run the API there (returns once it is live);
    `options` go to `build_app` (e.g. `enhance_cpus`)."""
    serve.start(
        http_options={"host": settings.host, "port": settings.port}, logging_config={"log_level": "WARNING"}
    )
    serve.run(
        build_app(settings, replicas=replicas, **options), name=APP_NAME, route_prefix="/", blocking=False
    )


def undeploy() -> None:
    serve.shutdown()
