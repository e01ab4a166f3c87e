"""The monthly classification of units (seed 004, item 2.b) and the rankings over months, fed with the November
stream of test_reporting_rebuild (clock at Monday 16/11/2026 09:00) and a few sendings back:

- Ba Đình (PBD): D3 completed late, D4 and D6 open past their deadline; D3 also sent back twice through an
  official's fault in November → late and sent back several times.
- Đống Đa (PDD): nothing late; P9, received in October, sent back through an official's fault on 22/10 and
  again on 3/11 → sent back several times (once in November, twice in all).
- Sở Xây dựng (SXD): S2 sent back through an official's fault on 4/11 and again on 10/11 → sent back several
  times; S1 sent back once, not through officials' fault → not counted.
- Hoàn Kiếm (PHK): H1 on time, sent back once through an official's fault → counted, not several times: clear.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook
from test_reporting_rebuild import (  # noqa: F401  (the fixture stops the workers after each test)
    _workers_stopped_after_each_test,
    at,
    dossier,
    ev,
    lifecycle_stream,
    processed,
    send,
    unit_upserted,
)

from services.reporting import documents
from services.reporting.use_cases import classification, rankings_over_time
from shared.auth import Principal
from shared.web import session as web_session

HTML = {"Accept": "text/html"}


def sent_back(code, unit, when, times, fault=True):
    return ev("dossier.sent_back", code, when, {"code": code, "unit": unit, "at": when, "officials_fault": fault,
                                                "reason": "Yêu cầu sai thành phần hồ sơ", "official": "CB-031",
                                                "times_for_fault": times})


def stream():
    events = lifecycle_stream()
    events += [unit_upserted("PHK", "Phường Hoàn Kiếm", "ward")]
    events += [sent_back("D3", "PBD", at(11, 4), 1), sent_back("D3", "PBD", at(11, 5), 2)]
    events += dossier("P9", "PDD", at(10, 20), at(11, 12, 17), "on_time", at(11, 9))
    events += [sent_back("P9", "PDD", at(10, 22), 1), sent_back("P9", "PDD", at(11, 3), 2)]
    # S2 was sent back once on 4/11 in the stream already (times_for_fault 1).
    events += [sent_back("S2", "SXD", at(11, 10), 2), sent_back("S1", "SXD", at(11, 5), 0, fault=False)]
    events += dossier("H1", "PHK", at(11, 2), at(11, 20, 17), "on_time", at(11, 12))
    events += [sent_back("H1", "PHK", at(11, 6), 1)]
    return events


def fed(start_service, **options):
    service = start_service("reporting", **options)
    events = stream()
    send(events)
    processed(service, len(events))
    return service


def signed_in(service, roles=("office",), unit=None):
    client = service.app.test_client()
    cookie = web_session.issue(service.runtime.settings.session_secret, Principal("vp.ubnd", unit, frozenset(roles)))
    client.set_cookie(web_session.COOKIE, cookie, path="/")
    return client


def rows(found):
    return [(i["unit"], i["class"]["code"], i["completed_late"], i["overdue_open"], i["sent_back"],
             i["sent_back_times"], i["sent_back_repeatedly"]) for i in found["items"]]


def test_the_month_classifies_units_by_late_dossiers_and_dossiers_sent_back_several_times(start_service):
    service = fed(start_service)
    found = classification.monthly_classification(service.runtime.uow(), "2026-11")

    assert found["period"] == "2026-11" and found["running"] and found["next_period"] is None
    assert rows(found) == [
        ("PBD", "late_and_sent_back", 1, 2, 1, 2, 1),
        ("PDD", "sent_back", 0, 0, 1, 1, 1),  # once in November, twice in all
        ("SXD", "sent_back", 0, 0, 1, 2, 1),
        ("PHK", "clear", 0, 0, 1, 1, 0),  # once is not several times
    ]
    assert {c["code"]: c["units"] for c in found["counts"]} == {"late_and_sent_back": 1, "late": 0,
                                                               "sent_back": 2, "clear": 1}
    assert found["totals"] == {"late": 1, "overdue_open": 2, "sent_back": 4, "sent_back_repeatedly": 3}
    assert found["rules"]["late_from"] == 1 and "2.b" in found["rules"]["source"]


def test_the_classification_and_the_rankings_over_months_read_the_same_on_postgresql(pg_database, start_service):
    service = fed(start_service, database_url=pg_database("classification"))
    found = classification.monthly_classification(service.runtime.uow(), "2026-11")
    assert [row[:2] + row[-1:] for row in rows(found)] == [("PBD", "late_and_sent_back", 1), ("PDD", "sent_back", 1),
                                                            ("SXD", "sent_back", 1), ("PHK", "clear", 0)]
    over_time = rankings_over_time.rankings_over_time(service.runtime.uow(), None, months=6)
    assert {h["unit"]: h["history"].latest.rank for h in over_time["histories"]}["PBD"] == 4


def test_the_default_month_is_the_last_finished_one_and_counts_only_its_own_sendings(start_service):
    service = fed(start_service)
    october = classification.monthly_classification(service.runtime.uow(), None)
    assert october["period"] == "2026-10" and october["next_period"] == "2026-11" and not october["running"]
    # P9 was open within its deadline at the end of October, sent back once then.
    assert rows(october) == [("PDD", "clear", 0, 0, 1, 1, 0)]
    wards = classification.monthly_classification(service.runtime.uow(), "2026-11", kind="ward", only="sent_back")
    assert rows(wards) == [("PDD", "sent_back", 0, 0, 1, 1, 1)] and wards["total"] == 1


def test_the_office_sees_the_table_worst_first_with_vietnamese_numbers_and_month_links(start_service):
    service = fed(start_service)
    answer = signed_in(service).get("/reporting/classification?period=2026-11", headers=HTML)

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Phân loại đơn vị tháng 11/2026" in page
    assert page.index('data-unit="PBD"') < page.index('data-unit="PDD"') < page.index('data-unit="PHK"')
    assert "Có hồ sơ trễ hạn và hồ sơ bị trả lại nhiều lần do lỗi chủ quan" in page
    assert "/reporting/units/PBD/figures/late?period=2026-11" in page and "(2 lượt)" in page
    assert "?period=2026-10" in page and "Tháng sau" not in page  # November is the latest month
    assert "style=" not in page and "<script" not in page.split("</head>")[1]
    assert 'href="/reporting/classification"' in page  # in the Office's navigation


def test_a_month_that_cannot_be_read_is_shown_with_its_error_and_others_may_not_look(start_service):
    service = fed(start_service)
    office = signed_in(service)
    bad = office.get("/reporting/classification?period=2026-13", headers=HTML)
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'href="#period"' in page and "Tháng không hợp lệ hoặc chưa bắt đầu" in page
    assert "chọn một tháng đến tháng 11/2026" in page and "Phân loại đơn vị tháng 10/2026" in page
    future = office.get("/reporting/classification?period=2027-01", headers=HTML)
    assert future.status_code == 422 and "chưa bắt đầu" in future.get_data(as_text=True)
    assert signed_in(service, ("officer",), "PBD").get("/reporting/classification", headers=HTML).status_code == 403
    assert signed_in(service, ("inspector",)).get("/reporting/classification", headers=HTML).status_code == 200
    english = office.get("/reporting/classification?period=2026-11&lang=en", headers=HTML).get_data(as_text=True)
    assert "Classification of units, 11/2026" in english and "Late dossiers and dossiers sent back" in english


def test_the_classification_downloads_as_a_spreadsheet(start_service):
    service = fed(start_service)
    answer = signed_in(service).get("/reporting/classification.xlsx?period=2026-11")
    assert answer.status_code == 200 and "phan-loai-don-vi-2026-11.xlsx" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] in ("PBD", "SXD")]
    assert [(r[0], r[4], r[5], r[6], r[7]) for r in values] == [("PBD", 1, 2, 1, 1), ("SXD", 0, 0, 1, 1)]
    assert sheet.freeze_panes is not None and sheet.auto_filter.ref  # laid out as the reports are


def test_a_unit_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet():
    found = {"period": "2026-11", "items": [{
        "unit": "PBD", "unit_name": '=HYPERLINK("http://evil.example","Phường")', "class": {"vi": "Có hồ sơ trễ hạn"},
        "received": 3, "completed_late": 1, "overdue_open": 0, "sent_back": 0, "sent_back_repeatedly": 0}]}
    headings = ["Mã", "Đơn vị", "Nhóm", "Nhận", "Trễ", "Quá hạn", "Trả lại", "Nhiều lần"]
    book = documents.build_classification_xlsx(found, "Phân loại đơn vị tháng 11/2026", ["Quy tắc"], headings)
    cell = next(row[1] for row in load_workbook(io.BytesIO(book)).active.iter_rows() if row[0].value == "PBD")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_rankings_over_months_follow_the_first_and_last_units_of_the_latest_ranking(start_service):
    service = fed(start_service)
    found = rankings_over_time.rankings_over_time(service.runtime.uow(), None, months=6)
    assert found["months"] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert found["latest"] == "2026-11" and set(found["kinds"]) == {"ward", "department"}
    by_unit = {h["unit"]: h["history"] for h in found["histories"]}
    # November: PDD, PHK, SXD share the first place at 20,00; Ba Đình is fourth at 10,00. October: PDD alone.
    assert [(p.month, p.rank) for p in by_unit["PDD"].points][-2:] == [("2026-10", 1), ("2026-11", 1)]
    assert (by_unit["PBD"].latest.rank, by_unit["PBD"].latest.of, by_unit["PBD"].latest.score) == (4, 4, 10)
    wards = rankings_over_time.rankings_over_time(service.runtime.uow(), "ward", months=6, show="bottom", count=1)
    assert [(h["unit"], h["group"], h["history"].latest.rank) for h in wards["histories"]] == [("PBD", "bottom", 3)]


def test_the_rankings_page_has_a_chart_per_unit_and_the_table_with_the_same_ranks(start_service):
    service = fed(start_service)
    answer = signed_in(service).get("/reporting/rankings?months=6", headers=HTML)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'class="rank-chart" data-unit="PBD"' in page and 'aria-hidden="true"' in page
    assert "Tháng 11/2026: hạng 4/4." in page  # the chart's words
    assert 'id="rankings-table"' in page and ">4 (10,00)</td>" in page
    assert "style=" not in page and "<script" not in page.split("</head>")[1]
    ward_page = signed_in(service).get("/reporting/rankings?kind=ward&show=top", headers=HTML).get_data(as_text=True)
    assert "Phường Đống Đa" in ward_page and "Sở Xây dựng" not in ward_page
    english = signed_in(service).get("/reporting/rankings?months=6&lang=en", headers=HTML).get_data(as_text=True)
    assert "Rankings over the months" in english and "11/2026: rank 4 of 4." in english
    assert "Rank (progress score) by month" in english and ">4 (10,00)</td>" in english  # Vietnamese numbers
