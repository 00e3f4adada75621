"""Errors a batch job reports to its caller (API -> HTTP status, CLI -> exit code)."""

from __future__ import annotations

from typing import Any


class JobError(Exception):
    """Base class: `code` is stable and machine-readable, the message is a sentence for the user."""

    code = "job_error"
    http_status = 409

    def __init__(self, code: str | None, message: str) -> None:
        super().__init__(message)
        if code:
            self.code = code


class IntakeRefused(JobError):
    """The upload as a whole cannot be used (not a ZIP, no images, too many entries, too large).
    `report` carries the per-entry reasons when there were entries to judge."""

    code = "intake_refused"
    http_status = 422

    def __init__(self, code: str, message: str, *, report: Any = None) -> None:
        super().__init__(code, message)
        self.report = report
        if code in ("too_large", "too_many_entries"):
            self.http_status = 413
        elif code == "not_a_zip":
            self.http_status = 415


class JobNotFound(JobError):
    code = "job_not_found"
    http_status = 404

    def __init__(self, job_id: str) -> None:
        super().__init__(None, f"no job {job_id}")


class JobStateError(JobError):
    """The job is not in a state that allows the request (e.g. adding files to a running job)."""

    code = "job_state"
    http_status = 409
