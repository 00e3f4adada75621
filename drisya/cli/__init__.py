"""The `drisya` command line. Each sub-command lives in its own module here and exposes
`register(subparsers)`; `main` discovers them, so adding a command never touches another's file."""
