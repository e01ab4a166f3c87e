"""Receiving feedback: from the public form, Open311, an operator or an importer, with a tracking
code; a misconduct report also goes to discipline. The per-client limits of the public endpoints."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from services.feedback import domain, store
from services.feedback.domain import codes
from services.feedback.models import Feedback, FeedbackAttachment, FeedbackReporter
from services.feedback.use_cases import CODE_ATTEMPTS, directory, load, open_stages, stage_deadlines, unused_code
from shared import attachments
from shared.attachments import Upload
from shared.codes import new_code
from shared.errors import Conflict, DomainError
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where the problem is (Open311 clients send it); a place, not the reporter's address."""

    lat: float | None = None
    long: float | None = None
    address_string: str | None = None


@dataclass(frozen=True)
class Delivery:
    """How a submission reached a public endpoint: who sent it (the client's address or Open311 key),
    its files, its place."""

    sender: str | None = None
    uploads: list[Upload] = field(default_factory=list)
    place: Place = Place()


def admit(uow: UnitOfWork, client: str) -> None:
    """Take one request from the client's allowance on the public POST endpoints, or raise RateLimited
    (429 with Retry-After). The buckets are rows of this service's database, so every replica takes from
    the same allowance; counted by the service clock, so tests and replays see production's sums."""
    limit = rate_limit(uow)
    with uow:
        tokens, granted = store.take_allowance(uow.session, client, limit["per_minute"], limit["burst"],
                                               uow.now().timestamp())
        uow.commit()
    if not granted:
        raise domain.RateLimited(domain.retry_after(tokens, limit["per_minute"]))


def rate_limit(uow: UnitOfWork) -> dict[str, float]:
    """Requests per minute and burst per client: domain.RATE_LIMIT unless the rules' `feedback_rate_limit`."""
    return {**domain.RATE_LIMIT, **uow.settings.rules.get("feedback_rate_limit", {})}


def open311_client(uow: UnitOfWork, api_key: str | None, address: str) -> str:
    """The client an Open311 request counts against: a key registered in the rules' `open311_api_keys`
    ({"key": "client name"}), else its address (an unknown key is anonymous)."""
    registered = uow.settings.rules.get("open311_api_keys") or {}
    return codes.open311_client(api_key if isinstance(api_key, str) else None, registered, address)


def forget_full_allowances(uow: UnitOfWork) -> int:
    """Delete the buckets that are full again (no request for burst / rate): the same as no row."""
    limit = rate_limit(uow)
    with uow:
        refill_seconds = float(limit["burst"]) * 60.0 / float(limit["per_minute"])
        forgotten = store.forget_full_allowances(uow.session, uow.now().timestamp() - refill_seconds)
        uow.commit()
        return forgotten


def submit_feedback(uow: UnitOfWork, form: domain.FeedbackForm, *, received_at: datetime | None = None) -> Feedback:
    """Receive feedback and give it a tracking code; emits `feedback.received` without personal data.

    `received_at` is for feedback that arrived earlier than it is keyed in (a letter, a hotline log, an
    import); it defaults to now. Duplicate detection is for the public endpoints only.
    """
    feedback, _ = receive_feedback(uow, form, received_at=received_at)
    return feedback


def receive_feedback(uow: UnitOfWork, form: domain.FeedbackForm, delivery: Delivery = Delivery(), *,
                     received_at: datetime | None = None, count: bool = False) -> tuple[Feedback, bool]:
    """As submit_feedback, for a public endpoint: returns (feedback, created). With a sender (the
    client's address or Open311 key), the same text from the same sender or contact to the same unit
    within the duplicate window returns the earlier feedback and creates nothing. Opens the stage
    deadlines (decide/refuse, forward, answer); a misconduct report also emits `misconduct.reported`.

    `count`: take this request from the sender's allowance here (as admit() does), in the same statement
    as the submission on PostgreSQL: over the limit, RateLimited and nothing is written. A submission
    refused before that statement (invalid) is counted too, so invalid requests are limited as well.
    """
    now = uow.now()
    try:
        submission = domain.check_submission(form, received_at=received_at or now, now=now)
    except DomainError:
        if count:
            admit(uow, delivery.sender)  # raises RateLimited instead once the sender is over its limit
        raise
    if uow.runtime.is_postgres:
        return _receive_in_one_statement(uow, form, submission, delivery, now, count)
    if count:
        admit(uow, delivery.sender)
    with uow:
        directory.check_references(uow, {"unit": submission.unit, "official": submission.official})
        fingerprint = _fingerprint(submission, delivery)
        if fingerprint is not None:
            earlier = store.earlier_duplicate(uow.session, fingerprint,
                                              now - timedelta(minutes=domain.DUPLICATE_WINDOW_MINUTES))
            if earlier is not None:
                return earlier, False
        feedback = _new_feedback(uow, submission, delivery, fingerprint, now,
                                 unused_code(uow, Feedback, "PA", _local(uow, submission), "tracking"))
        uow.session.add(feedback)
        if submission.reporter is not None:
            uow.session.add(FeedbackReporter(feedback_code=feedback.code, **_reporter_values(submission, form)))
        _store_uploads(uow, feedback.code, delivery.uploads)
        open_stages(uow, feedback, domain.RECEPTION_STAGES, feedback.received_at, new=True)
        _record_events(uow, feedback)
        uow.commit()
    _log_received(feedback)
    return feedback, True


def _receive_in_one_statement(uow: UnitOfWork, form: domain.FeedbackForm, submission: domain.Submission,
                              delivery: Delivery, now: datetime, count: bool) -> tuple[Feedback, bool]:
    """PostgreSQL: the allowance, the directory check, the duplicate look-up and every row of the
    submission (feedback, reporter, deadlines, events) in one statement; without files, in one round trip
    (autocommit: the statement is its own transaction). A tracking code already taken writes nothing,
    and another code is tried."""
    fingerprint = _fingerprint(submission, delivery)
    local_received_at = _local(uow, submission)
    allowance = None
    if count and delivery.uploads:
        # With files the statement runs in a transaction that a refusal rolls back: count first, apart.
        admit(uow, delivery.sender)
    elif count:
        limit = rate_limit(uow)
        allowance = (delivery.sender, limit["per_minute"], limit["burst"], now.timestamp())
    reporter = _reporter_values(submission, form) if submission.reporter is not None else None
    stages = stage_deadlines(uow, domain.RECEPTION_STAGES, local_received_at)
    with uow:
        # Files are written with their rows after the statement: those submissions take a transaction.
        connection = uow.session.connection(
            execution_options=None if delivery.uploads else {"isolation_level": "AUTOCOMMIT"})
        for _ in range(CODE_ATTEMPTS):
            feedback = _new_feedback(uow, submission, delivery, fingerprint, now,
                                     new_code("PA", local_received_at))
            _record_events(uow, feedback)
            outcome = store.write_submission(
                connection, feedback=_feedback_values(feedback), reporter=reporter, stages=stages,
                outbox_rows=uow.hand_over_events(), allowance=allowance, fingerprint=fingerprint,
                duplicate_since=now - timedelta(minutes=domain.DUPLICATE_WINDOW_MINUTES), now=now,
                notify_channel=uow.runtime.notify_channel)
            if outcome.granted is False:
                limit = rate_limit(uow)
                raise domain.RateLimited(domain.retry_after(outcome.tokens, limit["per_minute"]))
            allowance = None  # taken once, whatever happens next
            if not (outcome.directory_empty or (outcome.unit_known and outcome.official_known)):
                directory.refuse_unknown(submission.unit if not outcome.unit_known else None,
                                         submission.official if not outcome.official_known else None)
            if outcome.directory_empty and (submission.unit or submission.official):
                directory.warn_empty()
            if outcome.earlier is not None:
                return load(uow, outcome.earlier), False
            if outcome.created is not None:
                break
        else:
            raise Conflict("could not allocate a free tracking code this month; try again")
        _store_uploads(uow, feedback.code, delivery.uploads)
        uow.commit()
    _log_received(feedback)
    return feedback, True


def _fingerprint(submission: domain.Submission, delivery: Delivery) -> str | None:
    if delivery.sender is None:
        return None
    return domain.duplicate_fingerprint(submission.content, submission.unit,
                                        _sender_key(submission, delivery.sender))


def _local(uow: UnitOfWork, submission: domain.Submission) -> datetime:
    # Shown to the reporter on the receipt and the code's month: local time, as on a paper receipt.
    return submission.received_at.astimezone(uow.calendar.tz)


def _new_feedback(uow: UnitOfWork, submission: domain.Submission, delivery: Delivery, fingerprint: str | None,
                  now: datetime, code: str) -> Feedback:
    place = delivery.place
    return Feedback(
        code=code,
        channel=submission.channel,
        category=submission.category,
        misconduct_kind=submission.misconduct_kind,
        content=submission.content,
        unit=submission.unit,
        official=submission.official,
        dossier_code=submission.dossier_code,
        anonymous=submission.anonymous,
        status=domain.RECEIVED,
        received_at=_local(uow, submission),
        updated_at=now,
        latitude=place.lat,
        longitude=place.long,
        address_string=domain.clean_text(place.address_string),
        fingerprint=fingerprint,
    )


_FEEDBACK_COLUMNS = ("code", "channel", "category", "misconduct_kind", "content", "unit", "official",
                     "dossier_code", "anonymous", "status", "received_at", "latitude", "longitude",
                     "address_string")


def _feedback_values(feedback: Feedback) -> dict:
    return {name: getattr(feedback, name) for name in _FEEDBACK_COLUMNS}


def _reporter_values(submission: domain.Submission, form: domain.FeedbackForm) -> dict:
    reporter = submission.reporter
    return {"name": reporter.name, "phone": reporter.phone, "email": reporter.email, "address": reporter.address,
            "device_id": domain.clean_text(form.device_id), "account_id": domain.clean_text(form.account_id)}


def _record_events(uow: UnitOfWork, feedback: Feedback) -> None:
    uow.record("feedback.received", feedback.code, {
        "code": feedback.code,
        "channel": feedback.channel,
        "category": feedback.category,
        "unit": feedback.unit,
        "official": feedback.official,
        "dossier_code": feedback.dossier_code,
        "received_at": feedback.received_at.isoformat(),
        "anonymous": feedback.anonymous,
    }, unit=feedback.unit)
    if feedback.category == domain.MISCONDUCT_CATEGORY:
        uow.record("misconduct.reported", feedback.code, {
            "code": feedback.code,
            "kind": feedback.misconduct_kind,
            "unit": feedback.unit,
            "official": feedback.official,
            "dossier_code": feedback.dossier_code,
            "received_at": feedback.received_at.isoformat(),
        }, unit=feedback.unit)


def _log_received(feedback: Feedback) -> None:
    # Codes only: the reporter's name, phone and e-mail never reach a log.
    log.info("feedback received", extra={"feedback": feedback.code, "channel": feedback.channel,
                                         "unit": feedback.unit, "category": feedback.category})


def _sender_key(submission: domain.Submission, client: str) -> str:
    # A reporter who leaves a contact is the same sender from any network; otherwise the client is.
    reporter = submission.reporter
    if reporter is not None and (reporter.phone or reporter.email):
        phone = "".join(ch for ch in reporter.phone or "" if ch.isdigit())
        return f"contact:{phone}:{(reporter.email or '').casefold()}"
    return f"client:{client}"


def _store_uploads(uow: UnitOfWork, code: str, uploads: list[Upload]) -> None:
    if not uploads:
        return
    folder = Path(uow.settings.var_dir) / "feedback-attachments" / code
    for upload, stored_as in attachments.store(folder, uploads):
        uow.session.add(FeedbackAttachment(feedback_code=code, filename=upload.filename[:255],
                                           content_type=upload.content_type, size=len(upload.data),
                                           stored_as=f"{code}/{stored_as}"))

