"""The sweeps' use cases: `dossier.overdue` once per dossier and due date; the warning points before a
deadline (`dossier.due_soon`, the apology due) once per dossier, due date and point."""

from __future__ import annotations

from services.dossiers import store
from services.dossiers.domain.warning_points import APOLOGY_DUE, default_apology
from services.dossiers.use_cases import calendar_of, iso
from services.dossiers.use_cases.apologies import apologise
from services.dossiers.use_cases.control_sheet import plan
from services.dossiers.use_cases.deadlines import configured_points, points_of
from shared.uow import UnitOfWork


def alert_overdue_dossiers(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the overdue sweep: emits `dossier.overdue` for up to `limit` open dossiers whose due
    instant has passed and was not alerted yet. Returns (emitted, claimed); claimed < limit means no
    more work is visible to this worker right now.

    Rows are claimed with FOR UPDATE SKIP LOCKED through the partial index of unalerted open dossiers,
    so the cost follows the newly overdue, not all open dossiers, and concurrent replicas split the
    work; the marker rows in `dossier_alerts` (unique per dossier, kind and due date) are written in the
    same transaction as the events, so no due date is ever alerted twice.
    """
    with uow:
        now = uow.now()
        claimed, marked = store.claim_overdue(uow.session, now, limit)
        if not claimed:
            return 0, 0
        tz = uow.calendar.tz
        detected_at = now.astimezone(tz).isoformat()
        for row in claimed:
            if row.code not in marked:
                continue
            uow.record("dossier.overdue", row.code, {
                "code": row.code,
                "procedure_code": row.procedure_code,
                "unit": row.unit,
                "received_at": row.received_at.astimezone(tz).isoformat(),
                "due_at": row.due_at.astimezone(tz).isoformat(),
                "detected_at": detected_at,
                # The step in progress and who holds it: they answer if it stays late.
                "step": row.current_step,
                "official": row.current_official or row.assignee,
            }, unit=row.unit)
        uow.commit()
        return len(marked), len(claimed)


def alert_warnings(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the warnings sweep: for up to `limit` open dossiers whose next warning point has come,
    emits `dossier.due_soon` for each due-soon point reached (once per dossier, due date and point) and
    marks the apology due (once per due date). Returns (alerts, claimed)."""
    with uow:
        now = uow.now()
        session = uow.session
        calendar = calendar_of(uow)
        claimed = store.claim_warnings(session, now, limit)
        if not claimed:
            return 0, 0
        points = configured_points(uow)
        codes = [d.code for d in claimed]
        fired = store.fired_warnings(session, codes)
        apologised = store.apologised(session, codes)
        due_now: dict[str, list[str]] = {}
        for dossier in claimed:
            for instant, point in points_of(calendar, dossier, points, apologised):
                if dossier.warn_at <= instant <= now and (point.alert_kind, dossier.due_at) not in fired[dossier.code]:
                    due_now.setdefault(point.alert_kind, []).append(dossier.code)
        marked = {kind: store.mark_warnings(session, kind, subjects, now) for kind, subjects in due_now.items()}
        alerts = 0
        for dossier in claimed:
            apology_due = False
            for _instant, point in points_of(calendar, dossier, points, apologised):
                if dossier.code not in marked.get(point.alert_kind, ()):
                    continue
                fired[dossier.code].add((point.alert_kind, dossier.due_at))
                alerts += 1
                if point.kind == APOLOGY_DUE:
                    apology_due = True
                    continue
                uow.record("dossier.due_soon", dossier.code, {
                    "code": dossier.code, "unit": dossier.unit, "due_at": iso(uow, dossier.due_at),
                    "point": point.label, "detected_at": iso(uow, now),
                    "step": dossier.current_step, "official": dossier.current_official or dossier.assignee,
                }, unit=dossier.unit)
            if apology_due:
                dossier.apology_due_at = dossier.apology_due_at or now
            if apology_due and now < dossier.due_at:
                # The unit has not apologised by the legal latest point: the platform does, so the citizen
                # hears in time (one working day before the deadline: docs/architecture.md, "Per service
                # notes"). After the other points, which speak of the due date they were reached for. Not
                # once the deadline has passed (a sweep that was down, a dossier announced late by an
                # external system): an apology is made before the deadline; after it the dossier is simply
                # late.
                default = default_apology(plan(uow, dossier.code), dossier.current_step)
                apologise(uow, dossier, calendar, at=now, reason=default.reason, automatic=True,
                          new_due_at=calendar.add_working_days(dossier.due_at, default.extra_days))
                apologised.add(dossier.code)
            upcoming = [instant for instant, point in points_of(calendar, dossier, points, apologised)
                        if instant > now and (point.alert_kind, dossier.due_at) not in fired[dossier.code]]
            dossier.warn_at = min(upcoming, default=None)
        uow.commit()
        return alerts, len(claimed)
