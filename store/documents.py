"""Typed views of the MongoDB documents (DESIGN.md, "Data model").

Each dataclass maps one collection's document; `from_doc` tolerates missing optional fields so older
documents keep loading, and `to_doc` is what gets inserted. Ids are strings (ObjectId hex), which keeps
them JSON- and Ray-friendly and still sortable by creation time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from bson import ObjectId

# --- vocabularies -------------------------------------------------------------------------------

ROLES = ("client", "admin")
MODULES = ("ready", "look", "surprise")

JOB_CREATED = "created"  # exists, inputs still being uploaded
JOB_QUEUED = "queued"  # inputs in, coins reserved, waiting for a runner
JOB_RUNNING = "running"
JOB_DONE = "done"  # every image finished (some may have failed)
JOB_FAILED = "failed"  # the job as a whole could not run
JOB_CANCELLED = "cancelled"
JOB_STATUSES = (JOB_CREATED, JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED)
TERMINAL_JOB_STATUSES = (JOB_DONE, JOB_FAILED, JOB_CANCELLED)

IMAGE_QUEUED = "queued"
IMAGE_RUNNING = "running"
IMAGE_DONE = "done"
IMAGE_FAILED = "failed"
IMAGE_CANCELLED = "cancelled"  # its job was cancelled before it ran (the manifest's word too)
IMAGE_STATUSES = (IMAGE_QUEUED, IMAGE_RUNNING, IMAGE_DONE, IMAGE_FAILED, IMAGE_CANCELLED)
UNFINISHED_IMAGE_STATUSES = (IMAGE_QUEUED, IMAGE_RUNNING)

CREDIT_KINDS = ("purchase", "bonus", "promo", "grant")
DEBIT_KINDS = ("deduct",)  # an administrator's deduction (Ledger.debit: a user leg with a minimum)
TRANSACTION_KINDS = (*CREDIT_KINDS, *DEBIT_KINDS, "reserve", "capture", "release", "refund")

PAYMENT_CREATED = "created"
PAYMENT_PAID = "paid"
PAYMENT_FAILED = "failed"
PAYMENT_STATUSES = (PAYMENT_CREATED, PAYMENT_PAID, PAYMENT_FAILED)


def new_id() -> str:
    return str(ObjectId())


def utcnow() -> dt.datetime:
    """Millisecond precision, as BSON stores it, so a value reads back equal to what was written."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _aware(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return value


def _as_declared(declared: Any, value: Any) -> Any:
    """A stored value as its field declares it. nx-27017 returns a datetime written by `$set` as its ISO
    text and a `$set` boolean as 0/1; only fields declared datetime or bool are converted back, so a
    name that happens to look like a date stays a name."""
    kind = str(declared)
    if isinstance(value, str) and "datetime" in kind:
        try:
            return _aware(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if kind == "bool" and isinstance(value, int) and not isinstance(value, bool):
        return bool(value)
    return _aware(value)


def _pick(cls: type, doc: dict[str, Any]) -> dict[str, Any]:
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    out = {k: _as_declared(names[k].type, v) for k, v in doc.items() if k in names}
    if "_id" in doc and "id" in names:
        out["id"] = str(doc["_id"])
    return out


class _Doc:
    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)  # type: ignore[call-overload]
        if "id" in doc:
            doc["_id"] = doc.pop("id")
        return doc

    def to_public(self) -> dict[str, Any]:
        """A JSON-friendly dict (datetimes as ISO strings) without secrets."""
        doc = asdict(self)  # type: ignore[call-overload]
        for secret in getattr(self, "_SECRET_FIELDS", ()):
            doc.pop(secret, None)
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in doc.items()}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Any:
        return cls(**_pick(cls, doc))


# --- collections --------------------------------------------------------------------------------


@dataclass
class User(_Doc):
    email: str
    password_hash: str
    id: str = field(default_factory=new_id)
    role: str = "client"
    coins: int = 0  # the balance; equals the sum of the user's ledger (see store.ledger)
    name: str = ""
    blocked: bool = False
    created: dt.datetime = field(default_factory=utcnow)
    last_login: dt.datetime | None = None

    _SECRET_FIELDS = ("password_hash",)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass
class ApiKey(_Doc):
    user: str
    prefix: str  # public, shown in lists and used to find the key; unique
    hash: str  # sha256 of the whole key; the key itself is never stored
    id: str = field(default_factory=new_id)
    name: str = ""
    created: dt.datetime = field(default_factory=utcnow)
    last_used: dt.datetime | None = None
    revoked: bool = False

    _SECRET_FIELDS = ("hash",)


@dataclass
class JobCounters:
    total: int = 0
    done: int = 0
    failed: int = 0


@dataclass
class JobCoins:
    """Coins of one job, maintained by store.ledger.

    `held` = reserved - charged - released: what captures and the final release may still take.
    `refundable` = charged - refunded: what a refund may still return.
    """

    reserved: int = 0
    charged: int = 0
    released: int = 0
    refunded: int = 0
    held: int = 0
    refundable: int = 0


@dataclass
class JobIntake:
    """What the uploads of a job refused (`rejected`: bad entries), passed over (`skipped`: system
    files) or accepted with a remark (`notes`: e.g. a name that was not valid UTF-8 and was repaired),
    each `{name, code, detail}`; the lists are capped, the counts are not."""

    rejected: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    rejected_count: int = 0
    skipped_count: int = 0
    version: int = 0  # bumped by every write, so concurrent uploads append without losing entries


@dataclass
class Job(_Doc):
    owner: str
    module: str
    template: str
    id: str = field(default_factory=new_id)
    recipe: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    status: str = JOB_CREATED
    counters: JobCounters = field(default_factory=JobCounters)
    coins: JobCoins = field(default_factory=JobCoins)
    price_per_image: int = 0  # fixed when the job is quoted, so a later price change does not apply
    # outputs each accepted image yields (surprise: variants + video; 1 otherwise); price_per_image is
    # the module's price per output times this (store.job_coins.image_price), fixed with it
    outputs_per_image: int = 1
    error: str | None = None
    runner: str | None = None  # id of the process driving the job while it runs
    heartbeat: dt.datetime | None = None
    created: dt.datetime = field(default_factory=utcnow)
    updated: dt.datetime = field(default_factory=utcnow)
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    # the resolved template (TemplateSpec fields) for templates only the API can resolve (uploads)
    template_spec: dict[str, Any] | None = None
    intake: JobIntake = field(default_factory=JobIntake)
    # module "surprise" only: the options as given to engine.surprise.options.parse_surprise_options
    # (theme, variants, video, seed), validated there when the job is created; None for other modules
    surprise: dict[str, Any] | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Job:
        values = _pick(cls, doc)
        values["counters"] = JobCounters(**{**asdict(JobCounters()), **(doc.get("counters") or {})})
        coins = {k: v for k, v in (doc.get("coins") or {}).items() if k in JobCoins.__dataclass_fields__}
        values["coins"] = JobCoins(**{**asdict(JobCoins()), **coins})
        intake = {k: v for k, v in (doc.get("intake") or {}).items() if k in JobIntake.__dataclass_fields__}
        values["intake"] = JobIntake(**intake)
        return cls(**values)

    @property
    def price_per_output(self) -> int:
        """The module's price for one output, as fixed when the job was created."""
        return self.price_per_image // max(1, self.outputs_per_image)

    @property
    def finished_images(self) -> int:
        return self.counters.done + self.counters.failed

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


@dataclass
class Image(_Doc):
    job: str
    input_name: str  # the name in the upload (may contain sub-folders from the ZIP)
    input_blob: str
    id: str = field(default_factory=new_id)
    seq: int = 0  # position in the upload, for stable listings and output names
    status: str = IMAGE_QUEUED
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # role ("image", "cutout"...) -> blob key
    quality: float | None = None
    method: str | None = None
    width: int | None = None
    height: int | None = None
    # the output checked against its preset (engine.compliance `as_dict()`: status, reasons, checks);
    # None without a preset, and on records written before the check existed
    compliance: dict[str, Any] | None = None
    # every output of a multi-output module (surprise), in order: {name, blob, kind "image"|"video",
    # theme, template, seed, variant} (variant 1..N for images, 0 for the video). `outputs["image"]`
    # is the first variant's blob, so paths that know one output per image keep working. Empty else.
    output_items: list[dict[str, Any]] = field(default_factory=list)
    charged: bool = False
    attempts: int = 0
    size_bytes: int | None = None
    created: dt.datetime = field(default_factory=utcnow)
    updated: dt.datetime = field(default_factory=utcnow)


@dataclass
class Transaction(_Doc):
    """One ledger entry. `amount` is the change to the user's balance; `charge` is the change to a job's
    charged coins (capture only, whose `amount` is 0 because the coins already left the balance at
    reserve time)."""

    key: str  # idempotency key (unique)
    user: str
    kind: str
    amount: int
    id: str = field(default_factory=new_id)
    charge: int = 0
    job: str | None = None
    payment: str | None = None
    ref: str | None = None
    state: str = "pending"  # pending -> applied (see store.ledger for the protocol)
    seq: int | None = None  # the user's ledger sequence number once applied
    balance_after: int | None = None
    created: dt.datetime = field(default_factory=utcnow)


@dataclass
class Payment(_Doc):
    user: str
    provider: str  # "test" | "razorpay"
    provider_order_id: str
    pack: str
    coins: int
    amount: int  # in the currency's minor unit (paise)
    id: str = field(default_factory=new_id)
    currency: str = "INR"
    status: str = PAYMENT_CREATED
    provider_payment_id: str | None = None
    events: dict[str, bool] = field(default_factory=dict)  # provider event ids already processed
    error: str | None = None
    created: dt.datetime = field(default_factory=utcnow)
    updated: dt.datetime = field(default_factory=utcnow)
    promo_code: str | None = None  # applied when the payment is paid (bonus_coins on top of coins)
    bonus_coins: int = 0  # what the promo code gave, once redeemed
    promo_error: str | None = None  # why the code gave nothing at payment time (e.g. used up meanwhile)


@dataclass
class PromoCode(_Doc):
    """A promo code (collection `promotions`, _id = the upper-case code): bonus coins on a purchase.

    `max_uses` bounds redemptions overall (0: unlimited), `max_uses_per_user` per account; `uses`
    counts redemptions. `expires` is an ISO timestamp or None: a string because nx-27017 stores a
    datetime written by an update as a string, and ISO strings compare correctly anyway.
    """

    code: str
    coins: int
    id: str = ""
    active: bool = True
    max_uses: int = 0
    max_uses_per_user: int = 1
    uses: int = 0
    expires: str | None = None
    note: str = ""
    created: dt.datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.id = self.id or self.code


@dataclass
class CoinPack:
    id: str
    name: str
    coins: int
    price: int  # minor units (paise)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Promotion:
    code: str
    coins: int
    active: bool = True
    max_uses_per_user: int = 1


def _default_packs() -> list[CoinPack]:
    return [
        CoinPack("starter", "Starter", 100, 49_900),
        CoinPack("studio", "Studio", 500, 199_900),
        CoinPack("brand", "Brand", 2_000, 699_900),
    ]


@dataclass
class BillingSettings(_Doc):
    """The `settings` document with _id "billing": prices per module, packs, rupees per coin, promotions."""

    id: str = "billing"
    pricing: dict[str, int] = field(default_factory=lambda: {"ready": 1, "look": 2, "surprise": 2})
    packs: list[CoinPack] = field(default_factory=_default_packs)
    rupees_per_coin: float = 5.0
    signup_bonus: int = 10
    promotions: list[Promotion] = field(default_factory=list)
    updated: dt.datetime = field(default_factory=utcnow)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> BillingSettings:
        values = _pick(cls, doc)
        if "packs" in values:
            values["packs"] = [CoinPack(**p) for p in values["packs"]]
        if "promotions" in values:
            values["promotions"] = [Promotion(**p) for p in values["promotions"]]
        base = cls()
        if "pricing" in values:
            values["pricing"] = {**base.pricing, **values["pricing"]}
        return cls(**values)

    def price(self, module: str) -> int:
        if module not in self.pricing:
            raise KeyError(f"no price for module {module!r}")
        return int(self.pricing[module])

    def pack(self, pack_id: str) -> CoinPack:
        for pack in self.packs:
            if pack.id == pack_id:
                return pack
        raise KeyError(f"no coin pack {pack_id!r}")
