"""`task.assigned`, `task.completed`, `task.overdue`, `task.extension_decided`, merged into the task's
fact in any order and any number of times; the lead unit's task month rows follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.task_facts import TaskFact, TaskSlot, task_changes, task_slot_from_event
from services.reporting.store import facts as fact_rows
from services.reporting.use_cases import pending
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork

TASK_EVENTS = ("task.assigned", "task.completed", "task.overdue", "task.extension_decided")


@projection(*TASK_EVENTS)
def record_task_event(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """Merge into the task's fact. Every unit the event names becomes known, so a unit seen only through
    its tasks has a scorecard."""
    with uow:
        code = values["code"]
        pending.ensure_units(uow, [values["lead_unit"], *values.get("co_units", [])])
        slot = task_slot_from_event(event.type, values, event.time)
        if slot is not None:
            tz = uow.calendar.tz
            if "task_facts" in uow.memo:  # a rebuild's batch: facts prefetched, written at the commit
                before, after = _merge_in_batch(uow, code, slot)
            else:
                before, after = _merge(uow, code, slot)
            if after != before:
                pending.add_task_changes(uow, task_changes((before.view(), before.lead_unit),
                                                                  (after.view(), after.lead_unit), tz))
        uow.commit()


def prefetch_task_facts(uow: UnitOfWork, codes: set) -> None:
    """A rebuild's batch: load (and lock) the facts of its tasks in one statement instead of one per event;
    the batch's projections then merge into them in memory and the flush writes the changed ones at once."""
    codes.discard(None)
    facts = uow.memo.setdefault("task_facts", {})  # code -> [fact, None | "new" | "dirty"]
    wanted = sorted(codes)
    for code, fact in fact_rows.lock_task_facts(uow.session, wanted):
        facts[code] = [fact, None]
    for code in wanted:
        facts.setdefault(code, [None, "new"])


def _merge(uow: UnitOfWork, code: str, slot: TaskSlot) -> tuple[TaskFact, TaskFact]:
    """Lock the task's fact row (creating it if new) and merge what the event says into it."""
    session, now, tz = uow.session, uow.now(), uow.calendar.tz
    before = fact_rows.lock_task_fact(session, code)
    if before is None:
        before = TaskFact(code)
        fact = before.merged(slot)
        if fact_rows.insert_task_fact(session, fact, now, tz):
            return before, fact
        # Another worker created it meanwhile: merge into theirs.
        before = fact_rows.lock_task_fact(session, code)
    after = before.merged(slot)
    if after != before:
        fact_rows.update_task_facts(session, [after], now, tz)
    return before, after


def _merge_in_batch(uow: UnitOfWork, code: str, slot: TaskSlot) -> tuple[TaskFact, TaskFact]:
    entry = uow.memo["task_facts"][code]
    before = entry[0] if entry[0] is not None else TaskFact(code)
    after = before.merged(slot)
    if after != before or entry[0] is None:
        entry[0] = after
        entry[1] = entry[1] or "dirty"
        pending.flush_later(uow)
    return before, after
