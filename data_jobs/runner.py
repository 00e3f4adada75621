"""The driver of one batch job: claim it, stream results from Ray Data, record them in bulk.

The dataset is iterated in a worker thread (Ray Data's iterators block) and rows are handed to the
event loop, which writes them to MongoDB every `flush_interval` seconds in one bulk write per
collection: image results, job counters, one capture per successful image. A heartbeat on the job
proves the runner is alive; when it stops (the process was killed, Ray restarted) another runner
can claim the job after `stale_after` and runs only the images that are not finished yet.

Exactly-once charging rests on three facts: an image result is applied only to an unfinished image
(`ImagesRepo.record_results`), a capture's idempotency key is the image's id, and a resumed runner
first captures images that were recorded done but not yet flagged charged.

A short database outage (a restart, a failover, a dropped connection) does not fail the job: every
database call of the runner goes through `store.retry.retry_transient`, which retries transient
PyMongo errors within a time budget (`db_retry`). Each retried call is idempotent: see `_flush` for
the one write that is not by itself (the counters). An outage longer than the budget ends the run
with `DatabaseUnavailable` and leaves the job running with a stale heartbeat, so it is resumed once
the database is back, instead of being failed for good.

A Ray cluster that goes away under a live runner (GCS or raylet killed, head node lost, a KubeRay
upgrade) is treated the same way: the runner records the results that came back, raises
`ClusterLost` and leaves the job running, so a runner on the next cluster resumes it. Only Ray's
infrastructure errors count (`execution.is_cluster_loss`); an error of the batch's own code still
fails the job. Each run counts on the images it starts (`attempts`), and a job whose unfinished
images were started `max_runs` times fails with a reason the seller can read.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import math
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from cluster.settings import Settings
from data_jobs.accounting import capture_images, release_held
from data_jobs.errors import JobNotFound, JobStateError
from data_jobs.execution import STATE_END, STATE_ERROR, ClusterLost, is_cluster_loss, start_host, stop_host
from data_jobs.jobs import job_template
from data_jobs.pipeline import (
    SERVE_RESERVE_CPUS,
    ImageRef,
    build_dataset,
    estimate_worker_bytes,
    needs_model,
    plan_actor_pool,
)
from data_jobs.progress import JobProgress
from data_jobs.stages import TIMING_COLUMNS, auto_network_first
from store.blobs import job_key
from store.documents import IMAGE_DONE, IMAGE_FAILED, JOB_CANCELLED, JOB_DONE, JOB_RUNNING, Job
from store.reconcile import close_cancelled_job, fail_job
from store.repositories import ImageResult, Repositories
from store.retry import RetryPolicy, is_transient, retry_transient

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = dt.timedelta(seconds=30)
_END = object()


class _Db:
    """The runner's database calls, each retried through transient errors under one policy."""

    def __init__(self, policy: RetryPolicy | None) -> None:
        self.policy = policy or RetryPolicy()

    async def __call__(
        self,
        what: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        on_retry: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        return await retry_transient(
            what, lambda: fn(*args, **kwargs), policy=self.policy, log=log, on_retry=on_retry
        )


@dataclass
class RunSummary:
    """What one call of `run_job` did; `stages` are seconds spent per stage (for benchmarks)."""

    job_id: str
    status: str
    total: int = 0
    done: int = 0
    failed: int = 0
    processed_now: int = 0  # images this runner processed (a resumed job: only the unfinished ones)
    coins_charged: int = 0
    coins_released: int = 0
    stages: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_ray(settings: Settings) -> None:
    """Join the configured Ray cluster, or start a local one, unless this process already did."""
    import ray

    if not ray.is_initialized():
        ray.init(
            address=settings.ray_address,
            num_cpus=settings.ray_num_cpus if settings.ray_address in (None, "local") else None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            ignore_reinit_error=True,
        )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.verbose_progress = False


PUMP_THREAD_PREFIX = "drisya-row-pump"


class _RowPump:
    """Polls the dataset's host actor (`data_jobs.execution`) on a thread and hands rows to the event
    loop; `close()` ends it early.

    The execution runs in the host actor, never in this process, so nothing here blocks on Ray Data:
    the thread waits on the host with a timeout and checks whether it was asked to stop. `close()`
    kills the host, and Ray's ownership ends the execution's actors and tasks with it, so a worker
    that crashes on every input stops burning CPU as soon as the job is stalled or cancelled."""

    def __init__(
        self, dataset: Any, loop: asyncio.AbstractEventLoop, *, name: str = PUMP_THREAD_PREFIX
    ) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self._dataset = dataset
        self._loop = loop
        self._stop = threading.Event()
        self._host: Any = None
        self._host_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 60.0) -> bool:
        """Stop the execution and wait for the thread to end (blocking: call it in a thread).
        Returns whether the thread ended."""
        self._stop.set()
        with self._host_lock:
            host, self._host = self._host, None
        if host is not None:
            stop_host(host)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _put(self, item: Any) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def _run(self) -> None:
        import ray

        try:
            while not self._stop.is_set():
                try:
                    with self._host_lock:
                        if self._stop.is_set():
                            return
                        if self._host is None:
                            self._host = start_host(self._dataset)
                        host = self._host
                    state, rows, error = ray.get(host.take.remote(512, 0.5))
                except Exception as exc:
                    # The host is unreachable, not failing: it runs no code of ours that could raise
                    # here, so whatever Ray says (its actor died, its node or the GCS is gone) is the
                    # cluster's doing. An error of `take` itself (a RayTaskError) stays what it is.
                    if isinstance(exc, ray.exceptions.RayTaskError):
                        raise
                    raise ClusterLost(f"lost the Ray cluster running the batch: {_one_line(exc)}") from exc
                for row in rows:
                    self._put(row)
                if state == STATE_ERROR:
                    if is_cluster_loss(error):
                        raise ClusterLost(
                            f"the batch lost part of its Ray cluster: {_one_line(error)}"
                        ) from error
                    raise error
                if state == STATE_END:
                    self._put(_END)
                    return
        except BaseException as exc:  # noqa: BLE001 - forwarded to the event loop and raised there
            if not self._stop.is_set():  # a killed host after close() is not an error
                self._put(exc)
        finally:
            with self._host_lock:
                host, self._host = self._host, None
            if host is not None:
                stop_host(host)  # the execution is over: its idle actors go too


def _one_line(exc: BaseException) -> str:
    """An error as one short line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def planning_resources(resources: dict[str, float], settings: Settings) -> dict[str, float]:
    """The resources a batch is planned for: the cluster now, raised to `batch_cluster_cpus` /
    `batch_cluster_gpus` where those are larger.

    An autoscaling cluster whose worker groups start at zero replicas shows no CPU or GPU when a job
    starts; planned from that, the stages would ask for one task and the autoscaler would never add
    a node. Planned for the size the cluster can grow to, Ray Data asks for that much and the
    autoscaler adds the pods. Where the CPUs are raised, the cluster's present `memory` no longer
    bounds the plan (it is the memory of the nodes that exist, not of those to come): the manifests'
    own check (kuberay.checks.placement_problems) guarantees each worker pod holds a batch actor per CPU.
    """
    planned = dict(resources)
    cpus, gpus = settings.batch_cluster_cpus, settings.batch_cluster_gpus
    if cpus is not None and cpus > float(resources.get("CPU", 0) or 0):
        planned["CPU"] = float(cpus)
        planned.pop("memory", None)
    if gpus is not None and gpus > float(resources.get("GPU", 0) or 0):
        planned["GPU"] = float(gpus)
    return planned


def _as_result(row: dict[str, Any]) -> ImageResult:
    done = str(row["status"]) == IMAGE_DONE
    quality = float(row["quality"]) if row.get("quality") is not None else None
    if quality is not None and math.isnan(quality):
        quality = None
    return ImageResult(
        image_id=str(row["image_id"]),
        status=IMAGE_DONE if done else IMAGE_FAILED,
        outputs={"image": str(row["output_key"])} if done else {},
        error=None if done else (str(row.get("error")) or str(row.get("error_code")) or "failed"),
        quality=quality,
        method=str(row.get("method")) or None,
        width=int(row["width"]) if done else None,
        height=int(row["height"]) if done else None,
        compliance=json.loads(str(row["compliance"])) if done and row.get("compliance") else None,
        output_items=json.loads(str(row["outputs"])) if done and row.get("outputs") else [],
    )


async def _settle_previous_run(repos: Repositories, job: Job) -> None:
    """Finish what a dead runner left half-done: charge images it recorded done, requeue the rest.
    Idempotent as a whole (captures are keyed per image, the rest sets values), so it is retried."""
    uncharged = await repos.images.done_uncharged(job.id)
    if uncharged:
        await capture_images(repos, job, [im.id for im in uncharged])
    await repos.images.requeue_running(job.id)
    await _recount(repos, job.id)


async def _recount(repos: Repositories, job_id: str) -> dict[str, int]:
    counts = await repos.images.count_by_status(job_id)
    total = sum(counts.values())
    await repos.jobs.set_counters(job_id, total=total, done=counts[IMAGE_DONE], failed=counts[IMAGE_FAILED])
    return {"total": total, "done": counts[IMAGE_DONE], "failed": counts[IMAGE_FAILED]}


async def run_job(
    repos: Repositories,
    settings: Settings,
    job_id: str,
    *,
    runner_id: str | None = None,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    flush_interval: float = 0.5,
    heartbeat_interval: float = 2.0,
    stall_timeout: float = 900.0,
    max_actors: int | None = None,
    reserve_cpus: float = SERVE_RESERVE_CPUS,
    on_progress: Callable[[JobProgress], Any] | None = None,
    db_retry: RetryPolicy | None = None,
    max_runs: int | None = None,
) -> RunSummary:
    """Run (or resume) a queued job to the end. Safe to call again on the same job: finished images
    are skipped and nothing is charged twice.

    `reserve_cpus` stay free for Ray Serve and Ray Data's own tasks (0 for a CLI run with no server);
    `on_progress` is called after every bulk write and at least every `flush_interval` seconds.
    A job with no finished image for `stall_timeout` seconds fails (JobStalled), releasing its coins.
    `db_retry` bounds how long a database outage is ridden out (default: 60 s per call); past it,
    `store.retry.DatabaseUnavailable` is raised and the job is left to be resumed, not failed.
    Likewise a Ray cluster that goes away mid-run raises `ClusterLost` and leaves the job to be
    resumed. `max_runs` (default `settings.job_max_runs`) bounds how often an image may be started
    without finishing: a run that finds unfinished images already started that often fails the job
    (`runs_exhausted_reason`) and releases their coins, so a job that kills its cluster every time does not loop for ever."""
    started = time.perf_counter()
    runner_id = runner_id or new_runner_id()
    db = _Db(db_retry or RetryPolicy(budget=float(settings.db_retry_seconds)))
    existing = await db(f"read job {job_id}", repos.jobs.find, job_id)
    if existing is None:
        raise JobNotFound(job_id)
    if existing.is_terminal:
        if existing.status == JOB_CANCELLED:  # its runner may have died before closing it
            await db(f"close cancelled job {job_id}", close_cancelled_job, repos, job_id)
        return await _summary(repos, db, job_id, existing.status, processed=0, stages={})
    # a claim whose reply was lost is found again by its second query (same runner id)
    job = await db(f"claim job {job_id}", repos.jobs.claim, job_id, runner_id, stale_after=stale_after)
    if job is None:
        raise JobStateError("job_busy", f"job {job_id} is being run by another live runner")
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    await db(f"settle the previous run of job {job_id}", _settle_previous_run, repos, job)
    pending = await db(f"list the images of job {job_id}", repos.images.unfinished, job_id)
    stages["prepare"] = time.perf_counter() - t0
    runs = max((im.attempts for im in pending), default=0)
    if runs >= (settings.job_max_runs if max_runs is None else max_runs):
        # Each earlier run was cut short (its cluster or its runner went away) before these images
        # finished: a job that brings its cluster down every time must end, not loop for ever.
        reason = runs_exhausted_reason(runs, len(pending))
        log.error("job %s failed: %s", job_id, reason)
        await db(f"fail job {job_id}", fail_job, repos, job_id, reason)
        stages["total"] = time.perf_counter() - started
        current = await db(f"read job {job_id}", repos.jobs.get, job_id)  # a cancel may have won
        return await _summary(repos, db, job_id, current.status, processed=0, stages=stages)
    processed = 0
    try:
        if pending:
            processed = await _process(
                repos,
                settings,
                job,
                pending,
                runner_id=runner_id,
                flush_interval=flush_interval,
                heartbeat_interval=heartbeat_interval,
                stall_timeout=stall_timeout,
                max_actors=max_actors,
                reserve_cpus=reserve_cpus,
                on_progress=on_progress,
                stages=stages,
                db=db,
            )
    except _Stopped:
        stages["total"] = time.perf_counter() - started
        current = await db(f"read job {job_id}", repos.jobs.get, job_id)
        if current.status == JOB_CANCELLED:
            await db(f"close cancelled job {job_id}", close_cancelled_job, repos, job_id)
        return await _summary(repos, db, job_id, current.status, processed=processed, stages=stages)
    except Exception as exc:
        if is_transient(exc):
            # Not the job's fault: it stays running with a heartbeat that goes stale, and is resumed
            # (only its unfinished images run again) once the database answers.
            log.warning("job %s stopped, left to be resumed: %s", job_id, exc, exc_info=True)
            raise
        if is_cluster_loss(exc):
            # Nor is a cluster that went away: same as above, once a Ray cluster answers again.
            # Nothing is failed or released; what came back before the loss is recorded and charged.
            log.warning("job %s stopped, left to be resumed: %s", job_id, exc)
            if isinstance(exc, ClusterLost):
                raise
            raise ClusterLost(f"lost the Ray cluster: {_one_line(exc)}") from exc
        log.exception("job %s failed", job_id)
        reason = f"the batch could not run: {type(exc).__name__}: {exc}"
        await db(f"fail job {job_id}", fail_job, repos, job_id, reason)
        raise
    t0 = time.perf_counter()
    counts = await db(f"count the images of job {job_id}", _recount, repos, job_id)
    await db(f"release the coins job {job_id} still holds", release_held, repos, job_id, reason="end")
    try:
        final = await db(
            f"finish job {job_id}", repos.jobs.set_status, job_id, JOB_DONE, from_statuses=[JOB_RUNNING]
        )
    except Exception as exc:  # cancelled or taken over at the last moment: its state stands
        if is_transient(exc):
            raise
        final = await db(f"read job {job_id}", repos.jobs.get, job_id)
    stages["finish"] = time.perf_counter() - t0
    stages["total"] = time.perf_counter() - started
    if on_progress is not None:
        on_progress(JobProgress(job_id, counts["done"], counts["failed"], counts["total"], final.status))
    return await _summary(repos, db, job_id, final.status, processed=processed, stages=stages)


def runs_exhausted_reason(runs: int, unfinished: int) -> str:
    """What a seller reads on a job that was interrupted `runs` times before `unfinished` images finished."""
    images = "image" if unfinished == 1 else "images"
    times = "once" if runs == 1 else f"{runs} times"
    return (
        f"processing was interrupted {times} (the compute cluster or its runner stopped) before "
        f"{unfinished} {images} finished, so the job was stopped; those {images} were not charged and "
        "their coins were returned. Finished images are in the download; try the rest in a new job, "
        "and tell the operator if it happens again"
    )


class JobStalled(RuntimeError):
    """No result for `stall_timeout` seconds: the job fails and its unused coins are released."""


class _Stopped(Exception):
    """The job was cancelled or another runner took it over; stop without finishing it."""


async def _process(
    repos: Repositories,
    settings: Settings,
    job: Job,
    pending: list,
    *,
    runner_id: str,
    flush_interval: float,
    heartbeat_interval: float,
    stall_timeout: float,
    max_actors: int | None,
    reserve_cpus: float,
    on_progress: Callable[[JobProgress], Any] | None,
    stages: dict[str, float],
    db: _Db,
) -> int:
    import ray

    from engine.pipeline import parse_recipe

    t0 = time.perf_counter()
    recipe = parse_recipe(job.recipe)
    if needs_model(recipe):
        from cluster.model_store import resolve_model

        resolve_model(settings, fetch_if_missing=False)  # a clear error now rather than in every actor
    refs = [
        ImageRef(
            image_id=im.id, input_key=im.input_blob, output_stem=job_key(job.id, "outputs", f"{im.seq:06d}")
        )
        for im in pending
    ]
    # Counted before Ray is touched, so a run that cannot reach a cluster counts towards `max_runs` too;
    # retried as a whole: only its `attempts` counter can count one attempt twice
    await db(
        f"mark the images of job {job.id} running", repos.images.mark_running, [r.image_id for r in refs]
    )
    ensure_ray(settings)
    resources = planning_resources(ray.cluster_resources(), settings)
    plan = plan_actor_pool(
        resources,
        images=len(refs),
        max_actors=max_actors,
        reserve_cpus=reserve_cpus,
        worker_bytes=estimate_worker_bytes(
            recipe, settings.limits, job.surprise if job.module == "surprise" else None
        ),
    )
    dataset = build_dataset(
        refs,
        settings=settings,
        recipe=job.recipe,
        template=await db(f"read the template of job {job.id}", job_template, repos, job),
        plan=plan,
        network_first=auto_network_first(resources, settings.auto_route),
        surprise=job.surprise if job.module == "surprise" else None,
    )
    stages["plan"] = time.perf_counter() - t0
    log.info("job %s: %d images on up to %d actors (%s)", job.id, len(refs), plan.max_size, plan)

    pump = _RowPump(dataset, asyncio.get_running_loop(), name=f"{PUMP_THREAD_PREFIX}-{job.id}")
    pump.start()
    buffer: list[dict[str, Any]] = []
    processed = 0
    worker_seconds = 0.0
    stage_seconds = dict.fromkeys(TIMING_COLUMNS, 0.0)
    db_seconds = 0.0
    last_beat = time.monotonic()
    last_flush = time.monotonic()
    last_row = time.monotonic()
    finished = False
    try:
        while not finished:
            timeout = max(0.01, flush_interval - (time.monotonic() - last_flush))
            try:
                item = await asyncio.wait_for(pump.queue.get(), timeout=timeout)
                if item is _END:
                    finished = True
                elif isinstance(item, BaseException):
                    raise item
                else:
                    buffer.append(item)
                    last_row = time.monotonic()
                    worker_seconds += _add_stage_seconds(stage_seconds, item)
                    # drain whatever else is ready without waiting
                    while not pump.queue.empty() and len(buffer) < 512:
                        nxt = pump.queue.get_nowait()
                        if nxt is _END:
                            finished = True
                            break
                        if isinstance(nxt, BaseException):
                            raise nxt
                        buffer.append(nxt)
                        worker_seconds += _add_stage_seconds(stage_seconds, nxt)
            except TimeoutError:
                pass
            now = time.monotonic()
            if buffer and (finished or now - last_flush >= flush_interval or len(buffer) >= 512):
                t1 = time.perf_counter()
                processed += await _flush(repos, db, job, buffer)
                db_seconds += time.perf_counter() - t1
                buffer = []
                last_flush = now
                if on_progress is not None:
                    on_progress(await _progress(repos, db, job.id))
            elif now - last_flush >= flush_interval:
                last_flush = now
                if on_progress is not None:
                    on_progress(await _progress(repos, db, job.id))
            if now - last_row > stall_timeout:
                # Ray Data restarts crashed actors and retries their batch without limit; an input
                # that kills its worker process every time would otherwise hold the job forever.
                raise JobStalled(f"no image finished for {stall_timeout:.0f}s (a worker kept crashing?)")
            if now - last_beat >= heartbeat_interval:
                last_beat = now
                if not await db(f"heartbeat job {job.id}", repos.jobs.heartbeat, job.id, runner_id):
                    if buffer:  # finished work is recorded; after a cancel it stays free
                        processed += await _flush(repos, db, job, buffer)
                        buffer = []
                    raise _Stopped()
    except ClusterLost:
        if buffer:  # these images did finish (their outputs are stored): record and charge them
            processed += await _flush(repos, db, job, buffer)
        raise
    finally:
        if not await asyncio.to_thread(pump.close):
            log.error("job %s: the thread reading Ray Data results did not end", job.id)
        stages["process_wall"] = time.perf_counter() - t0 - stages.get("plan", 0.0)
        stages["worker_seconds_sum"] = worker_seconds
        for name, seconds in stage_seconds.items():  # CPU seconds per stage, summed over images
            stages[f"cpu_{name.removesuffix('_s')}"] = seconds
        stages["db_writes"] = db_seconds
    return processed


def _add_stage_seconds(sums: dict[str, float], row: dict[str, Any]) -> float:
    for name in sums:
        sums[name] += float(row.get(name) or 0.0)
    return float(row.get("seconds") or 0.0)


async def _flush(repos: Repositories, db: _Db, job: Job, rows: list[dict[str, Any]]) -> int:
    """One bulk write of results, the counters, then the captures of the images that succeeded.

    Each step survives a retry after a lost reply. `record_results` applies a result only to an
    unfinished image, so replaying it changes nothing twice, but its answer then misses the images
    the lost attempt finished: after a retry the images themselves say which are done and not yet
    charged, and the counters are recounted. An increment is not idempotent, so one that failed is
    replaced by a recount (which sets them) rather than retried. Captures are keyed per image and
    `mark_charged` only sets a flag, so `capture_images` is retried as a whole."""
    results = [_as_result(r) for r in rows]
    retried: list[BaseException] = []
    applied = await db(
        f"record results of job {job.id}", repos.images.record_results, results, on_retry=retried.append
    )
    if retried:
        done_ids = await _after_lost_reply(repos, db, job, results)
    else:
        done_ids = [r.image_id for r in applied if r.status == IMAGE_DONE]
        failed = sum(1 for r in applied if r.status == IMAGE_FAILED)
        if applied:
            try:
                await repos.jobs.increment_counters(job.id, done=len(done_ids), failed=failed)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                await db(f"count the images of job {job.id}", _recount, repos, job.id)
    await db(f"charge the images of job {job.id}", capture_images, repos, job, done_ids)
    return len(applied)


async def _after_lost_reply(repos: Repositories, db: _Db, job: Job, results: list[ImageResult]) -> list[str]:
    """The images of `results` to charge, and the counters set right, when `record_results` had to
    be retried: an earlier attempt may have been applied, so its images are read back rather than
    taken from the retry's answer (which leaves out what was already applied)."""
    mine = {r.image_id for r in results if r.status == IMAGE_DONE}
    uncharged = await db(f"list uncharged images of job {job.id}", repos.images.done_uncharged, job.id)
    await db(f"count the images of job {job.id}", _recount, repos, job.id)
    return [im.id for im in uncharged if im.id in mine]


async def _progress(repos: Repositories, db: _Db, job_id: str) -> JobProgress:
    job = await db(f"read job {job_id}", repos.jobs.get, job_id)
    return JobProgress.from_job(job)


async def _summary(
    repos: Repositories, db: _Db, job_id: str, status: str, *, processed: int, stages: dict[str, float]
) -> RunSummary:
    job = await db(f"read job {job_id}", repos.jobs.get, job_id)
    return RunSummary(
        job_id=job_id,
        status=status,
        total=job.counters.total,
        done=job.counters.done,
        failed=job.counters.failed,
        processed_now=processed,
        coins_charged=job.coins.charged,
        coins_released=job.coins.released,
        stages=stages,
    )


# --- a runner as its own process (tests kill it; operators may run one per job) ---------------------

EXIT_RESUMABLE = 75  # EX_TEMPFAIL: the job is left running, to be resumed on a cluster that answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one Drisya batch job to the end.")
    parser.add_argument("job_id")
    parser.add_argument("--mongodb-uri", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--ray-address", default=None)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.ray_address:
        settings = settings.with_(ray_address=args.ray_address)

    async def go() -> RunSummary:
        from store.db import connect

        db = connect(args.mongodb_uri, args.db)
        try:
            return await run_job(Repositories(db), settings, args.job_id)
        finally:
            await db.client.close()

    try:
        summary = asyncio.run(go())
    except ClusterLost as exc:
        print(f"job {args.job_id} left to be resumed: {exc}", file=sys.stderr, flush=True)
        return EXIT_RESUMABLE
    print(summary.to_dict())
    return 0


if __name__ == "__main__":
    # Run the imported module, not this `__main__` copy, so anything of this module that travels to
    # Ray workers pickles by reference to `data_jobs.runner`.
    from data_jobs.runner import main as _main

    raise SystemExit(_main())
