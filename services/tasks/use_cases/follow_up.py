"""What the Chairman and the Office of the People's Committee read to follow the tasks they gave: the
directives with how their tasks stand, one directive with each of its tasks (state, progress, latest
report, extensions), the Monday list of the current week, who assigned tasks, the units to assign to.

The Office sees every unit (`principal.sees_all_units`); a leader without that right sees what they
assigned themselves, as the JSON API's digests and summaries do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.tasks import domain, store
from services.tasks.models import Digest, Directive, Extension, ProgressReport, Task
from services.tasks.use_cases import with_state
from services.tasks.use_cases.queries import unit_names_of, with_remaining
from shared.auth import Principal
from shared.db import Page, paginate
from shared.errors import NotFound
from shared.uow import UnitOfWork


@dataclass
class DirectiveLine:
    """A directive in the list, with how many of its tasks are in each state."""

    directive: Directive
    tally: domain.Tally


def directive_board(uow: UnitOfWork, page: int, page_size: int) -> Page:
    """Directives, newest first (as the API lists them), each with the tally of its tasks' states."""
    with uow:
        now = uow.now()
        result = paginate(uow.session, store.directives_query(), page, page_size)
        tallies = _tallies(uow, [d.number_symbol for d in result.items], now)
        return result.map(lambda d: DirectiveLine(d, tallies.get(d.number_symbol, domain.Tally(d.number_symbol))))


def _tallies(uow: UnitOfWork, numbers: list[str], now: datetime) -> dict[str | None, domain.Tally]:
    rows = store.states_of_directives(uow.session, numbers)
    groups, _ = domain.tally_by_document(
        (row.directive, domain.derive_state(row.due_at, row.completed_at, row.last_report_at is not None, now))
        for row in rows)
    return {tally.document: tally for tally in groups}


@dataclass
class DirectiveView:
    """One directive as its page shows it: its tasks (one page, earliest deadline first) each with its
    state, working days left, latest report and extension requests, and the tally of all its tasks."""

    directive: Directive
    tally: domain.Tally
    tasks: Page
    unit_names: dict[str, str]
    latest_reports: dict[str, ProgressReport]
    extensions: dict[str, list[Extension]]


def directive_view(uow: UnitOfWork, number: str, principal: Principal, page: int, page_size: int) -> DirectiveView:
    with uow:
        directive = uow.session.get(Directive, number)
        if directive is None:
            raise NotFound(f"no directive with number {number!r}", {"number": ["not registered"]})
        now = uow.now()
        query = store.tasks_query(unit=None, assigned_by=None if principal.sees_all_units else principal.sub,
                                  document=None, state=None, now=now).where(Task.directive == number)
        tasks = paginate(uow.session, query, page, page_size)
        for task in tasks.items:
            with_remaining(uow, with_state(task, now), now)
        codes = [t.code for t in tasks.items]
        units = {u for t in tasks.items for u in (t.lead_unit, *t.co_units)}
        return DirectiveView(
            directive=directive, tally=_tallies(uow, [number], now).get(number, domain.Tally(number)), tasks=tasks,
            unit_names=unit_names_of(uow.session, sorted(units | {directive.issued_by or ""})),
            latest_reports=store.latest_reports(uow.session, codes), extensions=store.extensions_of(uow.session, codes))


@dataclass
class UnitGroup:
    unit: str
    unit_name: str | None
    tasks: list[Task] = field(default_factory=list)


@dataclass
class MondayList:
    """The Monday list of the week beginning `week`: the open tasks whose deadline has passed or falls
    before the next Monday with no progress report in the last 7 days (the digest's rule,
    domain.due_but_unreported), grouped by lead unit. The current week's is computed `as_of` now
    (`live`); an earlier week's is what its digests held, each task in its state now. `sent`: the digests
    compiled that Monday (one per leader)."""

    week: date
    week_end: datetime
    as_of: datetime
    live: bool
    groups: list[UnitGroup]
    sent: list[Digest]
    current_week: date

    @property
    def total(self) -> int:
        return sum(len(group.tasks) for group in self.groups)

    @property
    def sent_tasks(self) -> int:
        return len({code for digest in self.sent for code in digest.task_codes})


def monday_list(uow: UnitOfWork, principal: Principal, week: date | None = None) -> MondayList:
    """The Monday list of a week (the current one by default; a later week is the current one). The
    current week's is computed now with the rule the Monday sweep applies, so tasks assigned or reported
    since Monday morning count (seed 001, item 8: the Office reports overdue tasks every Monday); the
    stored digests say what the leaders were sent."""
    with uow:
        now = uow.now()
        tz = uow.calendar.tz
        current = domain.week_of(now.astimezone(tz).date())
        week = current if week is None else min(domain.week_of(week), current)
        _, week_end = domain.digest_window(week, tz)
        leader = None if principal.sees_all_units else principal.sub
        sent = list(uow.session.scalars(store.digests_query(week, leader)))
        if week == current:
            tasks = [task for task in store.open_tasks_due_before(uow.session, week_end, leader)
                     if domain.due_but_unreported(task.due_at, task.completed_at, task.last_report_at, week_end, now)]
        else:
            found = store.tasks_by_code(uow.session, {code for digest in sent for code in digest.task_codes})
            tasks = sorted(found.values(), key=lambda t: (t.lead_unit, t.due_at, t.code))
        groups: dict[str, UnitGroup] = {}
        for task in tasks:
            group = groups.setdefault(task.lead_unit, UnitGroup(task.lead_unit, None))
            group.tasks.append(with_remaining(uow, with_state(task, now), now))
        names = unit_names_of(uow.session, list(groups))
        for group in groups.values():
            group.unit_name = names.get(group.unit)
        ordered = sorted(groups.values(), key=lambda g: (g.unit_name or g.unit).casefold())
        return MondayList(week=week, week_end=week_end, as_of=now, live=week == current, groups=ordered, sent=sent,
                          current_week=current)


def assigners(uow: UnitOfWork, principal: Principal) -> list[tuple[str, int]]:
    """(who assigned tasks, how many): everyone for the Office, oneself otherwise."""
    with uow:
        rows = [(row[0], row[1]) for row in store.assigners(uow.session)]
    if principal.sees_all_units:
        return rows
    return [row for row in rows if row[0] == principal.sub]


def unit_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, name) of the units tasks may be assigned to: the directory's read copy, by code."""
    with uow:
        return [(row.code, row.name) for row in store.directory_units(uow.session)]
