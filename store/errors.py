"""Errors the store raises; the API maps each to an HTTP status (404, 409, 422...)."""


class StoreError(Exception):
    """Base class; `code` is the machine-readable error code used in API responses."""

    code = "store_error"


class NotFound(StoreError, LookupError):
    code = "not_found"


class Conflict(StoreError):
    code = "conflict"


class DuplicateEmail(Conflict):
    code = "email_taken"


class InvalidTransition(Conflict):
    """A status change that the document's current status does not allow."""

    code = "invalid_transition"


class InvalidValue(StoreError, ValueError):
    code = "invalid"
