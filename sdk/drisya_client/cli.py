"""The client command line: `drisya login | submit | jobs | templates | wallet`.

Installed alone (`pip install drisya-client`), this is the whole `drisya` command. In the platform's
full install the server-side `drisya` adds these sub-commands through `add_commands()`, so one command
serves both. Errors are one line on stderr; `submit` exits 0 when every image is done, 1 when some
failed, 2 when the request was refused (bad input, not enough coins, not logged in, unreachable).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_SOME_FAILED, EXIT_REFUSED = 0, 1, 2
CLIENT_COMMANDS = ("login", "submit", "jobs", "templates", "wallet")


class _Refused(Exception):
    """A problem the user fixes (not logged in, bad arguments): one line, exit 2."""


def _client(args: argparse.Namespace) -> Any:
    from drisya_client import config
    from drisya_client.client import Client

    saved = config.load()
    if saved is None:
        raise _Refused("not logged in: run `drisya login --url URL` (or set DRISYA_URL and DRISYA_API_KEY)")
    return Client(saved.url, api_key=saved.api_key)


def _say(stream: Any, text: str) -> None:
    print(text, file=stream, flush=True)


# --- login -----------------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    import getpass
    import socket

    from drisya_client import config
    from drisya_client.client import Client

    with Client(args.url) as client:
        if args.api_key:
            client._http.credential = args.api_key
            who = client.me()
            key = args.api_key
        else:
            email = args.email or input("e-mail: ").strip()
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("password: ")
            client.login(email, password)
            who = client.me()
            key = client.create_api_key(f"drisya CLI on {socket.gethostname()}"[:100])
    path = config.save(config.Credentials(client.base_url, key))
    _say(sys.stdout, f"logged in to {client.base_url} as {who['email']}; API key saved to {path} (mode 0600)")
    return EXIT_OK


# --- submit ----------------------------------------------------------------------------------------


def _recipe(args: argparse.Namespace) -> dict[str, Any] | None:
    from drisya_client.jobs import recipe_of

    base: dict[str, Any] = {}
    if args.recipe:
        try:
            with open(args.recipe, encoding="utf-8") as f:
                base = json.load(f)
        except (OSError, ValueError) as exc:
            raise _Refused(f"--recipe {args.recipe}: {exc}") from None
        if not isinstance(base, dict):
            raise _Refused(f"--recipe {args.recipe}: must hold a JSON object")
    return recipe_of(base, preset=args.preset, aspect=args.aspect, size=args.size, format=args.format)


def cmd_submit(args: argparse.Namespace) -> int:
    from drisya_client.errors import DrisyaError, InsufficientCoins, ValidationError

    show = not args.quiet
    with _client(args) as client:
        try:
            job = client.jobs.submit(
                args.source,
                template=args.template,
                module=args.module,
                recipe=_recipe(args),
                name=args.name or "",
                progress=show,
            )
        except ValidationError as exc:
            for entry in exc.rejected:
                _say(sys.stderr, f"refused: {entry.get('name')}: {entry.get('reason')}")
            raise
        except ValueError as exc:  # the source itself (missing, no images)
            raise _Refused(str(exc)) from None
        except InsufficientCoins as exc:
            if exc.job is not None:  # nothing was charged; no unstartable job stays behind
                with contextlib.suppress(DrisyaError):
                    exc.job.delete()
            raise
        for entry in job.rejected:
            _say(sys.stderr, f"refused: {entry.get('name')}: {entry.get('reason')}")
        if show:
            _say(
                sys.stderr,
                f"job {job.id}: {job.total} images, {job.data.get('coins_reserved', 0)} coins reserved",
            )
        job = job.wait(progress=show)
        job.download(args.out, progress=show)
    _say(sys.stdout, f"{job.status}: {job.done} done, {job.failed} failed of {job.total}; wrote {args.out}")
    if job.status == "done" and job.failed == 0:
        return EXIT_OK
    return EXIT_SOME_FAILED


# --- jobs, templates, wallet -----------------------------------------------------------------------


def cmd_jobs(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if args.id:
            job = client.jobs.get(args.id)
            if args.out:  # a finished job's ZIP, resumed when an earlier download broke off
                job.download(args.out, progress=not args.quiet)
                _say(sys.stdout, f"wrote {args.out}")
                return EXIT_OK
            if args.json:
                _say(sys.stdout, json.dumps(job.data, indent=2))
                return EXIT_OK
            for key in (
                "id",
                "name",
                "status",
                "message",
                "template_id",
                "module",
                "total",
                "done",
                "failed",
                "coins_charged",
                "created_at",
                "finished_at",
                "error",
            ):
                if job.data.get(key) not in (None, ""):
                    _say(sys.stdout, f"{key:<14}{job.data[key]}")
            for image in job.images(status="failed"):
                _say(sys.stdout, f"failed        {image.name}: {image.reason}")
            return EXIT_OK
        page = client.jobs.list(page_size=args.limit)
        if args.json:
            _say(sys.stdout, json.dumps([j.data for j in page], indent=2))
            return EXIT_OK
        for j in page:
            _say(
                sys.stdout,
                f"{j.id}  {j.status:<9} {j.done + j.failed:>5}/{j.total:<5} "
                f"failed {j.failed:<4} {j.data.get('created_at', '')[:19]}  {j.data.get('name', '')}",
            )
        if not page.items:
            _say(sys.stdout, "no jobs yet")
    return EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    with _client(args) as client:
        page = client.templates.search(args.q, category=args.category, page_size=args.limit)
    if args.json:
        _say(sys.stdout, json.dumps([t.raw for t in page], indent=2))
        return EXIT_OK
    for t in page:
        _say(sys.stdout, f"{t.id:<32} {t.category:<12} {t.name}")
    _say(sys.stdout, f"{len(page)} of {page.total}")
    return EXIT_OK


def cmd_wallet(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.wallet.balance()
        history = client.wallet.history(page_size=args.history) if args.history else None
    _say(sys.stdout, f"{balance} coins")
    for t in history or ():
        _say(sys.stdout, f"{t.created[:19]}  {t.amount:>+7}  {t.reason}")
    return EXIT_OK


# --- wiring ----------------------------------------------------------------------------------------


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command; SDK errors become one line on stderr and exit 2."""

    def run(args: argparse.Namespace) -> int:
        from drisya_client.errors import DrisyaError, InsufficientCoins

        try:
            return handler(args)
        except InsufficientCoins as exc:
            _say(sys.stderr, f"drisya: {exc.detail}; buy at least {exc.shortfall} more coins")
        except (DrisyaError, _Refused) as exc:
            _say(sys.stderr, f"drisya: {exc}")
        except OSError as exc:
            _say(sys.stderr, f"drisya: {exc}")
        return EXIT_REFUSED

    return run


def add_commands(sub: Any, names: Sequence[str] = CLIENT_COMMANDS) -> None:
    """Add the client sub-commands `names` to an argparse sub-parser set (each sets `func`)."""
    if "login" in names:
        p = sub.add_parser("login", help="sign in to a Drisya server and save an API key")
        p.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
        p.add_argument("--email", help="account e-mail (asked when missing)")
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        p.add_argument("--api-key", help="save this API key instead of signing in with a password")
        p.set_defaults(func=_guarded(cmd_login))
    if "submit" in names:
        p = sub.add_parser(
            "submit", help="process a ZIP, a folder or images on the server; download the result"
        )
        p.add_argument("source", nargs="+", help="a .zip, a folder of photos, or image files")
        p.add_argument("--template", required=True, help="template id or #RRGGBB")
        p.add_argument("--module", default="ready", choices=("ready", "look"))
        p.add_argument("--preset", help="platform preset, e.g. amazon")
        p.add_argument("--aspect", help="output aspect ratio W:H, e.g. 4:5")
        p.add_argument("--size", type=int, help="longest side of the output in pixels")
        p.add_argument("--format", choices=("jpg", "png", "webp"), help="output format")
        p.add_argument("--recipe", help="a JSON file with further recipe fields")
        p.add_argument("--name", help="a name for the job (shown in the dashboard)")
        p.add_argument("--out", "-o", required=True, help="where to write the result ZIP")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
        p.set_defaults(func=_guarded(_submit_source(cmd_submit)))
    if "jobs" in names:
        p = sub.add_parser("jobs", help="your jobs, or one job with its failed images")
        p.add_argument("id", nargs="?")
        p.add_argument("--out", "-o", help="with ID: download the job's result ZIP here (resumes)")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
        p.add_argument("--limit", type=int, default=20)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=_guarded(cmd_jobs))
    if "templates" in names:
        p = sub.add_parser("templates", help="the server's template gallery")
        p.add_argument("--q", help="search words")
        p.add_argument("--category")
        p.add_argument("--limit", type=int, default=100)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=_guarded(cmd_templates))
    if "wallet" in names:
        p = sub.add_parser("wallet", help="your coin balance (and --history N entries)")
        p.add_argument("--history", type=int, default=0, metavar="N")
        p.set_defaults(func=_guarded(cmd_wallet))


def _submit_source(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """One SOURCE is a zip or folder; several are image files."""

    def run(args: argparse.Namespace) -> int:
        args.source = args.source[0] if len(args.source) == 1 else list(args.source)
        return handler(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    from drisya_client import __version__

    parser = argparse.ArgumentParser(prog="drisya", description="Drisya client: batches on a Drisya server.")
    parser.add_argument("--version", action="version", version=f"drisya-client {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _say(sys.stderr, "drisya: interrupted; a submitted job keeps running (`drisya jobs ID --out F`)")
        return 130


if __name__ == "__main__":
    sys.exit(main())
