"""What the sweeps tell people: reminders before a deadline, the overdue alert, the Monday lists."""

from __future__ import annotations

from datetime import datetime

from services.tasks import domain, store
from services.tasks.use_cases import iso
from shared.uow import UnitOfWork

DEFAULT_REMINDER_DAYS = (7, 3, 1)


def reminder_days(uow: UnitOfWork) -> tuple[int, ...]:
    return tuple(sorted({int(n) for n in uow.settings.rules.get("task_reminder_days", DEFAULT_REMINDER_DAYS)}))


def remind_tasks(uow: UnitOfWork, after: tuple[datetime, str] | None = None,
                 limit: int = 500) -> tuple[int, int, tuple[datetime, str] | None]:
    """One batch of the reminder sweep: `task.due_soon` for each open task that reached a reminder
    point (working days before its deadline), once per (task, deadline, point). Walks open tasks due
    within the widest point by (due_at, code) after `after`; returns (emitted, claimed, cursor)."""
    with uow:
        now = uow.now()
        cal = uow.calendar
        points = reminder_days(uow)
        if not points:
            return 0, 0, after
        horizon = cal.add_working_days(now, max(points) + 1)
        claimed = store.claim_due_within(uow.session, now, horizon, after, limit)
        if not claimed:
            return 0, 0, after
        due = {}
        for task in claimed:
            point = domain.reminder_point(points, cal.working_days_between(now, task.due_at))
            if point is not None:
                due[task.code] = (task, f"due_soon:{point}", point)
        already = store.alerted(uow.session, list(due))
        emitted = 0
        for code, (task, kind, point) in due.items():
            if (code, kind, task.due_at) in already:
                continue
            store.add_alert(uow.session, code, kind, task.due_at, now)
            uow.record("task.due_soon", code, {
                "code": code, "lead_unit": task.lead_unit, "due_at": iso(uow, task.due_at),
                "working_days_before": point, "assignee": task.assignee,
            }, unit=task.lead_unit)
            emitted += 1
        uow.commit()
        last = claimed[-1]
        return emitted, len(claimed), (last.due_at, last.code)


def alert_overdue_tasks(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the overdue sweep: `task.overdue` for up to `limit` open tasks past their deadline
    in force and not alerted for it yet; returns (emitted, claimed). Same pattern as the dossiers'
    overdue sweep: rows claimed with SKIP LOCKED through a partial index, marker rows unique per task
    and deadline written in the same transaction as the events."""
    with uow:
        now = uow.now()
        claimed = store.claim_overdue(uow.session, now, limit)
        if not claimed:
            return 0, 0
        marked = store.mark_overdue(uow.session, [row.code for row in claimed], now)
        detected_at = iso(uow, now)
        for row in claimed:
            if row.code not in marked:
                continue
            uow.record("task.overdue", row.code, {
                "code": row.code, "title": row.title, "lead_unit": row.lead_unit,
                "due_at": iso(uow, row.due_at), "detected_at": detected_at,
                "assignee": row.assignee, "document": row.document,
            }, unit=row.lead_unit)
        uow.commit()
        return len(marked), len(claimed)


def compile_monday_digests(uow: UnitOfWork) -> int:
    """On Mondays (local time), per leader, the list of tasks due (deadline passed or within the week)
    without a progress report in the last 7 days; once per week and leader. Returns how many digests
    were compiled. Not on Mondays: nothing (a Monday missed entirely is not made up later)."""
    with uow:
        now = uow.now()
        local_today = now.astimezone(uow.calendar.tz).date()
        if local_today.weekday() != 0:
            return 0
        week = local_today
        _, week_end = domain.digest_window(week, uow.calendar.tz)
        by_leader: dict[str, list[str]] = {}
        for row in store.open_due_before(uow.session, week, week_end):
            if domain.due_but_unreported(row.due_at, row.completed_at, row.last_report_at, week_end, now):
                by_leader.setdefault(row.assigned_by, []).append(row.code)
        if not by_leader:
            return 0
        # Another replica may compile the same week at the same moment: the first one wins, quietly.
        inserted = store.insert_digests(uow.session, week, by_leader, now)
        uow.commit()
        return len(inserted)
