"""Working time: office seconds between instants, the due instant after pauses (and an apology's promised
date apart), and the days a deadline skipped. Pure: the calendar and the instants are passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.dossiers.domain.dossier import DAY_PLACES
from shared.calendar import DeadlineExplanation, WorkingCalendar


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Office seconds from start to end (0 when end is not after start)."""
    if end <= start:
        return 0
    return int((calendar.working_hours_between(start, end) * 3600).to_integral_value())


def seconds_as_hours(seconds: int) -> Decimal:
    return Decimal(seconds) / Decimal(3600)


def seconds_as_days(calendar: WorkingCalendar, seconds: int) -> Decimal:
    """Working seconds as working days, to the four places budgets are stored with."""
    day = calendar.hours_per_day() * 3600
    return (Decimal(seconds) / day).quantize(Decimal(1).scaleb(-DAY_PLACES))


@dataclass(frozen=True)
class PauseSpan:
    """The clock stood still from started_at (a supplement request) to ended_at (the citizen supplemented)."""

    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # the legal due instant
    base_due_at: datetime  # before any pause: from receipt
    paused_seconds: int  # working time the pauses added
    counted_pauses: tuple[PauseSpan, ...]
    promised_at: datetime | None = None  # the apology's new return date, moved by later pauses


def _moved(calendar: WorkingCalendar, base: datetime, pauses: tuple[PauseSpan, ...]) -> tuple[datetime, int, list]:
    due, total, counted = base, 0, []
    for pause in sorted(pauses, key=lambda p: p.started_at):
        if pause.ended_at is None or pause.started_at >= due:
            continue
        seconds = working_seconds(calendar, pause.started_at, pause.ended_at)
        if seconds:
            due = calendar.add_working_hours(due, seconds_as_hours(seconds))
        total += seconds
        counted.append(pause)
    return due, total, counted


def compute_deadline(calendar: WorkingCalendar, received_at: datetime, processing_days: Decimal,
                     pauses: tuple[PauseSpan, ...] = (), apology: tuple[datetime, datetime] | None = None) -> Deadline:
    """The legal due instant under this calendar: the legal time from receipt (cut-off included), moved on by
    every finished pause that started before the deadline it would have moved. A pause still running moves
    nothing yet. An apology (issued_at, new_due_at) never moves it (Decree 61/2018/ND-CP art. 19: the
    dossier stays judged against its legal date); its new date is returned apart as `promised_at`, moved
    on by the pauses that started after the apology."""
    base = calendar.due_at(received_at, processing_days)
    due, total, counted = _moved(calendar, base, pauses)
    promised_at = None
    if apology is not None:
        issued_at, promised = apology
        promised_at, _, _ = _moved(calendar, promised, tuple(p for p in pauses if p.started_at >= issued_at))
    return Deadline(due_at=due, base_due_at=base, paused_seconds=total, counted_pauses=tuple(counted),
                    promised_at=promised_at)


def remaining_seconds(calendar: WorkingCalendar, due_at: datetime, now: datetime) -> int:
    """Working seconds left until the due instant; negative once it has passed."""
    if now <= due_at:
        return working_seconds(calendar, now, due_at)
    return -working_seconds(calendar, due_at, now)



AFTER_CUTOFF = "after_cutoff"


def skipped_days(calendar: WorkingCalendar, received_at: datetime,
                 explanation: DeadlineExplanation) -> list[dict]:
    """Every day from the day of receipt to the due date that did not count, with the reason.

    The calendar's explanation starts at the day counting starts, so a dossier received on Friday
    afternoon would not show why the weekend was skipped; this adds the days before it (and the day of
    receipt itself when the cut-off forfeited the rest of it).
    """
    received_on = received_at.astimezone(calendar.tz).date()
    due_on = explanation.due_at.date()
    skipped: list[dict] = []
    for ordinal in range(received_on.toordinal(), due_on.toordinal() + 1):
        day = date.fromordinal(ordinal)
        off = calendar.day_off_reason(day)
        if off is not None:
            code, label_vi, label_en = off
            skipped.append({"day": day.isoformat(), "reason": code, "label_vi": label_vi, "label_en": label_en})
        elif day == received_on and explanation.cutoff_applied:
            cutoff = calendar.rules.cutoff.strftime("%H:%M")
            skipped.append({
                "day": day.isoformat(),
                "reason": AFTER_CUTOFF,
                "label_vi": f"Tiếp nhận sau {cutoff}: bắt đầu tính từ ngày làm việc tiếp theo",
                "label_en": f"Received after {cutoff}: counting starts on the next working day",
            })
    return skipped

