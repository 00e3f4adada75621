"""`GET /healthz`: whether Ray, MongoDB and blob storage answer, for `make up`, probes and dashboards.

200 when everything is up, 503 (same body) when something is down, so a load balancer or a KubeRay
readiness probe can act on the status alone.
"""

from __future__ import annotations

import asyncio
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from serve_apps.state import StateDep

router = APIRouter(tags=["health"])

try:
    __version__ = version("drisya")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

CHECK_TIMEOUT_S = 5.0


def _ray_status() -> dict[str, Any]:
    import ray

    if not ray.is_initialized():
        return {"status": "down", "detail": "not connected to a Ray cluster"}
    resources = ray.cluster_resources()
    return {
        "status": "up",
        "cpus": resources.get("CPU", 0),
        "gpus": resources.get("GPU", 0),
        "nodes": sum(1 for n in ray.nodes() if n.get("Alive")),
    }


async def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_S)
    except TimeoutError:
        result = {"status": "down", "detail": f"no answer within {CHECK_TIMEOUT_S:.0f}s"}
    except Exception as exc:  # a health check reports failures, it does not raise them
        result = {"status": "down", "detail": f"{type(exc).__name__}: {exc}"}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@router.get("/healthz")
async def healthz(state: StateDep) -> JSONResponse:
    async def ray_check() -> dict[str, Any]:
        return await asyncio.to_thread(_ray_status)

    async def mongo_check() -> dict[str, Any]:
        await state.db.client.admin.command("ping")
        return {"status": "up", "database": state.db.name}

    async def storage_check() -> dict[str, Any]:
        await asyncio.to_thread(state.blobs.check)
        return {"status": "up", "backend": state.settings.blob_backend}

    ray_r, mongo_r, storage_r = await asyncio.gather(
        _timed(ray_check), _timed(mongo_check), _timed(storage_check)
    )
    checks = {"ray": ray_r, "mongodb": mongo_r, "storage": storage_r}
    ok = all(c["status"] == "up" for c in checks.values())
    body = {"status": "ok" if ok else "degraded", "version": __version__, **checks}
    return JSONResponse(body, status_code=200 if ok else 503)
