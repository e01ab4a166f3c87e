"""The live board's counters (board_counts) are exact whatever the order and the copies of the events: the
same dossiers' events in order, shuffled with redeliveries and copies under new ids, in batches or one by
one, leave the same counters; they equal a count of the dossiers' own rows (dossier_facts), the numbers
worked out by hand below, and what a rebuild from the archive makes of them."""

import json
import uuid
from datetime import datetime, timedelta, timezone

from batch_equivalence import apply_batched, apply_one_by_one, messages, rows, with_duplicates_shuffled

from services.reporting.use_cases.rebuild import rebuild
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
SOURCE = "/kycuong/test/dossiers"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=HANOI)


def ev(kind, code, unit, when, **data):
    data = {"code": code, "unit": unit, **{k: v.isoformat() if isinstance(v, datetime) else v
                                           for k, v in data.items()}}
    return Event(type=f"dossier.{kind}", source=SOURCE, subject=code, unit=unit, time=when, data=data)


def dossier(code, unit, procedure, start, story):
    """A dossier's events. story: what happens after it is received and handed to `appraise`."""
    due = start + timedelta(days=5)
    base = {"procedure_code": procedure, "received_at": start, "due_at": due}
    events = [ev("received", code, unit, start, **base, handler="CB-1", channel="direct"),
              ev("handed_over", code, unit, start + timedelta(hours=2), at=start + timedelta(hours=2),
                 from_step="receive", to_step="appraise", from_official="CB-1", to_official="CB-2")]
    if story in ("approve", "approve_overdue"):
        when = start + timedelta(days=1)
        events.append(ev("handed_over", code, unit, when, at=when, from_step="appraise", to_step="approve",
                         from_official="CB-2", to_official="LD-1"))
    if story in ("due_soon", "approve_overdue", "overdue", "moved_later", "completed", "paused"):
        when = due - timedelta(days=1)
        events.append(ev("due_soon", code, unit, when, due_at=due, point="1d", detected_at=when,
                         step="appraise", official="CB-2"))
    if story in ("approve_overdue", "overdue", "moved_later"):
        when = due + timedelta(minutes=5)
        events.append(ev("overdue", code, unit, when, **base, detected_at=when, step="appraise", official="CB-2"))
    if story == "moved_later":
        # A calendar change moves the deadline after the overdue notice: no longer overdue, nor due soon.
        when = due + timedelta(hours=1)
        events.append(ev("deadline_changed", code, unit, when, previous_due_at=due,
                         due_at=due + timedelta(days=3), reason="calendar_changed"))
    if story == "paused":
        when = due - timedelta(hours=20)
        events.append(ev("supplement_requested", code, unit, when, at=when, reasons=["thiếu giấy tờ"],
                         request_number=1, counts_as_late=False))
    if story == "completed":
        when = due - timedelta(hours=2)
        events.append(ev("completed", code, unit, when, **base, completed_at=when, timeliness="on_time"))
    if story == "refused":
        when = start + timedelta(days=1)
        events.append(ev("refused", code, unit, when, procedure_code=procedure, at=when, reason="sai thẩm quyền"))
    return events


# (unit, procedure, story) per dossier.
STORIES = [("U1", "P1", "within"), ("U1", "P1", "due_soon"), ("U1", "P1", "overdue"), ("U1", "P2", "approve"),
           ("U1", "P2", "approve_overdue"), ("U2", "P1", "moved_later"), ("U2", "P1", "completed"),
           ("U2", "P1", "paused"), ("U2", "P2", "refused"), ("U2", "P2", "overdue"), ("U3", "P1", "within")]
# Worked out by hand: (unit, procedure, step) -> (open, due soon, overdue).
EXPECTED = {
    ("U1", "P1", "appraise"): (3, 1, 1),
    ("U1", "P2", "approve"): (2, 0, 1),
    ("U2", "P1", "appraise"): (2, 0, 0),  # moved later (no longer overdue) and paused (the clock stands)
    ("U2", "P2", "appraise"): (1, 0, 1),
    ("U3", "P1", "appraise"): (1, 0, 0),
}


def stream() -> list[bytes]:
    events = []
    for i, (unit, procedure, story) in enumerate(STORIES):
        events += dossier(f"HS-{i:03d}", unit, procedure, T0 + timedelta(hours=i), story)
    bodies = [event.to_json() for event in events]
    for body in bodies[1::4]:  # a producer's retries: the same facts under new event ids
        resent = json.loads(body)
        resent["id"] = str(uuid.uuid4())
        bodies.append(json.dumps(resent).encode())
    return bodies


COUNTERS = "SELECT unit, procedure_code, step, open, due_soon, overdue FROM board_counts WHERE open <> 0 " \
           "OR due_soon <> 0 OR overdue <> 0"
FROM_FACTS = ("SELECT unit, coalesce(procedure_code, ''), coalesce(board_step, ''), count(*), "
              "sum(CASE WHEN board_state = 'due_soon' THEN 1 ELSE 0 END), "
              "sum(CASE WHEN board_state = 'overdue' THEN 1 ELSE 0 END) "
              "FROM dossier_facts WHERE board_state IS NOT NULL GROUP BY 1, 2, 3")
# Independently of the board's own columns: open dossiers as the facts' plain columns tell them.
OPEN_FROM_FACTS = ("SELECT unit, count(*) FROM dossier_facts WHERE received_at IS NOT NULL "
                   "AND completed_at IS NULL GROUP BY unit")


UNIT_TOTALS = "SELECT unit, open, due_soon, overdue FROM board_units WHERE open <> 0 OR due_soon <> 0 OR overdue <> 0"
STEP_TOTALS = ("SELECT procedure_code, step, open, due_soon, overdue FROM board_steps "
               "WHERE open <> 0 OR due_soon <> 0 OR overdue <> 0")


def counters(service) -> dict:
    found = {tuple(row[:3]): tuple(row[3:]) for row in rows(service, COUNTERS)}
    # The units' totals (the board's unfiltered table) are always the sums of their counters.
    totals: dict = {}
    for (unit, _, _), counts in found.items():
        totals[unit] = tuple(a + b for a, b in zip(totals.get(unit, (0, 0, 0)), counts, strict=True))
    assert {row[0]: tuple(row[1:]) for row in rows(service, UNIT_TOTALS)} == totals
    # And so are the sums per (procedure, step), the chart's.
    by_step: dict = {}
    for (_, procedure, step), counts in found.items():
        key = (procedure, step)
        by_step[key] = tuple(a + b for a, b in zip(by_step.get(key, (0, 0, 0)), counts, strict=True))
    assert {tuple(row[:2]): tuple(row[2:]) for row in rows(service, STEP_TOTALS)} == by_step
    return found


def test_board_counters_are_the_same_in_any_order_with_copies_and_match_the_facts(start_service, pg_database):
    ordered = start_service("reporting", workers=False, database_url=pg_database("board_ordered"))
    batched = start_service("reporting", workers=False, database_url=pg_database("board_batched"))
    single = start_service("reporting", workers=False, database_url=pg_database("board_single"))
    bodies = stream()

    apply_batched(ordered, messages(bodies), size=7)
    shuffled = messages(with_duplicates_shuffled(bodies, seed=18))
    apply_batched(batched, shuffled, size=5)
    apply_one_by_one(single, messages(with_duplicates_shuffled(bodies, seed=19)))

    assert counters(ordered) == EXPECTED
    assert counters(batched) == EXPECTED
    assert counters(single) == EXPECTED
    for service in (ordered, batched, single):
        assert {tuple(r[:3]): tuple(r[3:]) for r in rows(service, FROM_FACTS)} == EXPECTED
        open_by_unit = {}
        for (unit, _, _), (n, _, _) in EXPECTED.items():
            open_by_unit[unit] = open_by_unit.get(unit, 0) + n
        assert dict(rows(service, OPEN_FROM_FACTS)) == open_by_unit
    # Who holds each open dossier: the newest hand-over, whatever came first.
    assert rows(batched, "SELECT code, board_step, board_official FROM dossier_facts "
                         "WHERE board_state IS NOT NULL") == \
        rows(ordered, "SELECT code, board_step, board_official FROM dossier_facts WHERE board_state IS NOT NULL")
    assert rows(ordered, "SELECT board_official FROM dossier_facts WHERE code = 'HS-003'") == [("LD-1",)]

    # A rebuild from the archive makes the same board.
    rebuild(batched.runtime, batch_size=6)
    assert counters(batched) == EXPECTED
    assert {tuple(r[:3]): tuple(r[3:]) for r in rows(batched, FROM_FACTS)} == EXPECTED


def test_board_moves_when_a_dossier_is_handed_over_goes_overdue_and_is_completed(start_service):
    service = start_service("reporting", workers=False)
    start = T0
    due = start + timedelta(days=5)
    base = {"procedure_code": "P1", "received_at": start, "due_at": due}

    def apply(*events):
        apply_one_by_one(service, messages([e.to_json() for e in events]))
        return counters(service)

    # A hand-over before the receipt (out of order): nothing is open yet, the step waits for the receipt.
    assert apply(ev("handed_over", "HS-1", "U1", start + timedelta(hours=1), at=start + timedelta(hours=1),
                    from_step="receive", to_step="appraise", from_official="CB-1", to_official="CB-2")) == {}
    assert apply(ev("received", "HS-1", "U1", start, **base)) == {("U1", "P1", "appraise"): (1, 0, 0)}
    warned = due - timedelta(days=1)
    assert apply(ev("due_soon", "HS-1", "U1", warned, due_at=due, point="1d", detected_at=warned)) == {
        ("U1", "P1", "appraise"): (1, 1, 0)}
    # An older hand-over arriving late changes nothing; a newer one moves the dossier.
    assert apply(ev("handed_over", "HS-1", "U1", start, at=start, from_step=None, to_step="receive",
                    to_official="CB-1")) == {("U1", "P1", "appraise"): (1, 1, 0)}
    later = start + timedelta(days=2)
    assert apply(ev("handed_over", "HS-1", "U1", later, at=later, from_step="appraise", to_step="approve",
                    from_official="CB-2", to_official="LD-1")) == {("U1", "P1", "approve"): (1, 1, 0)}
    # The deadline moves later: the warning was about the old one.
    moved = due + timedelta(days=2)
    assert apply(ev("deadline_changed", "HS-1", "U1", warned + timedelta(hours=1), previous_due_at=due,
                    due_at=moved, reason="calendar_changed")) == {("U1", "P1", "approve"): (1, 0, 0)}
    detected = moved + timedelta(minutes=5)
    assert apply(ev("overdue", "HS-1", "U1", detected, **{**base, "due_at": moved}, detected_at=detected,
                    step="approve", official="LD-1")) == {("U1", "P1", "approve"): (1, 0, 1)}
    done = detected + timedelta(hours=3)
    assert apply(ev("completed", "HS-1", "U1", done, **{**base, "due_at": moved}, completed_at=done,
                    timeliness="late")) == {}
    assert rows(service, "SELECT board_state FROM dossier_facts") == [(None,)]


def test_board_pages_show_the_counts_the_drill_down_and_the_control_sheet(start_service):
    service = start_service("reporting", workers=False)
    bodies = [e.to_json() for e in dossier("HS-1", "U1", "P1", T0, "approve_overdue")
              + dossier("HS-2", "U1", "P1", T0, "within") + dossier("HS-3", "U2", "P1", T0, "due_soon")]
    apply_one_by_one(service, messages(bodies))
    office = service.headers(sub="vp-1", unit="HN", roles=("office",))

    page = service.client.get("/reporting/board", headers=office)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html and 'id="board-live"' in html
    # Worst first: U1 (one overdue) before U2 (one due soon).
    assert html.index('data-unit="U1"') < html.index('data-unit="U2"')
    live = service.client.get("/reporting/board?procedure=P1", headers={**office, "HX-Request": "true"})
    fragment = live.get_data(as_text=True)
    assert "<html" not in fragment and 'id="board-live"' in fragment
    by_step = service.client.get("/reporting/board?step=approve", headers=office).get_data(as_text=True)
    assert 'href="/reporting/board/U1?step=approve"' in by_step and 'data-unit="U2"' not in by_step

    unit = service.client.get("/reporting/board/U1", headers=office).get_data(as_text=True)
    filtered = service.client.get("/reporting/board/U1?step=approve", headers=office).get_data(as_text=True)
    assert "HS-1" in filtered and "HS-2" not in filtered and "Phê duyệt" in filtered
    assert unit.index("HS-1") < unit.index("HS-2")  # the overdue one first
    sheet = service.client.get("/reporting/board/U1/HS-1", headers=office)
    assert sheet.status_code == 200 and "LD-1" in sheet.get_data(as_text=True)
    assert service.client.get("/reporting/board/U2/HS-1", headers=office).status_code == 404
    english = service.client.get("/reporting/board?lang=en", headers=office).get_data(as_text=True)
    assert "Live dossier board" in english and "Overdue dossiers by step" in english
    officer = service.headers(sub="cb-1", unit="U1", roles=("officer",))
    assert service.client.get("/reporting/board", headers=officer).status_code == 403
