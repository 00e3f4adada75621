"""A batch as three Ray Data stages with their own resources (DESIGN.md, "The main flow").

    refs -> prepare (CPU tasks: read the input, decode, the colour model where it decides alone,
                     else the image at matting size)
         -> network (an actor pool; GPUs where the cluster has them, the model loaded once per actor;
                     where `auto` must run to the end to know its further looks, it finishes the
                     matte here and hands that on instead of the looks)
         -> finish  (CPU tasks: decode again, matte with the network's output, retouch, compose,
                     encode, write the output; a surprise job composes every variant and its video
                     from that one matte) -> small status rows (`pipeline.RESULT_COLUMNS`)

Only compact data crosses stages: the encoded input, the image at matting size (at most the
working size, uint8), uint8 mattes. Decoding twice costs less than shipping full-resolution pixels
between nodes. A recipe that never needs the network (`fast`) skips the network stage, and its
prepare stage only reads the input. Each row is handled in its own try/except: a bad image becomes
a failed row, never a failed batch, and later stages pass a failed row on untouched.
"""

from __future__ import annotations

import functools
import logging
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from data_jobs.pipeline import (
    COMPLIANCE_COLUMN,
    OUTPUTS_COLUMN,
    RESULT_COLUMNS,
    SERVE_RESERVE_CPUS,
    JobArgs,
    PoolPlan,
    background_for,
    failed_result_row,
    needs_model,
    store_output,
    surprise_outputs,
)

if TYPE_CHECKING:
    from engine.pipeline import MattePlan

log = logging.getLogger(__name__)

# glibc malloc settings for the CPU stages' workers. A finished image allocates and frees some 100 MB
# of arrays; by default glibc hands that back to the kernel after each image (heap trimmed above
# 128 KiB free) and the next image faults it in again as fresh zeroed pages: 0.02 CPU s of system time
# per image, 7% of finish (issue 12). Trimming only above 1 GiB free, and growing the heap 256 MiB at a
# time, keeps the pages for the next image: system time ~0.0004 s per image. Cost, measured with 6
# amazon-preset photos: a worker keeps ~240 MiB resident between images instead of ~140 MiB (its peak,
# ~240 MiB, is unchanged), so a 16-core node keeps ~1.6 GiB more. Not settings: they are a property of
# the finish stage's allocation pattern, not of a deployment. Each stage task applies them to its worker
# with `mallopt` (`tune_malloc`): a Ray `runtime_env` with these variables would start workers of their
# own, and on a small cluster shared with Ray Serve those never got a CPU (the dashboard's job hung at
# 0 of 3). `CPU_WORKER_ENV` is the same as environment variables, for a process started with them
# (benchmarks.throughput's measuring processes); `mallopt` gives the same system time, measured.
MALLOC_TRIM_THRESHOLD = 1 << 30
MALLOC_TOP_PAD = 256 << 20
CPU_WORKER_ENV = {
    "MALLOC_TRIM_THRESHOLD_": str(MALLOC_TRIM_THRESHOLD),
    "MALLOC_TOP_PAD_": str(MALLOC_TOP_PAD),
}
_M_TRIM_THRESHOLD, _M_TOP_PAD = -1, -2  # glibc's mallopt parameter numbers (malloc.h)

# Columns between stages (besides the refs): the input, what `prepare` decided, the network's output.
# A matte or image travels as raw uint8 bytes with its shape (numpy batches of ragged arrays are not
# portable across Ray Data's block formats; bytes are).
STAGE_COLUMNS = (
    "image_id",
    "output_stem",
    "data",
    "error_code",
    "error",
    "prepared",  # whether `prepare` ran the engine's first step (False: a fast recipe's plain read)
    "net_input",
    "net_h",
    "net_w",
    "alpha",
    "alpha_h",
    "alpha_w",
    "method",
    "quality",
    "net_matte",
    "net_side",
    "prepare_s",
    "network_s",
    "finish_s",
)
TIMING_COLUMNS = ("prepare_s", "network_s", "finish_s")  # CPU seconds of each stage per image


@dataclass(frozen=True)
class StagePlan:
    """Resources of the stages, derived from the pool plan (the cluster's CPUs, GPUs, memory)."""

    cpu_tasks: int  # concurrent prepare/finish tasks at most
    batch_size: int  # images per task or network call
    network_actors: int
    network_cpus: float
    network_gpus: float  # per actor (a fraction of a card)
    in_flight: int  # batches queued per network actor, so a GPU never waits for the next input
    task_cpus: float = 1.0  # CPUs one prepare or finish task holds (less than one on a small cluster)
    cpu_limit: float = 0.0  # the CPUs Ray Data may hand the batch's stages in all (0: the whole cluster)


# Without a GPU the network is most of an image's CPU: ISNet at 1024 px costs ~2.4 CPU s an image on
# one thread against ~0.33 for prepare + finish (benchmarks/throughput/RESULTS.md), about 12 %. The
# network's actor pool may grow to the CPU slots less this share (kept for the CPU stages).
CPU_STAGES_SHARE = 0.15

# Each of the three stages must be able to run one task at once, or a batch stalls. Ray Data reserves
# each stage's minimum (one prepare task, one network actor, one finish task) in pipeline order, upstream
# first, and a stage whose minimum no longer fits the CPUs it may use waits until the stages above it have
# finished. On 2 CPUs at one CPU each, the network actor and a prepare task took both and finish ran only
# after prepare had read the last image, which output backpressure slows to the network's pace: a
# 1000-image `model` batch on a 2-core `make up` finished nothing for 900 s and failed (JobStalled).
# Below this many CPUs the stages hold fractions instead (the network half, prepare and finish a quarter
# each): the scheduling tokens fit, the cores are shared as the OS sees fit, and finish starts with the
# first images out of the network.
MIN_WHOLE_CPU_STAGES = 3.0


def batch_floor_cpus(cluster_cpus: float, reserve_cpus: float = SERVE_RESERVE_CPUS) -> float:
    """The CPUs a batch on a fixed cluster of `cluster_cpus` needs free to move at all: one task of each
    stage (`plan_stages`). What else grows on that cluster (Serve's enhance replicas under load) must
    leave these, or a running batch waits in Ray's queue until it scales back: on a 2-core `make up`,
    two enhance replicas took both CPUs and a batch finished nothing (JobStalled after 900 s)."""
    budget = max(0.0, cluster_cpus - reserve_cpus)
    return min(MIN_WHOLE_CPU_STAGES, budget)


def stage_cpus(budget: float) -> tuple[float, float]:
    """(CPUs of a network actor, CPUs of a prepare or finish task) when the batch may hold `budget`
    CPUs in all (0: unknown, as on an autoscaling cluster at zero workers: whole CPUs, and the cluster
    grows to fit them)."""
    if budget <= 0 or budget >= MIN_WHOLE_CPU_STAGES:
        return 1.0, 1.0
    return math.floor(budget / 2 * 100) / 100, math.floor(budget / 4 * 100) / 100


def plan_stages(plan: PoolPlan, *, actors_per_gpu: int = 2, in_flight: int = 4) -> StagePlan:
    """The network gets `actors_per_gpu` actors per card (each with several batches in flight, one
    CPU each); the CPU stages get the CPU slots the GPU's network actors leave (a 16-CPU, 1-GPU node:
    15 slots, 2 actors, 13 prepare/finish tasks).

    Without a GPU the network's pool starts at one actor and may grow to the slots less
    `CPU_STAGES_SHARE` (15 slots: 12 actors), one CPU and one onnxruntime thread each: Ray Data's
    autoscaler adds actors only while images queue for the network and its budget allows, and its
    resource allocator keeps a reservation for prepare and finish, so a colour-first `auto` batch,
    whose images rarely need the network, keeps its CPUs for the CPU stages. (The pool was once capped
    at a quarter of the slots: 3 actors, ~1.25 img/s for `model` on a 16-core node whose CPU stages
    could do ~40.) One-thread actors rather than fewer wide ones: a convolution network's CPU per
    image is least on one thread, and each actor's ~1.3 GB is already in the memory cap on the
    slots (`plan_actor_pool`'s `worker_bytes`).

    Where the batch may hold fewer than `MIN_WHOLE_CPU_STAGES` CPUs (a 2-core `make up`, whose Serve
    replica keeps one), the network actor and the CPU stages' tasks hold fractions of a CPU
    (`stage_cpus`), so one task of every stage fits at once."""
    gpus = plan.gpus
    network_cpus, task_cpus = stage_cpus(plan.cpus)
    small = {"task_cpus": task_cpus, "cpu_limit": plan.cpus}
    if gpus > 0:
        actors = max(1, min(plan.max_size, math.ceil(gpus * actors_per_gpu)))
        share = math.floor(min(1.0, gpus / actors) * 1000) / 1000
        cpu_tasks = max(1, plan.max_size - actors)
        return StagePlan(cpu_tasks, plan.batch_size, actors, network_cpus, share, in_flight, **small)
    actors = max(1, plan.max_size - math.ceil(plan.max_size * CPU_STAGES_SHARE))
    return StagePlan(plan.max_size, plan.batch_size, actors, network_cpus, 0.0, 2, **small)


# --- per-process caches: a task's worker process is reused for the job's next batches ------------------

_BLOBS: dict[tuple, Any] = {}
_BACKGROUNDS: dict[str, tuple[Any, Any, Any]] = {}  # JobArgs.token -> (recipe, template, background)


def _blobs(args: JobArgs) -> Any:
    from store.blobs import blob_store_from_settings

    s = args.settings
    key = (s.blob_backend, str(getattr(s, "blob_path", "")), getattr(s, "s3_bucket", None))
    if key not in _BLOBS:
        _BLOBS[key] = blob_store_from_settings(s)
    return _BLOBS[key]


def _job(args: JobArgs) -> tuple[Any, Any, Any]:
    """(recipe, template, background) of the job, rendered once per worker process."""
    from engine.pipeline import parse_recipe

    if args.token not in _BACKGROUNDS:
        recipe = parse_recipe(args.recipe)
        template, background = background_for(recipe, args.template, _blobs(args), args.settings)
        _BACKGROUNDS.clear()  # one job at a time per process is the common case; keep memory flat
        _BACKGROUNDS[args.token] = (recipe, template, background)
    return _BACKGROUNDS[args.token]


def _one_cpu() -> None:
    """A stage task holds one CPU: OpenCV's own thread pool (all cores by default) would make every
    task of a busy node fight over them, costing CPU in synchronisation rather than saving time. Its
    worker also keeps freed memory for the next image (`tune_malloc`)."""
    import cv2

    cv2.setNumThreads(1)
    tune_malloc()


@functools.cache  # once per process: its answer is a cache safe to lose
def tune_malloc() -> bool:
    """Apply MALLOC_TRIM_THRESHOLD and MALLOC_TOP_PAD to this process through glibc's `mallopt`;
    whether they are in force (False where the C library is not glibc: nothing changes there)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD) == 1 and (
            libc.mallopt(_M_TOP_PAD, MALLOC_TOP_PAD) == 1
        )
    except (OSError, AttributeError):  # not glibc: no mallopt
        return False


# --- the stages ------------------------------------------------------------------------------------------


def prepare_stage(batch: dict[str, np.ndarray], args: JobArgs) -> dict[str, np.ndarray]:
    """Read each input; for a recipe that may need the network, decode and decide its matte."""
    from engine.pipeline import parse_recipe, prepare_matte

    _one_cpu()
    recipe = parse_recipe(args.recipe)
    limits = args.settings.limits
    rows = []
    for image_id, input_key, output_stem in zip(
        batch["image_id"], batch["input_key"], batch["output_stem"], strict=True
    ):
        row = _empty_row(str(image_id), str(output_stem))
        started = time.process_time()

        def work(row: dict[str, Any] = row, input_key: str = str(input_key)) -> None:
            row["data"] = _blobs(args).get_bytes(input_key)
            if not needs_model(recipe):
                return
            plan = prepare_matte(
                row["data"],
                recipe,
                network_first=args.network_first,
                max_pixels=limits.max_image_pixels,
                working_size=limits.working_size,
            )
            row["prepared"] = True
            if plan.network_input is not None:
                x = plan.network_input
                row.update(net_input=x.tobytes(), net_h=x.shape[0], net_w=x.shape[1])
            else:
                a = plan.alpha
                row.update(alpha=a.tobytes(), alpha_h=a.shape[0], alpha_w=a.shape[1])
                row.update(method=plan.method, quality=plan.quality)

        _guarded(row, work)
        row["prepare_s"] = time.process_time() - started
        rows.append(row)
    return _columns(rows, STAGE_COLUMNS)


class NetworkStage:
    """The actor class of the network stage: one model session per actor, loaded once. Images run
    `Settings.network_batch` at a time through `ModelSession.predict_batch` (one network call per
    group where `drisya models batch` installed a verified batch copy, one per image otherwise)."""

    def __init__(self, args: JobArgs) -> None:
        from cluster.model_store import model_family, resolve_model
        from engine.matting.model import get_session
        from engine.pipeline import matting_options, matting_route, parse_recipe

        path = resolve_model(args.settings, fetch_if_missing=False, log=log.info)
        self.session = get_session(path, model_family(args.settings), args.settings.model_runtime)
        self.group = args.settings.network_batch(gpu=self.session.uses_gpu)
        # `auto` may look again (engine.matting.network_looks): the looks are taken here, where the
        # network is, and the finish stage replays them, with the options it mattes with (network
        # first or not), so both decide alike
        method = parse_recipe(args.recipe).method
        self.looks_again = matting_route(method, network_first=args.network_first) == "auto"
        self.options = matting_options(
            method, network_first=args.network_first, working_size=args.settings.limits.working_size
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows = [dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)]
        todo = []
        for row in rows:
            row["net_matte"], row["net_side"] = b"", 0
            if not row["error_code"] and len(row["net_input"]):
                todo.append(row)
        for start in range(0, len(todo), self.group):
            self._run(todo[start : start + self.group])
        return _columns(rows, STAGE_COLUMNS)

    def _run(self, rows: list[dict[str, Any]]) -> None:
        """One network call for `rows`; the CPU time is shared out evenly. Should the call fail as a
        whole, each image runs again alone, so only the image at fault becomes a failed row."""
        from engine.matting import network_auto
        from engine.matting.model import quantise

        started = time.process_time()
        try:
            mattes = self.session.predict_batch([_net_input(row) for row in rows])
        except Exception:  # noqa: BLE001 - redone per image below, where each error lands on its row
            mattes = None
        shared = (time.process_time() - started) / len(rows)
        for i, row in enumerate(rows):
            own = time.process_time()

            def work(row: dict[str, Any] = row, i: int = i) -> None:
                image = _net_input(row)
                matte = mattes[i] if mattes is not None else self.session.predict_u8(image)
                looks, done = [matte], None
                if self.looks_again:
                    looks, done = network_auto(
                        image, self.session.predict_u8, first=matte, options=self.options
                    )
                if done is not None:
                    # auto ran to the end here to learn its looks: its matte (at the working size) is
                    # the one the finish stage would make from them, handed on instead of the looks
                    a = quantise(done.alpha)
                    row.update(alpha=a.tobytes(), alpha_h=a.shape[0], alpha_w=a.shape[1])
                    row.update(method=done.method, quality=done.quality, net_input=b"")
                    return
                # the looks one after another: (k, side, side) bytes, k read back from the length
                row.update(
                    net_matte=b"".join(m.tobytes() for m in looks), net_side=matte.shape[0], net_input=b""
                )

            _guarded(row, work)
            row["network_s"] = shared + time.process_time() - own


def _net_input(row: dict[str, Any]) -> np.ndarray:
    """The image at matting size the prepare stage handed on (uint8 HxWx3)."""
    return np.frombuffer(row["net_input"], np.uint8).reshape(int(row["net_h"]), int(row["net_w"]), 3)


def finish_stage(batch: dict[str, np.ndarray], args: JobArgs) -> dict[str, np.ndarray]:
    """Finish each image and write its output: the small result rows the driver records."""
    from engine.pipeline import finish_image, process_image

    _one_cpu()
    recipe, template, background = _job(args)
    limits = args.settings.limits
    results = []
    for values in zip(*batch.values(), strict=True):
        row = dict(zip(batch, values, strict=True))
        result = _result_row(row)
        if row["error_code"]:
            results.append(result)
            continue
        started = time.process_time()

        def work(row: dict[str, Any] = row, result: dict[str, Any] = result) -> None:
            options = {"max_pixels": limits.max_image_pixels, "working_size": limits.working_size}
            if args.surprise is not None:
                result.update(_finish_surprise(row, recipe, args, options))
                return
            if not row["prepared"]:
                out = process_image(row["data"], recipe, template, background=background, **options)
            else:
                out = finish_image(
                    row["data"],
                    recipe,
                    template,
                    plan=_prepared_plan(row),
                    network_matte=_network_matte(row),
                    network_first=args.network_first,
                    background=background,
                    **options,
                )
            result.update(store_output(_blobs(args), str(row["output_stem"]), out))

        _guarded(result, work)
        result["finish_s"] = time.process_time() - started
        result["seconds"] = result["prepare_s"] + result["network_s"] + result["finish_s"]
        results.append(result)
    return _columns(results, RESULT_COLUMNS + TIMING_COLUMNS + (COMPLIANCE_COLUMN, OUTPUTS_COLUMN))


def _finish_surprise(
    row: dict[str, Any], recipe: Any, args: JobArgs, options: dict[str, int]
) -> dict[str, Any]:
    """A surprise image: the matte from what the earlier stages decided (or, for a recipe that never
    needed them, made here), then every variant and the video from it, written to blob storage."""
    from engine.surprise.source import photo_and_matte

    rgb, alpha, method, quality = photo_and_matte(
        row["data"],
        recipe,
        plan=_prepared_plan(row) if row["prepared"] else None,
        network_matte=_network_matte(row),
        network_first=args.network_first,
        **options,
    )
    done = surprise_outputs(_blobs(args), str(row["output_stem"]), rgb, alpha, recipe, args.surprise)
    return {**done, "quality": float(quality), "method": method}


# --- rows ------------------------------------------------------------------------------------------------


def _empty_row(image_id: str, output_stem: str) -> dict[str, Any]:
    return {
        "image_id": image_id,
        "output_stem": output_stem,
        "data": b"",
        "error_code": "",
        "error": "",
        "prepared": False,
        "net_input": b"",
        "net_h": 0,
        "net_w": 0,
        "alpha": b"",
        "alpha_h": 0,
        "alpha_w": 0,
        "method": "",
        "quality": math.nan,
        "net_matte": b"",
        "net_side": 0,
        "prepare_s": 0.0,
        "network_s": 0.0,
        "finish_s": 0.0,
    }


def _result_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **failed_result_row(
            str(row["image_id"]),
            error_code=str(row["error_code"]),
            error=str(row["error"]),
            seconds=float(row["prepare_s"]) + float(row["network_s"]),
        ),
        "prepare_s": float(row["prepare_s"]),
        "network_s": float(row["network_s"]),
        "finish_s": 0.0,
    }


def _guarded(row: dict[str, Any], work: Callable[[], None]) -> None:
    """Run one image's step; an error becomes the row's error (code and words), never an exception."""
    from engine.errors import ImageError

    try:
        work()
    except ImageError as exc:
        row.update(error_code=exc.code, error=str(exc) or exc.code)
    except MemoryError:
        row.update(error_code="too_large", error="the image needs more memory than a worker has")
    except Exception as exc:  # noqa: BLE001 - one image must never take down the batch
        log.error("image %s failed unexpectedly:\n%s", row["image_id"], traceback.format_exc())
        row.update(error_code="internal_error", error=f"processing failed: {type(exc).__name__}: {exc}")
    if row["error_code"]:
        for big in ("data", "net_input", "alpha", "net_matte"):
            if big in row:
                row[big] = b""


def _prepared_plan(row: dict[str, Any]) -> MattePlan:
    """The `MattePlan` decided for a prepared row (the prepare stage's matte at the decoded size, the
    network stage's finished auto matte at the working size, or the wish for the network), rebuilt
    from the row's compact columns: one reading for the look and surprise paths."""
    from engine.pipeline import MattePlan

    return MattePlan(
        network_input=None,
        alpha=_array(row["alpha"], int(row["alpha_h"]), int(row["alpha_w"])),
        method=str(row["method"]),
        quality=float(row["quality"]),
    )


def _network_matte(row: dict[str, Any]) -> np.ndarray | None:
    """The network stage's square uint8 matte (side, side), or its looks (k, side, side) where auto
    looked again, or None where the row never went through it."""
    side = int(row["net_side"])
    if not side:
        return None
    looks = np.frombuffer(row["net_matte"], np.uint8).reshape(-1, side, side)
    return looks[0] if len(looks) == 1 else looks


def _array(data: bytes, height: int, width: int) -> np.ndarray | None:
    return np.frombuffer(data, np.uint8).reshape(height, width) if len(data) else None


def _columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name in names:
        values = [r[name] for r in rows]
        if values and isinstance(values[0], bytes):
            column = np.empty(len(values), dtype=object)
            column[:] = values
            out[name] = column
        else:
            out[name] = np.array(values)
    return out


def cpu_stage_args(plan: StagePlan) -> dict[str, Any]:
    """`map_batches` arguments of the CPU stages (prepare, finish): one CPU per task (a fraction on a
    small cluster: `stage_cpus`), a pool of `plan.cpu_tasks` tasks (each task tunes its worker's malloc
    itself: `_one_cpu`)."""
    import ray

    return {
        "batch_format": "numpy",
        "batch_size": plan.batch_size,
        "num_cpus": plan.task_cpus,
        "compute": ray.data.TaskPoolStrategy(size=plan.cpu_tasks),
    }


def build_staged_dataset(refs_rows: list[dict[str, str]], *, args: JobArgs, plan: StagePlan, network: bool):
    """The lazy dataset: refs -> prepare -> [network] -> finish -> result rows."""
    import ray

    blocks = max(1, min(len(refs_rows), math.ceil(len(refs_rows) / plan.batch_size), 200))
    ds = ray.data.from_items(refs_rows, override_num_blocks=blocks)
    cpu = cpu_stage_args(plan)
    ds = ds.map_batches(prepare_stage, fn_kwargs={"args": args}, **cpu)
    if network:
        ds = ds.map_batches(
            NetworkStage,
            fn_constructor_kwargs={"args": args},
            # at least one network group per call (DRISYA_NETWORK_BATCH_SIZE may ask for more than the
            # CPU stages' batch)
            batch_size=max(plan.batch_size, args.settings.network_batch_size or 0),
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(
                min_size=1, max_size=plan.network_actors, max_tasks_in_flight_per_actor=plan.in_flight
            ),
            num_cpus=plan.network_cpus,
            num_gpus=plan.network_gpus if plan.network_gpus > 0 else None,
            udf_modifying_row_count=False,
        )
    ds = ds.map_batches(finish_stage, fn_kwargs={"args": args}, **cpu)
    if plan.cpu_limit > 0:
        # Ray Data counts every CPU of the cluster as its own; those kept for Ray Serve's replicas
        # (`reserve_cpus`) are not, and a stage reserved on them would wait for ever.
        options = ds.context.execution_options
        options.resource_limits = options.resource_limits.copy(cpu=plan.cpu_limit)
    return ds


def auto_network_first(resources: dict[str, float], route: str = "hardware") -> str:
    """How `auto` runs on this cluster (the `network_first` of engine.pipeline, one of its
    AUTO_MODES), from `route` (Settings.auto_route, DRISYA_AUTO_ROUTE): `hardware` is network-first
    where the cluster has a GPU (the network costs ~9 ms of GPU an image there, and white-on-white
    photos need it: benchmarks/matting_quality/NETWORK_FIRST.md) and colour-first where it has none
    (the network costs ~2.4 CPU s an image there); the other values choose a mode outright."""
    from engine.pipeline import AUTO_MODES, COLOUR_FIRST, NETWORK_FIRST

    if route in AUTO_MODES:
        return route
    if route != "hardware":
        raise ValueError(
            f"DRISYA_AUTO_ROUTE must be hardware or one of {', '.join(AUTO_MODES)}, got {route!r}"
        )
    return NETWORK_FIRST if float(resources.get("GPU", 0) or 0) > 0 else COLOUR_FIRST
