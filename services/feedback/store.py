"""Statements of the feedback service: loads, filters, the deadline sweeps' claims and flags, and the
per-client request buckets held in this process's memory; no decisions."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, exists, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.feedback import domain
from services.feedback.models import (
    OVERDUE_WATCH,
    SOON_WATCH,
    Feedback,
    FeedbackAlert,
    FeedbackAttachment,
    FeedbackClarification,
    FeedbackDeadline,
    Rating,
    RatingToken,
    ReturnedDossier,
    ReturnedMonth,
    SurveyRound,
    UnitPublication,
)
from shared.alerts import mark_due

# -- feedback --------------------------------------------------------------------------------------

def earlier_duplicate(session: Session, fingerprint: str, since: datetime) -> Feedback | None:
    return session.scalars(select(Feedback).where(Feedback.fingerprint == fingerprint,
                                                  Feedback.received_at >= since)
                           .order_by(Feedback.received_at).limit(1)).first()


def feedback_query(unit: str | None, status: str | None) -> Select:
    """A unit's feedback (every unit's with None), oldest first."""
    query = select(Feedback).order_by(Feedback.received_at, Feedback.code)
    if unit is not None:
        query = query.where(Feedback.unit == unit)
    if status is not None:
        query = query.where(Feedback.status == status)
    return query


def deadlines_of(session: Session, code: str) -> list[FeedbackDeadline]:
    return list(session.scalars(select(FeedbackDeadline).where(FeedbackDeadline.code == code)
                                .order_by(FeedbackDeadline.due_at)))


def open_deadlines(session: Session, code: str, stages: Iterable[str]) -> list[FeedbackDeadline]:
    return list(session.scalars(select(FeedbackDeadline).where(
        FeedbackDeadline.code == code, FeedbackDeadline.stage.in_(list(stages)),
        FeedbackDeadline.met_at.is_(None))))


def clarifications_of(session: Session, code: str) -> list[FeedbackClarification]:
    return list(session.scalars(select(FeedbackClarification).where(FeedbackClarification.feedback_code == code)
                                .order_by(FeedbackClarification.id)))


def pending_clarification(session: Session, code: str) -> FeedbackClarification | None:
    """The latest question still waiting for the reporter's reply."""
    return session.scalars(select(FeedbackClarification).where(FeedbackClarification.feedback_code == code,
                                                                FeedbackClarification.replied_at.is_(None))
                           .order_by(FeedbackClarification.id.desc()).limit(1)).first()


def attachments_of(session: Session, code: str) -> list[FeedbackAttachment]:
    return list(session.scalars(select(FeedbackAttachment).where(FeedbackAttachment.feedback_code == code)
                                .order_by(FeedbackAttachment.id)))


def open311_query(*, ids: list[str] | None, service_code: str | None, start: datetime | None,
                  end: datetime | None, closed: bool | None, limit: int) -> Select:
    """Feedback, newest first, by tracking codes, category, reception window, Open311 status."""
    query = select(Feedback).order_by(Feedback.received_at.desc()).limit(limit)
    if ids:
        query = query.where(Feedback.code.in_(ids))
    if service_code:
        query = query.where(Feedback.category == service_code)
    if start is not None:
        query = query.where(Feedback.received_at >= start)
    if end is not None:
        query = query.where(Feedback.received_at <= end)
    if closed is True:
        query = query.where(Feedback.status.in_(list(domain.OPEN311_CLOSED)))
    elif closed is False:
        query = query.where(Feedback.status.not_in(list(domain.OPEN311_CLOSED)))
    return query


# -- deadline sweeps -------------------------------------------------------------------------------

def _watch(kind: str):
    """(partial-index predicate, alert flag, moment the alert is due) of a sweep."""
    if kind == domain.DUE_SOON:
        return SOON_WATCH, FeedbackDeadline.soon_alerted_at, FeedbackDeadline.remind_at
    return OVERDUE_WATCH, FeedbackDeadline.overdue_alerted_at, FeedbackDeadline.due_at


def claim_stages(session: Session, kind: str, now: datetime, limit: int) -> list:
    """Up to `limit` open stages whose `kind` alert is due and not flagged, locked (SKIP LOCKED),
    read through the sweep's partial index."""
    watch, _, moment = _watch(kind)
    return list(session.execute(
        select(FeedbackDeadline.code, FeedbackDeadline.stage, FeedbackDeadline.unit, FeedbackDeadline.due_at)
        .where(watch, moment <= now, FeedbackDeadline.paused_at.is_(None),
               FeedbackDeadline.stage.not_in(list(domain.WINDOW_STAGES))).order_by(moment).limit(limit).with_for_update(skip_locked=True)
    ).all())


def mark_stages(session: Session, kind: str, due: dict[tuple[str, str], datetime], now: datetime) -> set:
    """A marker per (code, stage) and due date (one already there skipped); returns those newly marked."""
    return mark_due(session, FeedbackAlert.__table__, subject_column=("code", "stage"), kind=kind, due=due, now=now)


def flag_stages(session: Session, kind: str, stages: list[tuple[str, str]], now: datetime) -> None:
    """Take the claimed stages off the sweep's watch."""
    _, flag, _ = _watch(kind)
    session.execute(update(FeedbackDeadline)
                    .where(tuple_(FeedbackDeadline.code, FeedbackDeadline.stage).in_(stages))
                    .values({flag: now}).execution_options(synchronize_session=False))


# -- ratings ---------------------------------------------------------------------------------------

def rated(session: Session, subject_type: str, subject: str) -> bool:
    return bool(session.scalar(select(exists().where(Rating.subject_type == subject_type,
                                                     Rating.subject == subject))))


def token_of(session: Session, subject_type: str, subject: str) -> RatingToken | None:
    """The token issued for a subject, locked."""
    return session.scalars(select(RatingToken).where(RatingToken.subject_type == subject_type,
                                                     RatingToken.subject == subject)
                           .with_for_update()).first()


def round_tokens(session: Session, round_code: str) -> list[RatingToken]:
    return list(session.scalars(select(RatingToken).where(RatingToken.survey_round == round_code)
                                .order_by(RatingToken.subject)))


def round_ratings(session: Session, round_code: str) -> int:
    return session.scalar(select(func.count()).select_from(Rating).where(Rating.survey_round == round_code)) or 0


def tokened(session: Session, codes: list[str]) -> set[str]:
    """Those of the dossiers that already have a rating token (issued at the desk or by a round)."""
    if not codes:
        return set()
    return set(session.scalars(select(RatingToken.subject).where(RatingToken.subject_type == "dossier",
                                                                 RatingToken.subject.in_(codes))))


# -- published content -----------------------------------------------------------------------------

def publications(session: Session, unit: str, kind: str) -> list[UnitPublication]:
    """Every version a unit wrote of one kind, oldest first."""
    return list(session.scalars(select(UnitPublication).where(UnitPublication.unit == unit,
                                                              UnitPublication.kind == kind)
                                .order_by(UnitPublication.effective_from)))


# -- returned dossiers and survey rounds -----------------------------------------------------------

def returned_between(session: Session, unit: str, start: datetime, end: datetime) -> list[str]:
    return list(session.scalars(select(ReturnedDossier.code).where(
        ReturnedDossier.unit == unit, ReturnedDossier.returned_at >= start, ReturnedDossier.returned_at < end)
        .order_by(ReturnedDossier.code)))


def note_returned_month(session: Session, unit: str, period: str) -> None:
    """Remember that `unit` returned dossiers in `period`; already known (also from a concurrent
    transaction) is fine."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ReturnedMonth).values(unit=unit, period=period).on_conflict_do_nothing())


def units_to_survey(session: Session, period: str, limit: int) -> list[str]:
    """Units that returned dossiers in `period` and have no survey round of it yet."""
    has_round = exists().where(SurveyRound.unit == ReturnedMonth.unit, SurveyRound.period == period)
    return list(session.scalars(select(ReturnedMonth.unit).where(ReturnedMonth.period == period, ~has_round)
                                .order_by(ReturnedMonth.unit).limit(limit)))


def round_of(session: Session, unit: str, period: str) -> SurveyRound | None:
    return session.scalars(select(SurveyRound).where(SurveyRound.unit == unit, SurveyRound.period == period)).first()


# -- per-client request buckets --------------------------------------------------------------------

MAX_CLIENTS = 100_000  # bounded memory under a spray of addresses: forget the quietest half


class ClientBuckets:
    """One token bucket per client, in the memory of one process: the limit is per replica (with N
    `serve` replicas a client gets up to N times the rate), which keeps intake stateless, with no
    shared store on the hot path; the gateway in front is the place for a global limit."""

    def __init__(self, per_minute: float, burst: float):
        self.per_minute, self.burst = float(per_minute), float(burst)
        self._buckets: dict[str, domain.TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float) -> int:
        """Take one request from the client's bucket: 0, or the whole seconds to wait for one."""
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._forget_half()
                bucket = self._buckets[client] = domain.TokenBucket.full(self.per_minute, self.burst, now)
            return bucket.take(now)

    def _forget_half(self) -> None:
        by_age = sorted(self._buckets, key=lambda key: self._buckets[key].updated)
        for key in by_age[: len(by_age) // 2]:
            del self._buckets[key]


_buckets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_buckets_lock = threading.Lock()


def client_buckets(owner: object, per_minute: float, burst: float) -> ClientBuckets:
    """The buckets of one running service (`owner`), made on first use."""
    with _buckets_lock:
        buckets = _buckets.get(owner)
        if buckets is None:
            buckets = _buckets[owner] = ClientBuckets(per_minute, burst)
        return buckets

