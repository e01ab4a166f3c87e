"""Reporting periods: the calendar month in local time (the grain of the stored counters) and the periods
readers ask for (a month, a quarter, a year or any range of whole days), with the instant each is judged at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from shared.errors import InvalidInput

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_RANGE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_FORMATS = "YYYY-MM (tháng), YYYY-Qn (quý), YYYY (năm) or YYYY-MM-DD..YYYY-MM-DD (khoảng ngày)"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in local time, written `YYYY-MM`: the grain of the stored counters."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_RE.match(text or "")
        if not match:
            raise ValueError(f"{text!r} is not a month written YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> Month:
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive end)."""
        return self.next().start(tz)

    def through(self, last: Month) -> list[Month]:
        """This month and every one after it up to `last` (empty if `last` is earlier)."""
        months = []
        current = self
        while current <= last:
            months.append(current)
            current = current.next()
        return months

    def as_period(self) -> Period:
        return Period("month", self.first, self.next().first - timedelta(days=1))

    def enclosing(self) -> list[Period]:
        """The month, its quarter and its year: the periods whose rankings a change in the month moves."""
        quarter = (self.month - 1) // 3
        return [self.as_period(),
                Period("quarter", date(self.year, 3 * quarter + 1, 1),
                       Month(self.year, 3 * quarter + 3).next().first - timedelta(days=1)),
                Period("year", date(self.year, 1, 1), date(self.year, 12, 31))]


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period of whole local days, `first` to `last` inclusive: a month (`2026-11`), a
    quarter (`2026-Q4`), a year (`2026`) or any range of days (`2026-11-01..2026-11-20`)."""

    kind: str  # month | quarter | year | range
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text or ""
        if match := _MONTH_RE.match(text):
            return Month(int(match.group(1)), int(match.group(2))).as_period()
        if match := _QUARTER_RE.match(text):
            return Month(int(match.group(1)), 3 * int(match.group(2))).enclosing()[1]
        if match := _YEAR_RE.match(text):
            return Month(int(match.group(1)), 1).enclosing()[2]
        if match := _RANGE_RE.match(text):
            try:
                first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
            except ValueError:
                raise ValueError(f"{text!r} names a day that does not exist") from None
            if last < first:
                raise ValueError(f"{text!r} ends before it starts")
            return cls("range", first, last)
        raise ValueError(f"{text!r} is not a period written {PERIOD_FORMATS}")

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> Period:
        """The month an instant falls in, in local time."""
        return Month.of(instant, tz).as_period()

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.first.year:04d}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.first.year:04d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def month_aligned(self) -> bool:
        """Whole months: the stored per-month counters give its tally without reading dossiers."""
        return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1

    def months(self) -> list[Month]:
        return Month(self.first.year, self.first.month).through(Month(self.last.year, self.last.month))

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive end): midnight after its last day."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=tz)

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days just before)."""
        if self.kind == "range":
            days = (self.last - self.first).days + 1
            return Period("range", self.first - timedelta(days=days), self.first - timedelta(days=1))
        before = self.first - timedelta(days=1)
        month = Month(before.year, before.month)
        return {"month": month.as_period(), "quarter": month.enclosing()[1], "year": month.enclosing()[2]}[self.kind]


def requested_period(text: str | None, now: datetime, tz: tzinfo) -> Period:
    """The period a reader asked for: the current month when none is given, never one that has not started."""
    current = Period.of(now, tz)
    if text is None or text == "":
        return current
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(
            f"period {text!r} is not a month (write it as YYYY-MM, e.g. {current}), a quarter (2026-Q4), "
            f"a year (2026) or a range of days (2026-11-01..2026-11-20)",
            {"period": [f"{exc}; expected {PERIOD_FORMATS}; kỳ báo cáo không hợp lệ"]},
        ) from None
    if period.first > now.astimezone(tz).date():
        raise InvalidInput(
            f"period {period} has not started yet; the latest month is {current}",
            {"period": [f"must not start after today ({now.astimezone(tz).date().isoformat()}); "
                        "kỳ báo cáo chưa bắt đầu"]},
        )
    return period


def as_of(period: Period | Month, now: datetime, tz: tzinfo) -> datetime:
    """The instant a period is judged at: its end once over, now while it runs."""
    return min(period.end(tz), now.astimezone(tz))
