"""The stages' deadline alerts: `feedback.due_soon` at the reminder point, `feedback.overdue` once the
deadline has passed with the stage still open; once per stage and deadline."""

from __future__ import annotations

from services.feedback import domain, store
from shared.uow import UnitOfWork


def alert_feedback_deadlines(uow: UnitOfWork, kind: str, limit: int = 1000) -> tuple[int, int]:
    """One batch of a deadline sweep (`kind` is domain.DUE_SOON or domain.OVERDUE) for up to `limit`
    stages not yet alerted. Returns (emitted, claimed); claimed < limit means no more work is visible
    right now.

    Stage rows are claimed with FOR UPDATE SKIP LOCKED through the partial indexes of unalerted open
    stages, so concurrent replicas split the work; the marker rows in `feedback_alerts` (unique per
    feedback, stage, kind and due date, `shared.alerts`) are written in the same transaction as the
    events, so no deadline is alerted twice even if a flag were cleared without the date moving.
    """
    with uow:
        now = uow.now()
        session = uow.session
        claimed = store.claim_stages(session, kind, now, limit)
        if not claimed:
            return 0, 0
        # A reminder whose deadline has already passed is not sent: the overdue alert says more.
        due = [row for row in claimed if kind == domain.OVERDUE or row.due_at > now]
        marked = store.mark_stages(session, kind, {(row.code, row.stage): row.due_at for row in due}, now)
        store.flag_stages(session, kind, [(row.code, row.stage) for row in claimed], now)
        tz = uow.calendar.tz
        detected_at = now.astimezone(tz).isoformat()
        for row in due:
            if (row.code, row.stage) not in marked:
                continue
            uow.record(f"feedback.{kind}", row.code, {
                "code": row.code, "unit": row.unit, "stage": row.stage,
                "due_at": row.due_at.astimezone(tz).isoformat(), "detected_at": detected_at, "official": None,
            }, unit=row.unit)
        uow.commit()
        return len(marked), len(claimed)
