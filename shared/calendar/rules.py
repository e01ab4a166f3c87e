"""The calendar rules a government announces: office hours, the afternoon cut-off, the year's days off
and swapped working days, the time zone and the years covered; checked when built."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")

# --------------------------------------------------------------------------- rules


def _check_day_list(name: str, items: object) -> tuple[tuple[date, str], ...]:
    if not isinstance(items, tuple):
        raise ValueError(f"{name}: expected a tuple of (date, reason) pairs")
    seen: set[date] = set()
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise ValueError(f"{name}: each entry must be a (date, reason) pair, got {item!r}")
        day, reason = item
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"{name}: {day!r} is not a date")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{name}: {day.isoformat()} needs a non-empty reason")
        if day in seen:
            raise ValueError(f"{name}: {day.isoformat()} is listed twice")
        seen.add(day)
    return items


@dataclass(frozen=True)
class CalendarRules:
    """Everything that decides what counts as working time.

    ``version`` travels with every computed deadline so a user who disputes a
    due date can be told exactly which rule set produced it.
    """

    office_hours: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(13), time(17)))
    cutoff: time | None = time(15)
    timezone: str = "Asia/Ho_Chi_Minh"
    extra_days_off: tuple[tuple[date, str], ...] = ()
    extra_working_days: tuple[tuple[date, str], ...] = ()
    version: str = "default"
    first_year: int = 2015
    last_year: int = 2040
    # 24/11 "Ngày Văn hóa Việt Nam": the `holidays` package lists it as a day off from 2026, following the
    # Politburo's Resolution 80-NQ/TW, ahead of the Labour Code 2019 (art. 112), which does not (yet) list
    # it. Off by default: an operator turns it on once the law or the year's announcement makes it a day off.
    vietnam_culture_day: bool = False

    def __post_init__(self) -> None:
        # Validated here rather than only in from_mapping: a rule set built in
        # code must not be able to produce silently wrong deadlines either.
        if not isinstance(self.office_hours, tuple) or not self.office_hours:
            raise ValueError("office_hours: expected a non-empty tuple of (start, end) periods")
        previous_end: time | None = None
        for i, period in enumerate(self.office_hours, start=1):
            if not (isinstance(period, tuple) and len(period) == 2):
                raise ValueError(f"office_hours: period {i} must be a (start, end) pair")
            start, end = period
            if not (isinstance(start, time) and isinstance(end, time)):
                raise ValueError(f"office_hours: period {i} must hold two datetime.time values")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"office_hours: period {i} must use naive local times")
            if start >= end:
                raise ValueError(f"office_hours: period {i} starts at or after its end")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"office_hours: period {i} overlaps or precedes period {i - 1}")
            previous_end = end
        if self.cutoff is not None and (not isinstance(self.cutoff, time) or self.cutoff.tzinfo is not None):
            raise ValueError("cutoff: must be a naive datetime.time or None")
        if not isinstance(self.timezone, str):
            raise ValueError("timezone: must be an IANA zone name")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown zone {self.timezone!r}") from exc
        for name in ("first_year", "last_year"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
                raise ValueError(f"{name}: must be a year between 1900 and 2200")
        if self.first_year > self.last_year:
            raise ValueError("first_year: must not be after last_year")
        off = _check_day_list("extra_days_off", self.extra_days_off)
        work = _check_day_list("extra_working_days", self.extra_working_days)
        for name, items in (("extra_days_off", off), ("extra_working_days", work)):
            for day, _ in items:
                if not self.first_year <= day.year <= self.last_year:
                    raise ValueError(
                        f"{name}: {day.isoformat()} is outside the calendar range "
                        f"{self.first_year}-{self.last_year}"
                    )
        clash = {d for d, _ in off} & {d for d, _ in work}
        if clash:
            days = ", ".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"extra_working_days: {days} also listed in extra_days_off")
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValueError("version: must be a non-empty string")
        if not isinstance(self.vietnam_culture_day, bool):
            raise ValueError("vietnam_culture_day: must be true or false")

    @classmethod
    def from_mapping(cls, data: Mapping) -> CalendarRules:
        """Build rules from parsed JSON / environment configuration.

        Unknown keys are rejected: a misspelt ``cutof`` silently falling back
        to the default would shift deadlines without anyone noticing.
        """
        if not isinstance(data, Mapping):
            raise ValueError("calendar rules: expected a mapping (JSON object)")
        known = {f for f in cls.__dataclass_fields__}
        for key in data:
            if key not in known:
                raise ValueError(f"{key}: unknown calendar setting (known: {', '.join(sorted(known))})")
        kwargs: dict = {}
        if "office_hours" in data:
            raw = data["office_hours"]
            if not isinstance(raw, list | tuple) or not raw:
                raise ValueError('office_hours: expected a non-empty list like [["08:00", "12:00"], ...]')
            periods = []
            for i, pair in enumerate(raw, start=1):
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    raise ValueError(f"office_hours: period {i} must be a [start, end] pair")
                periods.append(
                    (
                        _parse_time(f"office_hours: period {i} start", pair[0]),
                        _parse_time(f"office_hours: period {i} end", pair[1]),
                    )
                )
            kwargs["office_hours"] = tuple(periods)
        if "cutoff" in data:
            raw = data["cutoff"]
            kwargs["cutoff"] = None if raw is None else _parse_time("cutoff", raw)
        for key in ("extra_days_off", "extra_working_days"):
            if key in data:
                kwargs[key] = _parse_day_map(key, data[key])
        for key in ("timezone", "version"):
            if key in data:
                if not isinstance(data[key], str):
                    raise ValueError(f"{key}: expected a string")
                kwargs[key] = data[key]
        for key in ("first_year", "last_year", "vietnam_culture_day"):
            if key in data:
                kwargs[key] = data[key]
        return cls(**kwargs)


def _parse_time(key: str, raw: object) -> time:
    if not isinstance(raw, str) or not _TIME_RE.match(raw):
        raise ValueError(f'{key}: expected "HH:MM", got {raw!r}')
    try:
        return time.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{key}: {raw!r} is not a valid time of day") from exc


def _parse_day_map(key: str, raw: object) -> tuple[tuple[date, str], ...]:
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list | tuple):
        items = []
        for entry in raw:
            if not isinstance(entry, list | tuple) or len(entry) != 2:
                raise ValueError(f"{key}: each entry must be a [date, reason] pair")
            items.append(tuple(entry))
    else:
        raise ValueError(f'{key}: expected an object like {{"2026-12-31": "reason"}}')
    out = []
    for day_raw, reason in items:
        if isinstance(day_raw, date) and not isinstance(day_raw, datetime):
            day = day_raw
        elif isinstance(day_raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day_raw):
            try:
                day = date.fromisoformat(day_raw)
            except ValueError as exc:
                raise ValueError(f"{key}: {day_raw!r} is not a valid date") from exc
        else:
            raise ValueError(f'{key}: {day_raw!r} is not a date in "YYYY-MM-DD" form')
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{key}: {day.isoformat()} needs a non-empty reason")
        out.append((day, reason))
    out.sort()
    return tuple(out)


