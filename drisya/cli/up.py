"""`drisya up`: start the whole platform on this machine and keep it running until Ctrl-C.

Starts (unless configured to use existing ones) the embedded database and a local Ray, prepares the
database (indexes, crash reconciliation, first admin), runs the API on Ray Serve at host:port, prints the
URL and the admin's credentials, and on Ctrl-C / SIGTERM stops Serve, Ray and the database in that order.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import Any

from drisya.cli.errors import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "up",
        help="start the platform (API, database, Ray) and keep it running until Ctrl-C",
        description="Start Drisya on this machine with embedded defaults; settings come from DRISYA_* variables.",
    )
    parser.add_argument("--host", help="interface to listen on (DRISYA_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="HTTP port (DRISYA_PORT, default 8000)")
    parser.add_argument("--data-dir", help="where the database, blobs and secrets live (DRISYA_DATA_DIR)")
    parser.add_argument("--replicas", type=int, default=1, help="API replicas on Ray Serve (default 1)")
    parser.set_defaults(func=run)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _say(line: str = "") -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    from pymongo.errors import PyMongoError

    from cluster.embedded_mongo import EmbeddedMongoError
    from cluster.lifecycle import Platform, PortInUse, check_port_free
    from cluster.settings import Settings

    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    try:
        settings = Settings.from_env(**overrides)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.replicas < 1:
        raise CliError("--replicas must be at least 1")
    try:
        check_port_free(settings.host, settings.port)
    except PortInUse as exc:
        raise CliError(str(exc)) from None

    platform = Platform(settings)
    started = time.monotonic()
    # Until the platform is up, SIGTERM unwinds like Ctrl-C, so whatever already started is stopped too.
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        try:
            settings = platform.start_database()
        except EmbeddedMongoError as exc:
            raise CliError(str(exc)) from None
        _say(
            f"database: {'embedded nx-27017 at ' + settings.mongodb_uri if platform.owns_database else 'external'}"
        )

        from serve_apps.startup import prepare

        try:
            report = asyncio.run(prepare(settings, owns_database=platform.owns_database))
        except PyMongoError as exc:  # an external DRISYA_MONGODB_URI that does not answer or refuses us
            raise CliError(f"MongoDB is not usable: {str(exc).splitlines()[0][:300]}") from None
        except OSError as exc:  # e.g. a data or blob dir that is not writable
            raise CliError(f"start-up failed: {exc}") from None
        if report.reconcile.ledger.completed or report.reconcile.ledger.discarded or report.reconcile.settled:
            _say(f"recovered after an unclean stop: {report.reconcile.summary()}")

        _say("starting Ray ...")
        platform.start_ray()
        signal.signal(signal.SIGTERM, _raise_interrupt)  # ray.init installs its own SIGTERM handler
        _say(f"ray: {platform.ray_summary()}")

        from serve_apps.deployment import deploy, undeploy

        _say("starting the API on Ray Serve ...")
        platform.add_cleanup("Ray Serve", undeploy)
        deploy(settings, replicas=args.replicas)

        url = f"http://{settings.host}:{settings.port}"
        _print_ready(url, settings, report, time.monotonic() - started)
        signal.signal(signal.SIGTERM, previous_term)
        platform.wait_for_signal()
        _say("stopping ...")
    finally:
        platform.stop()
        signal.signal(signal.SIGTERM, previous_term)
    _say("stopped.")
    return 0


def _print_ready(url: str, settings: Any, report: Any, elapsed: float) -> None:
    admin = report.admin
    _say("")
    _say(f"Drisya is up at {url}  (started in {elapsed:.0f}s)")
    _say(f"  health:   {url}/healthz")
    _say(f"  API docs: {url}/docs")
    if admin.password is not None:
        where = {
            "generated": f"generated; kept in {admin.password_file} - change it after signing in",
            "environment": "from DRISYA_ADMIN_PASSWORD",
        }.get(admin.source, "")
        _say(f"  admin:    {admin.email} / {admin.password}" + (f"   ({where})" if where else ""))
    else:
        _say(f"  admin:    {admin.email} (password unchanged since it was set)")
    _say(f"  data:     {settings.data_path}")
    mail = (
        f"SMTP {settings.smtp_host}:{settings.smtp_port}"
        if settings.smtp_host
        else f"{settings.outbox_path} (.eml files)"
    )
    _say(f"  e-mail:   {mail}")
    for note in report.notes:
        _say(f"  {note}")
    _say("Press Ctrl-C to stop.")
    sys.stdout.flush()
