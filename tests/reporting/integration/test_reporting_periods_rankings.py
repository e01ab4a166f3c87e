"""Scorecards for a month, quarter, year or range of days, the composite score, rankings per kind of unit
with the change from the previous period, and `ranking.updated` for quarters, years and kinds.

The stream is test_reporting_rebuild.lifecycle_stream (November 2026, clock at 16/11 09:00). By hand:
Ba Đình (PBD): D1 early, D2 and D5 on time, D3 late, D4 overdue, D6 late by a second supplement and open
→ received 6, on time 3 → rate 0.5, 766 progress 10.00. Đống Đa (PDD): D8 on time, D7 past its due time
but waiting for the citizen (within) → 2 of 2, 20.00. Sở Xây dựng (SXD): S1 early, S2 on time → 20.00.
"""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from test_reporting_rebuild import (  # noqa: F401  (the fixture stops the workers after each test)
    _workers_stopped_after_each_test,
    dossier,
    get,
    lifecycle_stream,
    processed,
    send,
    unit_upserted,
)

HANOI = timezone(timedelta(hours=7))


def fed(start_service):
    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    return service


def test_reporting_a_units_month_scorecard_has_every_figure_computed_by_hand(start_service):
    card = get(fed(start_service), "/units/PBD/scorecard?period=2026-11")
    assert {k: card[k] for k in ("received", "early", "finished_on_time", "late", "open_within", "overdue_open",
                                 "on_time", "on_time_rate", "score")} == {
        "received": 6, "early": 1, "finished_on_time": 2, "late": 1, "open_within": 0, "overdue_open": 2,
        "on_time": 3, "on_time_rate": 0.5, "score": 10.0}
    assert card["supplements"] == {"requests": 3, "second_requests": 1}
    # 1 − (1 late + 2 overdue)/6 − (D3 complained about, D2 rated 2 stars)/6 = 1/6 → 18 × 0.1667 ÷ 0.9 = 3.33.
    assert (card["dossier_satisfaction"]["rate"], card["dossier_satisfaction"]["complaints"],
            card["dossier_satisfaction"]["score"]) == (0.1667, 2, 3.33)
    assert card["satisfaction"]["ratings"] == 2 and card["satisfaction"]["satisfied_share"] == 0.5
    assert (card["tasks"]["assigned"], card["tasks"]["completed_on_time"], card["tasks"]["overdue_open"]) == (2, 1, 1)
    assert card["feedback"] == {"received": 1, "handled": 1, "handled_on_time": 0, "answered": 1,
                                "answered_on_time": 0, "overdue": 1}
    assert card["discipline"] == {"explanations_requested": 3, "explanations_submitted": 1, "explanations_missed": 1,
                                  "explanations_accepted": 0, "explanations_rejected": 0, "violations": 0,
                                  "proposals": 1, "decisions": 1, "dropped": 0}
    # Composite, by hand in test_reporting_scorecard_formulas: 41.95, Chưa đạt.
    assert card["composite"]["score"] == 41.95 and card["composite"]["band"]["vi"] == "Chưa đạt"
    assert card["composite"]["rules"]["weights"]["progress"] == 0.35
    figures = {f["key"]: f for f in card["figures"]}
    assert figures["late"]["value"] == 1 and "trễ hạn" in figures["late"]["vi"]
    assert figures["late"]["drilldown"] == "/reporting/api/v1/units/PBD/scorecard/late?period=2026-11"
    assert (card["unit_kind"], card["period_kind"]) == ("ward", "month")


def test_reporting_sent_back_through_officials_fault_and_paused_dossiers(start_service):
    service = fed(start_service)
    building = get(service, "/units/SXD/scorecard?period=2026-11")
    assert (building["received"], building["score"], building["returned_for_fault"]) == (2, 20.0, 1)
    dong_da = get(service, "/units/PDD/scorecard?period=2026-11")
    # D7's due time (12/11 17:00) has passed, but the citizen has had it since 10/11: within, not overdue.
    assert (dong_da["open_within"], dong_da["overdue_open"], dong_da["score"]) == (1, 0, 20.0)
    assert dong_da["composite"]["score"] == 100.0 and dong_da["composite"]["band"]["vi"] == "Xuất sắc"


def test_reporting_a_quarter_a_year_and_a_range_of_days(start_service):
    service = fed(start_service)
    for period in ("2026-Q4", "2026"):
        card = get(service, f"/units/PBD/scorecard?period={period}")
        assert (card["period"], card["received"], card["score"]) == (period, 6, 10.0)
    # 1–10 November, judged at 11/11 00:00: D1 early, D2 on time; D3 open past its due time (6/11);
    # D4 (due 11/11 17:00) and D5 (supplemented, due 13/11) within; D6 marked late on 10/11.
    # On time 1 + 1 + 2 = 4 of 6 → 13.33.
    card = get(service, "/units/PBD/scorecard?period=2026-11-01..2026-11-10")
    assert {k: card[k] for k in ("received", "early", "finished_on_time", "late", "open_within", "overdue_open",
                                 "score")} == {"received": 6, "early": 1, "finished_on_time": 1, "late": 0,
                                               "open_within": 2, "overdue_open": 2, "score": 13.33}
    assert card["as_of"] == "2026-11-11T00:00:00+07:00" and card["period_kind"] == "range"
    ranking = get(service, "/rankings?period=2026-11-01..2026-11-10&kind=ward")
    assert [(i["unit"], i["received"], i["score"]) for i in ranking["items"]] == [("PDD", 2, 20.0),
                                                                                  ("PBD", 6, 13.33)]


def test_reporting_rankings_per_kind_of_unit_and_by_composite(start_service):
    service = fed(start_service)
    everyone = get(service, "/rankings?period=2026-11")
    # Đống Đa and Sở Xây dựng tie at 20.00 and share rank 1, in Vietnamese order; Ba Đình third.
    assert [(i["unit"], i["rank"], i["score"]) for i in everyone["items"]] == [
        ("PDD", 1, 20.0), ("SXD", 1, 20.0), ("PBD", 3, 10.0)]
    wards = get(service, "/rankings?period=2026-11&kind=ward")
    assert [(i["unit"], i["rank"], i["unit_kind"]) for i in wards["items"]] == [("PDD", 1, "ward"), ("PBD", 2, "ward")]
    assert wards["unit_kind"] == "ward" and wards["units_not_ranked"] == 0
    departments = get(service, "/rankings?period=2026-11&kind=department")
    assert [(i["unit"], i["rank"]) for i in departments["items"]] == [("SXD", 1)]
    composite = get(service, "/rankings?period=2026-11&by=composite")
    assert [(i["unit"], i["rank"], i["score"], i["band"]["vi"]) for i in composite["items"]] == [
        ("PDD", 1, 100.0, "Xuất sắc"), ("SXD", 1, 100.0, "Xuất sắc"), ("PBD", 3, 41.95, "Chưa đạt")]
    assert composite["ranked_by"] == "composite" and composite["composite_rules"]["bands"][0]["vi"] == "Xuất sắc"
    response = service.client.get("/reporting/api/v1/rankings?period=2026-11&by=speed")
    assert response.status_code == 422 and any("by" in key for key in response.get_json()["errors"])


def test_reporting_rankings_show_the_change_from_the_previous_period(start_service, clock):
    service = fed(start_service)
    # December: Ba Đình receives D9 and finishes it early.
    clock.set(datetime(2026, 12, 10, 9, tzinfo=HANOI))
    december = [
        *dossier("D9", "PBD", datetime(2026, 12, 1, 9, tzinfo=HANOI), datetime(2026, 12, 8, 17, tzinfo=HANOI),
                 "early", datetime(2026, 12, 2, 9, tzinfo=HANOI)),
    ]
    send(december)
    processed(service, len(lifecycle_stream()) + len(december))
    body = get(service, "/rankings?period=2026-12&kind=ward")
    # December, wards: Ba Đình has D9 early, D4 and D6 still open and overdue → 1 of 3 → 6.67; Đống Đa
    # has D7 open (paused, within in the stored rows) → 20.00. November: PDD 1, PBD 2.
    assert [(i["unit"], i["rank"], i["previous_rank"], i["rank_change"], i["score"]) for i in body["items"]] == [
        ("PDD", 1, 1, 0, 20.0), ("PBD", 2, 2, 0, 6.67)]
    assert body["previous_period"] == "2026-11"
    quarter = get(service, "/rankings?period=2026-Q4&kind=ward")
    # The quarter: Ba Đình's 7 dossiers (6 of November, D9), 4 on time → 11.43; previous quarter empty.
    assert [(i["unit"], i["score"], i["previous_rank"]) for i in quarter["items"]] == [("PDD", 20.0, None),
                                                                                      ("PBD", 11.43, None)]


def test_reporting_ranking_updated_is_recorded_for_months_quarters_years_and_kinds(start_service):
    service = fed(start_service)
    with service.runtime.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT body FROM outbox WHERE routing_key = 'ranking.updated' ORDER BY id")).all()
    published = [json.loads(row[0])["data"] for row in rows]
    latest = {}
    for data in published:
        latest[(data["period"], data.get("unit_kind"))] = data
    assert {("2026-11", None), ("2026-Q4", None), ("2026", None), ("2026-11", "ward"), ("2026-Q4", "department"),
            ("2026", "ward")} <= set(latest)
    assert latest[("2026-Q4", "ward")]["units_ranked"] == 2
    assert latest[("2026", "department")]["units_ranked"] == 1


def test_reporting_a_dossier_finished_at_2359_on_the_last_day_and_one_at_midnight(start_service, clock):
    service = start_service("reporting")
    late_night = datetime(2026, 11, 30, 23, 59, 59, tzinfo=HANOI)
    midnight = datetime(2026, 12, 1, 0, 0, tzinfo=HANOI)
    received_at, due_at = datetime(2026, 11, 20, 9, tzinfo=HANOI), datetime(2026, 12, 4, 17, tzinfo=HANOI)
    events = [unit_upserted("PHK", "Phường Hoàn Kiếm", "ward"),
              *dossier("P1", "PHK", received_at, due_at, "early", late_night),
              *dossier("P2", "PHK", received_at, due_at, "early", midnight)]
    clock.set(datetime(2026, 12, 5, 9, tzinfo=HANOI))
    send(events)
    processed(service, len(events))
    november = get(service, "/units/PHK/scorecard?period=2026-11")
    december = get(service, "/units/PHK/scorecard?period=2026-12")
    assert (november["received"], november["early"], november["open_within"]) == (2, 1, 1)
    assert (december["received"], december["early"], december["open_within"]) == (1, 1, 0)
    # The ranking, from the stored month rows, puts them in the same months.
    (item,) = get(service, "/rankings?period=2026-11")["items"]
    assert (item["received"], item["early"], item["on_time"]) == (2, 1, 2)
    (item,) = get(service, "/rankings?period=2026-12")["items"]
    assert (item["received"], item["early"]) == (1, 1)


def test_reporting_trend_of_the_on_time_rate_per_month(start_service):
    from services.reporting.use_cases import trends

    service = fed(start_service)
    unit = trends.get_trend(service.runtime.uow(), "PBD", ["2026-10", "2026-11"])
    assert [(t["period"], t["received"], t["on_time_rate"]) for t in unit] == [
        ("2026-10", 0, None), ("2026-11", 6, Decimal("0.5"))]
    # All units together in November: 3 + 2 + 2 on time of 6 + 2 + 2 → 0.7.
    (everyone,) = trends.get_trend(service.runtime.uow(), None, ["2026-11"])
    assert (everyone["received"], everyone["on_time"], everyone["on_time_rate"]) == (10, 7, Decimal("0.7"))
