"""The one settings object, read from `DRISYA_*` environment variables.

Settings are a frozen value so they can be passed to Ray actors and Serve replicas unchanged;
`Settings.from_env()` is the only place that reads the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

_PREFIX = "DRISYA_"
# how `auto` matting runs (engine.pipeline.AUTO_MODES, plus `hardware`: network-first where the cluster
# has a GPU, colour where it has none); see data_jobs.stages.auto_network_first
AUTO_ROUTES = ("hardware", "network-first", "network", "colour")
# what runs the matting network: engine.matting.runtimes.RUNTIMES (cluster may not import the engine;
# tests/cluster/test_settings_runtimes.py keeps the two equal)
MODEL_RUNTIMES = ("auto", "onnxruntime", "openvino")


def _default_model_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "drisya" / "models")


@dataclass(frozen=True)
class Limits:
    """Input limits that protect workers and storage from hostile or accidental uploads."""

    max_image_pixels: int = 100_000_000  # refuse decompression bombs above this many pixels
    working_size: int = 1024  # longest side the matting runs at; masks are upsampled back
    max_upload_bytes: int = 2 * 1024**3  # one ZIP or file upload
    max_zip_entries: int = 10_000
    max_entry_bytes: int = 64 * 1024**2  # one uncompressed image inside a ZIP
    max_total_uncompressed_bytes: int = 20 * 1024**3
    max_compression_ratio: float = 100.0  # uncompressed / compressed, against zip bombs


@dataclass(frozen=True)
class Settings:
    """Everything configurable, documented in the README's settings table (one row per field)."""

    data_dir: str = "./.drisya"
    mongodb_uri: str | None = None  # unset: start the embedded nx-27017 server under data_dir
    mongodb_db: str = "drisya"
    blob_backend: str = "local"  # local | s3
    blob_dir: str | None = None  # local backend root; default <data_dir>/blobs
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    model_name: str = "isnet-fp16"  # benchmarks/matting_quality/MODEL_CHOICE.md says why not quint8
    model_path: str | None = None  # any ISNet/U2-Net/BiRefNet-style ONNX; overrides model_name
    model_family: str | None = None  # isnet | u2net | birefnet for model_path; unset: guessed from its name
    model_cache_dir: str = field(default_factory=_default_model_cache)
    # What runs the network (engine.matting.runtimes): auto | onnxruntime | openvino. auto: onnxruntime
    # on a GPU, OpenVINO in bfloat16 on a CPU that has it (~4x faster there, README "Matting speed"),
    # else onnxruntime on the CPU.
    model_runtime: str = "auto"
    jwt_secret: str | None = None  # unset: generated once and kept in <data_dir>/jwt_secret
    host: str = "127.0.0.1"
    port: int = 8000
    admin_email: str = "admin@drisya.local"
    admin_password: str | None = None  # unset: generated on first start, kept under data_dir
    ray_address: str | None = None  # unset: start a local Ray
    ray_num_cpus: int | None = None
    # What a batch plans for when its cluster grows on demand: an autoscaling cluster whose worker
    # groups start at zero replicas shows no CPU or GPU when a job starts, so the stages are sized
    # from max(the cluster now, these). Unset: the cluster as it is (a fixed cluster, one machine).
    batch_cluster_cpus: int | None = None
    batch_cluster_gpus: int | None = None
    # Images per run of the matting network in a batch's network stage (needs the verified batch copy
    # from `drisya models batch`; without it images run one by one whatever this says). Unset: 8 where
    # the stage's model session runs on CUDA, 1 on the CPU. On a GPU one 1024 px ISNet run takes ~9 ms
    # and leaves the card mostly idle between kernel launches, so batches amortise launches and copies.
    # On the CPU a batch does the same convolutions per image (onnxruntime already spreads one image over
    # the actor's threads): batch 4 took more CPU time per image than batch 1 on two cores
    # (benchmarks/throughput/BATCH.md) and each further image in a batch holds ~0.5 GB more memory.
    network_batch_size: int | None = None
    # Network actors per GPU in a batch's network stage, each with one CPU and an equal share of the
    # card. An actor's CPU also prepares the input and, where `auto` runs network-first on a photo
    # whose backdrop the colour model cannot describe, decides auto's further looks (~0.37 CPU s an
    # image on the whites tune set, against ~0.03 on clean sweeps: NETWORK_FIRST.md): raise it when
    # such photos leave the GPU idle; the CPU stages get the CPU slots the actors leave.
    network_actors_per_gpu: int = 2
    payments_provider: str = "test"  # test | razorpay
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = None
    razorpay_webhook_secret: str | None = None
    access_token_ttl_s: int = 900  # JWT access tokens are short-lived; refresh tokens rotate
    refresh_token_ttl_s: int = 30 * 86400
    cors_origins: str | None = None  # comma-separated origins allowed to call the API from a browser
    smtp_host: str | None = None  # unset: e-mails are written as .eml files to outbox_dir
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Drisya <noreply@drisya.local>"
    outbox_dir: str | None = None  # default <data_dir>/outbox
    public_url: str | None = None  # the dashboard's address, for links in e-mails; default http://host:port
    low_balance_threshold: int = 20  # coins; the owner is e-mailed once when the balance falls below it
    # auto matting: hardware (network-first where there is a GPU, colour without) | network-first |
    # network (the network alone) | colour (the colour model first)
    auto_route: str = "hardware"
    db_retry_seconds: int = 60  # how long a batch rides out a database outage before pausing the job
    # how often the API looks for jobs whose runner went silent and resumes them; 0: only at start-up
    resume_watch_seconds: int = 30
    # runs that may start an image which never finishes (its Ray cluster or runner went away each time)
    # before the job fails and returns the unused coins: a KubeRay upgrade or a lost head node costs a
    # job one run, a job whose work brings its cluster down costs one every time
    job_max_runs: int = 5
    log_level: str = "INFO"
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `DRISYA_<FIELD>` variables (limits as `DRISYA_MAX_IMAGE_PIXELS` etc.)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "limits":
                continue
            raw = env.get(_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.type, raw, f.name)
        limit_values: dict[str, Any] = {}
        for f in fields(Limits):
            raw = env.get(_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                limit_values[f.name] = _coerce(f.type, raw, f.name)
        values["limits"] = Limits(**limit_values)
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.blob_backend not in ("local", "s3"):
            raise ValueError(f"DRISYA_BLOB_BACKEND must be 'local' or 's3', not {self.blob_backend!r}")
        if self.blob_backend == "s3" and not self.s3_bucket:
            raise ValueError("DRISYA_S3_BUCKET is required when DRISYA_BLOB_BACKEND=s3")
        if self.payments_provider not in ("test", "razorpay"):
            raise ValueError("DRISYA_PAYMENTS_PROVIDER must be 'test' or 'razorpay'")
        if self.model_family is not None and self.model_family not in ("isnet", "u2net", "birefnet"):
            raise ValueError(
                f"DRISYA_MODEL_FAMILY must be isnet, u2net or birefnet, not {self.model_family!r}"
            )
        if self.model_runtime not in MODEL_RUNTIMES:
            raise ValueError(
                f"DRISYA_MODEL_RUNTIME must be one of {', '.join(MODEL_RUNTIMES)}, not {self.model_runtime!r}"
            )
        for name in ("batch_cluster_cpus", "batch_cluster_gpus"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"DRISYA_{name.upper()} must be 0 or more, not {value}")
        if self.job_max_runs < 1:
            raise ValueError(f"DRISYA_JOB_MAX_RUNS must be 1 or more, not {self.job_max_runs}")
        if self.network_batch_size is not None and self.network_batch_size < 1:
            raise ValueError(f"DRISYA_NETWORK_BATCH_SIZE must be 1 or more, not {self.network_batch_size}")
        if self.network_actors_per_gpu < 1:
            raise ValueError(
                f"DRISYA_NETWORK_ACTORS_PER_GPU must be 1 or more, not {self.network_actors_per_gpu}"
            )
        if self.auto_route not in AUTO_ROUTES:
            raise ValueError(
                f"DRISYA_AUTO_ROUTE must be one of {', '.join(AUTO_ROUTES)}, not {self.auto_route!r}"
            )
        if not (0 < self.port < 65536):
            raise ValueError(f"DRISYA_PORT out of range: {self.port}")

    def network_batch(self, *, gpu: bool) -> int:
        """Images per network run: `network_batch_size` when set, else 8 on a GPU and 1 on the CPU."""
        if self.network_batch_size is not None:
            return self.network_batch_size
        return 8 if gpu else 1

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def blob_path(self) -> Path:
        return Path(self.blob_dir).expanduser().resolve() if self.blob_dir else self.data_path / "blobs"

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir).expanduser().resolve() if self.outbox_dir else self.data_path / "outbox"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def as_env(self) -> dict[str, str]:
        """The inverse of `from_env`, for handing settings to child processes (Ray workers, servers)."""
        out: dict[str, str] = {}
        for key, value in asdict(self).items():
            if key == "limits":
                for lk, lv in value.items():
                    out[_PREFIX + lk.upper()] = str(lv)
            elif value is not None:
                out[_PREFIX + key.upper()] = str(value)
        return out


def ensure_jwt_secret(settings: Settings) -> Settings:
    """Return settings with a JWT secret, generating and persisting one under the data dir once."""
    if settings.jwt_secret:
        return settings
    secret = write_secret_once(settings.data_path / "jwt_secret", secrets.token_urlsafe(48))
    return settings.with_(jwt_secret=secret)


def write_secret_once(path: Path, value: str) -> str:
    """Store `value` at `path` unless a secret is already there, and return the one that is kept.

    The file is complete and mode 0600 from the moment it appears (written under a private temporary
    name, then hard-linked into place, which fails if the name exists), so two processes starting at
    once agree on one secret and no reader ever sees it half-written or world-readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(value + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process stored its secret first: use that one
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    t = str(type_name)
    try:
        if t.startswith("int"):
            return int(raw)
        if t.startswith("float"):
            return float(raw)
        if t.startswith("bool"):
            return raw.strip().lower() in ("1", "true", "yes", "on")
    except ValueError as exc:
        raise ValueError(f"{_PREFIX}{name.upper()}={raw!r} is not a valid {t}") from exc
    return raw
