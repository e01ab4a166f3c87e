"""Operators' announcements of days off and working days (API and CLI): running deadlines move, the
deadline explanation names the announcement; the sweeps' SQL on PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from services.dossiers import sweeps
from services.dossiers.use_cases import intake, lifecycle, procedures

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"
LABEL = "Nghỉ bù theo thông báo của UBND thành phố"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def iso(month: int, day: int, hour: int, minute: int = 0) -> str:
    return at(month, day, hour, minute).isoformat()


@pytest.fixture
def dossiers(start_service, clock):
    clock.set(at(11, 16, 9))
    svc = start_service("dossiers", workers=False)
    procedures.register_procedure(svc.runtime.uow(), procedures.RegisterProcedure(
        code="1.000894", name="Đăng ký khai sinh", processing_days=3))
    procedures.register_procedure(svc.runtime.uow(), procedures.RegisterProcedure(
        code="1.001193", name="Đăng ký kết hôn", processing_days=1))
    return svc


def receive(svc, received_at: datetime, procedure_code="1.000894") -> str:
    return intake.receive_dossier(svc.runtime.uow(), intake.ReceiveDossier(
        procedure_code=procedure_code, unit=UNIT, received_at=received_at, assignee="CB-01",
        applicant=intake.ApplicantDetails(name="Phạm Văn Đức"))).code


def office(svc):
    return svc.headers(roles=("office",))


def announce(svc, day: str, kind="day_off", label=LABEL):
    return svc.client.post(f"{API}/calendar/overrides", json={"day": day, "kind": kind, "label": label},
                           headers=office(svc))


def changes(svc) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        rows = conn.execute(text("SELECT body FROM outbox WHERE routing_key = 'dossier.deadline_changed' ORDER BY id"))
        return [json.loads(bytes(body))["data"] for body in rows.scalars()]


def due(svc, code: str) -> str:
    return svc.client.get(f"{API}/dossiers/{code}").get_json()["due_at"]


def test_dossiers_a_day_announced_off_moves_running_deadlines_and_back_when_withdrawn(dossiers, clock):
    running = receive(dossiers, at(11, 16, 8))  # three days: due Wednesday 18, 17:00
    finished = receive(dossiers, at(11, 16, 8), procedure_code="1.001193")
    lifecycle.complete_dossier(dossiers.runtime.uow(), finished, completed_at=at(11, 16, 9))
    waiting = receive(dossiers, at(11, 16, 8))
    lifecycle.request_supplement(dossiers.runtime.uow(), waiting,
                                 lifecycle.RequestSupplement(reasons=("Thiếu tờ khai",)))

    response = announce(dossiers, "2026-11-17")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["day"], body["kind"], body["label"], body["deadlines_moved"]) == ("2026-11-17", "day_off", LABEL, 1)
    assert due(dossiers, running) == iso(11, 19, 17)
    assert due(dossiers, finished) == iso(11, 16, 17)
    [changed] = changes(dossiers)
    assert (changed["code"], changed["previous_due_at"], changed["due_at"], changed["reason"]) == (
        running, iso(11, 18, 17), iso(11, 19, 17), "calendar_changed")
    assert changed["rules_version"].startswith("default+")

    explained = dossiers.client.get(f"{API}/dossiers/{running}/deadline").get_json()
    assert explained["due_at"] == explained["recorded_due_at"] == iso(11, 19, 17)
    assert [(d["day"], d["reason"]) for d in explained["skipped_days"]] == [("2026-11-17", "operator_day_off")]
    assert LABEL in explained["skipped_days"][0]["label_vi"]
    assert [(o["day"], o["label"]) for o in explained["overrides"]] == [("2026-11-17", LABEL)]

    # The dossier waiting for the citizen gets the calendar in force when the clock resumes.
    clock.set(at(11, 16, 10))
    resumed = lifecycle.receive_supplement(dossiers.runtime.uow(), waiting, lifecycle.ReceiveSupplement())
    # Thursday 17:00 under the announcement, plus the office hour it stood still.
    assert resumed.due_at == at(11, 20, 9)

    withdrawn = dossiers.client.delete(f"{API}/calendar/overrides/2026-11-17", headers=office(dossiers))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["deadlines_moved"] == 2
    assert due(dossiers, running) == iso(11, 18, 17)
    moved_back = changes(dossiers)[-2:]
    assert sorted(c["code"] for c in moved_back) == sorted([running, waiting])
    assert {c["reason"] for c in moved_back} == {"calendar_changed"}
    assert due(dossiers, waiting) == iso(11, 19, 9)
    assert dossiers.client.get(f"{API}/dossiers/{running}").get_json()["rules_version"] == "default"


def test_dossiers_the_worked_saturday_after_the_cutoff_and_its_cancellation(dossiers, clock):
    clock.set(at(8, 21, 16))
    # Friday 21 August 2026 after 15:00: counting starts on Saturday 22, a working day swapped for Monday 31.
    code = receive(dossiers, at(8, 21, 15, 30), procedure_code="1.001193")
    assert due(dossiers, code) == iso(8, 22, 17)
    assert announce(dossiers, "2026-08-22", label="Hủy làm bù ngày thứ Bảy").status_code == 201
    assert due(dossiers, code) == iso(8, 24, 17)
    explained = dossiers.client.get(f"{API}/dossiers/{code}/deadline").get_json()
    assert [(d["day"], d["reason"]) for d in explained["skipped_days"]] == [
        ("2026-08-21", "after_cutoff"), ("2026-08-22", "operator_day_off"), ("2026-08-23", "sunday")]


def test_dossiers_a_day_announced_working_shortens_a_running_deadline(dossiers, clock):
    clock.set(at(11, 20, 9))
    # Fri 20, Mon 23, Tue 24 (Vietnam Culture Day works unless the operator switches it off): due Tue 24, 17:00.
    code = receive(dossiers, at(11, 20, 8))
    assert due(dossiers, code) == iso(11, 24, 17)
    assert announce(dossiers, "2026-11-21", kind="working_day", label="Làm bù thứ Bảy").status_code == 201
    assert due(dossiers, code) == iso(11, 23, 17)


@pytest.mark.parametrize(("body", "field"), [
    ({"day": "2026-11-22", "kind": "day_off", "label": LABEL}, "day"),  # a Sunday is off already
    ({"day": "2026-11-17", "kind": "working_day", "label": LABEL}, "day"),  # a Tuesday works already
    ({"day": "2026-11-17", "kind": "holiday", "label": LABEL}, "kind"),
    ({"day": "2026-11-17", "kind": "day_off", "label": "  "}, "label"),
    ({"day": "17/11/2026", "kind": "day_off", "label": LABEL}, "day"),
    ({"day": "2099-11-17", "kind": "day_off", "label": LABEL}, "day"),
])
def test_dossiers_an_announcement_that_changes_nothing_or_is_malformed_is_refused(dossiers, body, field):
    code = receive(dossiers, at(11, 16, 8))
    response = dossiers.client.post(f"{API}/calendar/overrides", json=body, headers=office(dossiers))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert dossiers.scalar("SELECT count(*) FROM calendar_overrides") == 0
    assert due(dossiers, code) == iso(11, 18, 17)


def test_dossiers_only_the_office_and_admins_announce_and_a_day_is_announced_once(dossiers):
    officer = dossiers.headers(unit=UNIT, roles=("officer",))
    assert dossiers.client.post(f"{API}/calendar/overrides", json={"day": "2026-12-31", "kind": "day_off",
                                                                   "label": LABEL}, headers=officer).status_code == 403
    assert dossiers.client.get(f"{API}/calendar/overrides", headers=officer).status_code == 403
    assert announce(dossiers, "2026-12-31").status_code == 201
    again = announce(dossiers, "2026-12-31", label="Khác")
    assert again.status_code == 409 and LABEL in again.get_json()["message"]
    assert announce(dossiers, "2027-01-04").status_code == 201
    listed = dossiers.client.get(f"{API}/calendar/overrides?year=2026", headers=office(dossiers)).get_json()
    assert [(o["day"], o["created_by"]) for o in listed] == [("2026-12-31", "tester")]
    assert dossiers.client.delete(f"{API}/calendar/overrides/2026-12-30", headers=office(dossiers)).status_code == 404
    assert dossiers.client.delete(f"{API}/calendar/overrides/30-12", headers=office(dossiers)).status_code == 422


def test_dossiers_the_cli_announces_through_the_same_use_case(dossiers, monkeypatch, tmp_path, capsys):
    from kycuong.cli import main

    code = receive(dossiers, at(11, 16, 8))
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(tmp_path))  # the service's SQLite file
    assert main(["calendar", "add", "2026-11-18", "--label", "Nghỉ đột xuất"]) == 0
    assert "1 running deadline(s) moved" in capsys.readouterr().err
    assert due(dossiers, code) == iso(11, 19, 17)
    main(["calendar", "list", "--year", "2026"])
    assert "2026-11-18  day_off      Nghỉ đột xuất" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="already a day off"):
        main(["calendar", "add", "2026-11-22", "--label", "Chủ nhật"])
    assert main(["calendar", "remove", "2026-11-18"]) == 0
    assert due(dossiers, code) == iso(11, 18, 17)


def test_dossiers_sweeps_on_postgresql_move_deadlines_in_batches_and_warn_once(start_service, clock, pg_database,
                                                                                monkeypatch):
    monkeypatch.setattr(sweeps, "BATCH", 7)
    clock.set(at(11, 16, 9))
    svc = start_service("dossiers", workers=False, database_url=pg_database("dossiers"))
    rt = svc.runtime
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="1.000894", name="Đăng ký khai sinh",
                                                                         processing_days=2))
    codes = [receive(svc, at(11, 16, 8)) for _ in range(30)]  # due Tue 17, 17:00
    assert sweeps.sweep_calendar(rt) == 0  # nothing announced: one read

    # Announced by another process (the CLI on another host): the sweep brings deadlines up to it.
    with rt.engine.begin() as conn:
        conn.execute(text("INSERT INTO calendar_overrides (day, kind, label, created_at) "
                          "VALUES ('2026-11-17', 'day_off', :label, now())"), {"label": LABEL})
    assert sweeps.sweep_calendar(rt) == 30
    assert sweeps.sweep_calendar(rt) == 0
    assert {c["code"] for c in changes(svc)} == set(codes)
    assert svc.scalar("SELECT count(DISTINCT due_at) FROM dossiers") == 1
    assert due(svc, codes[0]) == iso(11, 18, 17)

    clock.set(at(11, 18, 8))  # one working day before Wed 17:00, with Tuesday off, was Monday 17:00
    assert sweeps.sweep_warnings(rt) == 60  # 1d and the apology point for each, at once since they are past
    assert sweeps.sweep_warnings(rt) == 0
    # No unit apologised: the platform chased each unit (due_soon, point "apology") and never apologised in its
    # name, so the legal due date stays (Decree 61/2018/ND-CP art. 19).
    assert svc.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'dossier.apology_issued'") == 0
    points = [json.loads(bytes(body))["data"]["point"] for body in svc.runtime.engine.connect().execute(
        text("SELECT body FROM outbox WHERE routing_key = 'dossier.due_soon'")).scalars()]
    assert sorted(set(points)) == ["1d", "apology"] and points.count("apology") == 30
    assert due(svc, codes[0]) == iso(11, 18, 17)
    clock.set(at(11, 18, 13))  # 75% of the budget used (Wed 13:00), once each
    assert sweeps.sweep_warnings(rt) == 30
    assert sweeps.sweep_warnings(rt) == 0
    clock.set(at(11, 18, 17))
    assert sweeps.sweep_overdue(rt) == 30
    assert svc.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'dossier.apology_missed'") == 30
    assert sweeps.sweep_overdue(rt) == 0
    # 1d, apology, 75%, overdue and the missed apology: once each.
    assert svc.scalar("SELECT count(*) FROM dossier_alerts") == 150
