"""Working-day calendar for legal deadlines in working time.

Vietnamese administrative procedures set their time limits in working days
("ngày làm việc"): weekends, public holidays and the year's announced swaps do
not count, office hours do, and a dossier received late in the afternoon only
starts counting the next working day. Every service that shows or enforces a
deadline must agree to the second on these rules, or a citizen would see one
due date on the portal and another in the discipline report. This package is
that single source of truth.

It is pure domain code: no web framework, no database, no clock. Callers pass
the instants they care about, which keeps results reproducible and testable.

Deadline computation runs on every dossier list and every report, so the
calendar is precomputed once per instance: each day of the supported range
gets a running count of working days, and an instant becomes a single integer
("working microseconds since the range started"). Adding a budget is then an
integer addition and one division back to a date, whatever the budget's length.

``due_at`` has a faster lane still for what dossiers and feedback actually pass:
a whole-day budget and an instant in UTC (as read from the database) or in the
calendar's own zone. When the zone keeps one UTC offset over the whole range
(Vietnam has since 1975), UTC becomes local time by adding hours to the hour
field, and a deadline of n whole days lands either at the closing time of a
working day, taken ready-made from a table, or at the receipt's own wall time
n working days later. No zone conversion and no Decimal arithmetic per call.

The package: `rules` (what a government announces: office hours, cut-off, days off and swapped working
days), `days_off` (the year's holidays and swaps: the `holidays` package's and the announcements it lacks),
`working` (the arithmetic, `WorkingCalendar`), `explanation` (a deadline explained day by day).
"""

from shared.calendar.explanation import DayEntry, DeadlineExplanation
from shared.calendar.rules import CalendarRules
from shared.calendar.working import WorkingCalendar

__all__ = [
    "CalendarRules",
    "DayEntry",
    "DeadlineExplanation",
    "WorkingCalendar",
]
