"""The head's scorecard page and the use case behind it: this month's scorecard of her unit, its rank among all
units and among units of its kind, and the trend of the last six months; fed with the lifecycle stream of
test_reporting_rebuild (November 2026, clock at 16/11 09:00; see test_reporting_periods_rankings: Ba Đình
(PBD, ward) 10.00, Đống Đa (PDD, ward) 20.00, Sở Xây dựng (SXD, department) 20.00)."""

from __future__ import annotations

from decimal import Decimal

from test_reporting_rebuild import (  # noqa: F401  (the fixture stops the workers after each test)
    _workers_stopped_after_each_test,
    lifecycle_stream,
    processed,
    send,
)

from services.reporting.use_cases import scorecards
from shared.auth import Principal
from shared.web import session as web_session

HTML = {"Accept": "text/html"}


def fed(start_service):
    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    return service


def signed_in(service, sub: str, unit: str | None, roles=("head",)):
    client = service.app.test_client()
    cookie = web_session.issue(service.runtime.settings.session_secret, Principal(sub, unit, frozenset(roles)))
    client.set_cookie(web_session.COOKIE, cookie, path="/")
    return client


def test_a_units_overview_has_its_rank_among_all_units_and_its_kind_and_six_months_of_trend(start_service):
    service = fed(start_service)
    overview = scorecards.unit_overview(service.runtime.uow(), "PBD")

    assert overview["scorecard"]["period"] == "2026-11" and overview["scorecard"]["score"] == Decimal("10.00")
    # PDD and SXD share the first place at 20.00; Ba Đình comes third of three, second of the two wards.
    assert (overview["rank"]["rank"], overview["rank"]["of"]) == (3, 3)
    assert (overview["kind_rank"]["rank"], overview["kind_rank"]["of"], overview["kind_rank"]["unit_kind"]) == (
        2, 2, "ward")
    assert [row["period"] for row in overview["trend"]] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                                                            "2026-11"]
    assert overview["trend"][-1]["on_time_rate"] == Decimal("0.5") and overview["trend"][0]["received"] == 0


def test_the_head_sees_her_units_score_rank_parts_and_trend_table_in_vietnamese(start_service):
    service = fed(start_service)
    answer = signed_in(service, "ct.badinh", "PBD").get("/reporting/scorecard", headers=HTML)

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Hạng 3/3" in page and "Hạng 2/2 trong nhóm Phường" in page
    assert "10,00" in page and "Tỉ lệ đúng hạn 50,00%" in page
    assert "Tiến độ giải quyết" in page and "Không đo" in page  # the 766 groups, measured or not
    assert 'id="trend-table"' in page and "11/2026" in page and "06/2026" in page
    assert "<svg" in page and "<script" not in page.split("</head>")[1]  # a chart that needs no script
    assert "style=" not in page


def test_only_a_head_opens_the_scorecard_page_and_a_unit_without_data_is_told_so(start_service):
    service = fed(start_service)
    assert signed_in(service, "cb.badinh", "PBD", ("officer",)).get("/reporting/scorecard",
                                                                    headers=HTML).status_code == 403
    empty = signed_in(service, "ct.moi", "W99999").get("/reporting/scorecard", headers=HTML)
    assert empty.status_code == 200 and "Chưa có số liệu" in empty.get_data(as_text=True)
    signed_out = service.app.test_client().get("/reporting/scorecard", headers=HTML)
    assert signed_out.status_code == 303 and "/discipline/sign-in" in signed_out.headers["Location"]


def test_the_scorecard_speaks_english_on_request(start_service):
    service = fed(start_service)
    page = signed_in(service, "ct.badinh", "PBD").get("/reporting/scorecard?lang=en", headers=HTML).get_data(
        as_text=True)
    assert "<h1>Unit&#39;s scorecard</h1>" in page or "<h1>Unit's scorecard</h1>" in page
    assert "Rank 3/3" in page and "Rank 2/2 among units of kind Ward" in page
    assert "Progress of handling" in page and "Not measured" in page and "month 11/2026" in page
