"""The public lists of good individuals and of violating units (seed 004, item 1.đ), beside the good units
and the disciplined individuals (use_cases.public): each with its published criteria and their source."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select

from services.reporting.domain.periods import as_of, requested_period
from services.reporting.domain.public_lists import (
    GOOD_INDIVIDUAL_MIN_STEPS,
    GOOD_INDIVIDUALS,
    PEOPLE_LIST_NOTES,
    VIOLATING_UNITS,
)
from services.reporting.store.statements import facts as _facts
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import public_sanctions as _sanctions
from services.reporting.store.statements import units as _units
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


def good_individuals(uow: UnitOfWork, period_text: str | None, lang: str) -> dict[str, Any]:
    """Public servants who handled enough dossier steps in the period, all on time, with nothing against them."""
    with uow:
        session, tz, now = uow.session, uow.calendar.tz, uow.now()
        period = requested_period(period_text, now, tz)
        start, end = period.start(tz), period.end(tz)
        at = as_of(period, now, tz)
        occ = _occurrences.c
        steps = {}
        for official, unit, handled, late in session.execute(
            select(occ.official, occ.unit, func.count(), func.sum(case((occ.on_time.is_(False), 1), else_=0)))
            .where(occ.kind == "dossier.handed_over", occ.official.is_not(None), occ.at >= start, occ.at < end)
            .group_by(occ.official, occ.unit)
        ):
            entry = steps.setdefault(official, {"units": {}, "handled": 0, "late": 0})
            entry["units"][unit] = entry["units"].get(unit, 0) + handled
            entry["handled"] += handled
            entry["late"] += int(late or 0)
        candidates = {official for official, entry in steps.items()
                      if entry["handled"] >= GOOD_INDIVIDUAL_MIN_STEPS and not entry["late"]}
        blemished = _answerable_for_lateness(session, candidates, start, end, at)
        blemished |= set(session.scalars(
            select(occ.official).where(occ.official.in_(candidates), occ.at >= start, occ.at < end,
                                       occ.kind.in_(("explanation.missed", "violation.recorded"))).distinct()))
        blemished |= set(session.scalars(
            select(_sanctions.c.official).where(_sanctions.c.official.in_(candidates),
                                                _sanctions.c.decided_at < end,
                                                _sanctions.c.in_force_until >= period.first).distinct()))
        names = _unit_names(session, {unit for official in candidates for unit in steps[official]["units"]})
        items = []
        for official in sorted(candidates - blemished):
            entry = steps[official]
            unit = max(sorted(entry["units"]), key=lambda code: entry["units"][code])  # where most steps were
            items.append({"official": official, "unit": unit, "unit_name": names.get(unit),
                          "steps_handled": entry["handled"], "steps_on_time": entry["handled"] - entry["late"]})
        return {"period": str(period), "lang": lang, "as_of": at, "criteria": GOOD_INDIVIDUALS.in_language(lang),
                "notes": [{"code": n["code"], "text": n[lang]} for n in PEOPLE_LIST_NOTES], "items": items}


def violating_units(uow: UnitOfWork, year: int | None, lang: str) -> dict[str, Any]:
    """Units with a disciplinary decision, a dossier late without an apology or a missed explanation in the year."""
    with uow:
        session, tz = uow.session, uow.calendar.tz
        this_year = uow.now().astimezone(tz).year
        year = this_year if year is None else year
        if not 2000 <= year <= this_year:
            raise InvalidInput(f"year {year} is outside the years with data (2000 to {this_year})",
                               {"year": [f"expected 2000 to {this_year}; năm không hợp lệ"]})
        start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
        found: dict[str, dict[str, int]] = {}
        for unit, count in session.execute(
            select(_sanctions.c.unit, func.count()).where(_sanctions.c.decided_on >= date(year, 1, 1),
                                                          _sanctions.c.decided_on <= date(year, 12, 31))
            .group_by(_sanctions.c.unit)
        ):
            found.setdefault(unit, {})["decisions"] = count
        occ = _occurrences.c
        for unit, kind, count in session.execute(
            select(occ.unit, occ.kind, func.count())
            .where(occ.kind.in_(("dossier.apology_missed", "explanation.missed")), occ.unit.is_not(None),
                   occ.at >= start, occ.at < end).group_by(occ.unit, occ.kind)
        ):
            key = "late_without_apology" if kind == "dossier.apology_missed" else "explanations_missed"
            found.setdefault(unit, {})[key] = count
        names = _unit_names(session, set(found))
        items = [{"unit": unit, "unit_name": names.get(unit), "decisions": counts.get("decisions", 0),
                  "late_without_apology": counts.get("late_without_apology", 0),
                  "explanations_missed": counts.get("explanations_missed", 0)}
                 for unit, counts in found.items()]
        items.sort(key=lambda i: (-(i["decisions"] + i["late_without_apology"] + i["explanations_missed"]),
                                  i["unit"]))
        return {"year": year, "lang": lang, "criteria": VIOLATING_UNITS.in_language(lang),
                "notes": [{"code": n["code"], "text": n[lang]} for n in PEOPLE_LIST_NOTES], "items": items}


def _answerable_for_lateness(session, officials: set, start: datetime, end: datetime, at: datetime) -> set:
    """Officials answerable for a dossier finished late in the period, or holding one at its deadline."""
    if not officials:
        return set()
    f = _facts.c
    late = select(f.responsible_official).where(
        f.responsible_official.in_(officials), f.timeliness == "late", f.completed_at >= start, f.completed_at < end)
    held = select(f.overdue_official).where(
        f.overdue_official.in_(officials), f.overdue_detected_at >= start, f.overdue_detected_at < min(end, at))
    return set(session.scalars(late)) | set(session.scalars(held))


def _unit_names(session, codes: set) -> dict[str, str | None]:
    if not codes:
        return {}
    return dict(session.execute(select(_units.c.code, _units.c.name).where(_units.c.code.in_(sorted(codes)))).all())
