"""Per-client rate limits on the public POST endpoints (web side; the arithmetic is domain.TokenBucket).

The buckets live in the memory of one process, so the limit is per replica: with N `serve` replicas a
client gets up to N times the rate. That keeps intake stateless (no shared store on the hot path);
the gateway in front is the place for a global limit. Behind the gateway the client is the first
address of X-Forwarded-For.
"""

from __future__ import annotations

import threading

from flask import current_app, request

from services.feedback import domain

DEFAULT_LIMIT = {"per_minute": 10, "burst": 20}
MAX_CLIENTS = 100_000  # bounded memory under a spray of addresses: forget the quietest half


class RateLimiter:
    def __init__(self, per_minute: float, burst: float):
        self.per_minute, self.burst = float(per_minute), float(burst)
        self._buckets: dict[str, domain.TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> None:
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._forget_half()
                bucket = self._buckets[client] = domain.TokenBucket.full(self.per_minute, self.burst, now)
            wait = bucket.take(now)
        if wait:
            raise domain.RateLimited(wait)

    def _forget_half(self) -> None:
        by_age = sorted(self._buckets, key=lambda key: self._buckets[key].updated)
        for key in by_age[: len(by_age) // 2]:
            del self._buckets[key]


def client_address() -> str:
    forwarded = request.headers.get("X-Forwarded-For", "")
    first = forwarded.split(",")[0].strip()
    return first or request.remote_addr or "unknown"


def limit_client(client: str) -> None:
    """Take one request from the client's bucket or raise RateLimited (429 with Retry-After)."""
    runtime = current_app.extensions["kycuong"]
    limiter = current_app.extensions.get("feedback_rate_limiter")
    if limiter is None:
        config = {**DEFAULT_LIMIT, **runtime.settings.rules.get("feedback_rate_limit", {})}
        limiter = current_app.extensions.setdefault("feedback_rate_limiter",
                                                    RateLimiter(config["per_minute"], config["burst"]))
    # The service clock, so that tests and replays see the same arithmetic as production.
    limiter.check(client, runtime.clock.now().timestamp())
