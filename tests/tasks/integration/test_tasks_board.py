"""The use cases behind the task pages: a unit's board (open tasks earliest deadline first with the working
days left, the latest completed, the extension requests waiting, counts by state) and one task with what
its reader may do (report, ask to extend, decide)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.tasks.use_cases import assignment, extensions, progress, queries
from shared.auth import Principal

HANOI = timezone(timedelta(hours=7))
HEAD = Principal("cb.truongphong", "SO-NV", frozenset({"head"}))
OFFICER = Principal("cb.nguyenvana", "SO-NV", frozenset({"officer"}))
CO_OFFICER = Principal("cb.phoihop", "SO-TC", frozenset({"officer"}))
OFFICE = Principal("vp.chanhvanphong", "VP-UBND", frozenset({"office"}))


def at(day, hour=17):
    return datetime(2026, 11, day, hour, tzinfo=HANOI)


def assign(svc, by, due, title="Nhiệm vụ", co_units=()):
    return assignment.assign_task(svc.runtime.uow(), assignment.AssignTask(
        title=title, lead_unit="SO-NV", co_units=list(co_units), due_at=due), by).code


def test_a_units_board_puts_the_earliest_deadline_first_and_counts_each_state(start_service, clock):
    svc = start_service("tasks", workers=False)
    later = assign(svc, HEAD, at(27), "Sau")
    sooner = assign(svc, HEAD, at(17), "Trước")
    done = assign(svc, HEAD, at(20), "Xong")
    progress.report_progress(svc.runtime.uow(), done, progress.ReportProgress(100, "Hoàn thành"), OFFICER)
    extensions.request_extension(svc.runtime.uow(), later, extensions.RequestExtension(at(30), "Chờ số liệu"),
                                 OFFICER)
    clock.advance(days=1, hours=9)  # Tuesday 17/11 18:00: `sooner` is one hour overdue

    board = queries.task_board(svc.runtime.uow(), OFFICER, 1, 50)

    assert [t.code for t in board.open.items] == [sooner, later]
    assert board.open.items[0].state == "overdue" and board.open.items[0].remaining_days <= 0
    assert board.open.items[1].remaining_days == Decimal("8.00")  # Wednesday 08:00 to Friday 27th 17:00
    assert [t.code for t in board.completed] == [done]
    assert [(p.task.code, p.can_decide) for p in board.pending] == [(later, False)]  # the officer did not assign
    assert queries.task_board(svc.runtime.uow(), HEAD, 1, 50).pending[0].can_decide
    assert board.counts == {"not_started": 1, "in_progress": 0, "overdue": 1, "completed_on_time": 1,
                            "completed_late": 0}


def test_what_a_reader_may_do_on_a_task(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc, OFFICE, at(27), co_units=["SO-TC"])

    lead = queries.task_view(svc.runtime.uow(), code, OFFICER)
    co = queries.task_view(svc.runtime.uow(), code, CO_OFFICER)
    assert (lead.can_report, lead.can_request_extension, lead.can_decide) == (True, True, False)
    assert (co.can_report, co.can_request_extension) == (True, False)  # a co-operating unit reports, never asks

    extensions.request_extension(svc.runtime.uow(), code, extensions.RequestExtension(at(30), "Chờ"), OFFICER)
    asked = queries.task_view(svc.runtime.uow(), code, OFFICER)
    assert asked.can_request_extension is False and asked.pending_extension is not None
    assert queries.task_view(svc.runtime.uow(), code, OFFICE).can_decide  # the assigner
    assert not queries.task_view(svc.runtime.uow(), code, HEAD).can_decide  # the head did not assign it
