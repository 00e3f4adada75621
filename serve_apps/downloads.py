"""A finished job's ZIP as the API serves it: built once, kept, then served with ranges.

The ZIP stream (`data_jobs.download`) stamps each entry with the time it is generated, so two
generations of the same job differ by a few bytes, and a download resumed with `Range` would splice
two different files. The archive is therefore written once to blob storage (streamed: the server's
memory stays flat) under a key derived from the job's final state, and every request, full or
partial, reads that one file: the bytes a client resumes are the bytes it started with, and the ETag
names them. A job whose state changes afterwards (an image recorded late after a cancel) gets a new
key, hence a new ETag, and `If-Range` sends the whole new file. Deleting the job removes it with
the job's other blobs.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from data_jobs.download import job_output_zip
from serve_apps.state import AppState
from store.blobs import BlobStore, job_key
from store.documents import Job

READ_CHUNK = 256 * 1024
_BUILDING: dict[str, asyncio.Lock] = {}  # one build per archive per process


@dataclass(frozen=True)
class StoredArchive:
    key: str
    size: int
    etag: str


def archive_version(job: Job) -> str:
    c = job.counters
    raw = f"{job.id}:{job.status}:{c.total}:{c.done}:{c.failed}:{job.intake.rejected_count}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


async def stored_archive(state: AppState, job: Job) -> StoredArchive:
    """The job's archive in blob storage, building it on first use."""
    version = archive_version(job)
    key = job_key(job.id, "download", f"{version}.zip")
    lock = _BUILDING.setdefault(key, asyncio.Lock())
    async with lock:
        if not await asyncio.to_thread(state.blobs.exists, key):
            archive = await job_output_zip(state.repos, state.blobs, job.id)
            await asyncio.to_thread(state.blobs.put_stream, key, archive.chunks())
    _BUILDING.pop(key, None)
    size = await asyncio.to_thread(state.blobs.size, key)
    return StoredArchive(key=key, size=size, etag=f'"{version}-{size}"')


def read_range(blobs: BlobStore, key: str, first: int, last: int) -> Iterator[bytes]:
    """Bytes first..last (inclusive) of a blob, a chunk at a time (seeks where the store can)."""
    with blobs.open_read(key) as fh:
        pos = 0
        try:
            fh.seek(first)
            pos = first
        except (OSError, AttributeError, ValueError):
            pass
        while pos <= last:
            chunk = fh.read(min(READ_CHUNK, last + 1 - pos) if pos >= first else READ_CHUNK)
            if not chunk:
                return
            end = pos + len(chunk)
            if end > first:
                yield chunk[max(0, first - pos) : last + 1 - pos]
            pos = end
