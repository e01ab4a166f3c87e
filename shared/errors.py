"""One error shape everywhere: {"code", "status", "message", "errors"}.

Use cases raise the DomainError subclasses; the HTTP layer turns them, and every werkzeug or
flask-smorest error, into that shape.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.errors)


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def error_body(status: int, code: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "status": status, "message": message, "errors": errors or {}}
