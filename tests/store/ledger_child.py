"""A separate process doing ledger operations for tests/store/test_ledger_pauses.py.

Usage: python tests/store/ledger_child.py MONGODB_URI DB_NAME

Reads one JSON command per line on stdin and answers JSON lines on stdout:
- {"op": "credit|reserve|capture|release|refund", "user", "job", "amount", "key", "pause_at"}: the
  ledger operation; with `pause_at`, the process stops itself (SIGSTOP) once, when the ledger reaches
  that step, after printing {"paused": step}; the test resumes it with SIGCONT.
- {"op": "sweep", "pause_at"}: `Ledger.sweep(older_than=0)`, pausable at its takeover steps.
- {"op": "reserve_loop", "user", "job", "count", "prefix"}: `count` reserves of 1 coin, keys prefix:i.
Each command ends with {"ok": ...} or {"error": class name, "detail": message}.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from store.db import connect  # noqa: E402
from store.ledger import Ledger  # noqa: E402


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class PauseOnce:
    """The ledger's checkpoint: stop this very process at one named step, once."""

    def __init__(self) -> None:
        self.at: str | None = None

    async def __call__(self, step: str) -> None:
        if step == self.at:
            self.at = None
            emit({"paused": step})
            os.kill(os.getpid(), signal.SIGSTOP)


async def run(command: dict[str, Any], ledger: Ledger) -> Any:
    op = command["op"]
    if op == "sweep":
        report = await ledger.sweep(older_than=dt.timedelta(0))
        return {"discarded": report.discarded, "completed": report.completed}
    if op == "reserve_loop":
        for i in range(command["count"]):
            await ledger.reserve(command["user"], command["job"], 1, f"{command['prefix']}:{i}")
        return command["count"]
    user, job, amount, key = command["user"], command.get("job"), command["amount"], command["key"]
    if op == "credit":
        entry = await ledger.credit(user, amount, "grant", key)
    elif op == "reserve":
        entry = await ledger.reserve(user, job, amount, key)
    elif op == "capture":
        entry = await ledger.capture(user, job, amount, key)
    elif op == "release":
        entry = await ledger.release(user, job, amount, key)
    elif op == "refund":
        entry = await ledger.refund(user, job, amount, key)
    else:
        raise ValueError(f"unknown op {op!r}")
    return {"id": entry.id, "key": entry.key, "state": entry.state}


async def main(uri: str, db_name: str) -> None:
    db = connect(uri, db_name)
    pause = PauseOnce()
    ledger = Ledger(db, pending_wait=30.0, checkpoint=pause)
    try:
        for line in sys.stdin:
            command = json.loads(line)
            pause.at = command.get("pause_at")
            try:
                emit({"ok": await run(command, ledger)})
            except Exception as exc:  # reported to the test, which decides
                emit({"error": type(exc).__name__, "detail": str(exc)})
    finally:
        await db.client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
