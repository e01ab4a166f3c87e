"""Who may do what: the principal (subject, unit, roles), its unit scoping, and JWT tokens.

Pure of any web framework: use cases take a Principal; `shared.web.access` reads it from a request.

Tokens carry `sub`, `unit` and `roles` (officer, head, inspector, office, admin). Development tokens
are HS256 with the configured secret (`kycuong token`); production verifies an OIDC provider's tokens
against its JWKS. Inspectors, the office and admins see every unit; officers and heads see their unit
and the units below it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from shared.errors import Forbidden, Unauthorized

# `publisher`: an external one-stop system posting ingest events; its `sub` is its publisher id.
ROLES = ("officer", "head", "inspector", "office", "admin", "publisher")
SEE_ALL = {"inspector", "office", "admin"}
# The roles of people working in the administration: every staff view needs one of them.
STAFF_ROLES = ("officer", "head", "inspector", "office", "admin")


@dataclass(frozen=True)
class Principal:
    sub: str
    unit: str | None
    roles: frozenset[str]

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))

    @property
    def sees_all_units(self) -> bool:
        return bool(self.roles & SEE_ALL)

    def can_access_unit(self, unit: str, ancestors: Callable[[str], Iterable[str]] | None = None) -> bool:
        """True if the unit is the principal's own, below it (given an ancestry lookup), or the
        principal sees all units."""
        if self.sees_all_units:
            return True
        if self.unit is None:
            return False
        if unit == self.unit:
            return True
        return ancestors is not None and self.unit in set(ancestors(unit))

    def scope_unit(self, unit: str | None) -> str | None:
        """The unit a list is limited to: the one asked for (checked), else the caller's own unless their
        role sees every unit; None means every unit."""
        if unit is None and not self.sees_all_units:
            if self.unit is None:
                raise Forbidden("your token names no unit and your role does not see every unit; "
                                "ask for a token of your unit", {"unit": ["no unit in the token"]})
            return self.unit
        if unit is not None:
            self.ensure_unit(unit)
        return unit

    def ensure_unit(self, unit: str, ancestors: Callable[[str], Iterable[str]] | None = None) -> None:
        if not self.can_access_unit(unit, ancestors):
            raise Forbidden(
                f"your token is for unit {self.unit!r}; unit {unit!r} is neither it nor below it",
                {"unit": [f"not within {self.unit!r}"]},
            )


def mint_token(secret: str, *, sub: str, unit: str | None, roles: Iterable[str], now: datetime,
               ttl: timedelta = timedelta(hours=8), audience: str | None = None) -> str:
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(ROLES)}")
    claims = {"sub": sub, "unit": unit, "roles": roles, "iat": now, "exp": now + ttl}
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


_jwks_clients: dict[str, jwt.PyJWKClient] = {}
# The provider's key set is read again every JWKS_LIFESPAN seconds, and at once for a token whose key id it does
# not hold, at most once per JWKS_REFRESH_COOLDOWN seconds (a flood of made-up key ids cannot flood the provider).
# A key rotation without downtime: the provider publishes the new key beside the old one at least JWKS_LIFESPAN
# before signing with it, and keeps the old one published while tokens signed with it live.
JWKS_LIFESPAN = 300
JWKS_REFRESH_COOLDOWN = 5


def decode_token(token: str, settings) -> Principal:
    try:
        if settings.jwt_jwks_url:
            client = _jwks_clients.get(settings.jwt_jwks_url)
            if client is None:
                client = _jwks_clients.setdefault(settings.jwt_jwks_url, jwt.PyJWKClient(
                    settings.jwt_jwks_url, lifespan=JWKS_LIFESPAN, cooldown_duration=JWKS_REFRESH_COOLDOWN,
                    timeout=10))
            key = client.get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], audience=settings.jwt_audience,
                                options={"require": ["sub", "exp"]})
        else:
            claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], audience=settings.jwt_audience,
                                options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired; get a new one") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from exc
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = roles.split()
    return Principal(sub=str(claims["sub"]), unit=claims.get("unit"), roles=frozenset(roles))
