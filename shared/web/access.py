"""Who is calling: the bearer token of a request, and the one decorator for protected views.

`protected(blp, *roles, errors=(...))` is the outermost decorator of every protected view: a caller
without a valid token (401) or without one of the roles (403) is turned away before the body or the
query is parsed, so it learns nothing of what they should contain; the decorator also documents those
answers, the other error statuses the view may give and the bearer scheme in OpenAPI, once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from flask import current_app, g, request

from shared.auth import STAFF_ROLES, Principal, decode_token
from shared.errors import Forbidden, Unauthorized
from shared.web.schemas import ErrorResponse

BEARER = [{"bearerAuth": []}]
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]


def current_principal(required: bool = True) -> Principal | None:
    """The caller of this request (decoded once per request), or None without a token when not required."""
    if "principal" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.principal = None
        elif not header.startswith("Bearer "):
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        else:
            runtime = current_app.extensions["kycuong"]
            g.principal = decode_token(header[len("Bearer "):].strip(), runtime.settings)
    if g.principal is None and required:
        raise Unauthorized("this endpoint needs a bearer token (mint one with `kycuong token`)")
    return g.principal


def client_address() -> str:
    """The address of the client behind this request: the one the gateway saw (X-Real-IP, which the gateway
    overwrites) when the request comes from a trusted gateway, else the connection's own peer. A client
    cannot name its own address to step around a per-client limit."""
    peer = request.remote_addr
    if runtime_settings().trusts_proxy(peer):
        forwarded = request.headers.get("X-Real-IP") or request.headers.get("X-Forwarded-For", "").split(",")[0]
        if forwarded.strip():
            return forwarded.strip()
    return peer or "unknown"


def runtime_settings():
    return current_app.extensions["kycuong"].settings


def require_roles(*roles: str):
    """Decorator for views: a token with one of `roles` (a staff role if none given: a token with no
    known role, or only `publisher`, reaches no staff view). Prefer `protected`, which also documents the
    answers; this one is for plain Flask views (pages)."""
    roles = roles or STAFF_ROLES

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal(required=True)
            if not principal.has_any(roles):
                raise Forbidden(f"this action needs one of the roles {', '.join(roles)}; "
                                f"your token has {', '.join(sorted(principal.roles)) or 'none'}")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def documents_errors(blp, *statuses: int):
    """Documents the error answers (the one shape, ErrorResponse) a view may give, besides its success."""

    def decorate(view):
        for status in sorted(set(statuses), reverse=True):
            view = blp.alt_response(status, schema=ErrorResponse)(view)
        return view

    return decorate


def protected(blp, *roles: str, errors: Iterable[int] = ()):
    """The outermost decorator of a protected flask-smorest view: token and role checked first, the
    401/403 answers, `errors` and the bearer scheme documented."""

    def decorate(view):
        view = documents_errors(blp, 401, 403, *errors)(view)
        view = blp.doc(security=BEARER)(view)
        return require_roles(*roles)(view)

    return decorate
