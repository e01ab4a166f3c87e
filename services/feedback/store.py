"""Statements of the feedback service: loads, filters, the deadline sweeps' claims and flags, and the
per-client request buckets held in this process's memory; no decisions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Float, Select, case, delete, exists, func, literal, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.feedback import domain
from services.feedback.models import (
    OVERDUE_WATCH,
    SOON_WATCH,
    ClientAllowance,
    DirectoryOfficial,
    DirectoryUnit,
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


# One statement for a whole public submission on PostgreSQL: the sender's allowance (when asked), the
# directory's check of the unit and official, the duplicate look-up, the feedback with its reporter, its
# stage deadlines and its events in the outbox, and the relay's wake-up. Written once, so SQLAlchemy
# compiles nothing per request and psycopg prepares it on the server after a few uses. Data-modifying
# WITH clauses all run, on one snapshot; the feedback is written only if the allowance granted it, the
# directory knows its codes (or has no unit yet) and no earlier duplicate exists; a tracking code taken
# already writes nothing (ON CONFLICT DO NOTHING) and the caller tries another code. The bucket is
# take_allowance's arithmetic: refilled at `rate` a second since its last use, at most the burst (the
# proposed row, EXCLUDED, holds burst - 1 and now). No SQL comment: the text is joined into one line.

_SUBMISSION = text(" ".join("""
WITH admitted AS (
    INSERT INTO client_allowance AS bucket (client, tokens, updated, granted)
    SELECT CAST(:client AS varchar), CAST(:burst AS float8) - 1, CAST(:now_epoch AS float8),
           CAST(:burst AS float8) >= 1
    WHERE CAST(:take_allowance AS boolean)
    ON CONFLICT (client) DO UPDATE SET (tokens, granted, updated) = (
        SELECT CASE WHEN refill.tokens >= 1 THEN refill.tokens - 1 ELSE refill.tokens END, refill.tokens >= 1,
               GREATEST(EXCLUDED.updated, bucket.updated)
        FROM (SELECT LEAST(EXCLUDED.tokens + 1, bucket.tokens
                           + GREATEST(EXCLUDED.updated - bucket.updated, 0) * CAST(:rate AS float8)) AS tokens)
             AS refill)
    RETURNING bucket.tokens, bucket.granted
),
refs AS (
    SELECT NOT EXISTS (SELECT 1 FROM directory_units) AS directory_empty,
           (CAST(:unit AS varchar) IS NULL
            OR EXISTS (SELECT 1 FROM directory_units WHERE code = CAST(:unit AS varchar))) AS unit_known,
           (CAST(:official AS varchar) IS NULL
            OR EXISTS (SELECT 1 FROM directory_officials WHERE code = CAST(:official AS varchar))) AS official_known
),
earlier AS (
    SELECT code FROM feedback
    WHERE fingerprint = CAST(:fingerprint AS varchar) AND received_at >= CAST(:duplicate_since AS timestamptz)
    ORDER BY received_at LIMIT 1
),
created AS (
    INSERT INTO feedback (code, channel, category, misconduct_kind, content, unit, official, dossier_code,
                          anonymous, status, received_at, updated_at, latitude, longitude, address_string,
                          fingerprint)
    SELECT CAST(:code AS varchar), CAST(:channel AS varchar), CAST(:category AS varchar),
           CAST(:misconduct_kind AS varchar), CAST(:content AS text), CAST(:unit AS varchar),
           CAST(:official AS varchar), CAST(:dossier_code AS varchar), CAST(:anonymous AS boolean),
           CAST(:status AS varchar), CAST(:received_at AS timestamptz), CAST(:now AS timestamptz),
           CAST(:latitude AS float8), CAST(:longitude AS float8), CAST(:address_string AS varchar),
           CAST(:fingerprint AS varchar)
    FROM refs
    WHERE COALESCE((SELECT granted FROM admitted), TRUE)
      AND (refs.directory_empty OR (refs.unit_known AND refs.official_known))
      AND NOT EXISTS (SELECT 1 FROM earlier)
    ON CONFLICT (code) DO NOTHING
    RETURNING code
),
reporter AS (
    INSERT INTO feedback_reporters (feedback_code, name, phone, email, address, device_id, account_id)
    SELECT code, CAST(:reporter_name AS varchar), CAST(:reporter_phone AS varchar),
           CAST(:reporter_email AS varchar), CAST(:reporter_address AS varchar), CAST(:device_id AS varchar),
           CAST(:account_id AS varchar)
    FROM created WHERE CAST(:has_reporter AS boolean)
),
deadlines AS (
    INSERT INTO feedback_deadlines (code, stage, unit, started_at, due_at, remind_at)
    SELECT created.code, stage.name, CAST(:unit AS varchar), CAST(:received_at AS timestamptz), stage.due_at,
           stage.remind_at
    FROM created, unnest(CAST(:stages AS varchar[]), CAST(:due_ats AS timestamptz[]),
                         CAST(:remind_ats AS timestamptz[])) AS stage (name, due_at, remind_at)
),
events AS (
    INSERT INTO outbox (event_id, exchange, routing_key, body, correlation_id, created_at)
    SELECT event.id, event.exchange, event.routing_key, event.body, event.correlation_id, CAST(:now AS timestamptz)
    FROM created, unnest(CAST(:event_ids AS varchar[]), CAST(:exchanges AS varchar[]),
                         CAST(:routing_keys AS varchar[]), CAST(:bodies AS bytea[]),
                         CAST(:correlation_ids AS varchar[])) AS event (id, exchange, routing_key, body, correlation_id)
)
SELECT (SELECT granted FROM admitted) AS granted, (SELECT tokens FROM admitted) AS tokens,
       (SELECT code FROM created) AS created, (SELECT code FROM earlier) AS earlier,
       refs.directory_empty, refs.unit_known, refs.official_known,
       CASE WHEN EXISTS (SELECT 1 FROM created) THEN pg_notify(CAST(:notify_channel AS text), '') END AS notified
FROM refs
""".split()))  # one line: psycopg caches its parsing up to 4,096 characters


@dataclass(frozen=True)
class SubmissionOutcome:
    """What the one statement did: the allowance (None when not asked), the directory's verdict, the
    earlier duplicate's code, the new feedback's code (None when nothing was written)."""

    granted: bool | None
    tokens: float | None
    created: str | None
    earlier: str | None
    directory_empty: bool
    unit_known: bool
    official_known: bool


def write_submission(connection: Connection, *, feedback: dict, reporter: dict | None,
                     stages: Sequence[tuple[str, datetime, datetime]], outbox_rows: Sequence[tuple],
                     allowance: tuple[str, float, float, float] | None, fingerprint: str | None,
                     duplicate_since: datetime, now: datetime, notify_channel: str) -> SubmissionOutcome:
    """Run the submission's one statement (PostgreSQL). `allowance` = (client, per minute, burst, epoch
    seconds) to take the request from the client's bucket in the same statement; `outbox_rows` as
    UnitOfWork.hand_over_events gives them."""
    client, per_minute, burst, epoch = allowance or ("", 1.0, 1.0, 0.0)
    reporter = reporter or {}
    row = connection.execute(_SUBMISSION, {
        **feedback,
        "take_allowance": allowance is not None, "client": client, "rate": float(per_minute) / 60.0,
        "burst": float(burst), "now_epoch": float(epoch),
        "fingerprint": fingerprint, "duplicate_since": duplicate_since, "now": now,
        "has_reporter": bool(reporter), **{f"reporter_{name}": reporter.get(name)
                                           for name in ("name", "phone", "email", "address")},
        "device_id": reporter.get("device_id"), "account_id": reporter.get("account_id"),
        "stages": [stage for stage, _, _ in stages], "due_ats": [due for _, due, _ in stages],
        "remind_ats": [remind for _, _, remind in stages],
        "event_ids": [r[0] for r in outbox_rows], "exchanges": [r[1] for r in outbox_rows],
        "routing_keys": [r[2] for r in outbox_rows], "bodies": [r[3] for r in outbox_rows],
        "correlation_ids": [r[4] for r in outbox_rows], "notify_channel": notify_channel,
    }).one()
    return SubmissionOutcome(granted=row.granted, tokens=row.tokens, created=row.created, earlier=row.earlier,
                             directory_empty=row.directory_empty, unit_known=row.unit_known,
                             official_known=row.official_known)


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


# -- per-client allowance (token buckets in this database, shared by every replica) ---------------

def take_allowance(session: Session, client: str, per_minute: float, burst: float,
                   now: float) -> tuple[float, bool]:
    """Take one request from the client's bucket in one statement: (tokens left, granted). Concurrent
    admissions of one client queue on its row (ON CONFLICT DO UPDATE locks it), so N replicas share one
    allowance; the arithmetic is domain.TokenBucket's, in SQL."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rate = float(per_minute) / 60.0
    now_ = literal(float(now), Float)
    burst_ = literal(float(burst), Float)
    current = ClientAllowance.__table__.c
    elapsed = case((now_ > current.updated, now_ - current.updated), else_=literal(0.0, Float))
    refilled = current.tokens + elapsed * rate
    capped = case((refilled > burst_, burst_), else_=refilled)
    statement = insert(ClientAllowance).values(client=client, tokens=float(burst) - 1, updated=float(now),
                                               granted=burst >= 1)
    statement = statement.on_conflict_do_update(index_elements=[current.client], set_={
        "tokens": case((capped >= 1, capped - 1), else_=capped),
        "granted": capped >= 1,
        "updated": case((now_ > current.updated, now_), else_=current.updated),
    }).returning(current.tokens, current.granted)
    tokens, granted = session.execute(statement).one()
    return float(tokens), bool(granted)


def forget_full_allowances(session: Session, full_since: float) -> int:
    """Delete the buckets untouched since `full_since` (full again: the same as no row)."""
    return session.execute(delete(ClientAllowance).where(ClientAllowance.updated < full_since)).rowcount or 0


# -- the directory's read copy ------------------------------------------------------------------------

def directory_has_units(session: Session) -> bool:
    return session.scalar(select(exists().where(DirectoryUnit.code.is_not(None)))) or False


def known_units(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    return set(session.scalars(select(DirectoryUnit.code).where(DirectoryUnit.code.in_(wanted))))


def officials_units(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The unit of each known official among `codes`."""
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(session.execute(select(DirectoryOfficial.code, DirectoryOfficial.unit)
                                .where(DirectoryOfficial.code.in_(wanted))).all())
