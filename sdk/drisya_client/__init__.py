"""Drisya's Python SDK: submit photo batches to a Drisya server, follow them, download the results.

    from drisya_client import Client

    with Client("http://127.0.0.1:8000", api_key="dk_...") as client:
        job = client.jobs.submit("photos/", template="studio-sweep-white", recipe={"preset": "amazon"})
        job.wait(progress=True)
        job.download("out.zip")

Names are imported on first use (PEP 562), so `import drisya_client` stays fast: httpx and
websockets load only when a client is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Client": "drisya_client.client",
    "AsyncClient": "drisya_client.aio",
    "Job": "drisya_client.jobs",
    "AsyncJob": "drisya_client.jobs",
    "Progress": "drisya_client.models",
    "Template": "drisya_client.models",
    "Transaction": "drisya_client.models",
    "Image": "drisya_client.models",
    "Enhanced": "drisya_client.models",
    "Page": "drisya_client.models",
    "DrisyaError": "drisya_client.errors",
    "BadCredentials": "drisya_client.errors",
    "PermissionDenied": "drisya_client.errors",
    "InsufficientCoins": "drisya_client.errors",
    "ValidationError": "drisya_client.errors",
    "NotFound": "drisya_client.errors",
    "Conflict": "drisya_client.errors",
    "RateLimited": "drisya_client.errors",
    "ServerError": "drisya_client.errors",
    "ConnectionFailed": "drisya_client.errors",
}
__all__ = [
    "AsyncClient",
    "AsyncJob",
    "BadCredentials",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "DrisyaError",
    "Enhanced",
    "Image",
    "InsufficientCoins",
    "Job",
    "NotFound",
    "Page",
    "PermissionDenied",
    "Progress",
    "RateLimited",
    "ServerError",
    "Template",
    "Transaction",
    "ValidationError",
]

if TYPE_CHECKING:
    from drisya_client.aio import AsyncClient
    from drisya_client.client import Client
    from drisya_client.errors import (
        BadCredentials,
        Conflict,
        ConnectionFailed,
        DrisyaError,
        InsufficientCoins,
        NotFound,
        PermissionDenied,
        RateLimited,
        ServerError,
        ValidationError,
    )
    from drisya_client.jobs import AsyncJob, Job
    from drisya_client.models import Enhanced, Image, Page, Progress, Template, Transaction


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drisya_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
