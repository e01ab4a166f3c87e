"""Reporting fed by events on the in-memory broker, read through its public HTTP API.

The clock stands at Monday 2026-11-16 09:00 in Hà Nội. Expected numbers are worked out by hand in the
comments from the dossiers each test publishes.
"""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until

from shared.events import catalog
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
SOURCE = "/kycuong/test/dossiers"


@pytest.fixture(autouse=True)
def _workers_stopped_after_each_test():
    # start_service only signals its threads to stop; a consumer still draining would take the next
    # test's messages from the shared in-memory queue. Wait until every reporting thread has ended.
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("reporting-"):
            thread.join(timeout=5)


def at(month, day, hour=9, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def unit_upserted(code, name, when=None, parent="HN", kind="ward"):
    return Event(type="directory.unit_upserted", source="/kycuong/test/discipline", subject=code, unit=code,
                 time=when or at(11, 1), data={"code": code, "name": name, "parent": parent, "kind": kind})


def received(code, unit, received_at, due_at):
    return Event(type="dossier.received", source=SOURCE, subject=code, unit=unit, time=received_at, data={
        "code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at.isoformat(),
        "due_at": due_at.isoformat(), "processing_days": "5", "channel": "direct"})


def completed(code, unit, received_at, due_at, completed_at, timeliness):
    return Event(type="dossier.completed", source=SOURCE, subject=code, unit=unit, time=completed_at, data={
        "code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at.isoformat(),
        "due_at": due_at.isoformat(), "completed_at": completed_at.isoformat(), "timeliness": timeliness})


def overdue(code, unit, received_at, due_at, detected_at):
    return Event(type="dossier.overdue", source=SOURCE, subject=code, unit=unit, time=detected_at, data={
        "code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at.isoformat(),
        "due_at": due_at.isoformat(), "detected_at": detected_at.isoformat(), "step": "appraise",
        "official": "CB-017"})


def explanation_requested(code, unit, subject, when):
    return Event(type="explanation.requested", source="/kycuong/test/discipline", subject=code, unit=unit,
                 time=when, data={"code": code, "subject_type": "dossier", "subject": subject, "official": "CB-017",
                                  "unit": unit, "role": "official", "due_at": (when + timedelta(days=3)).isoformat(),
                                  "reason": "Hồ sơ quá hạn"})


def sanction_proposed(code, unit, when):
    return Event(type="sanction.proposed", source="/kycuong/test/discipline", subject=code, unit=unit, time=when,
                 data={"code": code, "official": "CB-017", "unit": unit, "rule": "late-dossiers-3",
                       "rule_set": "2025-07", "form": "khien_trach", "facts": ["D4"], "joint_liability": False})


def ba_dinh_dossiers(prefix="D", unit="PBD"):
    """Four November dossiers: one early, one on time, one late, one open and overdue.
    Scorecard: received 4, on_time 2 (early 1), late 1, overdue_open 1 → rate 0.5, score 10.00."""
    d1 = (f"{prefix}1", unit, at(11, 2), at(11, 9, 17))
    d2 = (f"{prefix}2", unit, at(11, 3), at(11, 10, 17))
    d3 = (f"{prefix}3", unit, at(11, 3, 10), at(11, 6, 17))
    d4 = (f"{prefix}4", unit, at(11, 4), at(11, 11, 17))
    return [
        received(*d1), completed(*d1, at(11, 5, 15), "early"),
        received(*d2), completed(*d2, at(11, 10, 16), "on_time"),
        received(*d3), completed(*d3, at(11, 12, 10), "late"),
        received(*d4), overdue(*d4, at(11, 11, 17, 5)),
    ]


def dong_da_dossiers():
    """Three dossiers of Đống Đa, all on time in November: D7 was received in October and finished in
    November, D6 is open and its deadline (19/11) has not come. November: 3 received, 3 on time → 20.00.
    October: D7 open within its deadline at the end of the month → 1 received, 20.00."""
    d5 = ("D5", "PDD", at(11, 2), at(11, 6, 17))
    d6 = ("D6", "PDD", at(11, 12), at(11, 19, 17))
    d7 = ("D7", "PDD", at(10, 28), at(11, 4, 17))
    return [
        received(*d7), completed(*d7, at(11, 4, 10), "on_time"),
        received(*d5), completed(*d5, at(11, 6, 10), "on_time"),
        received(*d6),
    ]


def send(service, events):
    for event in events:
        publish("memory://", event.to_json(), event.type)


def processed(service, count):
    try:
        wait_until(lambda: service.scalar("SELECT count(*) FROM inbox") >= count, timeout=15,
                   message=f"reporting to consume {count} events")
    except pytest.fail.Exception:
        reasons = [headers.get("x-kycuong-reason") for _, headers in drain("memory://", "reporting.events.dlq")]
        pytest.fail(f"reporting consumed {service.scalar('SELECT count(*) FROM inbox')} of {count} events; "
                    f"dead letters: {reasons}")


def scorecard(service, unit, period="2026-11"):
    response = service.client.get(f"/reporting/api/v1/units/{unit}/scorecard?period={period}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ranking(service, period="2026-11"):
    response = service.client.get(f"/reporting/api/v1/rankings?period={period}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def counts(card):
    return {k: card[k] for k in ("received", "early", "on_time", "late", "overdue_open", "on_time_rate", "score")}


def ranking_events(service, months_of_all_units=True):
    """The ranking.updated events recorded, by default only those of a month's ranking of all units (the
    quarter, the year and each kind of unit have their own)."""
    with service.runtime.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT body FROM outbox WHERE routing_key = 'ranking.updated' ORDER BY id")).all()
    events = [json.loads(row[0])["data"] for row in rows]
    if months_of_all_units:
        events = [e for e in events if e["period"][5:6].isdigit() and "unit_kind" not in e]
    return events


# --------------------------------------------------------------------------- scorecards and ranking


def test_reporting_a_stream_for_two_units_gives_their_scorecards_and_ranking(start_service):
    service = start_service("reporting")
    events = [unit_upserted("PBD", "Phường Ba Đình"), unit_upserted("PDD", "Phường Đống Đa"),
              *ba_dinh_dossiers(), *dong_da_dossiers(),
              explanation_requested("GT-1", "PBD", "D4", at(11, 11, 17, 10)),
              explanation_requested("GT-2", "PBD", "D3", at(11, 12, 11)),
              sanction_proposed("KL-1", "PBD", at(11, 13))]
    send(service, events)
    processed(service, len(events))

    ba_dinh = scorecard(service, "PBD")
    assert ba_dinh["unit_name"] == "Phường Ba Đình"
    assert counts(ba_dinh) == {"received": 4, "early": 1, "on_time": 2, "late": 1, "overdue_open": 1,
                               "on_time_rate": 0.5, "score": 10.0}
    assert (ba_dinh["explanations"], ba_dinh["proposals"]) == (2, 1)
    assert ba_dinh["as_of"] == "2026-11-16T09:00:00+07:00"  # the month is still running
    assert ba_dinh["formula"]["max_points"] == 20 and "766" in ba_dinh["formula"]["version"]

    dong_da = scorecard(service, "PDD")
    assert counts(dong_da) == {"received": 3, "early": 0, "on_time": 3, "late": 0, "overdue_open": 0,
                               "on_time_rate": 1.0, "score": 20.0}

    body = ranking(service)
    assert [(i["rank"], i["unit"], i["unit_name"], i["score"]) for i in body["items"]] == [
        (1, "PDD", "Phường Đống Đa", 20.0), (2, "PBD", "Phường Ba Đình", 10.0)]
    assert (body["items"][1]["on_time"], body["items"][1]["late"], body["items"][1]["overdue_open"]) == (2, 1, 1)
    assert body["items"][0]["previous_rank"] == 1  # Đống Đa was alone in October's ranking
    assert body["items"][1]["previous_rank"] is None
    assert body["total"] == 2 and body["period"] == "2026-11"
    assert {c["code"] for c in body["caveats"]} >= {"supplement_time_excluded_as_reported",
                                                    "units_without_dossiers_not_ranked"}
    assert "20 × on_time ÷ received" in body["formula"]["expression"]


def test_reporting_a_dossier_received_in_october_and_finished_in_november_counts_in_both(start_service):
    service = start_service("reporting")
    events = [unit_upserted("PDD", "Phường Đống Đa"), *dong_da_dossiers()]
    send(service, events)
    processed(service, len(events))

    october = scorecard(service, "PDD", "2026-10")
    assert counts(october) | {"open_within": october["open_within"]} == {
        "received": 1, "early": 0, "on_time": 1, "late": 0, "overdue_open": 0, "on_time_rate": 1.0,
        "score": 20.0, "open_within": 1}
    assert october["as_of"] == "2026-11-01T00:00:00+07:00"  # judged at the end of October
    assert scorecard(service, "PDD")["received"] == 3


def test_reporting_the_same_event_twice_counts_once(start_service):
    service = start_service("reporting")
    d1 = ("D1", "PBD", at(11, 2), at(11, 20, 17))
    first = received(*d1)
    resent_with_new_id = received(*d1)  # a producer retry: same dossier, new event id
    send(service, [first, first, resent_with_new_id])
    processed(service, 2)  # the exact duplicate stops at the inbox
    wait_until(lambda: service.scalar("SELECT count(*) FROM event_archive") == 2, message="both ids archived")

    card = scorecard(service, "PBD")
    assert card["received"] == 1 and card["on_time"] == 1
    assert ranking(service)["items"][0]["received"] == 1


ORDERS = {
    "in_order": lambda events: events,
    # Every overdue and completion now arrives before its dossier.received.
    "reversed": lambda events: list(reversed(events)),
    "events_of_each_dossier_swapped": lambda events: [e for pair in zip(events[1::2], events[0::2], strict=True)
                                                      for e in pair],
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_reporting_out_of_order_events_give_the_in_order_result(start_service, order):
    service = start_service("reporting")
    events = ORDERS[order](ba_dinh_dossiers())
    send(service, events)
    processed(service, len(events))

    assert counts(scorecard(service, "PBD")) == {"received": 4, "early": 1, "on_time": 2, "late": 1,
                                                 "overdue_open": 1, "on_time_rate": 0.5, "score": 10.0}
    (item,) = ranking(service)["items"]
    assert (item["rank"], item["score"], item["on_time"], item["late"], item["overdue_open"]) == (1, 10.0, 2, 1, 1)


def test_reporting_a_late_old_event_does_not_reopen_a_finished_dossier(start_service):
    service = start_service("reporting")
    d = ("D9", "PBD", at(11, 2), at(11, 9, 17))
    send(service, [completed(*d, at(11, 5), "early")])
    processed(service, 1)
    send(service, [received(*d)])
    processed(service, 2)

    card = scorecard(service, "PBD")
    assert (card["received"], card["early"], card["open_within"]) == (1, 1, 0)


def test_reporting_a_loader_can_project_events_directly_and_repeat_them(start_service):
    from services.reporting.use_cases import projections

    running = start_service("reporting", workers=False)
    events = [unit_upserted("PBD", "Phường Ba Đình"), *ba_dinh_dossiers(),
              explanation_requested("GT-1", "PBD", "D4", at(11, 11, 18))]
    for _ in range(2):
        for event in events:
            assert projections.project_event(running.runtime.uow(), event, catalog.load(event.type, event.data))
    # A type reporting does not read is neither projected nor archived.
    ignored = Event(
        type="task.extension_requested", source="/kycuong/test/tasks", subject="NV-1", time=at(11, 2),
        data={"code": "NV-1", "lead_unit": "PBD", "due_at": at(11, 13).isoformat(),
              "requested_due_at": at(11, 20).isoformat(),
              "reason": "Chờ ý kiến các sở"})
    assert not projections.project_event(running.runtime.uow(), ignored, catalog.load(ignored.type, ignored.data))

    card = scorecard(running, "PBD")
    assert counts(card) == {"received": 4, "early": 1, "on_time": 2, "late": 1, "overdue_open": 1,
                            "on_time_rate": 0.5, "score": 10.0}
    assert card["explanations"] == 1
    assert running.scalar("SELECT count(*) FROM event_archive") == len(events)


# --------------------------------------------------------------------------- ranking.updated


def test_reporting_records_ranking_updated_only_when_the_ranking_changes(start_service, clock):
    service = start_service("reporting")
    events = [unit_upserted("PBD", "Phường Ba Đình"), unit_upserted("PDD", "Phường Đống Đa"),
              *dong_da_dossiers(), *ba_dinh_dossiers()]
    send(service, events)
    processed(service, len(events))
    published = ranking_events(service)
    assert published, "the first dossiers must publish a ranking"
    latest = [e for e in published if e["period"] == "2026-11"][-1]
    assert latest["units_ranked"] == 2
    assert {(c["unit"], c["rank"], c["score"]) for c in latest["changed"]} <= {("PBD", 2, 10.0), ("PDD", 1, 20.0)}

    # Nothing a ranking shows moves: an explanation request, a resent receipt, a unit renamed.
    quiet = [explanation_requested("GT-1", "PBD", "D4", at(11, 12)),
             received("D6", "PDD", at(11, 12), at(11, 19, 17)),
             unit_upserted("PBD", "Phường Ba Đình (mới)", when=at(11, 14))]
    send(service, quiet)
    processed(service, len(events) + len(quiet))
    assert len(ranking_events(service)) == len(published)

    # D6 of Đống Đa passes its deadline: 2 of 3 on time → 13.33, still first; Ba Đình stays second.
    clock.set(at(11, 19, 17, 5))
    send(service, [overdue("D6", "PDD", at(11, 12), at(11, 19, 17), at(11, 19, 17, 5))])
    processed(service, len(events) + len(quiet) + 1)
    update = ranking_events(service)[-1]
    assert update == {"period": "2026-11", "units_ranked": 2,
                      "changed": [{"unit": "PDD", "rank": 1, "previous_rank": 1, "score": 13.33}]}


# --------------------------------------------------------------------------- names and ties


def test_reporting_ties_share_a_rank_and_follow_vietnamese_alphabetical_order(start_service):
    service = start_service("reporting")
    # By code point "Đ" (U+0110) sorts after every plain letter; in Vietnamese it follows D, before G.
    units = [unit_upserted("PGV", "Phường Giảng Võ"), unit_upserted("PDD", "Phường Đống Đa"),
             unit_upserted("PBD", "Phường Ba Đình")]
    one_each = [received("G1", "PGV", at(11, 2), at(11, 20, 17)),
                received("E1", "PDD", at(11, 2), at(11, 20, 17))]
    send(service, units + one_each + ba_dinh_dossiers())
    processed(service, len(units) + len(one_each) + 8)

    body = ranking(service)
    assert [(i["rank"], i["unit_name"], i["score"]) for i in body["items"]] == [
        (1, "Phường Đống Đa", 20.0), (1, "Phường Giảng Võ", 20.0), (3, "Phường Ba Đình", 10.0)]
    raw = service.client.get("/reporting/api/v1/rankings?period=2026-11").get_data()
    assert "Phường Đống Đa".encode() in raw  # UTF-8, not \\u escapes


def test_reporting_ranking_pages(start_service):
    service = start_service("reporting")
    send(service, [received(f"P{i}", f"U{i}", at(11, 2), at(11, 20, 17)) for i in range(5)])
    processed(service, 5)
    body = service.client.get("/reporting/api/v1/rankings?period=2026-11&page=2&page_size=2").get_json()
    assert (body["total"], body["page"], [i["unit"] for i in body["items"]]) == (5, 2, ["U2", "U3"])
    assert all(i["rank"] == 1 for i in body["items"])


# --------------------------------------------------------------------------- months


def test_reporting_open_dossiers_carry_into_a_new_month(start_service, clock):
    service = start_service("reporting")
    events = [*ba_dinh_dossiers(), *dong_da_dossiers()]
    send(service, events)
    processed(service, len(events))

    clock.set(at(12, 1, 8))
    # Before any December event the ranking already carries what is still open: Ba Đình's overdue D4
    # (0 of 1 on time → 0.00) and Đống Đa's D6 still within its deadline (20.00).
    december = ranking(service, "2026-12")
    assert [(i["unit"], i["rank"], i["received"], i["score"]) for i in december["items"]] == [
        ("PDD", 1, 1, 20.0), ("PBD", 2, 1, 0.0)]

    # A December event moves the stored counters into December and publishes December's ranking.
    d8 = ("D8", "PBD", at(12, 1, 8, 30), at(12, 8, 17))
    send(service, [received(*d8)])
    processed(service, len(events) + 1)
    december = ranking(service, "2026-12")
    assert [(i["unit"], i["received"], i["on_time"], i["overdue_open"]) for i in december["items"]] == [
        ("PDD", 1, 1, 0), ("PBD", 2, 1, 1)]
    assert ranking_events(service)[-1]["period"] == "2026-12"
    # November is over and unchanged; the dossier finished in November is not in December.
    assert counts(scorecard(service, "PDD", "2026-12"))["received"] == 1
    assert [(i["unit"], i["score"]) for i in ranking(service, "2026-11")["items"]] == [("PDD", 20.0), ("PBD", 10.0)]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("period", ["2026-13", "11-2026", "2026-1", "tháng 11"])
def test_reporting_a_malformed_period_is_refused_naming_period(start_service, period):
    service = start_service("reporting", workers=False)
    for path in ("/reporting/api/v1/rankings", "/reporting/api/v1/units/PBD/scorecard"):
        response = service.client.get(path, query_string={"period": period})
        assert response.status_code == 422
        body = response.get_json()
        assert "period" in body["errors"] and "YYYY-MM" in body["message"]


def test_reporting_a_future_period_is_refused(start_service):
    service = start_service("reporting", workers=False)
    response = service.client.get("/reporting/api/v1/rankings?period=2027-01")
    assert response.status_code == 422 and "period" in response.get_json()["errors"]


def test_reporting_an_unknown_unit_has_no_scorecard(start_service):
    service = start_service("reporting", workers=False)
    response = service.client.get("/reporting/api/v1/units/NOPE/scorecard?period=2026-11")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_reporting_without_a_period_shows_the_current_month_and_needs_no_token(start_service):
    service = start_service("reporting")
    send(service, [unit_upserted("PBD", "Phường Ba Đình")])
    processed(service, 1)
    body = ranking(service, period="")
    assert body["period"] == "2026-11" and body["items"] == [] and body["units_not_ranked"] == 1
    card = service.client.get("/reporting/api/v1/units/PBD/scorecard").get_json()
    assert (card["period"], card["received"], card["on_time_rate"], card["score"]) == ("2026-11", 0, None, None)
