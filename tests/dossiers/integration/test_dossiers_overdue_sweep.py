"""The overdue sweep: every open dossier past its due instant is alerted once per due date, on SQLite
and with two concurrent sweepers on PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

from services.dossiers import sweeps
from services.dossiers.use_cases import intake, lifecycle, procedures

HANOI = timezone(timedelta(hours=7))
UNIT = "PHUONG-HOAN-KIEM"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


def setup_procedures(rt) -> None:
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="1.001234", name="Đăng ký khai sinh",
                                                                         processing_days=1))
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="2.000111",
                                                                         name="Cấp giấy phép kinh doanh",
                                                                         processing_days=5))


def receive(rt, procedure_code: str, received_at: datetime, handler: str = "CB-0042", unit: str = UNIT) -> str:
    return intake.receive_dossier(rt.uow(), intake.ReceiveDossier(
        procedure_code=procedure_code, unit=unit, received_at=received_at, assignee=handler,
        applicant=intake.ApplicantDetails(name="Trần Văn Bình", phone="0987654321"))).code


def overdue_events(svc, kind: str = "dossier.overdue") -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        from sqlalchemy import text

        bodies = conn.execute(text("SELECT body FROM outbox WHERE routing_key = :kind ORDER BY id"), {"kind": kind})
        return [json.loads(bytes(body)) for body in bodies.scalars()]


def test_dossiers_sweep_alerts_each_overdue_dossier_once(start_service, clock):
    """Decree 61/2018/ND-CP art. 19: at the legal due instant an open dossier is overdue (once), and without
    its unit's apology the missed apology is a breach of its own (once)."""
    clock.set(at(20, 16))
    # The operator's switch makes Tuesday 24 November (Vietnam Culture Day) a day off.
    svc = start_service("dossiers", workers=False, sweeps=False, calendar={"vietnam_culture_day": True})
    rt = svc.runtime
    setup_procedures(rt)
    soon = receive(rt, "1.001234", at(20, 16))  # due Mon 23, 17:00
    # Tuesday 24 November is off (the switch): five days run to Mon 30, 17:00.
    later = receive(rt, "2.000111", at(20, 16), handler="CB-0077")
    finished = receive(rt, "1.001234", at(20, 9))  # due Mon 23, 09:00 but finished in time
    lifecycle.complete_dossier(rt.uow(), finished, completed_at=at(20, 15))

    clock.set(at(23, 16, 59))
    assert sweeps.sweep_overdue(rt) == 0

    clock.set(at(23, 17))  # the due instant itself
    assert sweeps.sweep_overdue(rt) == 1
    assert sweeps.sweep_overdue(rt) == 0  # run again at once
    clock.set(at(24, 9))
    assert sweeps.sweep_overdue(rt) == 0  # and the next morning: same due date, no new alert

    [event] = overdue_events(svc)
    assert event["subject"] == soon and event["unit"] == UNIT
    assert event["data"] == {
        "code": soon, "procedure_code": "1.001234", "unit": UNIT,
        "received_at": "2026-11-20T16:00:00+07:00", "due_at": "2026-11-23T17:00:00+07:00",
        "detected_at": "2026-11-23T17:00:00+07:00", "step": None, "official": "CB-0042", "apologised": False}
    assert "Trần" not in json.dumps(event, ensure_ascii=False)
    [missed] = overdue_events(svc, "dossier.apology_missed")
    assert missed["data"] == {
        "code": soon, "procedure_code": "1.001234", "unit": UNIT, "due_at": "2026-11-23T17:00:00+07:00",
        "detected_at": "2026-11-23T17:00:00+07:00", "step": None, "official": "CB-0042"}

    clock.set(at(30, 16, 59))
    assert sweeps.sweep_overdue(rt) == 0
    clock.set(at(30, 17, 30))
    assert sweeps.sweep_overdue(rt) == 1
    assert [e["subject"] for e in overdue_events(svc)] == [soon, later]
    assert overdue_events(svc)[1]["data"]["official"] == "CB-0077"
    assert svc.scalar("SELECT count(*) FROM dossier_alerts WHERE kind = 'overdue'") == 2
    assert svc.scalar("SELECT count(*) FROM dossier_alerts WHERE dossier_code = :c", c=finished) == 0


def test_dossiers_sweep_runs_in_batches_until_everything_due_is_alerted(start_service, clock, monkeypatch):
    monkeypatch.setattr(sweeps, "BATCH", 4)
    clock.set(at(20, 9))
    svc = start_service("dossiers", workers=False, sweeps=False)
    setup_procedures(svc.runtime)
    codes = {receive(svc.runtime, "1.001234", at(20, 8, minute)) for minute in range(10)}
    clock.set(at(23, 9))
    assert sweeps.sweep_overdue(svc.runtime) == 10
    assert {e["subject"] for e in overdue_events(svc)} == codes


def test_dossiers_worker_runs_the_sweep_on_its_own(start_service, clock):
    from conftest import wait_until

    clock.set(at(20, 16))
    svc = start_service("dossiers", workers=True, sweeps=True)
    setup_procedures(svc.runtime)
    code = receive(svc.runtime, "1.001234", at(20, 16))
    clock.set(at(23, 17, 5))
    wait_until(lambda: overdue_events(svc), timeout=10, message="the worker's sweep to alert the dossier")
    assert [e["subject"] for e in overdue_events(svc)] == [code]


def test_dossiers_two_sweepers_on_postgresql_alert_each_dossier_once(start_service, clock, pg_database,
                                                                      monkeypatch):
    monkeypatch.setattr(sweeps, "BATCH", 25)  # many small batches, so the two sweepers interleave
    clock.set(at(20, 16))
    svc = start_service("dossiers", workers=False, sweeps=False, database_url=pg_database("dossiers"))
    rt = svc.runtime
    setup_procedures(rt)
    due = {receive(rt, "1.001234", at(20, 8) + timedelta(seconds=i)) for i in range(300)}
    not_due = receive(rt, "2.000111", at(20, 16))

    clock.set(at(23, 12))
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweeper():
        try:
            barrier.wait()
            counts.append(sweeps.sweep_overdue(rt))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(counts) == 300
    subjects = [e["subject"] for e in overdue_events(svc)]
    assert len(subjects) == 300 and set(subjects) == due
    assert not_due not in subjects
    assert svc.scalar("SELECT count(*) FROM dossier_alerts WHERE kind = 'overdue'") == 300
    # None of them was apologised for: each missed apology is alerted once too (Decree 61/2018/ND-CP art. 19).
    missed = [e["subject"] for e in overdue_events(svc, "dossier.apology_missed")]
    assert len(missed) == 300 and set(missed) == due
    assert sweeps.sweep_overdue(rt) == 0


def test_dossiers_two_sweepers_on_postgresql_judge_each_broken_promise_once(start_service, clock, pg_database,
                                                                             monkeypatch):
    """Decree 61/2018/ND-CP art. 19: the apology's new date is a second promise; breaking it is a second
    failure, alerted once per dossier however many sweepers run (SKIP LOCKED claims, marker rows)."""
    from services.dossiers.use_cases import apologies

    monkeypatch.setattr(sweeps, "BATCH", 10)
    clock.set(at(16, 9))
    svc = start_service("dossiers", workers=False, sweeps=False, database_url=pg_database("dossiers"))
    rt = svc.runtime
    setup_procedures(rt)
    promised = set()
    for i in range(60):
        code = receive(rt, "1.001234", at(16, 8) + timedelta(seconds=i))  # due by Tue 17, 08:01
        apologies.issue_apology(rt.uow(), code, apologies.IssueApology(
            reason="Chờ xác minh", new_due_at=at(18, 17), signed_by="CT-01", signer_name="Nguyễn Văn An"))
        promised.add(code)

    clock.set(at(17, 9))
    assert sweeps.sweep_overdue(rt) == 60
    assert overdue_events(svc, "dossier.promise_broken") == []
    assert overdue_events(svc, "dossier.apology_missed") == []
    clock.set(at(18, 17, 1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweeper():
        try:
            barrier.wait()
            sweeps.sweep_overdue(rt)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    broken = [e["subject"] for e in overdue_events(svc, "dossier.promise_broken")]
    assert len(broken) == 60 and set(broken) == promised
    assert sweeps.sweep_overdue(rt) == 0
    assert len(overdue_events(svc, "dossier.promise_broken")) == 60


def test_dossiers_a_dossier_entered_already_late_is_overdue_without_any_due_soon_warning(start_service, clock):
    """A dossier an external system reports days after receipt, already past its due instant, is overdue at
    once; "75% used" or "apology due" warnings about a deadline already gone would only mislead."""
    clock.set(at(27, 10))
    svc = start_service("dossiers", workers=False, sweeps=False)
    rt = svc.runtime
    setup_procedures(rt)
    late = receive(rt, "1.001234", at(16, 9))  # one working day: due Tue 17, 09:00; ten days ago
    timely = receive(rt, "2.000111", at(27, 9))  # five days: warnings to come
    sweeps.sweep_warnings(rt)
    sweeps.sweep_overdue(rt)
    assert [e["data"]["code"] for e in overdue_events(svc)] == [late]
    assert [e["data"]["code"] for e in overdue_events(svc, "dossier.due_soon")] == []
    # Thursday 3 December, most of the five days used (due Fri 4, 09:00): the timely one is warned, the late
    # one still is not.
    clock.set(datetime(2026, 12, 3, 16, tzinfo=HANOI))
    sweeps.sweep_warnings(rt)
    assert {e["data"]["code"] for e in overdue_events(svc, "dossier.due_soon")} == {timely}
