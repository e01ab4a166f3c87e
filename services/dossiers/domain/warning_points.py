"""Warning points before a deadline (due soon, the apology due). Pure.

The platform never apologises for a unit: at the legal latest point (one working day before the deadline,
Decree 61/2018/ND-CP art. 19) it chases the unit with `dossier.due_soon` point "apology"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared.calendar import WorkingCalendar

DEFAULT_WARNING_POINTS = "75%,1d"
DEFAULT_APOLOGY_POINT = "1d"
APOLOGY_DUE = "apology_due"
# The `point` of the `dossier.due_soon` that chases the unit for its apology.
APOLOGY_POINT_LABEL = "apology"
DUE_SOON = "due_soon"
_POINT = re.compile(r"^(\d+(?:\.\d+)?)\s*(%|d|h)$")


@dataclass(frozen=True)
class WarningPoint:
    """A moment before the deadline: `75%` of the budget used, `1d` one working day before, `4h` four
    working hours before. `kind` says which alert it raises (due_soon or apology_due)."""

    label: str
    unit: str  # %, d or h
    value: Decimal
    kind: str = DUE_SOON

    @property
    def alert_kind(self) -> str:
        """The marker kind in dossier_alerts: one per point, so each fires once per due date."""
        return APOLOGY_DUE if self.kind == APOLOGY_DUE else f"{DUE_SOON}:{self.label}"

    def hours_before_due(self, processing_days: Decimal, hours_per_day: Decimal) -> Decimal:
        if self.unit == "%":
            return processing_days * hours_per_day * (Decimal(100) - self.value) / Decimal(100)
        if self.unit == "d":
            return self.value * hours_per_day
        return self.value


def parse_points(text: str, setting: str, kind: str = DUE_SOON) -> tuple[WarningPoint, ...]:
    """`75%,1d` → the points; a bad setting fails loudly with the setting's name (a typo must not switch
    warnings off silently)."""
    points = []
    for raw in (part.strip() for part in str(text).split(",")):
        if not raw:
            continue
        match = _POINT.match(raw)
        if not match:
            raise ValueError(f"{setting}: {raw!r} is not a warning point; write e.g. 75% (of the budget used), "
                             "1d (working days before the deadline) or 4h (working hours before)")
        value, unit = Decimal(match.group(1)), match.group(2)
        if unit == "%" and not 0 < value < 100:
            raise ValueError(f"{setting}: {raw!r} must be a share between 0% and 100% of the budget")
        label = f"{format(value.normalize(), 'f')}{unit}"
        points.append(WarningPoint(label=label, unit=unit, value=value, kind=kind))
    return tuple(points)


def point_instant(calendar: WorkingCalendar, due_at: datetime, processing_days: Decimal,
                  point: WarningPoint) -> datetime:
    """The first instant at which the point is reached: e.g. one working day before a deadline on Monday
    17:00 is Friday 17:00 (not Monday 08:00, the same working time but a weekend later)."""
    before = point.hours_before_due(processing_days, calendar.hours_per_day())
    if before <= 0:
        return due_at
    one_second = Decimal(1) / Decimal(3600)
    # Going back lands on an office opening; one second further back and forward again lands on the
    # earliest instant of the same working time.
    return calendar.add_working_hours(calendar.add_working_hours(due_at, -(before + one_second)), one_second)


def due_points(calendar: WorkingCalendar, due_at: datetime, processing_days: Decimal, counting_starts_at: datetime,
               points: tuple[WarningPoint, ...]) -> list[tuple[datetime, WarningPoint]]:
    """(instant, point) of every point of this due date, in time order. A point falling before the clock
    even started (a half-day procedure has no "one working day before") does not exist for the dossier."""
    found = []
    for point in points:
        try:
            instant = point_instant(calendar, due_at, processing_days, point)
        except ValueError:  # before the calendar's first year: no such point
            continue
        if instant >= counting_starts_at:
            found.append((instant, point))
    return sorted(found, key=lambda pair: pair[0])
