"""`Client`: the blocking SDK entry point.

    from drisya_client import Client

    with Client("http://127.0.0.1:8000", api_key="dk_...") as client:
        job = client.jobs.submit("photos/", template="studio-sweep-white", recipe={"preset": "amazon"})
        job.wait(progress=True)
        job.download("out.zip")

`AsyncClient` (drisya_client.aio) has the same surface with coroutines.
"""

from __future__ import annotations

import os
from typing import Any

from drisya_client import _media
from drisya_client._http import SyncHttp
from drisya_client.jobs import Job, Jobs
from drisya_client.models import Enhanced
from drisya_client.templates import Templates
from drisya_client.wallet import Wallet

DEFAULT_TIMEOUT_S = 120.0


class Client:
    """A connection to one Drisya server.

    Authenticate with `api_key=` (create one with `create_api_key()` or in the dashboard), `token=`
    (an access token, with `refresh_token=` to renew it when it expires), or by calling
    `login(email, password)`, after which an expired access token is renewed once per call. Idempotent calls are retried on
    connection errors and 5xx answers (`retries` times, exponential backoff from `backoff` seconds).
    """

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
        self._http = SyncHttp(
            base_url, credential=api_key or token, timeout=timeout, retries=retries, backoff=backoff
        )
        self._http.refresh_token = refresh_token
        self.templates = Templates(self._http)
        self.wallet = Wallet(self._http)
        self.jobs = Jobs(self._http)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def login(self, email: str, password: str) -> dict[str, Any]:
        """Sign in with e-mail and password; later calls use the access token. `BadCredentials` when
        they are wrong. Returns the token answer (`access_token`, `refresh_token`)."""
        tokens = self._http.request(
            "POST", "/v1/auth/login", idempotent=False, json={"email": email, "password": password}
        ).json()
        self._http.take_tokens(tokens)
        return tokens

    def create_api_key(self, name: str = "drisya-client") -> str:
        """A new API key for this account (shown once; the server keeps only its hash)."""
        return self._http.request("POST", "/v1/me/api-keys", idempotent=False, json={"name": name}).json()[
            "key"
        ]

    def me(self) -> dict[str, Any]:
        """The signed-in account: `id`, `email`, `name`, `role`, `coins`."""
        return self._http.request("GET", "/v1/me").json()

    def job(self, job_id: str) -> Job:
        """Shorthand for `client.jobs.get(job_id)`."""
        return self.jobs.get(job_id)

    def enhance(
        self,
        image: str | os.PathLike[str] | bytes,
        *,
        template: str = "#ffffff",
        module: str | None = None,
        recipe: dict[str, Any] | None = None,
    ) -> Enhanced:
        """Process one image now (charged as a one-image job; a failure costs nothing). Not retried:
        a repeat would be a second charge."""
        return _media.enhanced(
            self._http.request(
                "POST", "/v1/enhance", idempotent=False, **_media.form(image, template, module, recipe)
            )
        )

    def preview(
        self,
        image: str | os.PathLike[str] | bytes,
        *,
        template: str = "#ffffff",
        module: str | None = None,
        recipe: dict[str, Any] | None = None,
    ) -> bytes:
        """A free, small (at most 800 px) JPEG of the product on the template; rate-limited."""
        response = self._http.request(
            "POST", "/v1/preview", idempotent=True, **_media.form(image, template, module, recipe)
        )
        return response.content

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
