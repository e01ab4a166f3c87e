"""The migration that gives apologised dossiers back their legal due date (d05a00000004), run on PostgreSQL
from the previous revision with rows written the old way: the platform's own apology and a unit's apology
had both moved `due_at`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from services.dossiers import sweeps
from shared import migrations

HANOI = timezone(timedelta(hours=7))
MIGRATIONS = Path(__file__).parents[3] / "services" / "dossiers" / "migrations"
UNIT = "PHUONG-HOAN-KIEM"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


def insert_dossier(conn, code: str, *, status: str, due_at: datetime, completed_at=None, timeliness=None,
                   apology_due_at=None, overdue_alerted_due_at=None) -> None:
    conn.execute(text(
        "INSERT INTO dossiers (code, procedure_code, unit, channel, status, received_at, counting_starts_at, "
        "processing_days, due_at, rules_version, created_at, completed_at, timeliness, apology_due_at, "
        "overdue_alerted_due_at) VALUES (:code, '1.000894', :unit, 'direct', :status, :received, :received, 2, "
        ":due_at, 'default', :received, :completed_at, :timeliness, :apology_due_at, :alerted)"),
        {"code": code, "unit": UNIT, "status": status, "received": at(16, 9), "due_at": due_at,
         "completed_at": completed_at, "timeliness": timeliness, "apology_due_at": apology_due_at,
         "alerted": overdue_alerted_due_at})


def insert_apology(conn, code: str, *, issued_at, previous_due_at, new_due_at, signer_name=None) -> None:
    conn.execute(text(
        "INSERT INTO dossier_apologies (dossier_code, issued_at, previous_due_at, new_due_at, reason, signer_name) "
        "VALUES (:code, :issued_at, :previous, :new, 'Chậm', :signer)"),
        {"code": code, "issued_at": issued_at, "previous": previous_due_at, "new": new_due_at, "signer": signer_name})


def test_dossiers_migration_restores_the_legal_due_date_of_apologised_dossiers(start_service, clock, pg_database):
    """Decree 61/2018/ND-CP art. 19: an apology never moved the legal due date. Dossiers apologised before
    the correction (by the platform itself, or by the unit) keep their ORIGINAL legal due date, restored from
    the apology record; the moved date becomes `promised_at`; a finished one is judged again against the
    legal date; an open one is watched again by the overdue sweep."""
    url = pg_database("dossiers")
    migrations.upgrade(MIGRATIONS, url, "d05a00000003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO procedures (code, name, created_at) "
                          "VALUES ('1.000894', 'Đăng ký khai sinh', :now)"), {"now": at(1, 8)})
        # Open, apologised by the platform's warnings sweep at the apology point (Tue 17 09:00): due moved to
        # Thu 19 09:00 from the legal Wed 18 09:00.
        insert_dossier(conn, "HS-AUTO", status="received", due_at=at(19, 9), apology_due_at=at(17, 9))
        insert_apology(conn, "HS-AUTO", issued_at=at(17, 9), previous_due_at=at(18, 9), new_due_at=at(19, 9))
        # Finished Thu 19 10:00 after the unit's apology to Fri 20 17:00: recorded early, in truth late.
        insert_dossier(conn, "HS-UNIT", status="completed", due_at=at(20, 17), completed_at=at(19, 10),
                       timeliness="early")
        insert_apology(conn, "HS-UNIT", issued_at=at(16, 15), previous_due_at=at(18, 9), new_due_at=at(20, 17),
                       signer_name="Nguyễn Văn An")
        # No apology: left alone.
        insert_dossier(conn, "HS-PLAIN", status="completed", due_at=at(18, 9), completed_at=at(18, 8),
                       timeliness="on_time")

    migrations.upgrade(MIGRATIONS, url)

    with engine.connect() as conn:
        rows = {row.code: row for row in conn.execute(text(
            "SELECT code, due_at, promised_at, timeliness, overdue_alerted_due_at FROM dossiers"))}
        automatic = dict(conn.execute(text("SELECT dossier_code, automatic FROM dossier_apologies")).all())
    engine.dispose()
    assert (rows["HS-AUTO"].due_at, rows["HS-AUTO"].promised_at) == (at(18, 9), at(19, 9))
    assert (rows["HS-UNIT"].due_at, rows["HS-UNIT"].promised_at, rows["HS-UNIT"].timeliness) == (
        at(18, 9), at(20, 17), "late")
    assert (rows["HS-PLAIN"].due_at, rows["HS-PLAIN"].promised_at, rows["HS-PLAIN"].timeliness) == (
        at(18, 9), None, "on_time")
    assert automatic == {"HS-AUTO": True, "HS-UNIT": False}

    # The service on the migrated database: the open dossier is overdue at its legal date (apologised), and
    # its promise of Thu 19 09:00 is broken.
    clock.set(at(19, 10))
    svc = start_service("dossiers", workers=False, sweeps=False, database_url=url)
    shown = svc.client.get("/dossiers/api/v1/dossiers/HS-AUTO").get_json()
    assert (shown["due_at"], shown["promised_at"], shown["timeliness"]) == (
        at(18, 9).isoformat(), at(19, 9).isoformat(), "overdue")
    assert sweeps.sweep_overdue(svc.runtime) == 2
    with svc.runtime.engine.connect() as conn:
        sent = [(row.routing_key, json.loads(bytes(row.body))["data"]) for row in conn.execute(
            text("SELECT routing_key, body FROM outbox ORDER BY id"))]
    assert [(key, data["code"]) for key, data in sent] == [("dossier.overdue", "HS-AUTO"),
                                                           ("dossier.promise_broken", "HS-AUTO")]
    assert sent[0][1]["apologised"] is True and sent[1][1]["promised_at"] == at(19, 9).isoformat()
