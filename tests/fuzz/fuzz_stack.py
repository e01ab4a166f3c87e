"""The platform the fuzzer runs against: all five services in one process (the embedded runtime), each
on its own PostgreSQL database (it refuses what SQLite lets pass, e.g. integers beyond 64 bits), loaded
with the demo's data (units, officials, procedures, dossiers, tasks, feedback, an inspection to a
decision) so that paths naming a code reach real records and not only 404s.

The background workers run while the demo loads and its events settle, then stop: the fuzzer's requests
are then the only thing that changes the databases, so a run is repeatable.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import PG_ADMIN_URL, _pg_reachable, wait_until
from sqlalchemy import create_engine, text

from kycuong import demo, embedded
from shared.auth import mint_token
from shared.settings import SERVICES, Settings

HANOI = timezone(timedelta(hours=7))
# The officer of a demo ward (kycuong/demo/people.py STAFFED): sees only that unit's records.
OFFICER = {"sub": "CB-W070-11", "unit": "W00070", "roles": ["officer"]}
ADMIN = {"sub": "fuzz-admin", "unit": None, "roles": ["admin"]}


def token(settings: Settings, who: dict) -> str:
    return mint_token(settings.jwt_secret, sub=who["sub"], unit=who["unit"], roles=who["roles"],
                      now=datetime.now(HANOI), ttl=timedelta(hours=2))


@contextmanager
def demo_platform(var: Path):
    """The embedded platform on PostgreSQL with the demo loaded and its workers stopped: (platform, settings)."""
    _pg_reachable()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = {service: f"kyc_test_fuzz_{service}_{uuid.uuid4().hex[:8]}" for service in SERVICES}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    urls = {service: f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}" for service, name in names.items()}
    settings = Settings.from_env(env={}, var_dir=var, broker_url="memory://", database_urls=urls,
                                 relay_idle_poll=0.05, sweep_interval=0.2)
    from kombu.transport import memory

    memory.Channel.queues.clear()
    memory.Channel.events.clear()
    memory.Transport.global_state.clear()
    platform = embedded.build(settings)
    try:
        platform.start_workers()
        said: list[str] = []
        demo.load(platform, progress=said.append)
        # The demo judges two explanations in the background once the chain has asked for them.
        wait_until(lambda: any("xem xét" in line for line in said), timeout=120, interval=0.2,
                   message="the demo's explanations judged")
        _settle(platform)
        platform.stop.set()
        for rt in platform.runtimes.values():
            rt.join_workers()
        yield platform, settings
    finally:
        platform.shutdown()
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _settle(platform: embedded.Platform) -> None:
    """Wait until every outbox row is published and the demo's background judging has had its events:
    the read models and the directory copies are then whole."""
    def pending() -> int:
        total = 0
        for rt in platform.runtimes.values():
            with rt.engine.connect() as conn:
                total += conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
        return total

    from kombu.transport import memory

    wait_until(lambda: pending() == 0, timeout=120, interval=0.2, message="every demo event published")
    wait_until(lambda: all(q.qsize() == 0 for q in memory.Channel.queues.values()), timeout=60, interval=0.2,
               message="every queue drained")
