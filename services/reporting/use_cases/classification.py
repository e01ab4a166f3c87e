"""The monthly classification of units (seed 004, item 2.b): for a month, every unit with dossiers in it or
sent back in it, its late dossiers (completed late in the month, open past the deadline at its end), its
dossiers sent back to the citizen through officials' fault and how many of them several times, and its
class by the rules in force (scoring.json, "classification"), worst first.

Read-only: the month rows of the ranking (scorecards, unit_open) and the `dossier.sent_back` occurrences.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from sqlalchemy import func, select

from services.reporting.domain.classification import (
    CLASS_CODES,
    ClassificationRules,
    SentBack,
    SentBackCounts,
    UnitMonth,
    class_counts,
    classification_rules_from_document,
    rules_for,
    sent_back_counts,
    worst_first,
)
from services.reporting.domain.periods import Month, as_of
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import units as _units
from services.reporting.use_cases import figures
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


@functools.cache
def classification_versions() -> tuple[ClassificationRules, ...]:
    with figures.SCORING_FILE.open(encoding="utf-8") as file:
        return classification_rules_from_document(json.load(file))


def requested_month(text: str | None, current: Month) -> Month:
    """The month asked for (`YYYY-MM`), by default the last finished one; never one after the current month."""
    if not text:
        return current.previous()
    try:
        month = Month.parse(text)
    except ValueError:
        raise InvalidInput(f"period {text!r} is not a month; write it as YYYY-MM, e.g. {current.previous()}",
                           {"period": ["expected YYYY-MM; tháng không hợp lệ (viết dạng YYYY-MM)"]}) from None
    if month > current:
        raise InvalidInput(f"month {month} has not started yet; the latest month is {current}",
                           {"period": [f"must not be after {current}; tháng chưa bắt đầu"]})
    return month


def monthly_classification(uow: UnitOfWork, period_text: str | None, *, kind: str | None = None,
                           only: str | None = None, page: int = 1, page_size: int = 100) -> dict[str, Any]:
    """The month's classification of units (all, or one kind of unit), worst first; `only`: one class."""
    if only is not None and only not in CLASS_CODES:
        raise InvalidInput(f"unknown class {only!r}", {"class": [f"expected one of {', '.join(CLASS_CODES)}"]})
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        current = Month.of(now, tz)
        month = requested_month(period_text, current)
        start, end = month.start(tz), month.end(tz)
        rules = rules_for(month.first, classification_versions())
        tallies = {t.unit: t for t in figures.month_tallies(session, month, month, kind)}
        sent_back = sent_back_counts(_fault_sendings(session, start, end), start, end, rules.repeated_from)
        names = _unit_rows(session, [u for u in sent_back if u not in tallies], kind)
        units = []
        for unit, tally in tallies.items():
            counts = sent_back.get(unit)
            if tally.tally.received or counts:
                units.append(UnitMonth(unit, tally.name, tally.tally.received, tally.tally.completed_late,
                                       tally.tally.open_overdue, counts or SentBackCounts(), tally.kind,
                                       tally.sort_key))
        for unit, (name, unit_kind, sort_key) in names.items():
            units.append(UnitMonth(unit, name, 0, 0, 0, sent_back[unit], unit_kind, sort_key))
        classified = worst_first(units, rules)
        counts = class_counts(classified)
        shown = [pair for pair in classified if only is None or pair[1] == only]
        known = select(func.count()).select_from(_units)
        if kind is not None:
            known = known.where(_units.c.kind == kind)
        first = (page - 1) * page_size
        items = [_item(unit, code, rules) for unit, code in shown[first:first + page_size]]
        return {
            "period": str(month),
            "previous_period": str(month.previous()),
            "next_period": str(month.next()) if month < current else None,
            "running": month == current,
            "as_of": as_of(month, now, tz),
            "unit_kind": kind,
            "only": only,
            "rules": rules.as_dict(),
            "counts": [{**rules.text(code).as_dict(), "units": counts[code]} for code in CLASS_CODES],
            "totals": {"late": sum(u.completed_late for u, _ in classified),
                       "overdue_open": sum(u.overdue_open for u, _ in classified),
                       "sent_back": sum(u.sent_back.dossiers for u, _ in classified),
                       "sent_back_repeatedly": sum(u.sent_back.repeated for u, _ in classified)},
            "units_listed": len(classified),
            "units_without_dossiers": max(session.scalar(known) - len(classified), 0),
            "items": items,
            "page": page,
            "page_size": page_size,
            "total": len(shown),
        }


def _item(unit: UnitMonth, code: str, rules: ClassificationRules) -> dict:
    return {"unit": unit.unit, "unit_name": unit.name, "unit_kind": unit.kind, "class": rules.text(code).as_dict(),
            "received": unit.received, "completed_late": unit.completed_late, "overdue_open": unit.overdue_open,
            "late": unit.late, "sent_back": unit.sent_back.dossiers, "sent_back_times": unit.sent_back.times,
            "sent_back_repeatedly": unit.sent_back.repeated}


def _fault_sendings(session, start, end) -> list[SentBack]:
    """Every sending back through officials' fault before `end` of the dossiers sent back so in [start, end)."""
    fault = (_occurrences.c.kind == "dossier.sent_back", _occurrences.c.on_time.is_(False))
    in_month = select(_occurrences.c.subject).where(*fault, _occurrences.c.at >= start, _occurrences.c.at < end)
    rows = session.execute(
        select(_occurrences.c.unit, _occurrences.c.subject, _occurrences.c.at, _occurrences.c.detail)
        .where(*fault, _occurrences.c.at < end, _occurrences.c.subject.in_(in_month.scalar_subquery())))
    return [SentBack(unit or "", subject, at, _times((detail or {}).get("times_for_fault")))
            for unit, subject, at, detail in rows]


def _times(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _unit_rows(session, codes: list[str], kind: str | None) -> dict[str, tuple]:
    """Name, kind and sort key of units known only by their sendings back (a kind filter leaves others out)."""
    if not codes:
        return {}
    query = select(_units.c.code, _units.c.name, _units.c.kind, _units.c.sort_key).where(_units.c.code.in_(codes))
    found = {code: (name, unit_kind, sort_key) for code, name, unit_kind, sort_key in session.execute(query)}
    if kind is None:
        return {code: found.get(code, (None, None, None)) for code in codes}
    return {code: row for code, row in found.items() if row[1] == kind}
