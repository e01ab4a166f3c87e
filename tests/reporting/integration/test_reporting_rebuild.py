"""`kycuong reporting rebuild`: the projections emptied and replayed from the archive equal the live ones.

The stream below (`lifecycle_stream`) is a November in three units with every kind of event reporting
reads; the periods and drill-down tests use it too, with numbers worked out by hand there. The clock
stands at Monday 2026-11-16 09:00 in Hà Nội.
"""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until
from sqlalchemy import text

from shared.events import catalog
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))


@pytest.fixture(autouse=True)
def _workers_stopped_after_each_test():
    # A consumer still draining the shared in-memory queue would take the next test's messages.
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("reporting-"):
            thread.join(timeout=5)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def ev(event_type, subject, when, data, unit=None):
    producer = event_type.split(".")[0]
    producer = {"explanation": "discipline", "sanction": "discipline", "violation": "discipline",
                "directory": "discipline", "rating": "feedback", "task": "tasks"}.get(producer, producer)
    return Event(type=event_type, source=f"/kycuong/test/{producer}", subject=subject, unit=unit, time=when,
                 data={k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()})


def unit_upserted(code, name, kind):
    return ev("directory.unit_upserted", code, at(11, 1), {"code": code, "name": name, "parent": "HN", "kind": kind})


def dossier(code, unit, received_at, due_at, outcome=None, finished_at=None, final_due_at=None, **completion):
    """received, then: completed with a timeliness (against `final_due_at` when a supplement moved the
    deadline), or overdue (open, past due, step appraise, CB-017)."""
    base = {"code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at, "due_at": due_at}
    events = [ev("dossier.received", code, received_at, {**base, "handler": "CB-001", "channel": "direct"})]
    if outcome in ("early", "on_time", "late"):
        events.append(ev("dossier.completed", code, finished_at, {**base, "due_at": final_due_at or due_at,
                                                                  "completed_at": finished_at,
                                                                  "timeliness": outcome, **completion}))
    elif outcome == "overdue":
        detected = due_at + timedelta(minutes=5)
        events.append(ev("dossier.overdue", code, detected, {**base, "detected_at": detected, "step": "appraise",
                                                             "official": "CB-017"}))
    return events


def handed_over(code, unit, when, from_step, to_step, from_official, to_official, on_time, used, budget):
    return ev("dossier.handed_over", code, when, {
        "code": code, "unit": unit, "at": when, "from_step": from_step, "to_step": to_step,
        "from_official": from_official, "to_official": to_official, "step_on_time": on_time,
        "step_used_days": used, "step_budget_days": budget})


def supplement_requested(code, unit, when, number):
    return ev("dossier.supplement_requested", code, when, {
        "code": code, "unit": unit, "at": when, "reasons": ["Thiếu bản sao giấy chứng nhận"], "official": "CB-001",
        "request_number": number, "counts_as_late": number > 1})


def supplement_received(code, unit, when, due_at, paused_days):
    return ev("dossier.supplement_received", code, when, {"code": code, "unit": unit, "at": when,
                                                          "paused_days": paused_days, "due_at": due_at})


def explanation(kind, code, unit, official, subject, when, **extra):
    data = {"code": code, "official": official, "unit": unit}
    if kind == "requested":
        data.update(subject_type="dossier", subject=subject, role=extra.get("role", "official"),
                    due_at=when + timedelta(days=3), reason="Hồ sơ trễ hạn")
    elif kind == "submitted":
        data.update(subject_type="dossier", subject=subject, submitted_at=when, due_at=extra["due_at"])
    elif kind == "missed":
        data.update(subject_type="dossier", subject=subject, due_at=extra["due_at"], detected_at=when)
    return ev(f"explanation.{kind}", code, when, data)


def lifecycle_stream():
    """November 2026 in three units (hand-computed figures in test_reporting_periods_rankings.py)."""
    events = [unit_upserted("PBD", "Phường Ba Đình", "ward"), unit_upserted("PDD", "Phường Đống Đa", "ward"),
              unit_upserted("SXD", "Sở Xây dựng", "department")]
    # Ba Đình: D1 early, D2 on time, D3 late (appraisal by CB-017 overran), D4 open and overdue,
    # D5 supplemented once and finished on time, D6 asked twice for a supplement (late), still open.
    events += dossier("D1", "PBD", at(11, 2), at(11, 9, 17), "early", at(11, 5, 15))
    events += dossier("D2", "PBD", at(11, 3), at(11, 10, 17), "on_time", at(11, 10, 16))
    events += dossier("D3", "PBD", at(11, 3, 10), at(11, 6, 17), "late", at(11, 12, 10),
                      late_reason="overran", responsible_step="appraise", responsible_official="CB-017",
                      responsible_unit="PBD", supplements=0, returned_for_fault=0)
    events += [handed_over("D3", "PBD", at(11, 3, 11), "receive", "appraise", "CB-001", "CB-017", True, "0.25",
                           "0.25"),
               handed_over("D3", "PBD", at(11, 11, 15), "appraise", "approve", "CB-017", "CB-002", False, "5", "2")]
    events += dossier("D4", "PBD", at(11, 4), at(11, 11, 17), "overdue")
    events += dossier("D5", "PBD", at(11, 4, 10), at(11, 9, 17), "on_time", at(11, 13, 10), at(11, 13, 17),
                      supplements=1, paused_days="2")
    events += [supplement_requested("D5", "PBD", at(11, 5, 9), 1),
               supplement_received("D5", "PBD", at(11, 7, 9), at(11, 13, 17), "2")]
    events += dossier("D6", "PBD", at(11, 5), at(11, 26, 17))
    events += [supplement_requested("D6", "PBD", at(11, 6, 9), 1),
               supplement_received("D6", "PBD", at(11, 9, 9), at(11, 27, 17), "1"),
               supplement_requested("D6", "PBD", at(11, 10, 9), 2),
               ev("dossier.marked_late", "D6", at(11, 10, 9), {"code": "D6", "unit": "PBD", "at": at(11, 10, 9),
                                                                "reason": "second_supplement", "official": "CB-001"})]
    # Đống Đa: D7 due 12/11 but waiting for the citizen since 10/11 (within); D8 finished on time.
    events += dossier("D7", "PDD", at(11, 2), at(11, 12, 17))
    events += [supplement_requested("D7", "PDD", at(11, 10, 10), 1)]
    events += dossier("D8", "PDD", at(11, 2), at(11, 9, 17), "on_time", at(11, 9, 10))
    # Sở Xây dựng: S1 early; S2 sent back once through an official's fault, then finished on time.
    events += dossier("S1", "SXD", at(11, 2), at(11, 20, 17), "early", at(11, 10, 10))
    events += dossier("S2", "SXD", at(11, 2), at(11, 20, 17), "on_time", at(11, 13, 10))
    events += [ev("dossier.sent_back", "S2", at(11, 4), {"code": "S2", "unit": "SXD", "at": at(11, 4),
                                                          "reason": "Yêu cầu sai thành phần hồ sơ",
                                                          "officials_fault": True, "official": "CB-031",
                                                          "times_for_fault": 1})]
    # Discipline: for D3 the official explained on time and the head missed it; for D4 a request is open.
    events += [explanation("requested", "GT-1", "PBD", "CB-017", "D3", at(11, 12, 11)),
               explanation("requested", "GT-2", "PBD", "LD-PBD", "D3", at(11, 12, 11), role="head"),
               explanation("requested", "GT-3", "PBD", "CB-017", "D4", at(11, 11, 17, 10)),
               explanation("submitted", "GT-1", "PBD", "CB-017", "D3", at(11, 13, 9), due_at=at(11, 15, 11)),
               explanation("missed", "GT-2", "PBD", "LD-PBD", "D3", at(11, 15, 11, 5), due_at=at(11, 15, 11)),
               ev("sanction.proposed", "KL-1", at(11, 13), {"code": "KL-1", "official": "CB-017", "unit": "PBD",
                                                            "rule": "late-dossiers-3", "rule_set": "2025-07",
                                                            "form": "khien_trach", "facts": ["D3"],
                                                            "joint_liability": False}),
               ev("sanction.decided", "QD-1", at(11, 14), {
                   "code": "QD-1", "proposal": "KL-1", "official": "CB-017", "unit": "PBD", "form": "khien_trach",
                   "rule_set": "2025-07", "decided_at": at(11, 14), "in_force_until": "2027-11-14"})]
    # Feedback: a complaint about D3 answered late; one for Đống Đa answered on time; one overdue at Ba Đình.
    events += [ev("feedback.received", "PA-1", at(11, 6), {"code": "PA-1", "channel": "web", "category": "delay",
                                                          "unit": "PBD", "dossier_code": "D3",
                                                          "received_at": at(11, 6)}),
               ev("feedback.answered", "PA-1", at(11, 13), {"code": "PA-1", "unit": "PBD", "at": at(11, 13),
                                                           "on_time": False}),
               ev("feedback.received", "PA-2", at(11, 6), {"code": "PA-2", "channel": "hotline",
                                                          "category": "attitude", "unit": "PDD",
                                                          "received_at": at(11, 6)}),
               ev("feedback.answered", "PA-2", at(11, 10), {"code": "PA-2", "unit": "PDD", "at": at(11, 10),
                                                           "on_time": True}),
               ev("feedback.overdue", "PA-3", at(11, 14), {"code": "PA-3", "unit": "PBD", "stage": "answer",
                                                          "due_at": at(11, 14, 8), "detected_at": at(11, 14)})]
    # Ratings: D1 5 stars, D2 2 stars (a "dislike"), Đống Đa's D8 4 stars.
    events += [ev("rating.submitted", code, when, {"code": code, "subject_type": "dossier", "subject": subject,
                                                   "unit": unit, "overall": overall, "submitted_at": when})
               for code, subject, unit, overall, when in [("R1", "D1", "PBD", 5, at(11, 6)),
                                                          ("R2", "D2", "PBD", 2, at(11, 11)),
                                                          ("R3", "D8", "PDD", 4, at(11, 10))]]
    # Tasks of Ba Đình: NV-1 completed on time, NV-2 overdue.
    events += [ev("task.assigned", "NV-1", at(11, 2), {"code": "NV-1", "title": "Báo cáo CCHC", "lead_unit": "PBD",
                                                       "due_at": at(11, 10, 17)}),
               ev("task.completed", "NV-1", at(11, 9), {"code": "NV-1", "lead_unit": "PBD", "due_at": at(11, 10, 17),
                                                        "completed_at": at(11, 9), "timeliness": "on_time"}),
               ev("task.assigned", "NV-2", at(11, 2), {"code": "NV-2", "title": "Rà soát TTHC", "lead_unit": "PBD",
                                                       "due_at": at(11, 12, 17)}),
               ev("task.overdue", "NV-2", at(11, 12, 17, 5), {"code": "NV-2", "title": "Rà soát TTHC",
                                                              "lead_unit": "PBD", "due_at": at(11, 12, 17),
                                                              "detected_at": at(11, 12, 17, 5)})]
    return events


def send(events):
    for event in events:
        publish("memory://", event.to_json(), event.type)


def processed(service, count):
    try:
        wait_until(lambda: service.scalar("SELECT count(*) FROM inbox") >= count, timeout=20,
                   message=f"reporting to consume {count} events")
    except pytest.fail.Exception:
        reasons = [headers.get("x-kycuong-reason") for _, headers in drain("memory://", "reporting.events.dlq")]
        pytest.fail(f"reporting consumed {service.scalar('SELECT count(*) FROM inbox')} of {count} events; "
                    f"dead letters: {reasons}")


def get(service, path):
    response = service.client.get(f"/reporting/api/v1{path}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


PERIODS = ["2026-10", "2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-10"]
FIGURES = ["received", "late", "overdue_open", "open_within", "supplements", "returned_for_fault", "tasks_overdue",
           "feedback_late", "explanations", "explanations_missed", "proposals", "decisions", "apologies",
           "promises_broken", "late_without_apology"]


def snapshot(service):
    """Every scorecard, ranking and drill-down the API serves for the stream's units and periods."""
    views = {}
    for period in PERIODS:
        for by in ("progress", "composite"):
            for kind in ("", "ward", "department"):
                views[f"rankings {period} {by} {kind}"] = get(service, f"/rankings?period={period}&by={by}&kind={kind}"
                                                              if kind else f"/rankings?period={period}&by={by}")
        for unit in ("PBD", "PDD", "SXD"):
            views[f"scorecard {unit} {period}"] = get(service, f"/units/{unit}/scorecard?period={period}")
    for figure in FIGURES:
        views[f"drilldown PBD {figure}"] = get(service, f"/units/PBD/scorecard/{figure}?period=2026-11")
    return views


def tables(service):
    with service.runtime.engine.connect() as conn:
        return {table: sorted(json.dumps([str(v) for v in row], ensure_ascii=False)
                              for row in conn.execute(text(f"SELECT * FROM {table}")).all())
                for table in ("scorecards", "unit_open", "occurrences", "ratings", "figure_months", "dossier_facts",
                              "task_facts", "task_months", "unit_tasks", "survey_rounds", "head_terms",
                              "self_assessments", "public_sanctions")}


def test_reporting_rebuild_from_the_archive_gives_exactly_the_live_projections(start_service):
    from services.reporting.use_cases import rebuild

    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    live = snapshot(service)
    live_tables = tables(service)
    published = service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'")
    assert live["scorecard PBD 2026-11"]["received"] == 6 and live["drilldown PBD late"]["total"] == 1

    seen = []
    result = rebuild.rebuild(service.runtime, batch_size=7, progress=lambda done, total: seen.append((done, total)))

    assert result["events"] == len(events)
    assert seen[0] == (0, len(events)) and seen[-1] == (len(events), len(events))
    assert snapshot(service) == live
    assert tables(service) == live_tables
    # Nothing a ranking shows moved, so the rebuild publishes no ranking.updated.
    assert service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'") == published


def test_reporting_rebuild_after_the_projections_were_damaged_restores_them(start_service):
    from services.reporting.use_cases import rebuild

    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    live = snapshot(service)
    with service.runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM occurrences WHERE kind = 'explanation.missed'"))
        conn.execute(text("UPDATE scorecards SET completed_late = completed_late + 5"))
    assert snapshot(service) != live

    rebuild.rebuild(service.runtime)
    assert snapshot(service) == live


def test_reporting_duplicates_and_producer_retries_count_once_live_and_after_rebuild(start_service):
    from services.reporting.use_cases import rebuild

    service = start_service("reporting")
    events = lifecycle_stream()
    # Every event sent twice with its own id (the inbox drops the copy), and every one resent by its
    # producer with a new id (the facts' natural keys absorb it).
    retries = [Event(type=e.type, source=e.source, subject=e.subject, unit=e.unit, time=e.time, data=e.data)
               for e in events]
    send(events + events + retries)
    processed(service, 2 * len(events))
    card = get(service, "/units/PBD/scorecard?period=2026-11")
    assert (card["received"], card["late"], card["supplements"]["requests"], card["explanations"],
            card["discipline"]["decisions"], card["satisfaction"]["ratings"]) == (6, 1, 3, 3, 1, 2)
    live = snapshot(service)
    rebuild.rebuild(service.runtime)
    assert snapshot(service) == live


def test_reporting_rebuild_on_postgresql_gives_exactly_the_live_projections(pg_database, start_service):
    """The distributed mode's database: the rebuild's bulk writes (JSON sent as text, plain inserts of the
    occurrences and ratings it knows are new, facts kept from one batch to the next) give the same rows.
    Batches of 3 events: a dossier's events span many batches, and producer retries land in later ones."""
    from services.reporting.use_cases import rebuild

    service = start_service("reporting", database_url=pg_database("rebuild"))
    events = lifecycle_stream()
    retries = [Event(type=e.type, source=e.source, subject=e.subject, unit=e.unit, time=e.time, data=e.data)
               for e in events]
    send(events + retries)
    processed(service, 2 * len(events))
    live = snapshot(service)
    live_tables = tables(service)
    assert live["scorecard PBD 2026-11"]["received"] == 6 and live_tables["occurrences"]

    result = rebuild.rebuild(service.runtime, batch_size=3)

    assert result["events"] == 2 * len(events)
    assert tables(service) == live_tables
    assert snapshot(service) == live


def test_reporting_the_composite_ranking_from_month_counts_equals_every_scorecard_whatever_the_retries(
        start_service):
    """The composite ranking reads explanations, feedback and ratings from the month counts (figure_months);
    the scorecard counts the occurrences and ratings themselves. Events projected in any order, some twice,
    all resent by their producer with new ids: the counts, and so the scores, stay the same."""
    import random

    from services.reporting.use_cases import projections

    service = start_service("reporting", workers=False)
    events = lifecycle_stream()
    retries = [Event(type=e.type, source=e.source, subject=e.subject, unit=e.unit, time=e.time, data=e.data)
               for e in events]
    stream = events + retries + events[:9]
    random.Random(25).shuffle(stream)
    for event in stream:
        assert projections.project_event(service.runtime.uow(), event, catalog.load(event.type, event.data))

    counted = {kind: service.scalar(f"SELECT count(*) FROM occurrences WHERE kind = '{kind}' AND unit IS NOT NULL")
               for kind in ("explanation.requested", "explanation.missed", "feedback.overdue")}
    assert service.scalar("SELECT sum(explanations_requested) FROM figure_months") == counted["explanation.requested"]
    assert service.scalar("SELECT sum(explanations_missed) FROM figure_months") == counted["explanation.missed"] > 0
    assert service.scalar("SELECT sum(feedback_overdue) FROM figure_months") == counted["feedback.overdue"] > 0
    assert service.scalar("SELECT sum(ratings) FROM figure_months") == service.scalar("SELECT count(*) FROM ratings")
    for period in ("2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-30"):
        ranking = get(service, f"/rankings?period={period}&by=composite")
        assert ranking["items"], period
        for item in ranking["items"]:
            card = get(service, f"/units/{item['unit']}/scorecard?period={period}")
            assert (item["score"], item["band"]) == (card["composite"]["score"], card["composite"]["band"]), \
                (period, item["unit"])


def test_reporting_rebuild_from_the_command_line_shows_progress(start_service, capsys, monkeypatch, tmp_path):
    from kycuong import cli

    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    live = snapshot(service)
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KYCUONG_REPORTING_DATABASE_URL", service.runtime.database_url)
    monkeypatch.setenv("KYCUONG_BROKER_URL", "memory://")
    assert cli.main(["reporting", "rebuild", "--batch", "10"]) == 0
    err = capsys.readouterr().err
    assert f"{len(events)}/{len(events)} sự kiện" in err and "rebuilt from" in err
    assert snapshot(service) == live
