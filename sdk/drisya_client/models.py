"""Plain records for what the API answers; `raw` keeps every field, including ones added later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: `items`, the `total` matching, and where this page sits."""

    items: list[T]
    total: int
    page: int = 1
    page_size: int = 0

    def __iter__(self):  # so `for t in client.templates.list()` reads naturally
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    category: str
    tags: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    thumbnail_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Template:
        return cls(
            id=d["id"],
            name=d.get("name", d["id"]),
            category=d.get("category", ""),
            tags=list(d.get("tags") or []),
            colours=list(d.get("colours") or []),
            thumbnail_url=d.get("thumbnail_url", ""),
            raw=d,
        )


@dataclass(frozen=True)
class Transaction:
    """A ledger entry: `amount` is the change to the balance, `reason` a sentence for people."""

    id: str
    kind: str
    amount: int
    reason: str
    created: str
    job: str | None = None
    balance_after: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transaction:
        return cls(
            id=d["id"],
            kind=d["kind"],
            amount=int(d["amount"]),
            reason=d.get("reason", ""),
            created=d.get("created", ""),
            job=d.get("job"),
            balance_after=d.get("balance_after"),
            raw=d,
        )


@dataclass(frozen=True)
class Image:
    """One image of a job: its status, the reason it failed, and where its output is."""

    id: str
    name: str
    status: str
    reason: str | None = None
    quality: float | None = None
    output_url: str | None = None
    compliance: dict[str, Any] | None = None  # the preset's rules checked: status, reasons, measurements
    # module surprise: every output (variants, then the video): {index, name, kind, content_type, theme,
    # template, seed, variant, url}; empty for other modules
    outputs: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Image:
        return cls(
            id=d["id"],
            name=d["name"],
            status=d["status"],
            reason=d.get("reason"),
            quality=d.get("quality"),
            output_url=d.get("output_url"),
            compliance=d.get("compliance"),
            outputs=list(d.get("outputs") or []),
            raw=d,
        )


@dataclass(frozen=True)
class Progress:
    """One progress event: `type` is "progress" or "final"; `via` says whether it came over the
    WebSocket or from polling."""

    type: str
    status: str
    total: int
    done: int
    failed: int
    message: str
    eta_s: float | None = None
    via: str = "websocket"

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def is_final(self) -> bool:
        return self.type == "final"

    @classmethod
    def from_dict(cls, d: dict[str, Any], via: str) -> Progress:
        terminal = d.get("status") in TERMINAL
        return cls(
            type=d.get("type") or ("final" if terminal else "progress"),
            status=d.get("status", ""),
            total=int(d.get("total") or 0),
            done=int(d.get("done") or 0),
            failed=int(d.get("failed") or 0),
            message=d.get("message", ""),
            eta_s=d.get("eta_s"),
            via=via,
        )


@dataclass(frozen=True)
class Enhanced:
    """The answer of `enhance()`: the image bytes and what it cost."""

    content: bytes
    media_type: str
    job_id: str
    coins_charged: int
    quality: float | None = None


TERMINAL = frozenset({"done", "failed", "cancelled"})
