"""A dataset executed in an actor of its own, so that stopping it is one public call: `ray.kill`.

Ray Data's iterators block until the next block is ready and cannot be interrupted from outside,
and its public API has no "stop this execution". A worker that crashes on every input is restarted
and its batch retried without limit, so an iterator in the runner's process could wait forever
while the pool burns CPU. Here the dataset is iterated inside a small host actor (no CPU reserved)
and the runner only polls it for rows with a timeout. The host owns the execution: the pool's
actors and the stage tasks are created by it, so Ray's ownership rules (an owned actor or task
dies with its owner) end all of them when the host is killed. Only small status rows travel back.

When the cluster itself goes away (its GCS or raylet dies, the node hosting the execution is lost),
the runner must not mistake that for its images failing: `ClusterLost` names that case, and
`is_cluster_loss` tells Ray's infrastructure errors (public `ray.exceptions`, a lost connection) apart
from an error of the batch's own code.

This module stays Ray-free at import time; Ray is imported where an execution is started.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

# What `DatasetHost.take` answers besides rows: the dataset ended, or it raised (the error follows).
STATE_RUNNING = "running"
STATE_END = "end"
STATE_ERROR = "error"


class DatasetHost:
    """The actor class: iterates one dataset on a thread and hands its rows out in small lists."""

    def __init__(self, dataset: Any) -> None:
        self._rows: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(dataset,), name="drisya-dataset", daemon=True)
        self._thread.start()

    def _run(self, dataset: Any) -> None:
        try:
            for row in dataset.iter_rows():
                self._rows.put((STATE_RUNNING, dict(row)))
            self._rows.put((STATE_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the runner, which decides
            self._rows.put((STATE_ERROR, _portable(exc)))

    def take(self, max_rows: int = 512, timeout: float = 0.5) -> tuple[str, list[dict[str, Any]], Any]:
        """Up to `max_rows` rows, waiting at most `timeout` seconds for the first one.
        Returns (state, rows, error): state is `end` or `error` once the dataset is over."""
        rows: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(rows) < max_rows:
            wait = deadline - time.monotonic() if not rows else 0.0
            try:
                state, value = self._rows.get(timeout=wait) if wait > 0 else self._rows.get_nowait()
            except queue.Empty:
                break
            if state != STATE_RUNNING:
                return state, rows, value
            rows.append(value)
        return STATE_RUNNING, rows, None


class ClusterLost(RuntimeError):
    """The Ray cluster under a job went away (or the runner lost contact with it) mid-run.

    Not the images' fault: the runner records what came back, leaves the job running with a lease
    that goes stale, and the job is resumed (only its unfinished images run again) once a cluster
    answers. `data_jobs.runner` caps how often that can happen to one job."""


def is_cluster_loss(exc: BaseException) -> bool:
    """Whether `exc`, or an error it was raised from, says the cluster (not the batch's code) failed:
    an actor or node that died or cannot be reached, an object lost with its node, an RPC to a raylet
    or the GCS that failed, a lost connection. An error raised by the batch's own code (a
    `RayTaskError`, whatever it wraps), an actor whose own `__init__` raised (`actor_init_failed`: a
    model that does not load would fail every run again) and a worker that crashed or ran out of memory
    (an input can cause that) are not."""
    import ray.exceptions as rex

    lost = (
        ClusterLost,
        rex.RayActorError,  # ActorDiedError, ActorUnavailableError
        rex.LocalRayletDiedError,
        rex.NodeDiedError,
        rex.ObjectLostError,  # OwnerDiedError, ObjectFetchTimedOutError ...
        rex.RpcError,
        rex.RaySystemError,
        ConnectionError,
    )
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, rex.RayTaskError):
            return False
        if isinstance(current, rex.RayActorError) and current.actor_init_failed:
            return False  # the actor's own __init__ raised (a model that does not load): the batch's fault
        if isinstance(current, lost):
            return True
        current = current.__cause__ or current.__context__
    return False


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it pickles (Ray Data's errors do), else a RuntimeError that says it."""
    import pickle

    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"the batch's execution failed: {type(exc).__name__}: {exc}")


def start_host(dataset: Any, *, name: str | None = None) -> Any:
    """Start the host actor for `dataset` (no CPU reserved: it only schedules and forwards rows).

    Not detached: the host, and with it the whole execution, also dies with the process that
    started it."""
    import ray

    actor = ray.remote(DatasetHost).options(num_cpus=0, max_restarts=0, name=name)
    return actor.remote(dataset)


def stop_host(host: Any) -> None:
    """Kill the host and, through ownership, every actor and task of its execution (idempotent)."""
    import ray

    try:
        ray.kill(host, no_restart=True)
    except Exception:  # noqa: BLE001 - already dead, or Ray is shutting down
        pass
