"""A dossier's legal due instant: computed from receipt and the pauses for the citizen's supplement; moved
when one of them or the calendar changes; explained day by day; watched by the warning points. An apology's
new date is kept apart (`promised_at`): it never moves the legal one (Decree 61/2018/ND-CP art. 19)."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.dossiers import store
from services.dossiers.domain import warning_points, working_time
from services.dossiers.models import Apology, Dossier, Pause
from services.dossiers.use_cases import calendar_of, iso, load
from shared.calendar import WorkingCalendar
from shared.uow import UnitOfWork


def explain_deadline(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """How the dossier's due date is computed: the legal time from receipt (cut-off, days counted, days
    skipped and why, the operators' announcements among them), then every pause for the citizen's
    supplement that moved it; the apology's promised date apart, if any; rules version."""
    with uow:
        dossier = load(uow, code)
        calendar = calendar_of(uow)
        tz = calendar.tz
        received_at = dossier.received_at.astimezone(tz)
        explanation = calendar.explain(received_at, dossier.processing_days)
        pauses = store.pauses(uow.session, code)
        apology = uow.session.get(Apology, code)
        deadline = compute(uow, dossier, calendar, pauses=pauses, apology=apology)
        counted = set(deadline.counted_pauses)
        last_day = max(deadline.due_at, explanation.due_at).astimezone(tz).date()
        if deadline.promised_at is not None:
            last_day = max(last_day, deadline.promised_at.astimezone(tz).date())
        return {
            "code": dossier.code,
            "procedure_code": dossier.procedure_code,
            "processing_days": dossier.processing_days,
            **explanation.as_dict(),
            # The legal time alone, before any pause.
            "base_due_at": explanation.due_at,
            "due_at": deadline.due_at,
            "promised_at": deadline.promised_at,
            "status": dossier.status,
            "skipped_days": working_time.skipped_days(calendar, received_at, explanation),
            "overrides": store.overrides_between(uow.session, received_at.date(), last_day),
            "pauses": [{
                "number": pause.number,
                "requested_at": pause.requested_at,
                "resumed_at": pause.resumed_at,
                "reasons": pause.reasons,
                "paused_hours": hours_text(pause_seconds(calendar, pause, uow.now())),
                "moved_due_at": span(pause) in counted,
                "label_vi": _pause_label(pause, span(pause) in counted),
            } for pause in pauses],
            "paused_hours": hours_text(deadline.paused_seconds),
            "apology": apology,
            # What is recorded now; differs from due_at above only while a calendar change is being applied.
            "recorded_due_at": dossier.due_at,
            "recorded_rules_version": dossier.rules_version,
        }


# -- computing and moving the due instant ---------------------------------------------------------------

def span(pause: Pause) -> working_time.PauseSpan:
    return working_time.PauseSpan(started_at=pause.requested_at, ended_at=pause.resumed_at)


def pause_seconds(calendar: WorkingCalendar, pause: Pause, now: datetime) -> int:
    if pause.resumed_at is not None:
        return pause.paused_seconds or 0
    return working_time.working_seconds(calendar, pause.requested_at, now)


def _pause_label(pause: Pause, moved: bool) -> str:
    if pause.resumed_at is None:
        return "Đang tạm dừng: chờ công dân bổ sung hồ sơ, thời hạn chưa tính tiếp"
    if moved:
        return "Tạm dừng chờ công dân bổ sung hồ sơ: hạn trả kết quả lùi tương ứng"
    return "Tạm dừng sau khi đã quá hạn: không lùi hạn trả kết quả"


def hours_text(seconds: int) -> str:
    return str((Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01")))


def compute(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, pauses: list[Pause] | None = None,
            apology: Apology | None | bool = False) -> working_time.Deadline:
    if pauses is None:
        pauses = store.pauses(uow.session, dossier.code)
    if apology is False:
        apology = uow.session.get(Apology, dossier.code)
    return working_time.compute_deadline(calendar, dossier.received_at, dossier.processing_days,
                                         tuple(span(p) for p in pauses),
                                         None if apology is None else (apology.issued_at, apology.new_due_at))


def move(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, now: datetime, *,
         pauses: list[Pause] | None = None) -> None:
    """Recompute the due instant under `calendar`; a moved one is watched afresh by the sweeps."""
    try:
        deadline = compute(uow, dossier, calendar, pauses=pauses)
    except ValueError:  # outside the calendar's years: keep what was promised
        return
    if deadline.due_at != dossier.due_at:
        dossier.due_at = deadline.due_at
        dossier.overdue_alerted_due_at = None
    if deadline.promised_at is not None:
        dossier.promised_at = deadline.promised_at
    dossier.rules_version = calendar.rules.version
    schedule_warnings(uow, dossier, now)


def record_changed(uow: UnitOfWork, dossier: Dossier, previous: datetime, reason: str,
                   calendar: WorkingCalendar) -> None:
    uow.record("dossier.deadline_changed", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "previous_due_at": iso(uow, previous),
        "due_at": iso(uow, dossier.due_at), "reason": reason, "rules_version": calendar.rules.version,
    }, unit=dossier.unit)


# -- warning points -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _parse_points(warning: str, apology: str) -> tuple[warning_points.WarningPoint, ...]:
    return (warning_points.parse_points(warning, "dossier_warning_points")
            + warning_points.parse_points(apology, "dossier_apology_point", kind=warning_points.APOLOGY_DUE))


def configured_points(uow: UnitOfWork, apology: bool = True) -> tuple[warning_points.WarningPoint, ...]:
    """The configured points (KYCUONG_RULES: dossier_warning_points "75%,1d", dossier_apology_point "1d")."""
    settings = uow.settings.rules
    points = _parse_points(str(settings.get("dossier_warning_points", warning_points.DEFAULT_WARNING_POINTS)),
                           str(settings.get("dossier_apology_point", warning_points.DEFAULT_APOLOGY_POINT)))
    return points if apology else tuple(p for p in points if p.kind != warning_points.APOLOGY_DUE)


def points_of(calendar: WorkingCalendar, dossier: Dossier, points, apologised) -> list:
    if dossier.code in apologised:  # the apology is made: it is no longer due
        points = tuple(p for p in points if p.kind != warning_points.APOLOGY_DUE)
    return warning_points.due_points(calendar, dossier.due_at, dossier.processing_days, dossier.counting_starts_at,
                                     points)


def schedule_warnings(uow: UnitOfWork, dossier: Dossier, now: datetime, *, fresh: bool = False) -> None:
    """Set the dossier's next warning instant for its current due date. A point already behind us when a
    due date moves fires only if that kind of warning never fired for the dossier: "75% used" is not said
    twice because a supplement moved the deadline."""
    calendar = calendar_of(uow)
    points = configured_points(uow)
    if fresh:
        instants = points_of(calendar, dossier, points, ())
        dossier.warn_at = instants[0][0] if instants else None
        return
    apologised = {dossier.code} if uow.session.get(Apology, dossier.code) is not None else set()
    fired = store.fired_warnings(uow.session, [dossier.code])[dossier.code]
    kinds_fired = {kind for kind, _ in fired}
    dossier.warn_at = min((instant for instant, point in points_of(calendar, dossier, points, apologised)
                           if (point.alert_kind, dossier.due_at) not in fired
                           and (instant > now or point.alert_kind not in kinds_fired)), default=None)
