"""Finding and killing the processes a test started, by parentage (`cluster.processes.descendants`)
or by a private temp dir named on their command line: tests that lose a Ray cluster on purpose must
kill exactly theirs, never another Ray on the machine (a `ray stop --force` would take everyone's)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from cluster.processes import descendants

__all__ = ["descendants", "kill_at_once", "naming"]


def naming(text: str) -> set[int]:
    """Processes whose command line contains `text` (our private temp dir): those a Ray started
    through its own daemons rather than as children."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.add(int(entry.name))
    return found


def kill_at_once(pids: set[int]) -> None:
    """SIGKILL them all as at one instant: every process is frozen (SIGSTOP) before any is killed, so
    on a loaded machine none can notice another's death in between and act on it (a runner whose
    raylet died first would record its images as failed, which a whole-node loss never lets it do)."""
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
