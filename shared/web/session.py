"""The browser's session: one signed cookie that every service behind the gateway accepts, and the CSRF
token its forms carry.

A browser cannot hold a bearer token safely, so a signed-in person carries a cookie instead: HttpOnly (no
script reads it), SameSite=Lax (another site cannot send it with a form), Secure behind HTTPS, Path=/ (every
service's pages). It holds who they are (subject, unit, roles) and a random CSRF token; every form that
changes something carries that token back, so a page of another site cannot act in their name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shared.auth import Principal

COOKIE = "kc_session"
LIFETIME = timedelta(hours=8)  # a working day; after it the browser is sent back to sign in
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="kycuong.session")


def issue(secret: str, principal: Principal) -> str:
    """The cookie value for a person who has just signed in."""
    return _serializer(secret).dumps({"sub": principal.sub, "unit": principal.unit,
                                      "roles": sorted(principal.roles), "csrf": secrets.token_urlsafe(24)})


class SessionExpired(Exception):
    pass


def read(secret: str, value: str) -> Session | None:
    """The session a cookie carries; None for a forged or damaged cookie; SessionExpired after its lifetime."""
    try:
        data = _serializer(secret).loads(value, max_age=int(LIFETIME.total_seconds()))
    except SignatureExpired as exc:
        raise SessionExpired from exc
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sub"), str) or not isinstance(data.get("csrf"), str):
        return None
    roles = data.get("roles") if isinstance(data.get("roles"), list) else []
    return Session(Principal(data["sub"], data.get("unit"), frozenset(str(r) for r in roles)), data["csrf"])


def csrf_matches(session: Session, sent: str | None) -> bool:
    return bool(sent) and secrets.compare_digest(session.csrf, sent)
