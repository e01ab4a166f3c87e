"""Inspections of units by Home Affairs: recorded by inspectors only, each finding about an official
becomes that official's violation (source inspection); a confirmed misconduct verification does too."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from test_discipline_explanations_flow import directory

from services.discipline.use_cases.misconduct import open_verification

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def svc(start_service):
    running = start_service("discipline", workers=False)
    directory(running)
    return running


def inspector(svc):
    return svc.headers(sub="TTV-01", unit="HN-SNV", roles=["inspector"])


def inspection(**overrides):
    body = {"unit": "W00070", "kind": "surprise", "inspected_on": "2026-11-13",
            "team": ["Nguyễn Văn Tâm (trưởng đoàn)", "Phạm Thị Thu"], "notes": "Kiểm tra đột xuất buổi sáng"}
    return {**body, **overrides}


def late_arrival(*officials, category="working_hours"):
    return {"category": category, "officials": list(officials),
            "facts": "Có mặt tại nơi làm việc lúc 08:40, muộn 40 phút so với giờ làm việc."}


def outbox(svc, event_type):
    return [json.loads(body)["data"] for (body,) in rows(
        svc, "SELECT body FROM outbox WHERE routing_key = ? ORDER BY id", event_type)]


def rows(svc, sql, *params):
    with svc.runtime.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql, params)]


def test_an_inspection_with_findings_records_one_violation_per_official(svc):
    response = svc.client.post(f"{API}/inspections", headers=inspector(svc),
                               json=inspection(findings=[late_arrival("CB-001", "CB-100")]))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["kind_label"], body["recorded_by"], len(body["findings"])) == ("Kiểm tra đột xuất", "TTV-01", 2)
    assert {f["official"] for f in body["findings"]} == {"CB-001", "CB-100"}
    assert all(f["violation"] and f["fact_date"] == "2026-11-13" for f in body["findings"])

    found = rows(svc, "SELECT official, kind, source_type, source, fact_date FROM violations "
                      "WHERE responsibility = 'direct' ORDER BY official")
    assert found == [("CB-001", "working_hours", "inspection", body["code"], "2026-11-13"),
                                        ("CB-100", "working_hours", "inspection", body["code"], "2026-11-13")]
    [recorded] = outbox(svc, "inspection.recorded")
    assert (recorded["code"], recorded["unit"], recorded["kind"], recorded["findings"]) == (
        body["code"], "W00070", "surprise", 2)


def test_findings_added_later_emit_the_inspection_again_with_the_new_count(svc):
    code = svc.client.post(f"{API}/inspections", headers=inspector(svc), json=inspection()).json["code"]
    assert outbox(svc, "inspection.recorded")[0]["findings"] == 0

    response = svc.client.post(f"{API}/inspections/{code}/findings", headers=inspector(svc), json={"findings": [
        {"category": "process", "officials": ["CB-001"], "fact_date": "2026-11-10",
         "facts": "Không lập phiếu kiểm soát quá trình giải quyết hồ sơ HS-001."}]})
    assert response.status_code == 201, response.json
    assert [r["findings"] for r in outbox(svc, "inspection.recorded")] == [0, 1]
    assert svc.scalar("SELECT fact_date FROM violations WHERE source = :c AND official = 'CB-001'", c=code) == \
        "2026-11-10"

    # The same official with the same category in the same inspection is a duplicate, refused.
    again = svc.client.post(f"{API}/inspections/{code}/findings", headers=inspector(svc), json={"findings": [
        {"category": "process", "officials": ["CB-001"], "facts": "Lặp lại"}]})
    assert again.status_code == 422 and "đã có phát hiện" in str(again.json["errors"])


@pytest.mark.parametrize("body, field", [
    (inspection(unit="W99999"), "unit"),
    (inspection(kind="annual"), "kind"),
    (inspection(inspected_on="2026-12-01"), "inspected_on"),
    (inspection(team=[]), "team"),
    (inspection(findings=[late_arrival("CB-404")]), "findings.0.officials"),
    (inspection(findings=[late_arrival("CB-300")]), "findings.0.officials"),  # of another unit
    (inspection(findings=[late_arrival("CB-001", category="sleeping")]), "findings"),
])
def test_bad_inspections_name_the_field_and_record_nothing(svc, body, field):
    response = svc.client.post(f"{API}/inspections", headers=inspector(svc), json=body)
    assert response.status_code == 422, response.json
    assert any(key.startswith(field) for key in response.json["errors"]), response.json["errors"]
    assert svc.scalar("SELECT count(*) FROM inspections") == 0
    assert svc.scalar("SELECT count(*) FROM violations") == 0
    assert outbox(svc, "inspection.recorded") == []


def test_who_sees_an_inspection(svc):
    code = svc.client.post(f"{API}/inspections", headers=inspector(svc),
                           json=inspection(findings=[late_arrival("CB-001"), late_arrival("CB-100",
                                                                                          category="conduct")])
                           ).json["code"]

    def read(headers):
        return svc.client.get(f"{API}/inspections/{code}", headers=headers)

    assert len(read(svc.headers(roles=["office"])).json["findings"]) == 2
    assert len(read(svc.headers(sub="CB-100", unit="W00070", roles=["head"])).json["findings"]) == 2
    mine = read(svc.headers(sub="CB-001", unit="W00070", roles=["officer"])).json["findings"]
    assert [f["official"] for f in mine] == ["CB-001"]  # an official sees only the findings naming them
    other = read(svc.headers(sub="CB-300", unit="W00004", roles=["head"]))
    assert other.status_code == 403 and "W00070" in other.json["message"]

    listed = svc.client.get(f"{API}/inspections", headers=svc.headers(sub="CB-300", unit="W00004", roles=["head"]))
    assert listed.json["total"] == 0
    listed = svc.client.get(f"{API}/inspections", headers=svc.headers(sub="CB-001", unit="W00070", roles=["officer"]))
    assert [i["code"] for i in listed.json["items"]] == [code]


def test_a_confirmed_misconduct_verification_becomes_a_violation_a_dismissed_one_does_not(svc):
    uow = svc.runtime.uow
    reported = datetime(2026, 11, 12, 10, 0, tzinfo=HANOI)
    confirmed = open_verification(uow(), report="PA-1", kind="extortion", unit="W00070", official="CB-001",
                                          dossier_code="HS-001", reported_at=reported)
    dismissed = open_verification(uow(), report="PA-2", kind="harassment", unit="W00070", official=None,
                                          dossier_code=None, reported_at=reported)

    response = svc.client.post(f"{API}/verifications/{confirmed.code}/conclusion", headers=inspector(svc),
                               json={"confirmed": True, "conclusion": "Có căn cứ: đòi 500.000 đồng ngoài quy định."})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["concluded_by"]) == ("confirmed", "TTV-01")
    [row] = rows(svc, "SELECT official, kind, source_type, fact_date FROM violations WHERE source = ? "
                      "AND responsibility = 'direct'", confirmed.code)
    assert row == ("CB-001", "misconduct", "misconduct", date(2026, 11, 12).isoformat())

    # Confirming a report that named nobody needs the official; dismissing does not.
    unnamed = svc.client.post(f"{API}/verifications/{dismissed.code}/conclusion", headers=inspector(svc),
                              json={"confirmed": True, "conclusion": "Có căn cứ"})
    assert unnamed.status_code == 422 and "official" in unnamed.json["errors"]
    response = svc.client.post(f"{API}/verifications/{dismissed.code}/conclusion", headers=inspector(svc),
                               json={"confirmed": False, "conclusion": "Không có căn cứ."})
    assert response.json["status"] == "dismissed"
    assert svc.scalar("SELECT count(*) FROM violations WHERE source = :c", c=dismissed.code) == 0
    twice = svc.client.post(f"{API}/verifications/{dismissed.code}/conclusion", headers=inspector(svc),
                            json={"confirmed": True, "conclusion": "x", "official": "CB-001"})
    assert twice.status_code == 409


def test_inspections_and_conclusions_are_audited(svc):
    code = svc.client.post(f"{API}/inspections", headers=inspector(svc),
                           json=inspection(findings=[late_arrival("CB-001")])).json["code"]
    entries = svc.client.get(f"{API}/audit", query_string={"subject": code}, headers=inspector(svc)).json["items"]
    assert sorted(e["action"] for e in entries) == ["inspection.finding", "inspection.recorded"]
    assert all(e["actor"] == "TTV-01" for e in entries)
