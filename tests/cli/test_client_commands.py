"""The full install's one `drisya` command carries the client commands beside the server-side ones."""

from __future__ import annotations

from drisya.cli.client import CLIENT_COMMANDS
from drisya.cli.main import build_parser


def test_client_and_server_commands_share_one_parser() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in (*CLIENT_COMMANDS, "batch", "matte", "enhance", "templates", "up", "models"):
        assert name in commands
    args = parser.parse_args(["submit", "photos.zip", "--template", "white-studio", "--out", "out.zip"])
    assert args.command == "submit" and callable(args.func)
