"""Task figures of the scorecard, fed by task events on the in-memory broker (and PostgreSQL at the end).

The clock stands at Monday 2026-11-16 09:00 in Hà Nội. Expected figures are worked out by hand from the
tasks `task_stream` describes.
"""

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until

from shared.events import catalog
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
SOURCE = "/kycuong/test/tasks"


@pytest.fixture(autouse=True)
def _workers_stopped_after_each_test():
    # A consumer still draining would take the next test's messages from the shared in-memory queue
    # (and on PostgreSQL outlive its database): wait until every reporting thread has ended.
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("reporting-"):
            thread.join(timeout=5)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def assigned(code, unit, when, due_at, co_units=()):
    return Event(type="task.assigned", source=SOURCE, subject=code, unit=unit, time=when, data={
        "code": code, "title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "lead_unit": unit,
        "co_units": list(co_units), "due_at": due_at.isoformat(), "document": "01/CT-UBND"})


def completed(code, unit, when, due_at, timeliness):
    return Event(type="task.completed", source=SOURCE, subject=code, unit=unit, time=when, data={
        "code": code, "lead_unit": unit, "due_at": due_at.isoformat(), "completed_at": when.isoformat(),
        "timeliness": timeliness})


def overdue(code, unit, due_at, detected_at):
    return Event(type="task.overdue", source=SOURCE, subject=code, unit=unit, time=detected_at, data={
        "code": code, "title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "lead_unit": unit,
        "due_at": due_at.isoformat(), "detected_at": detected_at.isoformat()})


def extension(code, unit, when, approved, due_at):
    return Event(type="task.extension_decided", source=SOURCE, subject=code, unit=unit, time=when, data={
        "code": code, "lead_unit": unit, "approved": approved, "due_at": due_at.isoformat(),
        "reason": "Chờ số liệu của các phường" if approved else "Không đủ căn cứ gia hạn"})


def task_stream(prefix=""):
    """The events of each task, in the order the tasks service sends them.

    Ba Đình (PBD), November: T1 on time; T2 overdue then late; T3 extended 9/11 → 20/11 then completed
    on time; T4 overdue and open; T6 open within 25/11 (an extension refused); T5 was done in October.
    → assigned 5, on time 2, late 1, overdue open 1, rate 0.4. October: T5 only → 1, 1, 0, 0, 1.0.
    Đống Đa (PDD), November: T7 (assigned in October) overdue 3/11, extended to 14/11, overdue again and
    open; T8 open within, with Tây Hồ (PTH) co-operating; T9 overdue 9/11, then extended to 27/11, so open
    within again → assigned 3, overdue open 1, rate 0.0.
    October: T7 open, due 3/11 not come at the month's end → 1, 0, 0, 0, 0.0.
    """
    p = prefix
    return [
        [assigned(f"{p}T1", "PBD", at(11, 2), at(11, 10, 17)),
         completed(f"{p}T1", "PBD", at(11, 9), at(11, 10, 17), "on_time")],
        [assigned(f"{p}T2", "PBD", at(11, 2), at(11, 6, 17)),
         overdue(f"{p}T2", "PBD", at(11, 6, 17), at(11, 6, 17, 5)),
         completed(f"{p}T2", "PBD", at(11, 12), at(11, 6, 17), "late")],
        [assigned(f"{p}T3", "PBD", at(11, 3), at(11, 9, 17)),
         extension(f"{p}T3", "PBD", at(11, 6), True, at(11, 20, 17)),
         completed(f"{p}T3", "PBD", at(11, 13), at(11, 20, 17), "on_time")],
        [assigned(f"{p}T4", "PBD", at(11, 4), at(11, 12, 17)),
         overdue(f"{p}T4", "PBD", at(11, 12, 17), at(11, 12, 17, 5))],
        [assigned(f"{p}T5", "PBD", at(10, 5), at(10, 30, 17)),
         completed(f"{p}T5", "PBD", at(10, 28), at(10, 30, 17), "on_time")],
        [assigned(f"{p}T6", "PBD", at(11, 5), at(11, 25, 17)),
         extension(f"{p}T6", "PBD", at(11, 10), False, at(11, 25, 17))],
        [assigned(f"{p}T7", "PDD", at(10, 20), at(11, 3, 17)),
         overdue(f"{p}T7", "PDD", at(11, 3, 17), at(11, 3, 17, 5)),
         extension(f"{p}T7", "PDD", at(11, 4), True, at(11, 14, 17)),
         overdue(f"{p}T7", "PDD", at(11, 14, 17), at(11, 14, 17, 5))],
        [assigned(f"{p}T8", "PDD", at(11, 10), at(11, 30, 17), co_units=["PTH"])],
        [assigned(f"{p}T9", "PDD", at(11, 2), at(11, 9, 17)),
         overdue(f"{p}T9", "PDD", at(11, 9, 17), at(11, 9, 17, 5)),
         extension(f"{p}T9", "PDD", at(11, 10), True, at(11, 27, 17))],
    ]


def flat(tasks):
    return [event for events in tasks for event in events]


NOVEMBER = {"PBD": {"assigned": 5, "completed_on_time": 2, "completed_late": 1, "overdue_open": 1,
                    "completion_rate": 0.4},
            "PDD": {"assigned": 3, "completed_on_time": 0, "completed_late": 0, "overdue_open": 1,
                    "completion_rate": 0.0},
            "PTH": {"assigned": 0, "completed_on_time": 0, "completed_late": 0, "overdue_open": 0,
                    "completion_rate": None}}
OCTOBER = {"PBD": {"assigned": 1, "completed_on_time": 1, "completed_late": 0, "overdue_open": 0,
                   "completion_rate": 1.0},
           "PDD": {"assigned": 1, "completed_on_time": 0, "completed_late": 0, "overdue_open": 0,
                   "completion_rate": 0.0}}


def send(events):
    for event in events:
        publish("memory://", event.to_json(), event.type)


def processed(service, count, timeout=15):
    try:
        wait_until(lambda: service.scalar("SELECT count(*) FROM inbox") >= count, timeout=timeout,
                   message=f"reporting to consume {count} events")
    except pytest.fail.Exception:
        reasons = [headers.get("x-kycuong-reason") for _, headers in drain("memory://", "reporting.events.dlq")]
        pytest.fail(f"reporting consumed {service.scalar('SELECT count(*) FROM inbox')} of {count} events; "
                    f"dead letters: {reasons}")


def task_figures(service, unit, period="2026-11"):
    response = service.client.get(f"/reporting/api/v1/units/{unit}/scorecard?period={period}")
    assert response.status_code == 200, response.get_json()
    figures = response.get_json()["tasks"]
    return {name: figures[name] for name in NOVEMBER["PBD"]}


def all_figures(service, months=(("2026-11", NOVEMBER), ("2026-10", OCTOBER))):
    return {period: {unit: task_figures(service, unit, period) for unit in expected}
            for period, expected in months}


EXPECTED = {"2026-11": NOVEMBER, "2026-10": OCTOBER}


def test_reporting_task_events_of_two_units_give_their_task_figures(start_service):
    service = start_service("reporting")
    events = flat(task_stream())
    send(events)
    processed(service, len(events))

    assert all_figures(service) == EXPECTED
    card = service.client.get("/reporting/api/v1/units/PBD/scorecard?period=2026-11").get_json()
    # Dossier figures of a unit seen only through its tasks are empty, and no directory event has named it.
    assert (card["unit_name"], card["received"], card["score"]) == (None, 0, None)
    rule = card["tasks"]["formula"]
    assert rule["expression"] == "completion_rate = completed_on_time ÷ assigned"
    assert "thành phần của điểm tổng hợp" in rule["vi"] and "do not enter the 766 progress score" in rule["en"]
    # Tasks do not rank anyone: no unit here has a dossier.
    body = service.client.get("/reporting/api/v1/rankings?period=2026-11").get_json()
    assert (body["items"], body["units_not_ranked"]) == ([], 3)
    assert service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'") == 0
    assert service.scalar("SELECT count(*) FROM event_archive") == len(events)


def test_reporting_task_figures_sit_beside_the_dossier_score_without_moving_it(start_service):
    service = start_service("reporting")
    dossier = Event(type="dossier.received", source="/kycuong/test/dossiers", subject="D1", unit="PBD",
                    time=at(11, 2), data={"code": "D1", "procedure_code": "1.001234", "unit": "PBD",
                                          "received_at": at(11, 2).isoformat(),
                                          "due_at": at(11, 20, 17).isoformat()})
    send([dossier])
    processed(service, 1)
    before = service.client.get("/reporting/api/v1/rankings?period=2026-11").get_json()["items"]
    published = service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'")

    events = flat(task_stream())
    send(events)
    processed(service, 1 + len(events))
    card = service.client.get("/reporting/api/v1/units/PBD/scorecard?period=2026-11").get_json()
    assert (card["received"], card["score"], card["tasks"]["completion_rate"]) == (1, 20.0, 0.4)
    assert service.client.get("/reporting/api/v1/rankings?period=2026-11").get_json()["items"] == before
    assert service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'") == published


def _reversed(tasks):
    # Every completion before its assignment, every extension decision before the overdue notice it
    # clears (T7, T9), the second overdue notice before the first.
    return [event for events in tasks for event in reversed(events)]


def _completed_first_extension_before_overdue(tasks):
    # Each task's completion first, then its extension decision, then the rest in their own order.
    first = {"task.completed": 0, "task.extension_decided": 1}
    return [event for events in tasks for event in sorted(events, key=lambda e: first.get(e.type, 2))]


ORDERS = {
    "reversed": _reversed,
    "completed_first_extension_before_overdue": _completed_first_extension_before_overdue,
    "shuffled": lambda tasks: random.Random(11).sample(flat(tasks), len(flat(tasks))),
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_reporting_task_events_out_of_order_give_the_in_order_figures(start_service, order):
    service = start_service("reporting")
    events = ORDERS[order](task_stream())
    send(events)
    processed(service, len(events))

    assert all_figures(service) == EXPECTED


def test_reporting_task_events_sent_twice_count_once(start_service):
    service = start_service("reporting")
    events = flat(task_stream())
    # Exact copies stop at the inbox; a producer's retry (same task, new event id) changes no figure.
    retries = [Event(type=e.type, source=e.source, subject=e.subject, unit=e.unit, time=e.time, data=dict(e.data))
               for e in events]
    send(events + events + retries)
    processed(service, 2 * len(events))

    assert all_figures(service) == EXPECTED
    assert service.scalar("SELECT count(*) FROM task_facts") == 9
    assert service.scalar("SELECT count(*) FROM event_archive") == 2 * len(events)


def test_reporting_a_unit_known_only_as_a_co_operating_unit_has_a_scorecard(start_service):
    service = start_service("reporting")
    send([assigned("T8", "PDD", at(11, 10), at(11, 30, 17), co_units=["PTH"])])
    processed(service, 1)

    assert task_figures(service, "PTH") == NOVEMBER["PTH"]
    assert task_figures(service, "PDD") == {"assigned": 1, "completed_on_time": 0, "completed_late": 0,
                                            "overdue_open": 0, "completion_rate": 0.0}


def test_reporting_a_loader_can_project_task_events_directly_and_repeat_them(start_service):
    from services.reporting.use_cases import projections

    running = start_service("reporting", workers=False)
    events = flat(task_stream())
    for _ in range(2):
        for event in events:
            assert projections.project_event(running.runtime.uow(), event, catalog.load(event.type, event.data))

    assert all_figures(running) == EXPECTED


def test_reporting_the_composite_ranking_reads_the_same_task_figures_as_the_scorecards(start_service):
    """The ranking counts tasks from the month rows; the scorecard judges each task. In the running month
    (now 16/11) T6, T8 and T9 fall due after now: the rows count them overdue at the month's end, the
    ranking must not yet."""
    from services.reporting.domain.periods import Period
    from services.reporting.use_cases import figures as read_side
    from services.reporting.use_cases import projections

    running = start_service("reporting", workers=False)
    dossiers = [Event(type="dossier.received", source="/kycuong/test/dossiers", subject=f"D-{unit}", unit=unit,
                      time=at(11, 2), data={"code": f"D-{unit}", "procedure_code": "1.001234", "unit": unit,
                                            "received_at": at(11, 2).isoformat(),
                                            "due_at": at(11, 20, 17).isoformat()})
                for unit in ("PBD", "PDD", "PTH")]
    events = flat(task_stream()) + dossiers
    random.Random(16).shuffle(events)
    for event in events + events[:7]:  # in any order, some twice
        assert projections.project_event(running.runtime.uow(), event, catalog.load(event.type, event.data))

    def figures_from_rows(period):
        with running.runtime.uow() as uow:
            tz = uow.calendar.tz
            parsed = Period.parse(period)
            return read_side.task_counters(uow.session, parsed, tz, min(parsed.end(tz), uow.now()))

    for period, expected in EXPECTED.items():
        rows = figures_from_rows(period)
        for unit, figures in expected.items():
            got = rows.get(unit)
            got = {"assigned": 0, "completed_on_time": 0, "completed_late": 0, "overdue_open": 0,
                   "completion_rate": None} if got is None else {
                name: float(value) if name == "completion_rate" and value is not None else value
                for name, value in vars(got).items()}
            assert got == figures, (period, unit)
    ranking = running.client.get("/reporting/api/v1/rankings?period=2026-11&by=composite").get_json()["items"]
    scores = {item["unit"]: item["score"] for item in ranking}
    cards = {unit: running.client.get(f"/reporting/api/v1/units/{unit}/scorecard?period=2026-11").get_json()
             for unit in scores}
    assert scores == {unit: card["composite"]["score"] for unit, card in cards.items()}
    assert len(set(scores.values())) == 3, "the task figures must tell the three units apart"


# --------------------------------------------------------------------------- PostgreSQL


def test_reporting_task_figures_with_two_workers_on_postgresql_agree_with_one(pg_database, start_service):
    url = pg_database("reporting")
    first = start_service("reporting", database_url=url)
    start_service("reporting", database_url=url)  # a second worker on the same queue and database
    # Five copies of the stream under different task codes, shuffled: the two workers often take events
    # of the same task at the same moment, a completion before its assignment.
    events = flat([events for k in range(5) for events in task_stream(prefix=f"K{k}-")])
    random.Random(5).shuffle(events)
    send(events)
    processed(first, len(events), timeout=30)

    def times(figures, factor):
        return {name: value * factor if name != "completion_rate" else value for name, value in figures.items()}

    assert all_figures(first) == {period: {unit: times(figures, 5) for unit, figures in units.items()}
                                  for period, units in EXPECTED.items()}
    assert first.scalar("SELECT count(*) FROM task_facts") == 45
