"""Entry point of the embedded nx-27017 child: the server, plus a watchdog tying it to its parent.

Run as `python -m cluster.mongo_child --parent-pid PID -- <nx-27017 arguments>`. The child lives in its own
session (so a terminal's Ctrl-C reaches the parent first, which then stops things in order), which means
it would outlive a parent killed with SIGKILL. Two guards prevent that orphan:

- on Linux, `PR_SET_PDEATHSIG` asks the kernel to send SIGTERM when the parent dies;
- a watchdog thread polls `os.getppid()` and terminates the server once it no longer matches (portable,
  and immune to the "parent *thread* exited" subtlety of PDEATHSIG).

SIGTERM makes nx-27017 exit through its own handler, so SQLite is closed normally.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the watchdog thread still covers it


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    while True:
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
            os._exit(0)  # the server ignored SIGTERM; do not linger as an orphan
        time.sleep(interval)


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[0] != "--parent-pid" or "--" not in argv:
        raise SystemExit("usage: python -m cluster.mongo_child --parent-pid PID -- <nx-27017 args>")
    parent_pid = int(argv[1])
    nx_args = argv[argv.index("--") + 1 :]
    _set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before we got here
        raise SystemExit(0)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watchdog").start()

    from nx_27017.nx_27017 import main as nx_main

    sys.argv = ["nx-27017", *nx_args]
    sys.exit(nx_main())


if __name__ == "__main__":
    main(sys.argv[1:])
