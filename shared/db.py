"""Database plumbing shared by every service: engine, sessions, and the outbox and inbox tables that
each service keeps in its own database (so events are written in the same transaction as the change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """An instant: stored in UTC, always read back timezone-aware (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True):
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def service_metadata() -> MetaData:
    """A service's MetaData with the outbox and inbox tables already on it."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("exchange", String(64), nullable=False),
        Column("routing_key", String(128), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("correlation_id", String(64)),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime),
        # The relay only ever looks at unsent rows; keep that index small on PostgreSQL.
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL"),
              sqlite_where=text("sent_at IS NULL")),
    )
    Table(
        "inbox",
        metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
        # What the applied event said (shared.consumer.content_digest): a later message with the same id and
        # other content is a conflict, not a duplicate. Null for rows written before it was kept.
        Column("digest", String(64)),
    )
    # Messages that reused an applied event's id with other content: not applied, kept for an admin to see.
    Table(
        "event_conflicts",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("consumer", String(64), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("applied_digest", String(64), nullable=False),
        Column("digest", String(64), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("seen_at", UtcDateTime, nullable=False),
        UniqueConstraint("consumer", "event_id", "digest"),
    )
    return metadata


def outbox_table(metadata: MetaData) -> Table:
    return metadata.tables["outbox"]


def inbox_table(metadata: MetaData) -> Table:
    return metadata.tables["inbox"]


def keep_newest(session: Session, model, key: str, event_time: datetime, **values) -> None:
    """A read copy of another service's record (the directory's units and officials): the row for `key` takes
    `values` unless it already holds what a newer event said (events may arrive out of order)."""
    row = session.get(model, key)
    if row is None:
        session.add(model(code=key, event_time=event_time, **values))
    elif row.event_time is None or row.event_time <= event_time:
        for name, value in values.items():
            setattr(row, name, value)
        row.event_time = event_time


def dialect_insert(session: Session):
    """The INSERT construct of the session's dialect (PostgreSQL or SQLite), for ON CONFLICT clauses."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def make_engine(url: str, *, pre_ping: bool = True) -> Engine:
    """pre_ping: test each connection with a round trip when it leaves the pool. Workers keep it; the web
    processes (`serve`) go without, since it costs every request a round trip: after a database restart
    the first request on a dead connection fails as 503 with Retry-After (shared.web.app) and the pool
    drops all its connections at once, so the next request reconnects."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a failed statement must not print a citizen's data into logs or dead letters.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # pysqlite's own transaction handling breaks SAVEPOINT (the inbox relies on it): take
            # transactions over, as SQLAlchemy's documentation recommends.
            dbapi_conn.isolation_level = None
            # WAL lets the relay and consumer threads read while a request writes.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE: take the write lock up front, so two threads never deadlock upgrading a read.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=10, max_overflow=10, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker:
    # Use cases return what they loaded after committing; keep it readable.
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@dataclass(frozen=True)
class Page:
    """One page of a list: the items (rows or views of them), where it stands, and how many in all."""

    items: list
    page: int
    page_size: int
    total: int

    def map(self, view: Callable[[Any], Any]) -> Page:
        """The same page with each item turned into `view(item)`."""
        return Page([view(item) for item in self.items], self.page, self.page_size, self.total)


def paginate(session, query, page: int, page_size: int) -> Page:
    """Run a select one page at a time; the items are what the select returns (ORM objects)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(page_size).offset((page - 1) * page_size)))
    return Page(items, page, page_size, total)
