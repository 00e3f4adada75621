"""Resumable downloads of a job's ZIP.

Bytes go to `<dest>.part` and the server's ETag to `<dest>.part.etag`. A later attempt (after a broken
connection, or in a new process after a crash) asks for `Range: bytes=<have>-` with `If-Range: <etag>`:
the server answers 206 with the rest when the archive is the same, or 200 with the whole file when it
changed (the part is then started over). The file appears at `dest` only once it is complete, so a
half-written download is never mistaken for a result.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drisya_client.errors import ConnectionFailed, DrisyaError

MAX_ATTEMPTS = 5

DownloadProgress = Callable[[int, int], None]
"""Called as `progress(bytes_written, bytes_total)`."""


class _Target:
    """The part file, its ETag and what the next request must ask for."""

    def __init__(self, dest: str | os.PathLike[str]) -> None:
        self.dest = Path(dest)
        self.part = self.dest.with_name(self.dest.name + ".part")
        self.etag_file = self.dest.with_name(self.dest.name + ".part.etag")

    def have(self) -> int:
        return self.part.stat().st_size if self.part.exists() else 0

    def etag(self) -> str | None:
        try:
            return self.etag_file.read_text().strip() or None
        except OSError:
            return None

    def request_headers(self) -> dict[str, str]:
        have, etag = self.have(), self.etag()
        if have and etag:
            return {"Range": f"bytes={have}-", "If-Range": etag}
        return {}

    def open_for(self, response: Any) -> tuple[Any, int, int]:
        """The part file opened for this response's bytes, the offset they start at, the full size."""
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        if response.headers.get("etag"):
            self.etag_file.write_text(response.headers["etag"])
        if response.status_code == 206:
            first, total = _content_range(response.headers.get("content-range", ""))
            if first != self.have():
                raise ConnectionFailed(f"the server resumed at byte {first}, not {self.have()}")
            return self.part.open("ab"), first, total
        total = int(response.headers.get("content-length") or 0)
        return self.part.open("wb"), 0, total

    def finish(self, total: int) -> Path:
        size = self.have()
        if total and size != total:
            raise ConnectionFailed(f"the download stopped at {size} of {total} bytes; run it again to resume")
        os.replace(self.part, self.dest)
        with contextlib.suppress(OSError):
            self.etag_file.unlink()
        return self.dest

    def complete_already(self, response: Any) -> bool:
        """416 for a part that already holds every byte: the previous run stopped just before renaming."""
        if response.status_code != 416:
            return False
        total = response.headers.get("content-range", "").rpartition("/")[2]
        return total.isdigit() and int(total) == self.have() > 0


def _content_range(value: str) -> tuple[int, int]:
    # "bytes 100-199/1000"
    try:
        span, _, total = value.split(" ", 1)[1].partition("/")
        return int(span.split("-")[0]), int(total)
    except (IndexError, ValueError):
        raise ConnectionFailed(f"unreadable Content-Range {value!r}") from None


def download(
    http: Any, path: str, dest: str | os.PathLike[str], progress: DownloadProgress | None = None
) -> Path:
    """Download `path` to `dest`, resuming a `.part` left by an earlier attempt; retries broken
    connections (each retry resumes where the last stopped)."""
    from drisya_client._http import raise_for

    target = _Target(dest)
    for attempt in range(MAX_ATTEMPTS):
        response = http.send_stream("GET", path, headers=target.request_headers())
        try:
            if target.complete_already(response):
                return target.finish(target.have())
            raise_for(response)
            f, written, total = target.open_for(response)
            with f:
                for chunk in response.iter_bytes():
                    f.write(chunk)
                    written += len(chunk)
                    if progress is not None:
                        progress(written, total)
            return target.finish(total)
        except (DrisyaError, OSError) as exc:
            if not _resumable(exc, attempt):
                raise
        except Exception as exc:  # noqa: BLE001 - httpx's read errors: resume
            if not _broken(exc) or attempt + 1 >= MAX_ATTEMPTS:
                raise _as_failure(exc) from exc
        finally:
            response.close()
        time.sleep(_pause(attempt))
    raise ConnectionFailed("the download kept breaking off; run it again to resume")


async def adownload(
    http: Any, path: str, dest: str | os.PathLike[str], progress: DownloadProgress | None = None
) -> Path:
    """`download()` for asyncio (file writes are small and sequential, so they stay on the loop)."""
    from drisya_client._http import araise_for

    target = _Target(dest)
    for attempt in range(MAX_ATTEMPTS):
        response = await http.send_stream("GET", path, headers=target.request_headers())
        try:
            if target.complete_already(response):
                return target.finish(target.have())
            await araise_for(response)
            f, written, total = target.open_for(response)
            with f:
                async for chunk in response.aiter_bytes():
                    f.write(chunk)
                    written += len(chunk)
                    if progress is not None:
                        progress(written, total)
            return target.finish(total)
        except (DrisyaError, OSError) as exc:
            if not _resumable(exc, attempt):
                raise
        except Exception as exc:  # noqa: BLE001 - httpx's read errors: resume
            if not _broken(exc) or attempt + 1 >= MAX_ATTEMPTS:
                raise _as_failure(exc) from exc
        finally:
            await response.aclose()
        await asyncio.sleep(_pause(attempt))
    raise ConnectionFailed("the download kept breaking off; run it again to resume")


def _broken(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError)


def _as_failure(exc: Exception) -> Exception:
    if _broken(exc):
        return ConnectionFailed(f"the download broke off ({type(exc).__name__}); run it again to resume")
    return exc


def _pause(attempt: int) -> float:
    return min(2.0, 0.2 * 2**attempt)


def _resumable(exc: Exception, attempt: int) -> bool:
    """A broken connection or a 5xx is resumed; anything else (404, 409 not ready, a full disk) is not."""
    if attempt + 1 >= MAX_ATTEMPTS:
        return False
    if isinstance(exc, ConnectionFailed):
        return True
    return isinstance(exc, DrisyaError) and (exc.status or 0) >= 500
