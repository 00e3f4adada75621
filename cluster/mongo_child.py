"""Entry point of the embedded nx-27017 child: the server, plus a watchdog tying it to its parent.

Run as `python -m cluster.mongo_child --parent-pid PID -- <nx-27017 arguments>`. The child lives in its own
session (so a terminal's Ctrl-C reaches the parent first, which then stops things in order), which means
it would outlive a parent killed with SIGKILL. A watchdog thread prevents that orphan: it polls
`os.getppid()` and terminates the server once it no longer matches. (Linux's PR_SET_PDEATHSIG is not used:
it fires when the *thread* that spawned the child exits, which would kill the server whenever it was
started from a short-lived thread such as `asyncio.to_thread`.)

SIGTERM makes nx-27017 exit through its own handler, so SQLite is closed normally.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time


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
    if os.getppid() != parent_pid:  # the parent died before we got here
        raise SystemExit(0)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watchdog").start()

    from nx_27017.nx_27017 import main as nx_main

    sys.argv = ["nx-27017", *nx_args]
    sys.exit(nx_main())


if __name__ == "__main__":
    main(sys.argv[1:])
