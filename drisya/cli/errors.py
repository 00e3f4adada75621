"""Errors a command reports as one line on stderr with a chosen exit code, never a traceback."""


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
