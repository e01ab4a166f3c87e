"""Working-time arithmetic (`WorkingCalendar`): positions in working microseconds, due dates, elapsed
working time and explanations; see the package's docstring for why it is precomputed."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from shared.calendar.days_off import WORKING_DAY, announcements, package_years
from shared.calendar.explanation import DayEntry, DeadlineExplanation
from shared.calendar.rules import CalendarRules

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
# Results in hours/days are shown to users and stored: six places (about 4 ms)
# are finer than the one-second resolution of budgets, without the 28-digit
# repeating decimals that a division by 3600 would otherwise produce.
_QUANTUM = Decimal("0.000001")

_WEEKEND_VI = {5: "Thứ Bảy", 6: "Chủ nhật"}
_WEEKEND_EN = {5: "Saturday", 6: "Sunday"}
_WEEKEND_CODE = {5: "saturday", 6: "sunday"}

_HOUR = timedelta(hours=1)
# Bounds the per-calendar memo of time zones the fast lane of due_at accepts.
_MAX_KNOWN_ZONES = 64

# --------------------------------------------------------------------------- calendar


@functools.lru_cache(maxsize=8)
def _closing_times(tz: ZoneInfo, first_ordinal: int, span: int, closing_us: int) -> tuple[datetime, ...]:
    """Closing time of every day of a calendar range, working or not, in ``tz``."""
    hour, minute, second, micro = _wall(closing_us)
    days = (date.fromordinal(first_ordinal + offset) for offset in range(span))
    return tuple(datetime(d.year, d.month, d.day, hour, minute, second, micro, tz) for d in days)


@functools.lru_cache(maxsize=8)
def _fixed_utc_offset(zone: str, first_year: int, last_year: int) -> timedelta | None:
    """The zone's one UTC offset over the calendar range, or None if it changes.

    Sampled every six hours, from a day before the range to a day after it: a
    daylight-saving period or a change of standard time lasts far longer than
    that. A few milliseconds, once per zone and range, shared by every copy.
    """
    tz = ZoneInfo(zone)
    moment = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    step = timedelta(hours=6)
    offset = moment.astimezone(tz).utcoffset()
    while moment <= end:
        if moment.astimezone(tz).utcoffset() != offset:
            return None
        moment += step
    return offset


def _to_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # Through str() so 0.1 means one tenth, not its binary approximation.
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{what} {value!r} is not a number") from exc
    else:
        raise TypeError(f"{what} must be a Decimal, int, float or numeric string, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


class WorkingCalendar:
    """Working-time arithmetic for one rule set.

    Instances are immutable and safe to share between threads.
    """

    rules: CalendarRules
    tz: ZoneInfo

    def __init__(self, rules: CalendarRules = CalendarRules()) -> None:
        self.rules = rules
        self.tz = ZoneInfo(rules.timezone)
        self._package = package_years(rules.first_year, rules.last_year, rules.vietnam_culture_day)
        self._announced = announcements()
        self._extra_off = dict(rules.extra_days_off)
        self._extra_work = dict(rules.extra_working_days)

        periods = []
        before = 0
        for start, end in rules.office_hours:
            s = _time_us(start)
            e = _time_us(end)
            periods.append((s, e, before))
            before += e - s
        self._periods = tuple(periods)
        # For the way back from a position to a wall time: per period, the
        # office time done at its end and the offset turning "office time done
        # today" into "microseconds after midnight".
        self._inverse = tuple((before + e - s, s - before) for s, e, before in periods)
        self._day_us = before
        self._day_seconds = before // _US_PER_SECOND
        self._cutoff_us = None if rules.cutoff is None else _time_us(rules.cutoff)
        self._closing_us = periods[-1][1]
        self._budget_cache: dict[object, int] = {}
        # The same budgets in whole working days, for the fast lane of due_at;
        # only positive whole-day budgets are listed. A Decimal is listed under
        # its text (see _whole_days_key).
        self._whole_days: dict[object, int] = {}

        first = date(rules.first_year, 1, 1)
        last = date(rules.last_year, 12, 31)
        self._base = first.toordinal()
        self._span = last.toordinal() - self._base + 1
        # Per-day tables indexed by (ordinal - base): whether the day is worked
        # and how many worked days precede it. Together they turn any instant
        # into one integer without looking at a single holiday at call time.
        working: list[bool] = []
        worked_before: list[int] = []
        work_dates: list[date] = []
        # The same two facts in one number for due_at's fast lane: the worked
        # days before, bitwise inverted (negative) when the day itself is off.
        day_index: list[int] = []
        for offset in range(self._span):
            day = date.fromordinal(self._base + offset)
            worked_before.append(len(work_dates))
            is_work = self._describe(day)[0]
            working.append(is_work)
            day_index.append(len(work_dates) if is_work else ~len(work_dates))
            if is_work:
                work_dates.append(day)
        self._working = tuple(working)
        self._worked_before = tuple(worked_before)
        self._day_index = tuple(day_index)
        self._work_dates = tuple(work_dates)
        self._work_ymd = tuple((d.year, d.month, d.day) for d in work_dates)
        # Public, sorted: reports and other services can bisect it themselves
        # instead of re-deriving the calendar from the holidays package.
        self.working_ordinals: tuple[int, ...] = tuple(d.toordinal() for d in work_dates)
        self._build_fast_lane()

    def _build_fast_lane(self) -> None:
        """Tables for due_at's fast lane; see the module docstring."""
        # Most deadlines end at closing time (every receipt on a day off, before
        # opening or after the cut-off): one ready, immutable datetime per
        # working day, picked from a table shared with every with_overrides copy.
        every_closing = _closing_times(self.tz, self._base, self._span, self._closing_us)
        self._closings = tuple(every_closing[ordinal - self._base] for ordinal in self.working_ordinals)
        # Per period: its bounds and, for a receipt before it opens, the wall
        # time counting is reported from: the previous period's end (12:00 for
        # a receipt at lunch) or, before the first opening, the day before's
        # closing (None here).
        previous_ends = (None,) + tuple(end for _, end, _ in self._periods[:-1])
        self._fast_periods = tuple(
            (start, end, previous_end)
            for (start, end, _), previous_end in zip(self._periods, previous_ends, strict=True)
        )
        # No cut-off behaves as a cut-off no time of day can pass.
        self._fast_cutoff = 24 * _US_PER_HOUR if self._cutoff_us is None else self._cutoff_us
        # Zones whose wall time becomes local wall time by adding whole hours:
        # the calendar's own always (0), and UTC and fixed offsets when the
        # calendar's zone never changes its offset over the range.
        self._local_offset = _fixed_utc_offset(self.rules.timezone, self.rules.first_year, self.rules.last_year)
        self._hour_shift: dict[tzinfo, int] = {self.tz: 0}
        self._learn_zone(UTC)

    def _learn_zone(self, zone: tzinfo | None) -> None:
        """Let due_at's fast lane take instants in ``zone`` if that is exact."""
        if zone is None or zone in self._hour_shift or len(self._hour_shift) >= _MAX_KNOWN_ZONES:
            return
        if type(zone) is ZoneInfo and zone.key == self.rules.timezone:
            # Another instance of our own zone (ZoneInfo.no_cache, pickling).
            self._hour_shift[zone] = 0
        elif type(zone) is timezone and self._local_offset is not None:
            difference = self._local_offset - zone.utcoffset(None)
            if difference % _HOUR == timedelta(0):
                self._hour_shift[zone] = difference // _HOUR

    def __repr__(self) -> str:
        return f"WorkingCalendar(version={self.rules.version!r}, tz={self.rules.timezone!r})"

    # ------------------------------------------------------------------ days

    def hours_per_day(self) -> Decimal:
        """Office hours in one working day: the size of a one-day budget."""
        return Decimal(self._day_seconds) / Decimal(3600)

    def is_working_day(self, d: date) -> bool:
        offset = self._offset(self._as_local_date(d))
        return self._working[offset]

    def nth_working_day(self, d: date, n: int) -> date:
        """Same contract as ``HolidayBase.get_nth_working_day``, in O(1)."""
        offset = self._offset(self._as_local_date(d))
        index = self._worked_before[offset] + n
        if not self._working[offset]:
            # From a day off, the first step forward lands on the next working
            # day, whose index is already worked_before.
            if n > 0:
                index -= 1
        if not 0 <= index < len(self._work_dates):
            raise self._out_of_range()
        return self._work_dates[index]

    def day_off_reason(self, d: date) -> tuple[str, str, str] | None:
        """(code, label_vi, label_en) for a day off, None for a working day."""
        day = self._as_local_date(d)
        self._offset(day)
        working, code, label_vi, label_en = self._describe(day)
        if working:
            return None
        return code, label_vi, label_en

    def _describe(self, day: date) -> tuple[bool, str | None, str, str]:
        """(working, reason code, label_vi, label_en) for one day."""
        # Precedence: the operator's announcement for the year beats the
        # package, because it is the later and more local decision.
        reason = self._extra_work.get(day)
        if reason is not None:
            vi, en = f"Làm việc theo thông báo: {reason}", f"Working day by announcement: {reason}"
            return True, "operator_working_day", vi, en
        reason = self._extra_off.get(day)
        if reason is not None:
            vi, en = f"Nghỉ theo thông báo: {reason}", f"Day off by announcement: {reason}"
            return False, "operator_day_off", vi, en
        announced = self._announced.get(day)
        if announced is not None:
            # The Government's announcement shipped with the platform (announcements.json): after the
            # operator's own, before the package, which does not know it.
            if announced.kind == WORKING_DAY:
                return (True, "swapped_working_day", f"Làm việc bù: {announced.label} ({announced.source})",
                        f"Swapped working day: {announced.label} ({announced.source})")
            return (False, "holiday", f"Nghỉ theo thông báo: {announced.label} ({announced.source})",
                    f"Day off by announcement: {announced.label} ({announced.source})")
        pkg = self._package
        weekday = day.weekday()
        # Mirrors HolidayBase.is_working_day: a weekend day is worked only when
        # the government swapped it with a weekday, whatever else falls on it.
        if weekday >= 5 and day in pkg.weekend_workdays:
            vi = f"Làm việc bù ({_WEEKEND_VI[weekday].lower()})"
            en = f"Swapped working day ({_WEEKEND_EN[weekday]})"
            return True, "swapped_working_day", vi, en
        holiday_vi = pkg.names_vi.get(day)
        if holiday_vi is not None:
            # A holiday on a weekend is reported as the holiday: it is the
            # more informative reason and explains the substitute day after it.
            vi, en = f"Nghỉ lễ: {holiday_vi}", f"Public holiday: {pkg.names_en.get(day, holiday_vi)}"
            return False, "holiday", vi, en
        if weekday >= 5:
            return False, _WEEKEND_CODE[weekday], _WEEKEND_VI[weekday], _WEEKEND_EN[weekday]
        return True, None, "Ngày làm việc", "Working day"

    # ------------------------------------------------------------------ instants

    def counting_start(self, received_at: datetime) -> tuple[datetime, bool]:
        """When the clock starts for something received at ``received_at``.

        ``cutoff_applied`` is True only when the cut-off actually postponed the
        start; a dossier received after closing time or on a day off starts
        next working morning anyway, and saying "cut-off" there would mislead.
        """
        pos, cutoff_applied = self._start_pos(self._localize(received_at))
        return self._latest(pos), cutoff_applied

    def add_working_hours(self, start: datetime, hours: Decimal | float | int | str) -> datetime:
        """``start`` plus ``hours`` of office time (negative goes back).

        A start outside office hours first moves to the next working instant
        (no cut-off: that rule is about receiving dossiers, see due_at).
        Landing exactly on the end of an office period returns that end
        (17:00, not next morning 08:00), which is what a user expects to read
        as "due by".
        """
        seconds = _round_seconds(_to_decimal(hours, "hours") * 3600)
        return self._shift(self._pos(self._localize(start)), seconds * _US_PER_SECOND)

    def add_working_days(self, start: datetime, days: Decimal | float | int | str) -> datetime:
        """``start`` plus ``days`` × hours_per_day() of office time."""
        return self._shift(self._pos(self._localize(start)), self._budget_us(days))

    def due_at(self, received_at: datetime, days: Decimal | float | int | str) -> datetime:
        """Deadline for a budget of ``days`` working days, cut-off included."""
        # The hottest call of the platform (every list, every report). The fast
        # lane below gives exactly what the general path after it would, for
        # whole-day budgets and instants in a zone listed in _hour_shift;
        # everything else (half days, other zones, errors) takes the general path.
        kind = type(days)
        if kind is int:
            whole = days
        elif kind is Decimal:
            whole = self._whole_days.get(str(days))
        elif kind is float or kind is str:
            whole = self._whole_days.get(days)
        else:
            whole = None
        if whole is not None and whole > 0 and type(received_at) is datetime:
            shift = self._hour_shift.get(received_at.tzinfo)
            if shift is not None:
                hour = received_at.hour + shift
                ordinal = received_at.toordinal()
                if hour >= 24:
                    hour -= 24
                    ordinal += 1
                elif hour < 0:
                    hour += 24
                    ordinal -= 1
                offset = ordinal - self._base
                if 0 <= offset < self._span:
                    try:
                        return self._due_whole_days(received_at, hour, offset, whole)
                    except IndexError:
                        raise self._out_of_range() from None
        budget = days * self._day_us if kind is int else self._budget_us(days)
        if budget < 0:
            raise ValueError(f"a deadline budget cannot be negative, got {days!r}")
        if type(received_at) is not datetime or received_at.tzinfo is not self.tz:
            zone = received_at.tzinfo if isinstance(received_at, datetime) else None
            received_at = self._localize(received_at)
            self._learn_zone(zone)
        pos, _ = self._start_pos(received_at)
        return self._earliest(pos + budget) if budget else self._same_day(pos)

    def _same_day(self, start_pos: int) -> datetime:
        """A budget of 0 days (same-day procedures): due by the end of office hours of the day counting
        starts, the next working day when received after the cut-off."""
        return self._earliest((start_pos // self._day_us + 1) * self._day_us)

    def _due_whole_days(self, received_at: datetime, hour: int, offset: int, whole: int) -> datetime:
        """due_at for ``whole`` >= 1 days, received on day ``offset`` at local ``hour``.

        The same answers as _start_pos then _earliest: a whole-day budget keeps
        the time of day, so only the start's place in its day matters. Raises
        IndexError past the end of the range.
        """
        worked = self._day_index[offset]
        if worked < 0:
            # A day off: counting starts at the next opening, so the last day
            # counted is the whole-th working day from there, to its closing.
            return self._closings[~worked + whole - 1]
        minute = received_at.minute
        second = received_at.second
        micro = received_at.microsecond
        t = ((hour * 60 + minute) * 60 + second) * _US_PER_SECOND + micro
        if t > self._fast_cutoff:
            return self._closings[worked + whole]
        for start_us, end_us, previous_end in self._fast_periods:
            if t <= start_us:
                if previous_end is None:
                    return self._closings[worked + whole - 1]
                return self._at(worked + whole, previous_end)
            if t < end_us:
                year, month, day = self._work_ymd[worked + whole]
                return datetime(year, month, day, hour, minute, second, micro, self.tz)
        return self._closings[worked + whole]

    def working_hours_between(self, start: datetime, end: datetime) -> Decimal:
        """Office hours elapsed from ``start`` to ``end``; negative if reversed."""
        seconds = self._seconds_between(start, end)
        return (Decimal(seconds) / Decimal(3600)).quantize(_QUANTUM, ROUND_HALF_UP)

    def working_days_between(self, start: datetime, end: datetime) -> Decimal:
        seconds = self._seconds_between(start, end)
        return (Decimal(seconds) / Decimal(self._day_seconds)).quantize(_QUANTUM, ROUND_HALF_UP)

    def explain(self, received_at: datetime, days: Decimal | float | int | str) -> DeadlineExplanation:
        budget_days = _to_decimal(days, "budget")
        if budget_days < 0:
            raise ValueError(f"a deadline budget cannot be negative, got {days!r}")
        budget_us = self._budget_us(budget_days)
        start_pos, cutoff_applied = self._start_pos(self._localize(received_at))
        start = self._latest(start_pos)
        if budget_us:
            due = self._shift(start_pos, budget_us)
            due_pos = start_pos + budget_us
        else:
            due = self._same_day(start_pos)
            due_pos = (start_pos // self._day_us + 1) * self._day_us

        entries = []
        for ordinal in range(start.toordinal(), due.toordinal() + 1):
            day = date.fromordinal(ordinal)
            offset = ordinal - self._base
            working, code, label_vi, label_en = self._describe(day)
            counted = 0
            if self._working[offset]:
                day_lo = self._worked_before[offset] * self._day_us
                counted = max(0, min(due_pos, day_lo + self._day_us) - max(start_pos, day_lo))
            entries.append(
                DayEntry(
                    day=day,
                    counted_hours=round(counted / _US_PER_HOUR, 6),
                    working=working,
                    reason=code,
                    label_vi=label_vi,
                    label_en=label_en,
                )
            )
        return DeadlineExplanation(
            received_at=received_at,
            counting_starts_at=start,
            cutoff_applied=cutoff_applied,
            budget_days=budget_days,
            budget_hours=budget_days * self.hours_per_day(),
            due_at=due,
            days=tuple(entries),
            rules_version=self.rules.version,
        )

    def with_overrides(
        self,
        extra_days_off: Mapping[date, str] | Iterable[tuple[date, str]] = (),
        extra_working_days: Mapping[date, str] | Iterable[tuple[date, str]] = (),
        version: str | None = None,
    ) -> WorkingCalendar:
        """A new calendar with more announcements layered on this one.

        A date newly announced as off stops being an extra working day and
        vice versa: the latest announcement wins. Without an explicit
        ``version`` the result is tagged ``<old>+overrides`` so two calendars
        that disagree never show the same version to users.
        """
        new_off = _pairs(extra_days_off)
        new_work = _pairs(extra_working_days)
        off = dict(self.rules.extra_days_off)
        work = dict(self.rules.extra_working_days)
        for day, reason in new_off.items():
            work.pop(day, None)
            off[day] = reason
        for day, reason in new_work.items():
            off.pop(day, None)
            work[day] = reason
        if version is None:
            version = f"{self.rules.version}+overrides" if (new_off or new_work) else self.rules.version
        rules = replace(
            self.rules,
            extra_days_off=tuple(sorted(off.items())),
            extra_working_days=tuple(sorted(work.items())),
            version=version,
        )
        return WorkingCalendar(rules)

    # ------------------------------------------------------------------ internals

    def _localize(self, moment: datetime) -> datetime:
        tz = moment.tzinfo if isinstance(moment, datetime) else None
        if tz is self.tz:
            return moment
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {type(moment).__name__}")
        if tz is None or moment.utcoffset() is None:
            raise ValueError(
                f"an aware datetime (with tzinfo) is required, got naive {moment.isoformat()}; "
                f"attach the sender's timezone, e.g. ZoneInfo({self.rules.timezone!r})"
            )
        return moment.astimezone(self.tz)

    def _as_local_date(self, d: date) -> date:
        if isinstance(d, datetime):
            return self._localize(d).date()
        if not isinstance(d, date):
            raise TypeError(f"expected a date, got {type(d).__name__}")
        return d

    def _offset(self, day: date) -> int:
        offset = day.toordinal() - self._base
        if not 0 <= offset < self._span:
            raise self._outside(day)
        return offset

    def _outside(self, day: date) -> ValueError:
        return ValueError(
            f"{day.isoformat()} is outside the working calendar range "
            f"{self.rules.first_year}-{self.rules.last_year}; widen first_year/last_year"
        )

    def _out_of_range(self) -> ValueError:
        return ValueError(
            "the result falls outside the working calendar range "
            f"{self.rules.first_year}-{self.rules.last_year}; widen first_year/last_year"
        )

    def _budget_us(self, days: object) -> int:
        kind = type(days)
        if kind is int:
            return days * self._day_us
        # Procedures use a handful of fixed budgets, so converting the same
        # Decimal again and again is pure waste on the hot path.
        cacheable = kind is Decimal or kind is float or kind is str
        if cacheable:
            cached = self._budget_cache.get(days)
            if cached is not None:
                return cached
        seconds = _round_seconds(_to_decimal(days, "budget") * self._day_seconds)
        budget = seconds * _US_PER_SECOND
        if cacheable:
            if len(self._budget_cache) >= 4096:
                self._budget_cache.clear()
                self._whole_days.clear()
            self._budget_cache[days] = budget
            if budget > 0 and budget % self._day_us == 0:
                self._whole_days[_whole_days_key(days)] = budget // self._day_us
        return budget

    def _seconds_between(self, start: datetime, end: datetime) -> int:
        us = self._pos(self._localize(end)) - self._pos(self._localize(start))
        return _round_seconds(Decimal(us) / _US_PER_SECOND)

    # An instant maps to its "position": office microseconds elapsed from the
    # start of the range. Positions are monotone in time and constant outside
    # office hours, so every question becomes integer arithmetic on them.

    def _pos(self, local: datetime) -> int:
        offset = local.toordinal() - self._base
        if not 0 <= offset < self._span:
            raise self._outside(local.date())
        done = self._worked_before[offset] * self._day_us
        if not self._working[offset]:
            return done
        t = ((local.hour * 60 + local.minute) * 60 + local.second) * _US_PER_SECOND + local.microsecond
        for start_us, end_us, before_us in self._periods:
            if t <= start_us:
                return done + before_us
            if t < end_us:
                return done + before_us + t - start_us
        return done + self._day_us

    def _start_pos(self, local: datetime) -> tuple[int, bool]:
        offset = local.toordinal() - self._base
        if not 0 <= offset < self._span:
            raise self._outside(local.date())
        done = self._worked_before[offset] * self._day_us
        if not self._working[offset]:
            return done, False
        t = ((local.hour * 60 + local.minute) * 60 + local.second) * _US_PER_SECOND + local.microsecond
        cutoff = self._cutoff_us
        if cutoff is not None and t > cutoff:
            # Past the cut-off the rest of the day is forfeit: the next working
            # day's opening is exactly the position where the day after begins.
            # It only counts as "applied" if office time was actually left.
            return done + self._day_us, t < self._closing_us
        for start_us, end_us, before_us in self._periods:
            if t <= start_us:
                return done + before_us, False
            if t < end_us:
                return done + before_us + t - start_us, False
        return done + self._day_us, False

    def _shift(self, pos: int, delta_us: int) -> datetime:
        if delta_us > 0:
            return self._earliest(pos + delta_us)
        return self._latest(pos + delta_us)

    def _earliest(self, pos: int) -> datetime:
        # The first instant reaching ``pos``: an end of period wins over the
        # next opening, so "due 17:00" rather than "due 08:00 tomorrow".
        index, rest = divmod(pos - 1, self._day_us)
        rest += 1
        for done_at_end, shift in self._inverse:
            if rest <= done_at_end:
                return self._at(index, rest + shift)
        raise AssertionError("unreachable: rest never exceeds the office day")

    def _latest(self, pos: int) -> datetime:
        # The last instant at ``pos``: an opening wins over the previous end,
        # which is how a start time outside office hours moves forward.
        index, rest = divmod(pos, self._day_us)
        for done_at_end, shift in self._inverse:
            if rest < done_at_end:
                return self._at(index, rest + shift)
        raise AssertionError("unreachable: rest never reaches the office day")

    def _at(self, index: int, us_of_day: int) -> datetime:
        if index < 0:
            raise self._out_of_range()
        try:
            year, month, day = self._work_ymd[index]
        except IndexError:
            raise self._out_of_range() from None
        seconds, micro = divmod(us_of_day, _US_PER_SECOND)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        # Wall-clock construction: office hours are local wall times, which is
        # also right in zones with DST (Vietnam has none since 1975).
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=self.tz)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


def _whole_days_key(days: Decimal | float | str) -> float | str:
    # A Decimal read from a Numeric column is a new object every time: hashing
    # it and comparing it with the cached key costs twice as much as str(),
    # and the text names the value exactly (Decimal(str(d)) == d). A str
    # budget with the same text has the same value, so sharing keys is safe.
    return str(days) if type(days) is Decimal else days


def _wall(us_of_day: int) -> tuple[int, int, int, int]:
    """(hour, minute, second, microsecond) of a time of day in microseconds."""
    seconds, micro = divmod(us_of_day, _US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return hour, minute, second, micro


def _round_seconds(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_HALF_UP))


def _pairs(items: Mapping[date, str] | Iterable[tuple[date, str]]) -> dict[date, str]:
    return dict(items.items() if isinstance(items, Mapping) else items)
