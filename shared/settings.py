"""Runtime settings, read once from the environment.

The same code runs embedded (one process, in-memory broker, SQLite files) or distributed (one process
per service and role, RabbitMQ, PostgreSQL): only these settings differ.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path

SERVICES = ("tasks", "dossiers", "feedback", "discipline", "reporting")

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
MEMORY_BROKER_URL = "memory://"
DEV_JWT_SECRET = "kycuong-development-secret-change-me-in-production"
# An HS256 secret shorter than this can be guessed offline from one token.
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to do."""


@dataclass(frozen=True)
class Settings:
    instance: str = "local"
    broker_url: str = MEMORY_BROKER_URL
    database_urls: dict[str, str] = field(default_factory=dict)
    var_dir: Path = Path("var")
    jwt_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    # Signs the browsers' session cookies (shared/web/session.py): every service behind the gateway must have
    # the same one. KYCUONG_SESSION_SECRET; defaults to the HS256 JWT secret.
    session_secret: str = DEV_JWT_SECRET
    calendar: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)
    relay_batch: int = 200
    relay_idle_poll: float = 0.5
    prefetch: int = 200
    delivery_limit: int = 10
    sweep_interval: float = 5.0
    outbox_retention_days: int = 7
    inbox_retention_days: int = 30
    log_level: str = "INFO"
    units: tuple[str, ...] = ()  # units this instance is responsible for (empty: all)
    # External publishers on `kycuong.ingest` and over HTTP: publisher id (its RabbitMQ user, its token's
    # `sub`) -> the units it may publish for. Empty: no publisher registry, anyone who can write to the
    # exchange is trusted (development and the embedded mode).
    publishers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Development only: run against a real broker without a publisher registry (KYCUONG_TRUST_ANY_PUBLISHER=1).
    trust_any_publisher: bool = False
    # Peers whose X-Real-IP / X-Forwarded-For name the client (the gateway); from anyone else the peer's own
    # address is the client. KYCUONG_TRUSTED_PROXIES: comma-separated addresses or networks.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
    # Browsers sign in through the province's identity provider (OpenID Connect, authorization code + PKCE):
    # KYCUONG_OIDC_ISSUER, KYCUONG_OIDC_CLIENT_ID, KYCUONG_OIDC_CLIENT_SECRET (or KYCUONG_OIDC_CLIENT_SECRET_FILE),
    # KYCUONG_OIDC_SCOPES (default "openid"), KYCUONG_OIDC_CLAIM: the ID token's claim naming the person, matched
    # against the directory's officials.idp_subject (default "sub"). Unset: no browser sign-in but the demo's.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid"
    oidc_claim: str = "sub"

    def trusts_proxy(self, peer: str | None) -> bool:
        """True if `peer` (the connection's address) is a gateway whose forwarded client address counts."""
        if not peer:
            return False
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted_proxies)

    @property
    def oidc_configured(self) -> bool:
        """Browsers can sign in through the identity provider: its issuer, this client's id and secret are set."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def embedded_default(self) -> bool:
        """The embedded default (in-memory broker, SQLite files): nothing reaches it from outside the process
        but its own HTTP port, and the development secret is what the demo's tokens are minted with."""
        return self.in_memory_broker and not self.database_urls

    def unsafe_reasons(self) -> list[str]:
        """Why these settings must not serve outside the embedded default: anyone could mint an admin token
        with a secret published in the source, or publish dossier events for any unit."""
        reasons = []
        if not self.jwt_jwks_url and (self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH):
            reasons.append("KYCUONG_JWT_SECRET is unset, the development value or shorter than "
                           f"{MIN_SECRET_LENGTH} characters: set a random one (openssl rand -hex 32), or set "
                           "KYCUONG_JWT_JWKS_URL to your identity provider's keys")
        if self.session_secret == DEV_JWT_SECRET or len(self.session_secret) < MIN_SECRET_LENGTH:
            reasons.append("KYCUONG_SESSION_SECRET (which signs browsers' sessions; it defaults to "
                           "KYCUONG_JWT_SECRET) is unset, the development value or shorter than "
                           f"{MIN_SECRET_LENGTH} characters: set a random one (openssl rand -hex 32)")
        if not self.publishers and not self.trust_any_publisher:
            reasons.append("KYCUONG_PUBLISHERS is unset: name each external publisher and its units "
                           '(e.g. {"motcua-hoankiem": ["W00070"]}), or, for development only, set '
                           "KYCUONG_TRUST_ANY_PUBLISHER=1")
        return reasons

    def database_url(self, service: str) -> str:
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite:///{self.var_dir / (service + '.db')}"

    @property
    def in_memory_broker(self) -> bool:
        return self.broker_url.startswith("memory://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("KYCUONG_VAR_DIR", "var"))
        urls: dict[str, str] = {}
        template = env.get("KYCUONG_DATABASE_URL")  # e.g. postgresql+psycopg://postgres@127.0.0.1/kycuong_{service}
        for service in SERVICES:
            specific = env.get(f"KYCUONG_{service.upper()}_DATABASE_URL")
            if specific:
                urls[service] = specific
            elif template:
                if "{service}" not in template:
                    raise SettingsError(
                        "KYCUONG_DATABASE_URL must contain '{service}' so each service gets its own "
                        f"database, got {template!r}"
                    )
                urls[service] = template.format(service=service)
        values = dict(
            instance=env.get("KYCUONG_INSTANCE", "local"),
            broker_url=env.get("KYCUONG_BROKER_URL", MEMORY_BROKER_URL),
            database_urls=urls,
            var_dir=var_dir,
            jwt_secret=env.get("KYCUONG_JWT_SECRET", DEV_JWT_SECRET),
            jwt_jwks_url=env.get("KYCUONG_JWT_JWKS_URL") or None,
            jwt_audience=env.get("KYCUONG_JWT_AUDIENCE") or None,
            session_secret=env.get("KYCUONG_SESSION_SECRET") or env.get("KYCUONG_JWT_SECRET", DEV_JWT_SECRET),
            calendar=_json_setting(env, "KYCUONG_CALENDAR"),
            rules=_json_setting(env, "KYCUONG_RULES"),
            relay_batch=_int_setting(env, "KYCUONG_RELAY_BATCH", 200),
            prefetch=_int_setting(env, "KYCUONG_PREFETCH", 200),
            delivery_limit=_int_setting(env, "KYCUONG_DELIVERY_LIMIT", 10),
            sweep_interval=float(env.get("KYCUONG_SWEEP_INTERVAL", "5")),
            outbox_retention_days=_int_setting(env, "KYCUONG_OUTBOX_RETENTION_DAYS", 7),
            inbox_retention_days=_int_setting(env, "KYCUONG_INBOX_RETENTION_DAYS", 30),
            log_level=env.get("KYCUONG_LOG_LEVEL", "INFO"),
            units=tuple(u for u in env.get("KYCUONG_UNITS", "").split(",") if u),
            publishers=_publishers_setting(env),
            trust_any_publisher=env.get("KYCUONG_TRUST_ANY_PUBLISHER", "").lower() in ("1", "true", "yes"),
            **({"trusted_proxies": _networks_setting(env, "KYCUONG_TRUSTED_PROXIES")}
               if env.get("KYCUONG_TRUSTED_PROXIES") else {}),
            oidc_issuer=env.get("KYCUONG_OIDC_ISSUER") or None,
            oidc_client_id=env.get("KYCUONG_OIDC_CLIENT_ID") or None,
            oidc_client_secret=_secret_setting(env, "KYCUONG_OIDC_CLIENT_SECRET"),
            oidc_scopes=" ".join(_oidc_scopes(env.get("KYCUONG_OIDC_SCOPES", ""))),
            oidc_claim=env.get("KYCUONG_OIDC_CLAIM") or "sub",
        )
        values.update(overrides)
        return cls(**values)


def _json_setting(env: dict[str, str], name: str) -> dict:
    raw = env.get(name)
    if not raw:
        return {}
    try:
        if raw.startswith("@"):
            raw = Path(raw[1:]).read_text(encoding="utf-8")
        value = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{name} must be JSON or @path/to/file.json: {exc}") from exc
    if not isinstance(value, dict):
        raise SettingsError(f"{name} must be a JSON object")
    return value


def _publishers_setting(env: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """KYCUONG_PUBLISHERS: {"publisher id": ["UNIT", ...], ...}, as JSON or @path/to/file.json."""
    registry = _json_setting(env, "KYCUONG_PUBLISHERS")
    publishers = {}
    for publisher, units in registry.items():
        if not isinstance(units, list) or not units or not all(isinstance(u, str) and u for u in units):
            raise SettingsError(f"KYCUONG_PUBLISHERS: publisher {publisher!r} must map to a non-empty list of "
                                f"unit codes, got {units!r}")
        publishers[publisher] = tuple(units)
    return publishers


def _secret_setting(env: dict[str, str], name: str) -> str | None:
    """A secret given as NAME, or as NAME_FILE naming a file that holds it (a container's secret mount)."""
    if env.get(name):
        return env[name]
    path = env.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise SettingsError(f"{name}_FILE: cannot read {path!r}: {exc}") from exc


def _oidc_scopes(raw: str) -> list[str]:
    """KYCUONG_OIDC_SCOPES, space- or comma-separated; `openid` is always asked (it makes the request OIDC)."""
    scopes = [s for s in raw.replace(",", " ").split() if s]
    return scopes if "openid" in scopes else ["openid", *scopes]


def _networks_setting(env: dict[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for item in env[name].split(","):
        if not item.strip():
            continue
        try:
            networks.append(ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise SettingsError(f"{name}: {item.strip()!r} is not an address or a network like 10.0.0.0/8") from exc
    return tuple(networks)


def _int_setting(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
