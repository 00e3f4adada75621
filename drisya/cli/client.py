"""The client commands (`login`, `submit`, `jobs`, `wallet`) from the `drisya-client` distribution.

The full install has one `drisya` script for both sides; the server-side commands of the same name win
(`drisya templates` lists the local catalogue), so the client's gallery listing stays reachable as
`drisya-client templates`.
"""

from __future__ import annotations

import argparse

CLIENT_COMMANDS = ("login", "submit", "jobs", "wallet")


def register(sub: argparse._SubParsersAction) -> None:
    from drisya_client.cli import add_commands

    add_commands(sub, names=CLIENT_COMMANDS)
