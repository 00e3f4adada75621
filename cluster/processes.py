"""Finding and ending the processes this process started, directly or through others (Ray's raylet
starts agents and workers). Linux /proc based; elsewhere the functions find nothing and do nothing."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable


def _parent_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int | None = None) -> set[int]:
    """Every live process below `pid` (default: this process)."""
    tree = _parent_map()
    found: set[int] = set()
    stack = [os.getpid() if pid is None else pid]
    while stack:
        for child in tree.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def is_alive(pid: int) -> bool:
    """True for a running (non-zombie) process; pids <= 0 name process groups, never one process."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _same_process(pid: int, started: float | None) -> bool:
    return is_alive(pid) and (started is None or _start_time(pid) == started)


def _start_time(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return float(fh.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def snapshot(pids: Iterable[int]) -> dict[int, float | None]:
    """Remember processes with their start times, so a recycled pid is never signalled later."""
    return {pid: _start_time(pid) for pid in pids}


def end_leftovers(procs: dict[int, float | None], *, grace: float = 5.0) -> list[int]:
    """Wait up to `grace` seconds for the processes to exit by themselves, then SIGTERM, then SIGKILL.
    Returns the pids that had to be signalled."""
    deadline = time.monotonic() + grace
    alive = {p for p, t in procs.items() if _same_process(p, t)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {p for p in alive if _same_process(p, procs[p])}
    signalled = sorted(alive)
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 1.0)):
        for pid in alive:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = {p for p in alive if _same_process(p, procs[p])}
        if not alive:
            break
    return signalled
