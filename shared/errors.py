"""The errors a use case or a domain rule raises, with no transport in them.

Each error says what went wrong and what to fix (`message`) and, where fields are at fault, `errors` per
field. The HTTP edge (`shared.web`) maps each class to its status and the one JSON shape
{"code", "status", "message", "errors"}; the consumer dead-letters a message whose handler raised one,
with `code: message` as the reason.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request or a message that can never be applied as it stands."""

    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(DomainError):
    code = "invalid_input"


class TooLarge(InvalidInput):
    """Input over a size limit (an attachment, a body)."""

    code = "too_large"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class TooManyRequests(DomainError):
    """The caller is over a rate limit; it may try again after `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, errors: dict[str, Any] | None = None):
        super().__init__(message, errors)
        self.retry_after = retry_after


class Retryable(Exception):
    """A failure that may pass by itself (another transaction changed the same rows at the same moment):
    the consumer applies the event again, with back-off, and dead-letters it after the delivery limit."""
