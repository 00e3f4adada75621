"""Blob storage for uploads and outputs: a small synchronous interface with local-directory and S3 backends.

Synchronous on purpose: Ray workers call it from plain threads, and the API calls it through
`asyncio.to_thread`. Keys are '/'-separated relative paths, scoped per job (see `job_key`); every
backend validates them the same way so a hostile file name from a ZIP can never address a path outside
the store. Local writes go to a temporary file in the destination folder and are renamed into place,
so a reader sees either the whole old blob, the whole new one, or none.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

_TMP_PREFIX = ".tmp-"
_MAX_KEY_LENGTH = 1024
_CHUNK = 1024 * 1024


class BlobNotFound(KeyError):
    """The key names no blob."""

    def __str__(self) -> str:
        return f"no blob at {self.args[0]!r}" if self.args else "no such blob"


class InvalidBlobKey(ValueError):
    """The key is empty, absolute, or tries to leave the store ('..', backslashes, NUL...)."""


def validate_key(key: str) -> str:
    """Return `key` if it is a safe relative path, else raise InvalidBlobKey."""
    if not isinstance(key, str) or not key:
        raise InvalidBlobKey("blob key must be a non-empty string")
    if len(key) > _MAX_KEY_LENGTH:
        raise InvalidBlobKey(f"blob key longer than {_MAX_KEY_LENGTH} characters")
    if "\\" in key or "\0" in key or any(ord(c) < 32 for c in key):
        raise InvalidBlobKey(f"blob key {key!r} contains a forbidden character")
    if key.startswith("/"):
        raise InvalidBlobKey(f"blob key {key!r} must be relative")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise InvalidBlobKey(f"blob key {key!r} has an empty, '.' or '..' component")
        if part.startswith(_TMP_PREFIX):
            raise InvalidBlobKey(f"blob key {key!r} uses the reserved prefix {_TMP_PREFIX!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """A prefix is a key, possibly empty or ending in '/'."""
    if prefix == "":
        return prefix
    validate_key(prefix.rstrip("/") or "x")
    return prefix


def job_key(job_id: str, *parts: str) -> str:
    """The key of a blob belonging to a job, e.g. job_key(j, "inputs", "a.jpg") -> "jobs/<j>/inputs/a.jpg".

    Parts may contain '/' (sub-folders from a ZIP); the whole key is validated.
    """
    if not job_id or "/" in job_id:
        raise InvalidBlobKey(f"invalid job id for a blob key: {job_id!r}")
    return validate_key("/".join(["jobs", job_id, *parts]))


@runtime_checkable
class BlobStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> None: ...

    def put_stream(self, key: str, chunks: Iterable[bytes] | BinaryIO) -> int: ...

    def get_bytes(self, key: str) -> bytes: ...

    def open_read(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def list_prefix(self, prefix: str) -> Iterator[str]: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def check(self) -> None: ...


def _iter_chunks(source: Iterable[bytes] | BinaryIO) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    if callable(read):
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                return
            yield chunk
    else:
        for chunk in source:  # type: ignore[union-attr]
            if chunk:
                yield bytes(chunk)


class LocalBlobStore:
    """Blobs as files under `root`; keys map to paths one-to-one."""

    def __init__(self, root: Path | str, *, fsync: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # belt and braces: symlinks inside the store must not lead outside it either
        if not path.resolve().is_relative_to(self.root):
            raise InvalidBlobKey(f"blob key {key!r} resolves outside the store")
        return path

    def put_bytes(self, key: str, data: bytes) -> None:
        self.put_stream(key, [data])

    def put_stream(self, key: str, chunks: Iterable[bytes] | BinaryIO) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f"{_TMP_PREFIX}{uuid.uuid4().hex}"
        written = 0
        try:
            with open(tmp, "wb") as fh:
                for chunk in _iter_chunks(chunks):
                    fh.write(chunk)
                    written += len(chunk)
                if self.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return written

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None

    def open_read(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(key)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(key)
        return path.stat().st_size

    def delete(self, key: str) -> None:
        """Remove a blob; deleting a missing blob is not an error (deletes are retried)."""
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError):
            return
        self._prune_empty_dirs(path.parent)

    def _prune_empty_dirs(self, folder: Path) -> None:
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def list_prefix(self, prefix: str) -> Iterator[str]:
        """Keys starting with `prefix`, in sorted order (a prefix need not end at a '/')."""
        validate_prefix(prefix)
        head, _, _ = prefix.rpartition("/")
        base = self.root / head if head else self.root
        if not base.is_dir():
            return
        stack = [base]
        found: list[str] = []
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.name.startswith(_TMP_PREFIX):
                    continue
                rel = Path(entry.path).relative_to(self.root).as_posix()
                if entry.is_dir(follow_symlinks=False):
                    if rel.startswith(prefix) or prefix.startswith(rel + "/"):
                        stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) and rel.startswith(prefix):
                    found.append(rel)
        yield from sorted(found)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob under `prefix` (e.g. a whole job); returns how many were removed."""
        if not prefix:
            raise InvalidBlobKey("refusing to delete the whole store")
        count = 0
        for key in list(self.list_prefix(prefix)):
            self.delete(key)
            count += 1
        if prefix.endswith("/"):
            folder = self.root / prefix.rstrip("/")
            if folder.is_dir() and folder.resolve().is_relative_to(self.root):
                shutil.rmtree(folder, ignore_errors=True)
                self._prune_empty_dirs(folder.parent)
        return count

    def check(self) -> None:
        """Raise if the store cannot be written (health checks)."""
        probe = self.root / f"{_TMP_PREFIX}health-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()


class _IterReader(io.RawIOBase):
    """A file-like view of an iterable of byte chunks, so boto3 can stream it as a multipart upload."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = b""
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = bytes(next(self._it))
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.total += n
        return n


class S3BlobStore:
    """Blobs as objects in an S3-compatible bucket (AWS, MinIO, moto...); needs the `s3` extra (boto3).

    Object PUTs are atomic in S3, so no temp-and-rename is needed; large streams go up as multipart
    uploads without being held in memory.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        prefix: str = "",
        client: Any = None,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.prefix = validate_prefix(prefix)
        self._client_options = dict(client_options or {})
        self._client = client

    def __reduce__(self) -> tuple[Any, ...]:  # the boto3 client is rebuilt in the receiving process
        return (_rebuild_s3, (self.bucket, self.endpoint_url, self.prefix, self._client_options))

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise RuntimeError("the S3 blob backend needs boto3: pip install 'drisya[s3]'") from exc
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, **self._client_options)
        return self._client

    def _k(self, key: str) -> str:
        return self.prefix + validate_key(key)

    @staticmethod
    def _missing(exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data)

    def put_stream(self, key: str, chunks: Iterable[bytes] | BinaryIO) -> int:
        reader = _IterReader(_iter_chunks(chunks))
        self.client.upload_fileobj(io.BufferedReader(reader, _CHUNK), self.bucket, self._k(key))
        return reader.total

    def get_bytes(self, key: str) -> bytes:
        with self.open_read(key) as fh:
            return fh.read()

    def open_read(self, key: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._k(key))["Body"]
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key) from None
            raise
        return body  # botocore StreamingBody: read(n), iter_chunks(), close(); a context manager

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
            return True
        except BlobNotFound:
            return False

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key) from None
            raise
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def list_prefix(self, prefix: str) -> Iterator[str]:
        validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for obj in page.get("Contents", []):
                keys.append(obj["Key"][len(self.prefix) :])
        yield from sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise InvalidBlobKey("refusing to delete the whole store")
        keys = list(self.list_prefix(prefix))
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self.prefix + k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def _rebuild_s3(bucket: str, endpoint_url: str | None, prefix: str, options: dict[str, Any]) -> S3BlobStore:
    return S3BlobStore(bucket, endpoint_url=endpoint_url, prefix=prefix, client_options=options)


def blob_store_from_settings(settings: Any) -> BlobStore:
    """The configured backend; `settings` is a `cluster.settings.Settings` (duck-typed: store imports no cluster)."""
    backend = getattr(settings, "blob_backend", "local")
    if backend == "local":
        return LocalBlobStore(settings.blob_path)
    if backend == "s3":
        return S3BlobStore(settings.s3_bucket, endpoint_url=getattr(settings, "s3_endpoint_url", None))
    raise ValueError(f"unknown blob backend {backend!r}")
