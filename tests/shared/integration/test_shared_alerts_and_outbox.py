"""Claiming due rows with their alert markers, and writing the outbox, on SQLite and on PostgreSQL.

Each dialect has its own statements for speed (PostgreSQL: the markers in the claim's statement, the
outbox rows by COPY); these tests hold both to the same results.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, insert, select, update

from shared.alerts import claim_and_mark
from shared.db import UtcDateTime, make_engine
from shared.events.envelope import Event

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)

metadata = MetaData()
subjects = Table("subjects", metadata, Column("code", String(16), primary_key=True),
                 Column("due_at", UtcDateTime, nullable=False), Column("alerted_due_at", UtcDateTime))
markers = Table("subject_alerts", metadata, Column("code", String(16)), Column("kind", String(16)),
                Column("due_at", UtcDateTime), Column("alerted_at", UtcDateTime),
                PrimaryKeyConstraint("code", "kind", "due_at"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'alerts.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_database")("alerts")
    engine = make_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def claim_due(engine) -> tuple[list, set[str]]:
    from sqlalchemy.orm import Session

    due = (select(subjects.c.code).where(subjects.c.alerted_due_at.is_(None), subjects.c.due_at <= NOW)
           .with_for_update(skip_locked=True))
    claim = (update(subjects).where(subjects.c.code.in_(due)).values(alerted_due_at=subjects.c.due_at)
             .returning(subjects.c.code, subjects.c.due_at))
    with Session(engine) as session:
        rows, marked = claim_and_mark(session, claim, markers, subject_column="code", kind="overdue", now=NOW)
        session.commit()
    return rows, marked


def test_claimed_rows_are_marked_once_per_due_date(engine):
    yesterday, tomorrow = NOW - timedelta(days=1), NOW + timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(insert(subjects), [{"code": "HS-1", "due_at": yesterday}, {"code": "HS-2", "due_at": yesterday},
                                        {"code": "HS-3", "due_at": tomorrow}])
        # HS-2 was alerted for this very due date before (its flag was cleared since): no second alert.
        conn.execute(insert(markers).values(code="HS-2", kind="overdue", due_at=yesterday,
                                            alerted_at=NOW - timedelta(hours=1)))

    rows, marked = claim_due(engine)

    assert sorted((row.code, row.due_at) for row in rows) == [("HS-1", yesterday), ("HS-2", yesterday)]
    assert marked == {"HS-1"}
    with engine.connect() as conn:
        assert sorted(conn.execute(select(markers.c.code, markers.c.alerted_at))) == [
            ("HS-1", NOW), ("HS-2", NOW - timedelta(hours=1))]
        assert conn.scalar(select(subjects.c.alerted_due_at).where(subjects.c.code == "HS-1")) == yesterday
    assert claim_due(engine) == ([], set())  # nothing left to claim


@pytest.fixture(params=["sqlite", "postgresql"])
def dossiers(request, start_service):
    database_url = None if request.param == "sqlite" else request.getfixturevalue("pg_database")("outbox")
    return start_service("dossiers", workers=False, database_url=database_url)


def overdue_data(code: str) -> dict:
    return {"code": code, "procedure_code": "1.001612", "unit": "HN-SXD", "received_at": "2026-11-10T09:00:00+07:00",
            "due_at": "2026-11-13T09:00:00+07:00", "detected_at": "2026-11-16T09:00:00+07:00",
            "step": "Thẩm định", "official": "CB-Nguyễn-Thị-Ánh"}


def test_committed_events_are_in_the_outbox_as_their_cloudevents_documents(dossiers, clock):
    with dossiers.runtime.uow() as uow:
        recorded = [uow.record("dossier.overdue", code, overdue_data(code), unit="HN-SXD") for code in ("HS-1", "HS-2")]
        uow.commit()

    outbox = dossiers.runtime.outbox
    with dossiers.runtime.engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.id)).all()
    assert [row.event_id for row in rows] == [event.id for event in recorded]
    for row, event in zip(rows, recorded, strict=True):
        assert (row.exchange, row.routing_key, row.correlation_id, row.sent_at) == (
            "kycuong.events", "dossier.overdue", event.id, None)
        assert row.created_at == clock.now()
        assert bytes(row.body) == event.to_json()
        assert Event.from_json(bytes(row.body)) == event
        assert json.loads(bytes(row.body))["data"]["official"] == "CB-Nguyễn-Thị-Ánh"


def test_outbox_rows_are_saved_with_the_change_or_not_at_all(dossiers):
    def failing_commit():
        raise RuntimeError("the database went away at commit")

    with pytest.raises(RuntimeError), dossiers.runtime.uow() as uow:
        uow.record("dossier.overdue", "HS-1", overdue_data("HS-1"), unit="HN-SXD")
        uow.session.commit = failing_commit  # the outbox rows are written, then the commit fails
        uow.commit()
    assert dossiers.scalar("SELECT count(*) FROM outbox") == 0
