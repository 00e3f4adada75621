"""`AsyncClient`: the asyncio SDK entry point, with the same surface as `Client`.

import asyncio
from drisya_client import AsyncClient

async def main() -> None:
    async with AsyncClient("http://127.0.0.1:8000", api_key="dk_...") as client:
        job = await client.jobs.submit("photos/", template="studio-sweep-white")
        async for event in job.events():
            print(event.message)
        await job.download("out.zip")

asyncio.run(main())
"""

from __future__ import annotations

import os
from typing import Any

from drisya_client import _media
from drisya_client._http import AsyncHttp
from drisya_client.client import DEFAULT_TIMEOUT_S
from drisya_client.jobs import AsyncJob, AsyncJobs
from drisya_client.models import Enhanced
from drisya_client.templates import Templates
from drisya_client.wallet import Wallet


class AsyncClient:
    """A connection to one Drisya server for asyncio code (see `Client` for the arguments)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        token: str | None = None,
        refresh_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._http = AsyncHttp(
            base_url, credential=api_key or token, timeout=timeout, retries=retries, backoff=backoff
        )
        self._http.refresh_token = refresh_token
        self.templates = Templates(self._http)
        self.wallet = Wallet(self._http)
        self.jobs = AsyncJobs(self._http)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    async def login(self, email: str, password: str) -> dict[str, Any]:
        response = await self._http.request(
            "POST", "/v1/auth/login", idempotent=False, json={"email": email, "password": password}
        )
        tokens = response.json()
        self._http.take_tokens(tokens)
        return tokens

    async def create_api_key(self, name: str = "drisya-client") -> str:
        response = await self._http.request("POST", "/v1/me/api-keys", idempotent=False, json={"name": name})
        return response.json()["key"]

    async def me(self) -> dict[str, Any]:
        return (await self._http.request("GET", "/v1/me")).json()

    async def job(self, job_id: str) -> AsyncJob:
        return await self.jobs.get(job_id)

    async def enhance(
        self,
        image: str | os.PathLike[str] | bytes,
        *,
        template: str = "#ffffff",
        module: str | None = None,
        recipe: dict[str, Any] | None = None,
    ) -> Enhanced:
        response = await self._http.request(
            "POST", "/v1/enhance", idempotent=False, **_media.form(image, template, module, recipe)
        )
        return _media.enhanced(response)

    async def preview(
        self,
        image: str | os.PathLike[str] | bytes,
        *,
        template: str = "#ffffff",
        module: str | None = None,
        recipe: dict[str, Any] | None = None,
    ) -> bytes:
        response = await self._http.request(
            "POST", "/v1/preview", idempotent=True, **_media.form(image, template, module, recipe)
        )
        return response.content

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
