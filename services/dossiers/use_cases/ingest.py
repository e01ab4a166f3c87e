"""External ingest: external one-stop systems report a dossier's whole life, on `kycuong.ingest`
(handlers.py) or in batches over HTTP (POST /ingest/events). Both come through `apply_external_event`,
and both keep their inbox rows under one consumer name, so an event sent both ways has its effect once.
The edge reads each event into an `ExternalEvent` (the envelope and its data as a step); the contract is
in docs/architecture.md, "External ingest"."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import select

from services.dossiers import store
from services.dossiers.domain import ingest as rules
from services.dossiers.models import Dossier, IngestRejection, IngestWaiting
from services.dossiers.use_cases import find, lifecycle
from services.dossiers.use_cases.intake import ReceiveDossier, receive_external_dossier
from shared.db import Page, paginate
from shared.errors import DomainError, InvalidInput
from shared.events.envelope import Event
from shared.uow import UnitOfWork, causing_event

INGEST_CONSUMER = "dossiers.ingest"
INGEST_REJECTED = Counter("kycuong_ingest_rejected_total", "External events refused, by publisher and reason",
                          ["publisher", "reason"])
INGEST_WAITING = Gauge("kycuong_ingest_waiting", "External events waiting for the event they depend on")
ACCEPTED, DUPLICATE, WAITING, IGNORED, REJECTED = "accepted", "duplicate", "waiting", "ignored", "rejected"


@dataclass(frozen=True)
class ExternalEvent:
    """An external event as the edge read it: the envelope (None when the message is not a CloudEvent) and
    its data as a step; `invalid` when the data does not meet the contract (judged after who sent it),
    `refused` when the envelope itself cannot be taken (judged at once); `raw_id` names an item that is not
    a CloudEvent."""

    event: Event | None
    step: rules.ExternalStep | None = None
    invalid: DomainError | None = None
    refused: DomainError | None = None
    raw_id: str | None = None


def apply_external_event(uow: UnitOfWork, external: ExternalEvent, publisher: str | None, *,
                         over_http: bool = False) -> str:
    """Apply one external event inside the caller's transaction (whose inbox row is the caller's):
    returns `accepted`, `waiting` (parked until the event it depends on is applied) or `ignored` (the
    unit is another instance's). Raises IngestRefused or another DomainError to refuse it.

    After an event is applied, the events of the same dossier that were waiting for it are applied too,
    in the order they happened; one of them that is refused then is recorded as a rejection and dropped,
    without undoing the event that released it."""
    event = external.event
    with uow:
        # Who may send it is judged before what it says: an event for another instance's unit is that
        # instance's to judge, even when it is malformed.
        claimed_unit = event.data.get("unit")
        if isinstance(claimed_unit, str) and claimed_unit and not _admitted(uow, publisher, claimed_unit, over_http):
            return IGNORED
        if external.invalid is not None:
            raise external.invalid
        step = external.step
        if not _admitted(uow, publisher, step.unit, over_http):
            return IGNORED
        dossier = find(uow, step.code)
        _ensure_same_unit(dossier, step)
        waiting_for = rules.ingest_prerequisite(step.type, dossier.status if dossier is not None else None)
        if waiting_for is not None:
            kept = dataclasses.replace(event, data=rules.step_data(step))
            uow.session.add(IngestWaiting(
                event_id=event.id, dossier_code=step.code, event_type=step.type, unit=step.unit,
                publisher=publisher, occurred_at=step.occurred_at, waiting_for=waiting_for,
                event=kept.to_json().decode(), parked_at=uow.now()))
            uow.memo.get("waiting_codes", set()).add(step.code)
            uow.session.flush()
            _count_waiting(uow)
            uow.commit()
            return WAITING
        # Several use cases in one transaction: they flush, and this use case commits once at the end.
        held, uow.hold_commits = uow.hold_commits, True
        try:
            _apply(uow, step)
            _release_waiting(uow, step.code)
        finally:
            uow.hold_commits = held
        uow.commit()
        return ACCEPTED


def prepare_ingest_batch(uow: UnitOfWork, codes: set[str]) -> None:
    """Before a consumer's batch of external events about dossiers `codes`: the dossiers read in one statement
    (kept in the session for the batch), those unknown remembered as such, and which of them have events
    waiting, so applying each event needs no look-up of its own."""
    codes = {code for code in codes if isinstance(code, str)}
    if not codes:
        return
    session = uow.session
    dossiers = list(session.scalars(select(Dossier).where(Dossier.code.in_(sorted(codes)))))
    uow.memo["dossiers_loaded"] = dossiers  # the session holds its objects weakly
    uow.memo["dossiers_absent"] = codes - {dossier.code for dossier in dossiers}
    uow.memo["waiting_scope"] = codes
    uow.memo["waiting_codes"] = store.codes_waiting(session, codes)


def _admitted(uow: UnitOfWork, publisher: str | None, unit: str, over_http: bool) -> bool:
    """True to apply the event here, False to ignore it (another instance's unit); raises to refuse it."""
    admission = rules.admit_external(uow.settings.publishers, uow.settings.units, publisher, unit)
    if admission.verdict == rules.IGNORE:
        if over_http:  # posted to the wrong instance: say so rather than drop it
            raise rules.IngestRefused(rules.UNIT_NOT_SERVED, f"this instance does not serve unit {unit!r}; post "
                                      "the event to the instance of that unit",
                                      {"unit": ["not served by this instance"]})
        return False
    if admission.verdict == rules.REJECT:
        raise rules.refusal(admission)
    return True


def _count_waiting(uow: UnitOfWork) -> None:
    INGEST_WAITING.set(store.count_waiting(uow.session))


def _ensure_same_unit(dossier: Dossier | None, step: rules.ExternalStep) -> None:
    """A publisher allowed for unit A must not touch a dossier of unit B by naming A. (A `received` of a
    known dossier changes nothing, whatever unit it names.)"""
    if dossier is not None and step.type != rules.INGEST_RECEIVED and dossier.unit != step.unit:
        raise rules.IngestRefused(rules.UNIT_NOT_ALLOWED, f"dossier {dossier.code!r} belongs to unit "
                                  f"{dossier.unit!r}, not {step.unit!r}",
                                  {"unit": [f"the dossier's unit is {dossier.unit!r}"]})


def _release_waiting(uow: UnitOfWork, code: str) -> None:
    """Apply the waiting events of dossier `code` whose prerequisite is now met, earliest first; each
    one applied may release others (the result ready releases its return)."""
    session = uow.session
    while True:
        if code in uow.memo.get("waiting_scope", ()) and code not in uow.memo["waiting_codes"]:
            return  # the batch found nothing of this dossier waiting, and parked nothing since
        dossier = session.get(Dossier, code)
        status = dossier.status if dossier is not None else None
        waiting = store.waiting_of(session, code)
        ready = next((w for w in waiting if rules.ingest_prerequisite(w.event_type, status) is None), None)
        if ready is None:
            return
        event = Event.from_json(ready.event)
        recorded = len(uow.events)
        token = causing_event.set(event)
        try:
            step = rules.step_from_data(event.type, event.data)
            with session.begin_nested():
                _ensure_same_unit(dossier, step)
                _apply(uow, step)
        except DomainError as exc:
            del uow.events[recorded:]  # the savepoint is undone; so are the events it recorded
            _insert_rejection(uow, event_id=event.id, publisher=ready.publisher,
                              reason=rules.rejection_reason(exc.code), channel="waiting", event_type=event.type,
                              unit=ready.unit, dossier_code=code, detail=f"{exc.message} {exc.errors or ''}".strip())
        finally:
            causing_event.reset(token)
        session.delete(ready)
        session.flush()
        _count_waiting(uow)


def _apply(uow: UnitOfWork, step: rules.ExternalStep) -> None:
    """The dossier's own use case for the step, as a trusted caller."""
    code = step.code
    match step:
        case rules.ExternalReceived():
            receive_external_dossier(uow, ReceiveDossier(code=code, procedure_code=step.procedure_code, unit=step.unit,
                                                         received_at=step.received_at, assignee=step.assignee))
        case rules.ExternalHandover():
            lifecycle.record_handover(uow, code, lifecycle.HandOver(
                to_step=step.to_step, to_official=step.to_official, to_unit=step.to_unit,
                from_official=step.from_official, at=step.at))
        case rules.ExternalSupplementRequest():
            lifecycle.request_supplement(uow, code, lifecycle.RequestSupplement(
                reasons=step.reasons, official=step.official, at=step.at))
        case rules.ExternalSupplement():
            lifecycle.receive_supplement(uow, code, lifecycle.ReceiveSupplement(at=step.at))
        case rules.ExternalCompletion():
            lifecycle.complete_dossier(uow, code, completed_at=step.completed_at)
        case rules.ExternalEnd():
            lifecycle.end_dossier(uow, code, lifecycle.EndDossier(end=step.end, reason=step.reason,
                                                                  official=step.official, at=step.at))


# -- the HTTP batch -----------------------------------------------------------------------------------

def submit_external_events(uow: UnitOfWork, events: list[ExternalEvent], publisher: str) -> dict[str, Any]:
    """POST /ingest/events: each event in its own transaction, through the same code as the ingest queue;
    one result per event (accepted, duplicate, waiting or rejected with the reason and field errors)."""
    if len(events) > rules.INGEST_BATCH_MAX:
        raise InvalidInput(f"a batch holds at most {rules.INGEST_BATCH_MAX} events; split it",
                           {"events": [f"{len(events)} given"]})
    results = [_submit_one(uow, external, publisher) for external in events]
    summary = {outcome: sum(1 for r in results if r["outcome"] == outcome)
               for outcome in (ACCEPTED, DUPLICATE, WAITING, REJECTED)}
    return {**summary, "results": results}


def _submit_one(uow: UnitOfWork, external: ExternalEvent, publisher: str) -> dict[str, Any]:
    event = external.event
    event_id = event.id if event else external.raw_id
    try:
        if external.refused is not None:
            raise external.refused
        with uow:
            if not store.take_inbox_row(uow.session, uow.runtime.inbox, INGEST_CONSUMER, event.id, event.type,
                                        uow.now()):
                return {"id": event.id, "type": event.type, "outcome": DUPLICATE, "errors": {}}
            token = causing_event.set(event)
            try:
                outcome = apply_external_event(uow, external, publisher, over_http=True)
            finally:
                causing_event.reset(token)
            if not uow.committed:
                uow.commit()
            return {"id": event.id, "type": event.type, "outcome": outcome, "errors": {}}
    except DomainError as exc:
        reason = rules.rejection_reason(exc.code)
        record_external_rejection(uow, event, publisher=publisher, reason=reason, channel="http",
                                  detail=f"{exc.message} {exc.errors or ''}".strip(), event_id=event_id)
        return {"id": event_id, "type": event.type if event else None, "outcome": REJECTED, "reason": reason,
                "message": exc.message, "errors": exc.errors}


# -- rejections and waiting events ---------------------------------------------------------------------

def record_external_rejection(uow: UnitOfWork, event: Event | None, *, publisher: str | None, reason: str,
                              channel: str, detail: str, event_id: str | None = None) -> bool:
    """Count an external event refused (once per event id); False if it had been counted already."""
    data = event.data if event is not None else {}
    with uow:
        inserted = _insert_rejection(
            uow, event_id=event_id if event_id is not None else (event.id if event else None), publisher=publisher,
            reason=reason, channel=channel, event_type=event.type if event else None,
            unit=_text(data.get("unit")) or (event.unit if event else None),
            dossier_code=_text(data.get("code")) or (event.subject if event else None), detail=detail)
        uow.commit()
        return inserted


def _text(value) -> str | None:
    return value[:64] if isinstance(value, str) else None


def _insert_rejection(uow: UnitOfWork, *, event_id: str | None, publisher: str | None, reason: str, channel: str,
                      event_type: str | None, unit: str | None, dossier_code: str | None, detail: str) -> bool:
    inserted = store.add_rejection(uow.session, IngestRejection(
        event_id=event_id, publisher=publisher, reason=reason, channel=channel,
        event_type=(event_type or "")[:128] or None, unit=unit, dossier_code=(dossier_code or "")[:64] or None,
        detail=detail[:4000], rejected_at=uow.now()))
    if inserted:  # an event refused before is counted once
        INGEST_REJECTED.labels(publisher or "-", reason).inc()
    return inserted


def external_rejections(uow: UnitOfWork, since: datetime | None = None) -> dict[str, Any]:
    """Rejected external events: counts by publisher and reason, and the latest ones."""
    with uow:
        counts = store.rejection_counts(uow.session, since)
        return {
            "total": sum(row[2] for row in counts),
            "counts": [{"publisher": publisher, "reason": reason, "count": count, "last_at": last_at,
                        "label": rules.REJECTION_LABELS_VI.get(reason, reason)}
                       for publisher, reason, count, last_at in counts],
            "recent": store.recent_rejections(uow.session, since),
        }


def waiting_external_events(uow: UnitOfWork, page: int, page_size: int) -> Page:
    """External events waiting for the one they depend on, the longest waiting first."""
    with uow:
        return paginate(uow.session, store.waiting_query(), page, page_size)
