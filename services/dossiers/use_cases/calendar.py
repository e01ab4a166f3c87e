"""Operators' announcements of days off and working days, and running deadlines brought up to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from services.dossiers import store
from services.dossiers.domain import overrides as rules
from services.dossiers.models import CalendarOverride, CalendarState
from services.dossiers.use_cases import calendar_of, deadlines
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class AnnounceDay:
    """`day` made a day off or a working day (`kind`), with a Vietnamese `label`."""

    day: date
    kind: str
    label: str


def list_calendar_overrides(uow: UnitOfWork, year: int | None = None) -> list[CalendarOverride]:
    with uow:
        return store.overrides(uow.session, year)


def add_calendar_override(uow: UnitOfWork, command: AnnounceDay, *,
                          principal: Principal | None = None) -> CalendarOverride:
    """An operator's announcement for the year. Running deadlines move at once (`dossier.deadline_changed`,
    calendar_changed); the override's `deadlines_moved` says how many."""
    with uow:
        day, kind = command.day, command.kind
        if kind not in rules.OVERRIDE_KINDS:
            raise InvalidInput(f"{kind!r} is not a kind of day",
                               {"kind": [f"one of {', '.join(rules.OVERRIDE_KINDS)}"]})
        existing = uow.session.get(CalendarOverride, day)
        if existing is not None:
            raise Conflict(f"{day.isoformat()} is already announced as {existing.kind} ({existing.label}); remove that "
                           "announcement first", {"day": [f"already {existing.kind}: {existing.label}"]})
        label = rules.check_override(calendar_of(uow), day, kind, command.label)
        override = CalendarOverride(day=day, kind=kind, label=label, created_at=uow.now(),
                                    created_by=principal.sub if principal is not None else None)
        uow.session.add(override)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"{day.isoformat()} was announced a moment ago; reload", {"day": ["already announced"]}) \
                from exc
        uow.commit()
    override.deadlines_moved = apply_calendar(uow)
    return override


def remove_calendar_override(uow: UnitOfWork, day: date, *, principal: Principal | None = None) -> CalendarOverride:
    """Withdraw an announcement; running deadlines move back."""
    with uow:
        override = uow.session.get(CalendarOverride, day)
        if override is None:
            raise NotFound(f"no announcement for {day.isoformat()}")
        uow.session.delete(override)
        uow.commit()
    override.deadlines_moved = apply_calendar(uow)
    return override


def apply_calendar(uow: UnitOfWork, batch: int = 500) -> int:
    """Bring every running deadline up to the current calendar, `batch` dossiers per transaction; returns
    how many moved. Cheap when nothing changed: one read of the applied version. A dossier waiting for a
    supplement is brought up to date when the citizen supplements."""
    moved = 0
    while True:
        with uow:
            calendar = calendar_of(uow)
            version = calendar.rules.version
            state = uow.session.get(CalendarState, 1, with_for_update=True)
            if state is not None and state.applied_version == version:
                return moved
            now = uow.now()
            dossiers = store.running_under_other_rules(uow.session, version, batch)
            for dossier in dossiers:
                previous = dossier.due_at
                deadlines.move(uow, dossier, calendar, now)
                if dossier.due_at != previous:
                    moved += 1
                    deadlines.record_changed(uow, dossier, previous, "calendar_changed", calendar)
            if len(dossiers) < batch:
                if state is None:
                    uow.session.add(CalendarState(id=1, applied_version=version, updated_at=now))
                else:
                    state.applied_version, state.updated_at = version, now
            uow.commit()
            if len(dossiers) < batch:
                return moved
