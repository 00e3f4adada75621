"""SDK tests run the real API (tests/serve_apps/conftest.py's harness: the app over uvicorn on the
embedded database) and drive it through `drisya_client`, the way an ERP integration would.

- `api`, `client`, `new_user`, `admin`: re-exported from the API harness.
- `sdk_user(coins)`: a fresh account and a `drisya_client.Client` signed in with an API key.
- `photos(tmp_path, n, broken=)`: a folder of small product photos (with a sub-folder).
- `Proxy`: a TCP relay in front of the API that can cut the first download in the middle or refuse
  WebSocket upgrades, so resuming and the polling fallback are tested against a real broken link.

The platform's install does not include the client yet (see sdk/README.md), so the sdk folder is put
on sys.path here.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[2] / "sdk"
if str(SDK) not in sys.path:
    sys.path.insert(0, str(SDK))

from tests.data_jobs.conftest import product_photo  # noqa: E402
from tests.serve_apps.conftest import admin, api, client, new_user  # noqa: E402, F401

FAST = {"method": "fast", "size": 256}  # the colour matter: seconds per image on a shared CPU


def photos(folder: Path, n: int = 3, *, broken: bool = False, seed: int = 0) -> Path:
    """`n` product photos (the last in a sub-folder), plus an unreadable one when `broken`."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        target = folder / "more" if i == n - 1 and n > 1 else folder
        target.mkdir(exist_ok=True)
        (target / f"item-{i}.jpg").write_bytes(product_photo(256, seed=seed + i))
    if broken:
        (folder / "broken.jpg").write_bytes(product_photo(256, seed=seed + 99)[:400])
    return folder


@pytest.fixture
def sdk_user(api, new_user) -> Iterator[Callable]:  # noqa: F811 - fixtures by name
    from drisya_client import Client

    made: list = []

    def make(coins: int = 0):
        caller = new_user(coins=coins)
        with Client(api.url, token=caller.access_token) as signed_in:
            key = signed_in.create_api_key("sdk tests")
        sdk = Client(api.url, api_key=key, backoff=0.05)
        made.append(sdk)
        return sdk

    yield make
    for sdk in made:
        sdk.close()


@dataclass
class Proxy:
    """Relays 127.0.0.1:<port> to `upstream`, byte for byte, except that it can cut the response to
    the first download request after `cut_download_at` bytes, and close connections that ask for a
    WebSocket upgrade. `requests` keeps the head of every request it relayed."""

    upstream: tuple[str, int]
    cut_download_at: int | None = None
    refuse_websockets: bool = False
    requests: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._cut_done = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(downstream,), daemon=True).start()

    def _serve(self, downstream: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream)
        budget: list[int | None] = [None]  # bytes of response still allowed on this connection

        def pump_up() -> None:
            try:
                while data := downstream.recv(65536):
                    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1", "replace")
                    if head[:4] in ("GET ", "POST", "PUT ", "DELE"):
                        self.requests.append(head)
                        if self.refuse_websockets and "upgrade: websocket" in head.lower():
                            raise OSError("websocket refused")
                        with self._lock:
                            if self.cut_download_at and not self._cut_done and "/download" in head:
                                self._cut_done = True
                                budget[0] = self.cut_download_at
                    upstream.sendall(data)
            except OSError:
                pass
            _close(upstream, downstream)

        threading.Thread(target=pump_up, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                if budget[0] is not None:
                    data = data[: budget[0]]
                    budget[0] -= len(data)
                downstream.sendall(data)
                if budget[0] == 0:
                    break
        except OSError:
            pass
        _close(upstream, downstream)

    def close(self) -> None:
        self._server.close()


def _close(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


@pytest.fixture
def proxy(api) -> Iterator[Callable[..., Proxy]]:  # noqa: F811 - a fixture by name
    made: list[Proxy] = []

    def make(**kw) -> Proxy:
        host, port = api.url.removeprefix("http://").split(":")
        p = Proxy((host, int(port)), **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
