"""Use cases of the dossiers service, one module per goal; each use case is one unit of work.

What they share: loading a dossier (404 when unknown; locked and held to the caller's unit for a change),
who may see the applicant, the calendar in force (the configured one plus the operators' announcements),
and how a dossier is shown (`viewed`: where it stands now, the applicant only when allowed).
"""

from __future__ import annotations

import hashlib
import weakref
from datetime import date, datetime

from services.dossiers import store
from services.dossiers.domain import dossier as rules
from services.dossiers.domain.overrides import DAY_OFF, WORKING_DAY
from services.dossiers.models import Applicant, Dossier, Unit
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.errors import NotFound
from shared.uow import UnitOfWork

# Roles that may read an applicant's personal data; officers and heads only for their own unit.
PERSONAL_DATA_ROLES_ALL_UNITS = {"office", "admin"}
PERSONAL_DATA_ROLES_OWN_UNIT = {"officer", "head"}
_HIDDEN = object()


def find(uow: UnitOfWork, code: str) -> Dossier | None:
    """The dossier, or None: `session.get`, except for the codes a consumer's batch has found unknown
    (`ingest.prepare_ingest_batch`), which cost no query until something tries to create them."""
    if code in uow.memo.get("dossiers_absent", ()):
        return None
    return uow.session.get(Dossier, code)


def creating(uow: UnitOfWork, code: str) -> bool:
    """About to create dossier `code`: from now on it is looked up again (created here or by a replica).
    True when a consumer's batch had found it unknown in this transaction."""
    absent = uow.memo.get("dossiers_absent", set())
    if code in absent:
        absent.discard(code)
        return True
    return False


def load(uow: UnitOfWork, code: str, for_update: bool = False) -> Dossier:
    dossier = uow.session.get(Dossier, code, with_for_update=for_update)
    if dossier is None:
        raise NotFound(f"no dossier with code {code!r}")
    return dossier


def load_to_change(uow: UnitOfWork, code: str, principal: Principal | None) -> Dossier:
    """The dossier locked for a change (two clerks acting on it at once must not both record the step) by
    `principal`, held to their unit and the units below it; None is a trusted caller inside the platform
    (ingest, the demo)."""
    dossier = load(uow, code, for_update=True)
    if principal is not None:
        ensure_within(uow, principal, dossier.unit)
    return dossier


def ensure_within(uow: UnitOfWork, principal: Principal, unit: str) -> None:
    """Forbidden unless `unit` is the caller's own or below it (DESIGN.md, "Conventions": an officer sees and
    changes the data of their unit and its sub-units), read from the directory's copy in `units`."""
    principal.ensure_unit(unit, lambda code: ancestors(uow, code))


def ancestors(uow: UnitOfWork, unit: str) -> list[str]:
    """The units above `unit`, nearest first, as the directory's events last told them."""
    found: list[str] = []
    current = uow.session.get(Unit, unit)
    while current is not None and current.parent is not None and current.parent not in found:
        found.append(current.parent)
        current = uow.session.get(Unit, current.parent)
    return found


def may_see_applicant(principal: Principal | None, unit: str) -> bool:
    if principal is None:
        return False
    if principal.has_any(PERSONAL_DATA_ROLES_ALL_UNITS):
        return True
    return principal.has_any(PERSONAL_DATA_ROLES_OWN_UNIT) and principal.unit == unit


def viewed(uow: UnitOfWork, dossier: Dossier, applicant: Applicant | None | object = _HIDDEN) -> Dossier:
    """The dossier as users read it: `standing` (within the deadline or overdue, now), `promise_kept` (the
    apology's new date, once finished) and, when given,
    `shown_applicant` (None: allowed, but there is none)."""
    dossier.standing = rules.standing(dossier.status, dossier.due_at, dossier.timeliness, uow.now(),
                                      dossier.paused_since)
    dossier.promise_kept = rules.promise_kept(dossier.completed_at, dossier.promised_at, uow.calendar.tz)
    if applicant is _HIDDEN:
        dossier.__dict__.pop("shown_applicant", None)
    else:
        dossier.shown_applicant = applicant
    return dossier


def viewed_for(uow: UnitOfWork, dossier: Dossier, principal: Principal | None) -> Dossier:
    """Viewed with the applicant when `principal` may see it (None: a trusted caller, who may)."""
    if principal is not None and not may_see_applicant(principal, dossier.unit):
        return viewed(uow, dossier)
    return viewed(uow, dossier, uow.session.get(Applicant, dossier.code))


def iso(uow: UnitOfWork, moment: datetime | None) -> str | None:
    """An instant as events carry it: ISO 8601 in the calendar's time zone."""
    return moment.astimezone(uow.calendar.tz).isoformat() if moment is not None else None


def today(uow: UnitOfWork) -> date:
    return uow.now().astimezone(uow.calendar.tz).date()


# The dossiers service's calendar per runtime: the configured one with the operators' announcements from
# this database, rebuilt only when the announcements change (building one takes milliseconds).
_calendars: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def calendar_of(uow: UnitOfWork) -> WorkingCalendar:
    """The calendar in force: the configured rules plus the overrides stored here; also set as
    `uow.calendar` so everything in this unit of work uses it. One small read per transaction."""
    cached = uow.memo.get("calendar")
    if cached is not None:
        return cached
    rows = store.override_rows(uow.session)
    base = uow.runtime.calendar
    entry = _calendars.get(uow.runtime)
    if entry is None or entry[0] != (base, rows):
        if rows:
            digest = hashlib.sha1(repr(rows).encode()).hexdigest()[:8]
            # The version tells users (and the deadline sweep) which announcements computed a due date.
            calendar = base.with_overrides(
                extra_days_off=[(day, label) for day, kind, label in rows if kind == DAY_OFF],
                extra_working_days=[(day, label) for day, kind, label in rows if kind == WORKING_DAY],
                version=f"{base.rules.version[:40]}+{digest}")
        else:
            calendar = base
        entry = ((base, rows), calendar)
        _calendars[uow.runtime] = entry
    uow.calendar = entry[1]
    uow.memo["calendar"] = entry[1]
    return entry[1]
