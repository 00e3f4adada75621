"""Entry point of the `drisya` command: discovers sub-command modules and maps each to a function."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from drisya import __version__
from drisya.cli.errors import CliError

_NOT_COMMANDS = {"main", "errors", "progress"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drisya", description="Marketplace-ready product photos in bulk.")
    parser.add_argument("--version", action="version", version=f"drisya {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    import drisya.cli as cli_pkg

    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _NOT_COMMANDS:
            continue
        module = importlib.import_module(f"drisya.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CliError as exc:
        print(f"drisya: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("drisya: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
