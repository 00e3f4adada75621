"""Ending processes that outlived their owner (the last guard of `Platform.stop`)."""

from __future__ import annotations

import subprocess
import time

from cluster.processes import descendants, end_leftovers, is_alive, snapshot


def test_grandchildren_left_by_a_dead_parent_are_ended() -> None:
    shell = subprocess.Popen(["sh", "-c", "sleep 120 & sleep 120 & wait"])
    deadline = time.monotonic() + 10
    while len(descendants(shell.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchildren = descendants(shell.pid)
    below = snapshot(grandchildren | {shell.pid})
    assert len(grandchildren) == 2
    shell.kill()  # the sleeps are orphaned, as Ray's agents are when the raylet dies first
    shell.wait()
    assert all(is_alive(p) for p in grandchildren)
    signalled = end_leftovers(below, grace=0.5)
    assert set(grandchildren) <= set(signalled)
    assert not any(is_alive(p) for p in grandchildren)


def test_processes_that_exit_by_themselves_are_not_signalled() -> None:
    quick = subprocess.Popen(["sleep", "0.2"])
    below = snapshot([quick.pid])
    quick.wait()
    assert end_leftovers(below, grace=2) == []
