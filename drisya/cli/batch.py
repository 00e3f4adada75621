"""`drisya batch INPUT.zip --out OUTPUT.zip`: a whole batch on this machine, no server needed.

`--module surprise --theme NAME --variants N [--video] [--seed S]` makes N themed variants (and a
short MP4) of every product instead of one output; the ZIP then has a folder per product.

It runs exactly what the server runs (intake checks, the coin ledger, Ray Data actors, the streamed
output ZIP) against an embedded MongoDB and a local Ray started for the run. A local run is free:
a local user is granted the job's quote through the ledger, so the accounting code is exercised too.
Exit codes: 0 every image succeeded, 1 some failed or were rejected, or the job as a whole could not
run (the output ZIP is written either way: manifest.csv says what became of each input), 2 the input
or an option was refused before any work started.

The run's database is a child process of this command. Should it die during the run, the ZIP is
still written from what is known without it: every input the intake accepted (read before the run),
the outputs already in blob storage as done, and the rest listed with the status `unknown`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from drisya.cli.errors import CliError

UNKNOWN_STATUS = "unknown"
UNKNOWN_ERROR = "state unknown: the database stopped before this image's result was recorded"

EPILOG = """\
A local run is free: nothing is charged and no account is needed. It goes through the same
intake checks and coin accounting as the server (a local user is granted the job's quote).
Exit status: 0 every image succeeded; 1 some images failed or were rejected, or the batch as a
whole could not run (the output ZIP is still written: its manifest.csv lists every input with its
status and error); 2 the input or an option was refused and nothing was processed.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="process a ZIP (or folder) of product photos into an output ZIP, locally",
        description="Process every photo of a ZIP or folder on this machine and write an output ZIP "
        "with the results and a manifest.csv.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", help="a .zip of JPEG/PNG/WebP photos, or a folder of them")
    parser.add_argument("--out", "-o", required=True, help="where to write the output ZIP")
    parser.add_argument(
        "--template", default="#ffffff", help="template id or #RRGGBB colour (default: white)"
    )
    parser.add_argument(
        "--module",
        choices=("ready", "look", "surprise"),
        default="ready",
        help="ready (default), look, or surprise (themed variants and a video per product)",
    )
    surprise = parser.add_argument_group("surprise", "options of --module surprise")
    surprise.add_argument("--theme", help="festive, luxury, summer, minimal, bold, nature, tech or pastel")
    surprise.add_argument("--variants", type=int, help="variants per product, 1-8 (default 1)")
    surprise.add_argument("--video", action="store_true", help="also a 3-6 s MP4 per product")
    surprise.add_argument("--seed", type=int, help="another seed gives other variants (default 0)")
    parser.add_argument("--preset", help="platform preset (e.g. amazon); overrides aspect and size")
    parser.add_argument("--aspect", help="output aspect ratio W:H, e.g. 1:1, 4:5, 16:9")
    parser.add_argument("--size", type=int, help="longest side of the output in pixels")
    parser.add_argument("--format", dest="format", choices=("jpg", "png", "webp"), help="output format")
    parser.add_argument("--method", choices=("auto", "fast", "model"), help="matting method (default: auto)")
    parser.add_argument("--recipe", help="a JSON file with further recipe fields (shadow, retouch ...)")
    parser.add_argument("--workers", type=int, help="at most this many worker actors (default: one per CPU)")
    parser.add_argument(
        "--data-dir", help="keep the run's database and blobs here (default: a temp dir removed afterwards)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def build_recipe(args: argparse.Namespace) -> dict[str, Any]:
    recipe: dict[str, Any] = {}
    if args.recipe:
        import json

        try:
            recipe = json.loads(Path(args.recipe).read_text())
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot read recipe {args.recipe}: {exc}", 2) from exc
        if not isinstance(recipe, dict):
            raise CliError(f"recipe {args.recipe} must hold a JSON object", 2)
    for name in ("preset", "aspect", "size", "format", "method"):
        value = getattr(args, name)
        if value is not None:
            recipe[name] = value
    recipe["module"] = args.module
    return recipe


def build_surprise(args: argparse.Namespace) -> dict[str, Any] | None:
    """The surprise options from the command line (validated by the engine with the recipe); None
    for other modules, which refuse them."""
    given = {
        "theme": getattr(args, "theme", None),
        "variants": getattr(args, "variants", None),
        "seed": getattr(args, "seed", None),
    }
    given = {k: v for k, v in given.items() if v is not None}
    if getattr(args, "video", False):
        given["video"] = True
    if args.module != "surprise":
        if given:
            flags = ", ".join(f"--{k}" for k in given)
            raise CliError(f"{flags} only apply to --module surprise", 2)
        return None
    if "theme" not in given:
        from engine.surprise import THEMES

        raise CliError(f"--module surprise needs --theme: one of {', '.join(THEMES)}", 2)
    return given


class ProgressBar:
    """One line on stderr, redrawn in place on a terminal, a line every few seconds otherwise."""

    def __init__(self, enabled: bool, stream=sys.stderr) -> None:
        self.enabled = enabled
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self._last_line = 0.0
        self._last_text = ""

    def update(self, progress: Any) -> None:
        if not self.enabled:
            return
        finished, total = progress.done + progress.failed, max(progress.total, 1)
        elapsed = time.monotonic() - self.started
        rate = finished / elapsed if elapsed > 0 else 0.0
        width = 30
        filled = int(width * finished / total)
        bar = "#" * filled + "-" * (width - filled)
        failed = f", {progress.failed} failed" if progress.failed else ""
        text = f"[{bar}] {finished}/{progress.total} images{failed}  {rate:.1f} img/s  {elapsed:.0f}s"
        if self.tty:
            self.stream.write("\r" + text.ljust(len(self._last_text)))
            self.stream.flush()
        elif text != self._last_text and (
            time.monotonic() - self._last_line > 5 or finished == progress.total
        ):
            self.stream.write(text + "\n")
            self._last_line = time.monotonic()
        self._last_text = text

    def close(self) -> None:
        if self.enabled and self.tty and self._last_text:
            self.stream.write("\n")
            self.stream.flush()


def _input_files(folder: Path):
    """A folder's files (recursively), as (relative name, open file) pairs, opened one at a time."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with open(path, "rb") as fh:
            yield path.relative_to(folder).as_posix(), fh


def run(args: argparse.Namespace) -> int:
    source = Path(args.input)
    out = Path(args.out)
    try:
        if not source.exists():
            raise CliError(f"input {source} does not exist", 2)
        if not (source.is_file() or source.is_dir()):  # a FIFO would block, a device never end
            raise CliError(f"input {source} is not a regular file or a folder", 2)
        if out.exists() and out.is_dir():
            raise CliError(f"--out {out} is a folder; give a .zip file path", 2)
        if not out.parent.exists():
            raise CliError(f"the folder of --out ({out.parent}) does not exist", 2)
        if out.resolve() == source.resolve():
            raise CliError("--out must not overwrite the input", 2)
        _probe_writable(out)
    except OSError as exc:  # a name too long, a folder we may not write to ...
        raise CliError(f"cannot use {exc.filename or args.out}: {exc.strerror or exc}", 2) from exc
    if args.workers is not None and args.workers < 1:
        raise CliError("--workers must be at least 1", 2)
    recipe = build_recipe(args)
    surprise = build_surprise(args)
    _validate_options(args, recipe, surprise)

    keep = args.data_dir is not None
    data_dir = Path(args.data_dir) if keep else Path(tempfile.mkdtemp(prefix="drisya-batch-"))
    try:
        return asyncio.run(_run(args, source, out, recipe, data_dir, surprise))
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _validate_options(
    args: argparse.Namespace, recipe: dict[str, Any], surprise: dict[str, Any] | None = None
) -> None:
    """Refuse a bad recipe, surprise option or template before starting anything (exit 2)."""
    from data_jobs.jobs import validate_recipe, validate_surprise, validate_template
    from engine.errors import RecipeError
    from engine.templates import UnknownTemplate

    try:
        validate_recipe(args.module, recipe)
    except RecipeError as exc:
        raise CliError(f"invalid recipe: {exc}", 2) from exc
    try:
        validate_surprise(args.module, surprise)
    except RecipeError as exc:
        raise CliError(f"invalid surprise option: {exc}", 2) from exc
    if args.module != "surprise":  # a surprise job's theme draws its templates; --template is ignored
        try:
            validate_template(args.template)
        except (UnknownTemplate, KeyError, ValueError) as exc:
            raise CliError(f"unknown template {args.template!r}: {exc}", 2) from exc
    if recipe.get("method") != "fast":
        from cluster.model_store import ModelFetchError, resolve_model
        from cluster.settings import Settings

        try:  # fetched here, once, on first use (the workers never fetch)
            resolve_model(Settings.from_env(), log=lambda msg: print(f"drisya: {msg}", file=sys.stderr))
        except ModelFetchError as exc:
            raise CliError(f"{exc} (or use --method fast)", 2) from exc


async def _run(
    args: argparse.Namespace,
    source: Path,
    out: Path,
    recipe: dict[str, Any],
    data_dir: Path,
    surprise: dict[str, Any] | None = None,
) -> int:
    import secrets

    from cluster.embedded_mongo import EmbeddedMongo
    from cluster.processes import is_alive
    from cluster.settings import Settings
    from data_jobs.download import manifest_rows
    from data_jobs.errors import IntakeRefused
    from data_jobs.jobs import add_files, add_zip, create_job, submit_job
    from data_jobs.runner import ensure_ray, run_job
    from store.blobs import blob_store_from_settings
    from store.db import connect, ensure_indexes
    from store.job_coins import quote
    from store.ledger import Ledger
    from store.repositories import Repositories
    from store.retry import RetryPolicy, is_transient

    _quiet_ray_logs()
    _one_line_job_logs()
    settings = Settings.from_env().with_(data_dir=str(data_dir), blob_dir=None, blob_backend="local")
    if settings.ray_address is None:
        settings = settings.with_(ray_address="local")
    blobs = blob_store_from_settings(settings)
    mongo = EmbeddedMongo(data_dir / "mongo")
    started_ray = False
    db = None
    bar = ProgressBar(enabled=not args.quiet)
    known: KnownInputs | None = None
    try:
        # a local child answers in milliseconds; a short selection timeout lets the retry policy
        # notice a dead database quickly (a slow but living one is retried for the whole budget)
        db = connect(mongo.start(), "drisya", serverSelectionTimeoutMS=1000)
        await ensure_indexes(db)
        repos = Repositories(db)
        user = await repos.users.create(
            f"local-{secrets.token_hex(4)}@drisya.local", secrets.token_urlsafe(24)
        )
        job = await create_job(
            repos,
            owner=user.id,
            module=args.module,
            template=args.template,
            recipe=recipe,
            surprise=surprise,
        )
        t0 = time.perf_counter()
        try:
            if source.is_dir():
                report = await add_files(repos, blobs, settings, job.id, _input_files(source))
            else:
                with open(source, "rb") as fh:
                    report = await add_zip(repos, blobs, settings, job.id, fh)
        except IntakeRefused as exc:
            raise CliError(f"input refused: {exc}", 2) from exc
        except OSError as exc:  # unreadable input file or folder entry
            raise CliError(f"cannot read the input: {exc}", 2) from exc
        intake_s = time.perf_counter() - t0
        job = await repos.jobs.get(job.id)
        amount = quote(job)
        if amount > 0:  # a local run is free: grant exactly the quote, then account as the server does
            await Ledger(db).credit(user.id, amount, "grant", f"local-grant:{job.id}", ref="drisya batch")
        await submit_job(repos, job.id)
        known = await read_known_inputs(repos, job.id)
        if not args.quiet:
            skipped = f", {len(report.skipped)} system files skipped" if report.skipped else ""
            print(
                f"{len(report.accepted)} images accepted, {len(report.rejected)} rejected{skipped} "
                f"({intake_s:.1f}s); starting workers...",
                file=sys.stderr,
            )
        failure: str | None = None
        summary = None
        # The database is our own child process: once it has exited, waiting for it is pointless.
        db_retry = RetryPolicy(still_worth_it=lambda: mongo.pid is not None and is_alive(mongo.pid))
        try:
            started_ray = True  # shut down below even when starting it failed half-way
            ensure_ray(settings)
            summary = await run_job(
                repos,
                settings,
                job.id,
                max_actors=args.workers,
                reserve_cpus=0.0,
                on_progress=bar.update,
                db_retry=db_retry,
            )
        except Exception as exc:  # the job as a whole could not run (no worker could load the model ...)
            if is_transient(exc):
                raise
            failure = one_line_reason(exc)
        finally:
            bar.close()
        # Written whatever happened: the seller gets every finished output and a manifest that says
        # what became of each input, rather than nothing but an error line.
        rows = await manifest_rows(repos, job.id)
        if failure is not None:
            failed_job = await repos.jobs.get(job.id)
            rows = rows_after_job_failure(rows, failed_job.error, failure)
        size = await _write_zip(blobs, rows, out)
        rejected = len(report.rejected)
        if failure is not None or summary is None:
            done = sum(1 for row in rows if row.status == "done")
            raise CliError(
                f"the batch could not run: {failure}; {done} done -> {out} "
                "(manifest.csv lists every input and why it failed)",
                1,
            )
        print(
            f"{summary.done} done, {summary.failed} failed, {rejected} rejected -> {out} "
            f"({size / 1e6:.1f} MB, manifest.csv lists every input)",
            file=sys.stderr,
        )
        return 0 if summary.failed == 0 and rejected == 0 and summary.status == "done" else 1
    except Exception as exc:
        if not is_transient(exc):
            raise
        reason = f"the database stopped during the run ({type(exc).__name__})"
        if known is None:  # before the job was submitted: nothing ran, nothing to pack
            raise CliError(f"{reason}; nothing was processed", 1) from None
        rows = rows_without_database(known, blobs)
        await _write_zip(blobs, rows, out)
        done = sum(1 for row in rows if row.status == "done")
        unknown = sum(1 for row in rows if row.status == UNKNOWN_STATUS)
        raise CliError(
            f"{reason}; {done} done, {unknown} unknown -> {out} (manifest.csv lists every input)", 1
        ) from None
    finally:
        if db is not None:
            try:
                await db.client.close()
            except Exception:  # noqa: BLE001 - closing a client of a dead server must not mask the result
                pass
        if started_ray:
            import ray

            ray.shutdown()
        mongo.stop()


async def _write_zip(blobs: Any, rows: list, out: Path) -> int:
    """The output ZIP at `out` (atomically); returns its size in bytes."""
    from data_jobs.output_zip import build_output_zip

    zipped = await asyncio.to_thread(build_output_zip, blobs, rows)
    try:
        await asyncio.to_thread(_write_atomically, out, zipped.chunks())
    except OSError as exc:  # the disk filled up, the folder went away ...
        raise CliError(f"cannot write {out}: {exc}", 1) from exc
    return zipped.size


@dataclasses.dataclass(frozen=True)
class KnownInputs:
    """What the run knows without its database: each accepted input with the blob key its output
    will have, and the entries intake rejected (read once, right after the job was submitted)."""

    rows: list  # ManifestRow, as at submission: accepted inputs pending, rejected entries
    output_keys: dict[str, str]  # input name -> the output blob key it gets when done
    # a surprise job: input name -> every output it gets when done (templates unknown without the database)
    output_items: dict[str, tuple[dict, ...]] = dataclasses.field(default_factory=dict)


async def read_known_inputs(repos: Any, job_id: str) -> KnownInputs:
    from data_jobs.download import manifest_rows
    from engine.pipeline import parse_recipe
    from store.blobs import job_key

    job = await repos.jobs.get(job_id)
    ext = parse_recipe(job.recipe).format  # the worker's output extension follows the recipe's format
    stems = {
        image.input_name: job_key(job_id, "outputs", f"{image.seq:06d}")
        async for image in repos.images.iter_for_job(job_id)
    }
    keys = {name: f"{stem}.{ext}" for name, stem in stems.items()}
    items: dict[str, tuple[dict, ...]] = {}
    if job.module == "surprise" and job.surprise is not None:
        items = {name: _expected_items(stem, ext, job.surprise) for name, stem in stems.items()}
        keys = {name: outs[0]["blob"] for name, outs in items.items()}
    return KnownInputs(rows=await manifest_rows(repos, job_id), output_keys=keys, output_items=items)


def _expected_items(stem: str, ext: str, options: dict) -> tuple[dict, ...]:
    """A surprise image's outputs as the worker names them (data_jobs.pipeline.surprise_outputs)."""
    from engine.surprise import parse_surprise_options

    opts = parse_surprise_options(options)
    items = [
        {"name": f"{opts.theme}-{n}.{ext}", "kind": "image", "variant": n, "template": ""}
        for n in range(1, opts.variants + 1)
    ]
    if opts.video:
        items.append({"name": f"{opts.theme}.mp4", "kind": "video", "variant": 0, "template": ""})
    return tuple({**i, "blob": f"{stem}-{i['name']}", "theme": opts.theme, "seed": opts.seed} for i in items)


def rows_without_database(known: KnownInputs, blobs: Any) -> list:
    """Manifest rows when the database is gone: an input whose output blob exists is done (workers
    write an output whole, through a temporary name, or not at all), any other accepted input is
    `unknown`; rejected entries keep their row."""
    rows = []
    for row in known.rows:
        key = known.output_keys.get(row.input_name)
        if row.status in ("pending", "queued", "running") and key is not None:
            items = known.output_items.get(row.input_name, ())
            if blobs.exists(key) and all(blobs.exists(i["blob"]) for i in items):
                ext = key.rsplit(".", 1)[-1]
                row = dataclasses.replace(
                    row, status="done", error="", output_key=key, output_extension=ext, outputs=items
                )
            else:
                row = dataclasses.replace(row, status=UNKNOWN_STATUS, error=UNKNOWN_ERROR)
        rows.append(row)
    return rows


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Stalled)): (.+)$")


def one_line_reason(exc: BaseException) -> str:
    """The innermost exception line of a job failure, e.g. `ModelLoadError: cannot load the model ...`.

    Ray hands a worker's failure back as layers of traceback text (an actor that died in its constructor
    carries its remote traceback inside the message); the user needs the one line that says what went
    wrong, not a screenful of Ray internals."""
    lines = [_ANSI.sub("", line).strip() for line in str(exc).splitlines()]
    found = [m for m in map(_EXCEPTION_LINE.match, lines) if m]
    if found:
        return f"{found[-1].group(1)}: {found[-1].group(2)}"
    first = next((line for line in lines if line), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def rows_after_job_failure(rows: list, job_error: str | None, reason: str) -> list:
    """Manifest rows once the job as a whole failed: images it never finished say why, in one line.

    The runner stamps every unfinished image with an error that embeds the job's (long, multi-line)
    error; an image still queued when the job died (Ray never started ...) has none. Both become
    `failed` with the reason; images that finished, failed on their own, or were rejected at intake
    keep their row."""
    note = f"not processed: the batch could not run: {reason}"
    fixed = []
    for row in rows:
        failed_with_job = row.status == "failed" and bool(job_error) and job_error in row.error
        if row.status == "pending" or failed_with_job:
            row = dataclasses.replace(row, status="failed", error=note)
        fixed.append(row)
    return fixed


class _OneLineWithoutTraceback(logging.Handler):
    """The runner logs a failed job with its traceback; the CLI reports that failure itself in one line,
    so such records are dropped and any other warning is printed as one line."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            return
        try:
            print(f"drisya: {record.getMessage()}", file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never break the run
            self.handleError(record)


def _one_line_job_logs() -> None:
    logger = logging.getLogger("data_jobs")
    if not any(isinstance(h, _OneLineWithoutTraceback) for h in logger.handlers):
        handler = _OneLineWithoutTraceback(level=logging.WARNING)
        logger.addHandler(handler)
    logger.propagate = False


def _quiet_ray_logs() -> None:
    """Our progress bar replaces Ray Data's execution chatter; warnings and errors still show."""
    import ray.data  # configures its loggers on import, so levels are set afterwards

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled": ours show
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    # A failed execution is reported by the CLI in one line (and in manifest.csv), not as Ray Data's stack
    logging.getLogger("ray.data.exceptions").setLevel(logging.CRITICAL)
    logging.getLogger("ray.data._internal.execution.operators.actor_pool_map_operator").setLevel(
        logging.CRITICAL
    )
    ray.data.DataContext.get_current().print_on_execution_start = False


def _part_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.part-{os.getpid()}")


def _probe_writable(path: Path) -> None:
    """Create and remove the temp file the output will be written through, before any work starts,
    so an unusable --out is refused up front (exit 2) rather than after the whole batch ran."""
    tmp = _part_path(path)
    with open(tmp, "wb"):
        pass
    tmp.unlink()


def _write_atomically(path: Path, chunks) -> None:
    tmp = _part_path(path)
    try:
        with open(tmp, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
