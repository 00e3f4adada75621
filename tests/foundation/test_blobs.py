"""Blob storage: the local backend, and the S3 backend against moto's server on loopback."""

from __future__ import annotations

import io
import os
import pickle
import threading
from collections.abc import Iterator

import pytest

from cluster.embedded_mongo import free_port
from store.blobs import (
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    LocalBlobStore,
    S3BlobStore,
    blob_store_from_settings,
    job_key,
)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> S3BlobStore:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    bucket = f"b-{abs(hash(request.node.name)) % 10**8}"
    store = S3BlobStore(bucket, endpoint_url=s3_endpoint)
    store.client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    return request.getfixturevalue("s3_store")


def test_roundtrip_and_listing(store: BlobStore) -> None:
    key = job_key("j1", "inputs", "shoes/red one.jpg")
    assert key == "jobs/j1/inputs/shoes/red one.jpg"
    store.put_bytes(key, b"\xff\xd8data")
    store.put_bytes(job_key("j1", "outputs", "a.png"), b"png")
    store.put_bytes(job_key("j10", "inputs", "b.jpg"), b"other job")
    assert store.get_bytes(key) == b"\xff\xd8data"
    assert store.exists(key) and store.size(key) == 6
    with store.open_read(key) as fh:
        assert fh.read() == b"\xff\xd8data"
    assert list(store.list_prefix("jobs/j1/")) == [
        "jobs/j1/inputs/shoes/red one.jpg",
        "jobs/j1/outputs/a.png",
    ]
    assert list(store.list_prefix("jobs/j1/inputs/sh")) == ["jobs/j1/inputs/shoes/red one.jpg"]
    assert list(store.list_prefix("jobs/j")) == sorted(
        ["jobs/j1/inputs/shoes/red one.jpg", "jobs/j1/outputs/a.png", "jobs/j10/inputs/b.jpg"]
    )
    assert list(store.list_prefix("jobs/none/")) == []
    store.delete(key)
    store.delete(key)  # deleting twice is fine
    assert not store.exists(key)
    with pytest.raises(BlobNotFound):
        store.get_bytes(key)
    with pytest.raises(BlobNotFound):
        store.open_read(key)
    with pytest.raises(BlobNotFound):
        store.size(key)
    assert store.delete_prefix("jobs/j1/") == 1
    assert list(store.list_prefix("jobs/")) == ["jobs/j10/inputs/b.jpg"]
    store.check()


def test_streams_from_iterables_and_files(store: BlobStore) -> None:
    chunks = [os.urandom(700_000) for _ in range(12)]  # > 8 MiB: a multipart upload on S3
    assert store.put_stream("jobs/j/big.bin", iter(chunks)) == sum(map(len, chunks))
    assert store.get_bytes("jobs/j/big.bin") == b"".join(chunks)
    assert store.put_stream("jobs/j/file.bin", io.BytesIO(b"x" * 3000)) == 3000
    assert store.size("jobs/j/file.bin") == 3000
    assert store.put_stream("jobs/j/empty", []) == 0
    assert store.get_bytes("jobs/j/empty") == b""


@pytest.mark.parametrize(
    "bad", ["", "/etc/passwd", "../x", "jobs/../../x", "jobs//x", "jobs/./x", "a\\b", "a\0b", "jobs/.tmp-x"]
)
def test_hostile_keys_are_refused(store: BlobStore, bad: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.put_bytes(bad, b"x")
    with pytest.raises(InvalidBlobKey):
        store.get_bytes(bad)


def test_job_key_refuses_escaping_parts() -> None:
    with pytest.raises(InvalidBlobKey):
        job_key("j1", "inputs", "../../../etc/passwd")
    with pytest.raises(InvalidBlobKey):
        job_key("../j1", "x")


def test_local_writes_are_atomic_and_leave_no_temp_files(tmp_path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put_bytes("jobs/j/a", b"old")

    def failing_chunks() -> Iterator[bytes]:
        yield b"new partial"
        raise RuntimeError("upload interrupted")

    with pytest.raises(RuntimeError):
        store.put_stream("jobs/j/a", failing_chunks())
    assert store.get_bytes("jobs/j/a") == b"old"
    assert [p.name for p in (tmp_path / "blobs" / "jobs" / "j").iterdir()] == ["a"]

    # readers never see a half-written blob while writers replace it
    stop = threading.Event()
    bad: list[bytes] = []

    def reader() -> None:
        while not stop.is_set():
            data = store.get_bytes("jobs/j/a")
            if data not in (b"old", b"A" * 200_000, b"B" * 200_000):
                bad.append(data[:20])

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(40):
        store.put_bytes("jobs/j/a", (b"A" if i % 2 else b"B") * 200_000)
    stop.set()
    thread.join()
    assert bad == []


def test_local_symlink_out_of_the_store_is_refused(tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    store = LocalBlobStore(tmp_path / "blobs")
    (tmp_path / "blobs" / "jobs").mkdir()
    (tmp_path / "blobs" / "jobs" / "evil").symlink_to(outside)
    with pytest.raises(InvalidBlobKey):
        store.get_bytes("jobs/evil/secret")


def test_stores_pickle_for_ray_workers(tmp_path, s3_store: S3BlobStore) -> None:
    local = pickle.loads(pickle.dumps(LocalBlobStore(tmp_path / "b")))
    assert isinstance(local, LocalBlobStore) and local.root == (tmp_path / "b").resolve()
    s3_store.put_bytes("k/v", b"1")
    remote = pickle.loads(pickle.dumps(s3_store))
    assert remote.get_bytes("k/v") == b"1"


def test_store_from_settings(settings) -> None:
    store = blob_store_from_settings(settings)
    assert isinstance(store, LocalBlobStore) and store.root == settings.blob_path
    s3 = blob_store_from_settings(
        settings.with_(blob_backend="s3", s3_bucket="bkt", s3_endpoint_url="http://x")
    )
    assert isinstance(s3, S3BlobStore) and s3.bucket == "bkt" and s3.endpoint_url == "http://x"
