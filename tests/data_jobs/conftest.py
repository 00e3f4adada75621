"""Synthetic product photos and ZIPs for batch and API tests (the shared `ray_session` is in tests/conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import zipfile

import numpy as np
from PIL import Image


def product_photo(size: int = 320, *, seed: int = 0, fmt: str = "JPEG") -> bytes:
    """A product shot on white: a coloured rounded box with a darker base, slightly off-centre."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 248, np.uint8)
    img += rng.integers(0, 6, size=img.shape, dtype=np.uint8)
    colour = rng.integers(30, 200, size=3)
    y0, x0 = int(size * 0.25), int(size * (0.28 + 0.05 * rng.random()))
    y1, x1 = int(size * 0.8), int(size * 0.68)
    img[y0:y1, x0:x1] = colour
    img[y1 - size // 20 : y1, x0:x1] = colour // 2
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def make_zip(entries: dict[str, bytes], *, deflate: bool = True) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            zf.writestr(info, data)
    return buf.getvalue()


def zip_bomb_entry(mib: int = 20) -> bytes:
    """A JPEG header followed by megabytes of zeros: compresses about 1000:1."""
    return b"\xff\xd8\xff\xe0" + bytes(mib * 1024 * 1024)


def mixed_zip(good: int = 4, size: int = 320) -> tuple[bytes, list[str]]:
    """Good photos plus a corrupt JPEG, a text file named .jpg, a zip-slip entry, a zip bomb,
    a nested ZIP and macOS junk. Returns (zip bytes, names of the good images)."""
    entries: dict[str, bytes] = {}
    names = []
    for i in range(good):
        name = f"products/item-{i:02d}.jpg" if i % 2 else f"item-{i:02d}.jpg"
        entries[name] = product_photo(size, seed=i)
        names.append(name)
    entries["corrupt.jpg"] = product_photo(size, seed=99)[:300]
    entries["notes.jpg"] = b"this is a text file pretending to be a JPEG\n" * 20
    entries["../../etc/evil.jpg"] = product_photo(size, seed=7)
    entries["bomb.jpg"] = zip_bomb_entry()
    entries["inner.zip"] = make_zip({"x.jpg": product_photo(64)})
    entries["__MACOSX/._item-00.jpg"] = b"\x00\x05\x16\x07"
    entries[".DS_Store"] = b"\x00\x00\x00\x01Bud1"
    return make_zip(entries), names


async def until_runner_is_dead(repos, job_id: str, stale_after: dt.timedelta, timeout: float = 60.0) -> None:
    """Wait until `job_id` counts as a dead runner's job, as `resume_stale_jobs` will see it. A fixed
    sleep of `stale_after` is not enough: the embedded server compares stored heartbeats only to
    about a second, and a loaded machine delays the kill's last write."""
    deadline = asyncio.get_running_loop().time() + timeout
    while job_id not in [job.id for job in await repos.jobs.dead_runners(stale_after=stale_after)]:
        assert asyncio.get_running_loop().time() < deadline, f"job {job_id} never looked abandoned"
        await asyncio.sleep(0.2)
