"""The sweeps' use cases: at the legal due instant `dossier.overdue` once per dossier and due date, and
`dossier.apology_missed` once per dossier when the unit had not apologised; at the promised date of an
apologised dossier `dossier.promise_broken` once; the warning points before a deadline (`dossier.due_soon`,
the apology due) once per dossier, due date and point."""

from __future__ import annotations

from services.dossiers import store
from services.dossiers.domain.warning_points import APOLOGY_DUE, APOLOGY_POINT_LABEL
from services.dossiers.use_cases import calendar_of, iso
from services.dossiers.use_cases.deadlines import configured_points, points_of
from shared.uow import UnitOfWork


def alert_overdue_dossiers(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the overdue sweep: emits `dossier.overdue` for up to `limit` open dossiers whose legal
    due instant has passed and was not alerted yet, and `dossier.apology_missed` for those among them whose
    unit had not apologised (Decree 61/2018/ND-CP art. 19: the apology is due at the latest one working day
    before the deadline; a late dossier without one is a breach in itself). Returns (dossiers newly overdue,
    claimed);
    claimed < limit means no more work is visible to this worker right now.

    Rows are claimed with FOR UPDATE SKIP LOCKED through the partial index of unalerted open dossiers,
    so the cost follows the newly overdue, not all open dossiers, and concurrent replicas split the
    work; the marker rows in `dossier_alerts` (unique per dossier, kind and due date; once per dossier for
    the missed apology) are written in the same transaction as the events, so nothing is alerted twice.
    """
    with uow:
        now = uow.now()
        claimed, marked = store.claim_overdue(uow.session, now, limit)
        if not claimed:
            return 0, 0
        tz = uow.calendar.tz
        detected_at = now.astimezone(tz).isoformat()
        fresh = [row for row in claimed if row.code in marked]
        apologised = store.apologised(uow.session, [row.code for row in fresh]) if fresh else set()
        missed = store.mark_once(uow.session, store.APOLOGY_MISSED_ALERT,
                                 {row.code: row.received_at for row in fresh if row.code not in apologised}, now)
        for row in fresh:
            # The step in progress and who holds it: they answer if it stays late.
            official = row.current_official or row.assignee
            uow.record("dossier.overdue", row.code, {
                "code": row.code,
                "procedure_code": row.procedure_code,
                "unit": row.unit,
                "received_at": row.received_at.astimezone(tz).isoformat(),
                "due_at": row.due_at.astimezone(tz).isoformat(),
                "detected_at": detected_at,
                "step": row.current_step,
                "official": official,
                "apologised": row.code in apologised,
            }, unit=row.unit)
            if row.code in missed:
                uow.record("dossier.apology_missed", row.code, {
                    "code": row.code, "procedure_code": row.procedure_code, "unit": row.unit,
                    "due_at": row.due_at.astimezone(tz).isoformat(), "detected_at": detected_at,
                    "step": row.current_step, "official": official,
                }, unit=row.unit)
        uow.commit()
        return len(fresh), len(claimed)


def alert_broken_promises(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the promise sweep: emits `dossier.promise_broken` once per dossier for up to `limit` open
    apologised dossiers whose promised date has passed (the apology's new date is a second promise; breaking
    it is a second failure). Claimed with SKIP LOCKED, once-per-dossier markers in the same transaction.
    Returns (emitted, claimed)."""
    with uow:
        now = uow.now()
        claimed = store.claim_broken_promises(uow.session, now, limit)
        if not claimed:
            return 0, 0
        tz = uow.calendar.tz
        marked = store.mark_once(uow.session, store.PROMISE_BROKEN_ALERT,
                                 {row.code: row.received_at for row in claimed}, now)
        for row in claimed:
            if row.code not in marked:
                continue
            uow.record("dossier.promise_broken", row.code, {
                "code": row.code, "procedure_code": row.procedure_code, "unit": row.unit,
                "due_at": row.due_at.astimezone(tz).isoformat(),
                "promised_at": row.promised_at.astimezone(tz).isoformat(),
                "detected_at": now.astimezone(tz).isoformat(),
                "step": row.current_step, "official": row.current_official or row.assignee,
            }, unit=row.unit)
        uow.commit()
        return len(marked), len(claimed)


def alert_warnings(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the warnings sweep: for up to `limit` open dossiers whose next warning point has come,
    emits `dossier.due_soon` for each point reached (once per dossier, due date and point). At the apology
    point (one working day before the legal deadline, Decree 61/2018/ND-CP art. 19) of a dossier its unit
    has not apologised for, the point is "apology": the unit is chased to issue the apology, signed by its
    head; the platform never apologises in its name. Returns (alerts, claimed)."""
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
                # A warning before the deadline says nothing once the deadline has passed (a dossier entered or
                # ingested already late): the overdue alert speaks for it.
                if (dossier.warn_at <= instant <= now < dossier.due_at
                        and (point.alert_kind, dossier.due_at) not in fired[dossier.code]):
                    due_now.setdefault(point.alert_kind, []).append(dossier.code)
        marked = {kind: store.mark_warnings(session, kind, subjects, now) for kind, subjects in due_now.items()}
        alerts = 0
        for dossier in claimed:
            for _instant, point in points_of(calendar, dossier, points, apologised):
                if dossier.code not in marked.get(point.alert_kind, ()):
                    continue
                fired[dossier.code].add((point.alert_kind, dossier.due_at))
                alerts += 1
                if point.kind == APOLOGY_DUE:
                    dossier.apology_due_at = dossier.apology_due_at or now
                uow.record("dossier.due_soon", dossier.code, {
                    "code": dossier.code, "unit": dossier.unit, "due_at": iso(uow, dossier.due_at),
                    "point": APOLOGY_POINT_LABEL if point.kind == APOLOGY_DUE else point.label,
                    "detected_at": iso(uow, now),
                    "step": dossier.current_step, "official": dossier.current_official or dossier.assignee,
                }, unit=dossier.unit)
            upcoming = [instant for instant, point in points_of(calendar, dossier, points, apologised)
                        if instant > now and (point.alert_kind, dossier.due_at) not in fired[dossier.code]]
            dossier.warn_at = min(upcoming, default=None)
        uow.commit()
        return alerts, len(claimed)
