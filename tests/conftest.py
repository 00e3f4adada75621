"""Shared fixtures: real parts only (an embedded nx-27017 server, a local blob store in a temp dir).

- `settings`: a Settings whose data dir is a fresh temp dir (nothing read from the environment).
- `mongo_uri`: one embedded nx-27017 for the whole session; set DRISYA_TEST_MONGODB_URI to run the suite
  against a real MongoDB instead.
- `db`: a fresh database per test (unique name, indexes ensured), dropped afterwards.
- `blobs`: a LocalBlobStore under the test's temp dir.
- `repos`: `store.repositories.Repositories` on `db`.
- `user`: the id of a newly created client with 0 coins.
- `ray_session`: one real local Ray (2 CPUs) for the whole session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cluster.embedded_mongo import EmbeddedMongo
from cluster.settings import Settings
from store.blobs import LocalBlobStore
from store.db import connect, ensure_indexes
from store.repositories import Repositories


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(env={}, data_dir=str(tmp_path / "data"))


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("DRISYA_TEST_MONGODB_URI")
    if external:
        yield external
        return
    server = EmbeddedMongo(tmp_path_factory.mktemp("mongo"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
async def db(mongo_uri: str) -> AsyncIterator:
    name = f"t_{uuid.uuid4().hex[:16]}"
    database = connect(mongo_uri, name)
    await ensure_indexes(database)
    try:
        yield database
    finally:
        try:
            await database.client.drop_database(name)
        finally:
            await database.client.close()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def repos(db) -> Repositories:
    return Repositories(db)


@pytest.fixture
async def user(repos: Repositories) -> str:
    created = await repos.users.create(f"user-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery")
    return created.id


@pytest.fixture(scope="session")
def ray_session() -> Iterator[object]:
    """A real local Ray (2 CPUs) shared by every test that runs a job."""
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=150 * 1024 * 1024,
        log_to_driver=False,
        ignore_reinit_error=True,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()
