"""Drisya: the user-facing package.

`drisya.client` is the light HTTP SDK; `drisya.cli` is the `drisya` command, whose local
sub-commands import the server packages (engine, data_jobs, ...) only when they run.
"""

__version__ = "0.1.0"
