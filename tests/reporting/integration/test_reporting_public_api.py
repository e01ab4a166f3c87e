"""Public data without a login: the ranking with its formula and caveats, the good performers (top band of
the composite score) and the violators (decided sanctions only, from `sanction.decided` on the in-memory
broker). The clock stands at Monday 2026-11-16 09:00 in Hà Nội.

By hand, November so far: Sở Xây dựng (SXD) 2 dossiers, both early → 20 points, 100%; Sở Tư pháp (STP) 3
dossiers, 1 on time, 1 late, 1 open past its deadline but counted within it until the dossiers service reports
it overdue (one of the published caveats) → 2 of 3, 13,33 points; Phường Ba Đình (PBD, a ward) 1 on time → 20.
"""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
PUBLIC = "/reporting/api/v1/public"
DISCIPLINE = "/kycuong/test/discipline"


@pytest.fixture(autouse=True)
def _workers_stopped_after_each_test():
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("reporting-"):
            thread.join(timeout=5)


def at(month, day, hour=9, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def unit(code, name, kind, parent="HN"):
    return Event(type="directory.unit_upserted", source=DISCIPLINE, subject=code, unit=code, time=at(10, 1),
                 data={"code": code, "name": name, "parent": parent, "kind": kind})


def completed(code, unit_code, received_at, due_at, completed_at, timeliness):
    return Event(type="dossier.completed", source="/kycuong/test/dossiers", subject=code, unit=unit_code,
                 time=completed_at, data={"code": code, "procedure_code": "1.001234", "unit": unit_code,
                                          "received_at": received_at.isoformat(), "due_at": due_at.isoformat(),
                                          "completed_at": completed_at.isoformat(), "timeliness": timeliness})


def received(code, unit_code, received_at, due_at):
    return Event(type="dossier.received", source="/kycuong/test/dossiers", subject=code, unit=unit_code,
                 time=received_at, data={"code": code, "procedure_code": "1.001234", "unit": unit_code,
                                         "received_at": received_at.isoformat(), "due_at": due_at.isoformat()})


def proposed(code, official, unit_code, when):
    return Event(type="sanction.proposed", source=DISCIPLINE, subject=code, unit=unit_code, time=when, data={
        "code": code, "official": official, "unit": unit_code, "rule": "late-dossiers-3-in-30",
        "rule_set": "2025-07", "form": "canh_cao", "facts": ["D-1", "D-2", "D-3"]})


def decided(code, proposal, official, name, unit_code, form, when, event_time=None):
    return Event(type="sanction.decided", source=DISCIPLINE, subject=code, unit=unit_code, time=event_time or when,
                 data={"code": code, "proposal": proposal, "official": official, "official_name": name,
                       "unit": unit_code, "form": form, "rule_set": "2025-07", "decided_at": when.isoformat(),
                       "in_force_until": (when.date() + timedelta(days=365)).isoformat()})


EVENTS = [
    unit("HN", "Thành phố Hà Nội", "province", parent=None), unit("SXD", "Sở Xây dựng", "department"),
    unit("STP", "Sở Tư pháp", "department"), unit("PBD", "Phường Ba Đình", "ward"),
    completed("D1", "SXD", at(11, 2), at(11, 9, 17), at(11, 5), "early"),
    completed("D2", "SXD", at(11, 3), at(11, 10, 17), at(11, 6), "early"),
    completed("S1", "STP", at(11, 2), at(11, 9, 17), at(11, 9, 16), "on_time"),
    completed("S2", "STP", at(11, 2), at(11, 6, 17), at(11, 10), "late"),
    received("S3", "STP", at(11, 3), at(11, 12, 17)),
    completed("P1", "PBD", at(11, 4), at(11, 11, 17), at(11, 11, 10), "on_time"),
    proposed("DX-2026-0007", "CC-STP-04", "STP", at(11, 12)),
    decided("QD-2026-0031", "DX-2026-0003", "CC-STP-02", "Nguyễn Văn An", "STP", "khien_trach", at(11, 13, 15)),
    decided("QD-2026-0035", "DX-2026-0005", "CC-SXD-01", "Trần Thị Bích", "SXD", "canh_cao", at(11, 14, 10)),
    decided("QD-2025-0101", "DX-2025-0090", "CC-PBD-03", "Lê Văn Cường", "PBD", "khien_trach",
            at(12, 20, 9, year=2025)),
    # An older copy of the first decision, sent again with another name: the newer event stays.
    decided("QD-2026-0031", "DX-2026-0003", "CC-STP-02", "Nguyen Van An", "STP", "khien_trach", at(11, 13, 15),
            event_time=at(11, 13, 14)),
]


@pytest.fixture
def running(start_service):
    service = start_service("reporting")
    for event in [*EVENTS, EVENTS[-2]]:  # the last decision twice: the same event id, counted once
        publish("memory://", event.to_json(), event.type)
    try:
        wait_until(lambda: service.scalar("SELECT count(*) FROM inbox") >= len(EVENTS), timeout=20,
                   message=f"reporting to consume {len(EVENTS)} events")
    except pytest.fail.Exception:
        reasons = [headers.get("x-kycuong-reason") for _, headers in drain("memory://", "reporting.events.dlq")]
        pytest.fail(f"dead letters: {reasons}")
    return service


def test_reporting_public_violators_list_decisions_only_with_no_login(running):
    response = running.client.get(f"{PUBLIC}/violators?year=2026")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(i["decision"], i["official_name"], i["unit_name"], i["form_label"], i["decided_on"])
            for i in body["items"]] == [
        ("QD-2026-0035", "Trần Thị Bích", "Sở Xây dựng", "Cảnh cáo", "2026-11-14"),
        ("QD-2026-0031", "Nguyễn Văn An", "Sở Tư pháp", "Khiển trách", "2026-11-13"),
    ]
    assert body["total"] == 2
    assert "Chỉ công bố quyết định kỷ luật đã ban hành" in body["notes"][0]["text"]
    raw = json.dumps(body, ensure_ascii=False)
    # Never a proposal, never an official's internal code.
    assert "DX-2026" not in raw and "CC-STP" not in raw
    assert running.scalar("SELECT count(*) FROM public_sanctions") == 3

    last_year = running.client.get(f"{PUBLIC}/violators?year=2025&lang=en").get_json()
    assert [(i["official_name"], i["form_label"]) for i in last_year["items"]] == [("Lê Văn Cường", "Reprimand")]
    assert last_year["notes"][0]["text"].startswith("Only disciplinary decisions taken are published")
    english = running.client.get(f"{PUBLIC}/violators", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert (english["year"], english["lang"], english["items"][0]["form_label"]) == (2026, "en", "Warning")

    bad = running.client.get(f"{PUBLIC}/violators?year=2027")
    assert bad.status_code == 422 and "year" in bad.get_json()["errors"]


def test_reporting_public_ranking_shows_ranks_with_the_formula_and_caveats_in_vietnamese_or_english(running):
    body = running.client.get(f"{PUBLIC}/rankings?period=2026-11").get_json()
    assert [(i["rank"], i["unit_name"], i["score"], i["on_time_rate"]) for i in body["items"]] == [
        (1, "Phường Ba Đình", 20.0, 1.0), (1, "Sở Xây dựng", 20.0, 1.0), (3, "Sở Tư pháp", 13.33, 0.6667)]
    assert body["lang"] == "vi"
    assert body["formula"]["text"].startswith("Điểm tiến độ = 20 ×")
    assert "Quyết định 766/QĐ-TTg" in body["formula"]["version"]
    assert any("bổ sung hồ sơ" in caveat["text"] for caveat in body["caveats"])
    assert any("cho đến khi hệ thống hồ sơ báo quá hạn" in caveat["text"] for caveat in body["caveats"])

    departments = running.client.get(f"{PUBLIC}/rankings?period=2026-11&kind=department&lang=en").get_json()
    assert [(i["rank"], i["unit"], i["unit_kind_label"]) for i in departments["items"]] == [
        (1, "SXD", "Department"), (2, "STP", "Department")]
    assert departments["formula"]["text"].startswith("Progress score = 20 ×")
    assert all(caveat["text"].isascii() for caveat in departments["caveats"])

    bad = running.client.get(f"{PUBLIC}/rankings?period=2026-13")
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]


def test_reporting_good_performers_are_the_units_in_the_top_band(running):
    body = running.client.get(f"{PUBLIC}/good-performers?period=2026-11").get_json()
    top = body["composite_rules"]["bands"][0]
    assert top["label"] == "Xuất sắc"
    assert "Xuất sắc" in body["rule"]
    assert sorted(i["unit"] for i in body["items"]) == ["PBD", "SXD"]
    assert all(i["band"] == {"code": top["code"], "label": "Xuất sắc"} for i in body["items"])
    english = running.client.get(f"{PUBLIC}/good-performers?period=2026-11&kind=ward&lang=en").get_json()
    assert [i["unit"] for i in english["items"]] == ["PBD"]
    assert "Excellent" in english["rule"]


def test_reporting_public_endpoints_are_listed_without_security_in_the_api_docs(running):
    spec = running.client.get("/reporting/docs/openapi.json").get_json()
    for path in ("/public/rankings", "/public/good-performers", "/public/violators"):
        assert "security" not in spec["paths"][f"/reporting/api/v1{path}"]["get"]
    assert spec["paths"]["/reporting/api/v1/reports"]["post"]["security"] == [{"bearerAuth": []}]


def test_reporting_the_public_lists_page_shows_the_good_performers_with_their_scores(running):
    """The page a citizen reads (/reporting/lists) says what the API says: each good performer, its composite
    score in Vietnamese format, its band."""
    page = running.client.get("/reporting/lists?period=2026-11", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = running.client.get(f"{PUBLIC}/good-performers?period=2026-11").get_json()
    for item in body["items"]:
        assert f'href="/reporting/units/{item["unit"]}"' in html
        assert f"{item['composite']:.2f}".replace(".", ",") in html
    assert html.count(">Xuất sắc<") == len(body["items"])
