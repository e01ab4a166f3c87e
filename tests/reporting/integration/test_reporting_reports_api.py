"""Periodic reports through the API: issued once their window is closed, stored and served as issued, re-issued
as a new version that keeps the old one, and issued by the sweep on their due dates.

Events go through the projections directly (`project_event`, as the consumer and the rebuild do). The monthly
window of November 2026 runs from 21/10 to 20/11; by hand:
- Sở Xây dựng (SXD): D1 early, D2 on time, D3 open within its deadline on 21/11 → 3 dossiers, 3 on time,
  20,00 points, 100%;
- Sở Tư pháp (STP): S1 late, S2 open and overdue on 21/11, S3 early → 3 dossiers, 1 on time, 6,67 points, 33,33%;
  D9 (received 22/11) is after the window. S4 (on time, sent after the first issue) makes STP 4 dossiers,
  2 on time, 10,00 points, 50%.
"""

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from pdf_text import page_count, squeezed, text
from sqlalchemy import text as sqltext

from services.reporting.sweeps import sweep_reports
from services.reporting.use_cases import projections
from shared.events import catalog
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
SOURCE = "/kycuong/test/dossiers"
REPORTS = "/reporting/api/v1/reports"


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def unit(code, name, kind, parent="HN"):
    return Event(type="directory.unit_upserted", source="/kycuong/test/discipline", subject=code, unit=code,
                 time=at(10, 1), data={"code": code, "name": name, "parent": parent, "kind": kind})


def received(code, unit_code, received_at, due_at):
    return Event(type="dossier.received", source=SOURCE, subject=code, unit=unit_code, time=received_at, data={
        "code": code, "procedure_code": "1.001234", "unit": unit_code, "received_at": received_at.isoformat(),
        "due_at": due_at.isoformat()})


def completed(code, unit_code, received_at, due_at, completed_at, timeliness):
    return Event(type="dossier.completed", source=SOURCE, subject=code, unit=unit_code, time=completed_at, data={
        "code": code, "procedure_code": "1.001234", "unit": unit_code, "received_at": received_at.isoformat(),
        "due_at": due_at.isoformat(), "completed_at": completed_at.isoformat(), "timeliness": timeliness})


def task(code, lead_unit, assigned_at, due_at, title):
    return Event(type="task.assigned", source="/kycuong/test/tasks", subject=code, unit=lead_unit, time=assigned_at,
                 data={"code": code, "title": title, "lead_unit": lead_unit, "due_at": due_at.isoformat(),
                       "document": "01/CT-UBND"})


def task_completed(code, lead_unit, due_at, completed_at, timeliness):
    return Event(type="task.completed", source="/kycuong/test/tasks", subject=code, unit=lead_unit,
                 time=completed_at, data={"code": code, "lead_unit": lead_unit, "due_at": due_at.isoformat(),
                                          "completed_at": completed_at.isoformat(), "timeliness": timeliness})


NOVEMBER = [
    unit("HN", "Thành phố Hà Nội", "province", parent=None),
    unit("SXD", "Sở Xây dựng", "department"), unit("STP", "Sở Tư pháp", "department"),
    completed("D1", "SXD", at(10, 22), at(11, 5, 17), at(11, 3), "early"),
    completed("D2", "SXD", at(11, 1), at(11, 12, 17), at(11, 12, 15), "on_time"),
    received("D3", "SXD", at(11, 5), at(11, 30, 17)),
    completed("S1", "STP", at(10, 25), at(11, 4, 17), at(11, 10), "late"),
    received("S2", "STP", at(11, 3), at(11, 10, 17)),
    completed("S3", "STP", at(11, 8), at(11, 15, 17), at(11, 14), "early"),
    received("D9", "SXD", at(11, 22), at(12, 2, 17)),
]
LATE_NEWS = completed("S4", "STP", at(11, 12), at(11, 18, 17), at(11, 17), "on_time")


def project(running, events):
    for event in events:
        assert projections.project_event(running.runtime.uow(), event, catalog.load(event.type, event.data))


def ranking_rows(xlsx: bytes):
    sheet = load_workbook(io.BytesIO(xlsx))["Báo cáo"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Hạng")
    columns = rows[header]
    wanted = ["Hạng", "Mã đơn vị", "Tên đơn vị", "Hồ sơ trong kỳ", "Trước hạn, đúng hạn và còn hạn", "Trễ hạn",
              "Quá hạn đang giải quyết", "Tỷ lệ đúng hạn", "Điểm tiến độ (766, tối đa 20)"]
    return [tuple(row[columns.index(name)] for name in wanted) for row in rows[header + 1:] if row[0] is not None]


@pytest.fixture
def running(start_service, clock):
    clock.set(at(11, 25, 8))
    service = start_service("reporting", workers=False)
    project(service, NOVEMBER)
    return service


def issue(running, roles=("office",), **body):
    return running.client.post(REPORTS, json=body, headers=running.headers(sub="vp.ubnd", roles=roles))


def test_reporting_monthly_report_is_issued_with_its_figures_and_served_unchanged_until_reissued(running):
    office = running.headers(sub="vp.ubnd", roles=("office",))
    response = issue(running, kind="monthly", period="2026-11")
    assert response.status_code == 201, response.get_json()
    first = response.get_json()
    assert (first["code"], first["version"], first["issued_by"]) == ("BC-2026-11", 1, "vp.ubnd")
    assert (first["first_day"], first["last_day"]) == ("2026-10-21", "2026-11-20")
    assert first["issued_at"].startswith("2026-11-25T08:00:00+07:00")
    assert first["title"].endswith("THÁNG 11 NĂM 2026")

    xlsx_v1 = running.client.get(f"{REPORTS}/BC-2026-11.xlsx", headers=office)
    assert xlsx_v1.status_code == 200
    assert xlsx_v1.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ranking_rows(xlsx_v1.data) == [
        (1, "SXD", "Sở Xây dựng", 3, 3, 0, 0, 1.0, 20.0),
        (2, "STP", "Sở Tư pháp", 3, 1, 1, 1, 0.3333, 6.67),
    ]
    pdf_v1 = running.client.get(f"{REPORTS}/BC-2026-11.pdf", headers=office)
    assert pdf_v1.mimetype == "application/pdf" and pdf_v1.headers["X-Report-Version"] == "1"
    assert page_count(pdf_v1.data) >= 2
    content = squeezed(text(pdf_v1.data))
    for expected in ("UBND THÀNH PHỐ HÀ NỘI VĂN PHÒNG Số: 01/BC-VP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Hà Nội, ngày 25 tháng 11 năm 2026", "BÁO CÁO Kết quả giải quyết thủ tục hành chính",
                     "Nơi nhận:", "KT. CHÁNH VĂN PHÒNG",
                     "từ ngày 21/10/2026 đến hết ngày 20/11/2026", "Ban hành lúc 08:00 ngày 25/11/2026",
                     "phiên bản 1", "Sở Tư pháp", "33,33%", "6,67", "20,00"):
        assert squeezed(expected) in content, expected

    # A fact of the window arrives after the report was issued: the issued files do not move.
    running.runtime.clock.set(at(11, 26, 10))
    project(running, [LATE_NEWS])
    again = running.client.get(f"{REPORTS}/BC-2026-11.xlsx", headers=office)
    assert again.data == xlsx_v1.data
    assert running.client.get(f"{REPORTS}/BC-2026-11.pdf", headers=office).data == pdf_v1.data

    refused = issue(running, kind="monthly", period="2026-11")
    assert refused.status_code == 409 and "reissue" in refused.get_json()["errors"]
    second = issue(running, kind="monthly", period="2026-11", reissue=True, reason="Sở Tư pháp bổ sung hồ sơ S4")
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["version"] == 2
    latest = running.client.get(f"{REPORTS}/BC-2026-11.xlsx", headers=office)
    assert ranking_rows(latest.data)[1] == (2, "STP", "Sở Tư pháp", 4, 2, 1, 1, 0.5, 10.0)
    reissued = squeezed(text(running.client.get(f"{REPORTS}/BC-2026-11.pdf", headers=office).data))
    assert squeezed("ban hành lại: Sở Tư pháp bổ sung hồ sơ S4") in reissued
    assert squeezed("Số: 01/BC-VP") in reissued  # a re-issue keeps the number of the report it replaces
    kept = running.client.get(f"{REPORTS}/BC-2026-11.xlsx?version=1", headers=office)
    assert kept.data == xlsx_v1.data

    listed = running.client.get(f"{REPORTS}?kind=monthly", headers=office).get_json()
    assert [(r["code"], r["version"]) for r in listed["items"]] == [("BC-2026-11", 2), ("BC-2026-11", 1)]
    assert listed["items"][0]["pdf_url"] == "/reporting/api/v1/reports/BC-2026-11.pdf?version=2"
    events = running.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'report.issued'")
    assert events == 2


def test_reporting_a_report_is_refused_before_its_cut_off_or_without_the_right_role(running):
    early = issue(running, kind="monthly", period="2026-12")
    assert early.status_code == 422 and "period" in early.get_json()["errors"]
    bad = issue(running, kind="monthly", period="2026-Q4")
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]
    assert issue(running, roles=("officer",), kind="monthly", period="2026-11").status_code == 403
    assert running.client.post(REPORTS, json={"kind": "monthly", "period": "2026-11"}).status_code == 401
    assert running.client.get(f"{REPORTS}/BC-2026-11.pdf").status_code == 401
    missing = running.client.get(f"{REPORTS}/BC-2026-10.pdf", headers=running.headers(roles=("officer",)))
    assert missing.status_code == 404 and "code" in missing.get_json()["errors"]
    assert running.scalar("SELECT count(*) FROM issued_reports") == 0
    assert running.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'report.issued'") == 0


def test_reporting_sweep_issues_each_due_report_once_including_the_monday_list(running):
    project(running, [
        task("NV-1", "SXD", at(11, 2), at(11, 20, 17), "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND"),
        task("NV-2", "STP", at(11, 10), at(11, 26, 17), "Rà soát thủ tục hành chính năm 2026"),
        task("NV-3", "STP", at(11, 10), at(12, 1, 17), "Kế hoạch kiểm tra công vụ"),
        task("NV-4", "SXD", at(11, 5), at(11, 18, 17), "Báo cáo quý IV"),
        task_completed("NV-4", "SXD", at(11, 18, 17), at(11, 19), "late"),
    ])
    # The reports are due, but events are still being applied (the consumer records each in the inbox):
    # nothing is issued until they stop for a minute, so no report misses what was already sent.
    applied = "INSERT INTO inbox (consumer, event_id, event_type, processed_at) VALUES ('reporting.events', :id, " \
              "'task.assigned', :at)"
    with running.runtime.engine.begin() as connection:
        connection.execute(sqltext(applied), {"id": "e-1", "at": running.runtime.clock.now()})
    assert sweep_reports(running.runtime) == 0
    running.runtime.clock.advance(seconds=30)
    assert sweep_reports(running.runtime) == 0
    assert running.scalar("SELECT count(*) FROM issued_reports") == 0
    running.runtime.clock.advance(seconds=31)
    assert sweep_reports(running.runtime) == 3  # November, the third quarter, the week of Monday 23/11
    assert sweep_reports(running.runtime) == 0
    with running.runtime.engine.connect() as connection:
        codes = sorted(connection.exec_driver_sql(
            "SELECT code || ':' || version || ':' || issued_by FROM issued_reports").scalars())
    assert codes == ["BC-2026-11:1:sweep", "BC-2026-Q3:1:sweep", "BC-2026-W48:1:sweep"]
    # Each report takes the next number of the year's series (Decree 30/2020), none twice.
    with running.runtime.engine.connect() as connection:
        stored = [json.loads(f) if isinstance(f, str) else f
                  for f in connection.exec_driver_sql("SELECT figures FROM issued_reports").scalars()]
    assert sorted(figures["number"] for figures in stored) == [1, 2, 3]

    office = running.headers(roles=("office",))
    sheet = load_workbook(io.BytesIO(running.client.get(f"{REPORTS}/BC-2026-W48.xlsx", headers=office).data))[
        "Danh sách nhiệm vụ"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "DANH SÁCH NHIỆM VỤ ĐẾN HẠN NHƯNG CHƯA BÁO CÁO TUẦN 48 NĂM 2026" in [row[0] for row in rows]
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    listed = [(row[1], row[2], row[4], row[6], row[7]) for row in rows[header + 1:] if row[0] is not None]
    assert listed == [
        ("NV-1", "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "Sở Xây dựng", "Quá hạn", 3),
        ("NV-2", "Rà soát thủ tục hành chính năm 2026", "Sở Tư pháp", "Đến hạn trong tuần", 0),
    ]
    pdf = running.client.get(f"{REPORTS}/BC-2026-W48.pdf", headers=office).data
    assert squeezed("Rà soát thủ tục hành chính năm 2026") in squeezed(text(pdf))


def progress_reported(code, lead_unit, reported_at, reporting_unit=None):
    return Event(type="task.progress_reported", source="/kycuong/test/tasks", subject=code, unit=lead_unit,
                 time=reported_at, data={"code": code, "lead_unit": lead_unit, "unit": reporting_unit or lead_unit,
                                         "percent": 60, "reported_at": reported_at.isoformat()})


def test_reporting_monday_list_leaves_out_a_task_with_a_progress_report_in_the_last_seven_days(running):
    # The list of Monday 23/11 is judged at 00:00 that day: a report from 16/11 00:00 on keeps a task off it.
    project(running, [
        task("NV-1", "SXD", at(11, 2), at(11, 20, 17), "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND"),
        task("NV-2", "STP", at(11, 10), at(11, 26, 17), "Rà soát thủ tục hành chính năm 2026"),
        task("NV-5", "STP", at(11, 3), at(11, 25, 17), "Tổng kết công tác cải cách hành chính"),
        task("NV-6", "SXD", at(11, 3), at(11, 19, 17), "Kiểm tra trật tự xây dựng"),
        progress_reported("NV-5", "STP", at(11, 19, 15)),  # 4 days before: not listed
        progress_reported("NV-6", "SXD", at(11, 20), reporting_unit="STP"),  # a co-operating unit's report counts
        progress_reported("NV-2", "STP", at(11, 12)),  # 11 days before: still listed
        progress_reported("NV-1", "SXD", at(11, 23, 8)),  # after the list was judged: still listed
    ])
    response = issue(running, kind="weekly_tasks", period="2026-W48")
    assert response.status_code == 201, response.get_json()
    office = running.headers(roles=("office",))
    sheet = load_workbook(io.BytesIO(running.client.get(f"{REPORTS}/BC-2026-W48.xlsx", headers=office).data))[
        "Danh sách nhiệm vụ"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert [row[1] for row in rows[header + 1:] if row[0] is not None] == ["NV-1", "NV-2"]
    # Projected, not just archived: the reports are counted once each, by natural key, whatever the event ids.
    assert running.scalar("SELECT count(*) FROM occurrences WHERE kind = 'task.progress_reported'") == 4


def test_reporting_a_due_report_on_a_platform_that_never_falls_quiet_is_issued_after_the_longest_wait(running):
    """Events every few seconds, or none ever: the report still comes, half an hour after it was first due."""
    assert sweep_reports(running.runtime) == 0  # nothing has reached reporting yet
    for minutes in (5, 10, 15, 20, 25, 30):
        running.runtime.clock.advance(minutes=5)
        assert running.scalar("SELECT count(*) FROM issued_reports") == 0
        assert sweep_reports(running.runtime) == (3 if minutes == 30 else 0), minutes


def test_reporting_the_office_issues_and_reissues_a_report_from_the_library_page(running):
    from shared.auth import Principal
    from shared.web import session as web_session

    secret = running.runtime.settings.session_secret
    cookie = web_session.issue(secret, Principal("vp.ubnd", "HN-VP", frozenset({"office"})))
    running.client.set_cookie(web_session.COOKIE, cookie, path="/")
    page = running.client.get("/reporting/reports", headers={"Accept": "text/html"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    early = running.client.post("/reporting/reports", data={"kind": "monthly", "period": "2026-12",
                                                            "csrf_token": token}, headers={"Accept": "text/html"})
    assert early.status_code == 422 and "error-summary" in early.get_data(as_text=True)
    issued = running.client.post("/reporting/reports", data={"kind": "monthly", "period": "2026-11",
                                                             "csrf_token": token})
    assert issued.status_code == 303
    no_reason = running.client.post("/reporting/reports", data={"kind": "monthly", "period": "2026-11",
                                                                "reissue": "yes", "csrf_token": token})
    assert no_reason.status_code == 422
    again = running.client.post("/reporting/reports", data={
        "kind": "monthly", "period": "2026-11", "reissue": "yes", "reason": "Sở Tư pháp bổ sung số liệu",
        "csrf_token": token})
    assert again.status_code == 303
    listed = running.client.get("/reporting/reports", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Sở Tư pháp bổ sung số liệu" in listed
    assert 'href="/reporting/api/v1/reports/BC-2026-11.pdf?version=2"' in listed
    assert running.client.get("/reporting/api/v1/reports/BC-2026-11.pdf?version=1").status_code == 200
