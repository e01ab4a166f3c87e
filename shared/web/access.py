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
from shared.web import session
from shared.web.schemas import ErrorResponse

BEARER = [{"bearerAuth": []}]
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]


# Methods that change something: with a session cookie they need the form's CSRF token too.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def current_principal(required: bool = True) -> Principal | None:
    """The caller of this request (decoded once per request), or None without a token when not required:
    an API client's bearer token, else a browser's session cookie (whose changes must carry its CSRF token)."""
    if "principal" not in g:
        header = request.headers.get("Authorization", "")
        if header and not header.startswith("Bearer "):
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        if header:
            g.principal = decode_token(header[len("Bearer "):].strip(), runtime_settings())
        else:
            g.principal = _session_principal()
    if g.principal is None and required:
        raise Unauthorized("this endpoint needs a bearer token (mint one with `kycuong token`) or a signed-in "
                           "browser session")
    return g.principal


def current_session() -> session.Session | None:
    """The browser's session of this request, if it came with a valid one."""
    current_principal(required=False)
    return g.get("session")


def _session_principal() -> Principal | None:
    value = request.cookies.get(session.COOKIE)
    if not value:
        return None
    try:
        found = session.read(runtime_settings().session_secret, value)
    except session.SessionExpired as exc:
        raise Unauthorized("your session has expired; sign in again", {"session": ["expired"]}) from exc
    if found is None:
        raise Unauthorized("your session cookie is not valid; sign in again", {"session": ["not valid"]})
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(session.CSRF_HEADER) or request.form.get(session.CSRF_FIELD)
        if not session.csrf_matches(found, sent):
            raise Forbidden("this form has expired or did not come from this site; reload the page and try again",
                            {session.CSRF_FIELD: ["missing or not this session's"]})
    g.session = found
    return found.principal


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
