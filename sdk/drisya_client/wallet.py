"""The caller's coins: balance, ledger history, packs for sale."""

from __future__ import annotations

from typing import Any

from drisya_client.models import Page, Transaction


def _history(response: Any) -> Page[Transaction]:
    d = response.json()
    items = [Transaction.from_dict(t) for t in d["items"]]
    return Page(items, d["total"], d.get("page", 1), d.get("page_size", 0))


class Wallet:
    """`client.wallet`. With `AsyncClient` every method returns an awaitable of the same value."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def balance(self) -> int:
        """Coins available now."""
        return self._http.call("GET", "/v1/me", then=lambda r: int(r.json()["coins"]))

    def history(self, *, page: int = 1, page_size: int = 50, kind: str | None = None) -> Page[Transaction]:
        """Ledger entries, newest first (`kind`: purchase, bonus, grant, reserve, capture, release ...)."""
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        if kind:
            params["kind"] = kind
        return self._http.call("GET", "/v1/me/transactions", params=params, then=_history)

    def packs(self) -> dict[str, Any]:
        """Coin packs for sale, the price per coin and per-module pricing."""
        return self._http.call("GET", "/v1/wallet/packs", then=lambda r: r.json())
