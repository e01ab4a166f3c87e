"""Receiving feedback: from the public form, Open311, an operator or an importer, with a tracking
code; a misconduct report also goes to discipline. The per-client limits of the public endpoints."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from services.feedback import domain, store
from services.feedback.domain import codes
from services.feedback.models import Feedback, FeedbackAttachment, FeedbackReporter
from services.feedback.use_cases import directory, open_stages, unused_code
from shared import attachments
from shared.attachments import Upload
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
                     received_at: datetime | None = None) -> tuple[Feedback, bool]:
    """As submit_feedback, for a public endpoint: returns (feedback, created). With a sender (the
    client's address or Open311 key), the same text from the same sender or contact to the same unit
    within the duplicate window returns the earlier feedback and creates nothing. Opens the stage
    deadlines (decide/refuse, forward, answer); a misconduct report also emits `misconduct.reported`.
    """
    with uow:
        now = uow.now()
        submission = domain.check_submission(form, received_at=received_at or now, now=now)
        directory.check_references(uow, {"unit": submission.unit, "official": submission.official})
        fingerprint = None
        if delivery.sender is not None:
            fingerprint = domain.duplicate_fingerprint(submission.content, submission.unit,
                                                       _sender_key(submission, delivery.sender))
            earlier = store.earlier_duplicate(uow.session, fingerprint,
                                              now - timedelta(minutes=domain.DUPLICATE_WINDOW_MINUTES))
            if earlier is not None:
                return earlier, False
        # Shown to the reporter on the receipt and the code's month: local time, as on a paper receipt.
        local_received_at = submission.received_at.astimezone(uow.calendar.tz)
        place = delivery.place
        feedback = Feedback(
            code=unused_code(uow, Feedback, "PA", local_received_at, "tracking"),
            channel=submission.channel,
            category=submission.category,
            misconduct_kind=submission.misconduct_kind,
            content=submission.content,
            unit=submission.unit,
            official=submission.official,
            dossier_code=submission.dossier_code,
            anonymous=submission.anonymous,
            status=domain.RECEIVED,
            received_at=local_received_at,
            updated_at=now,
            latitude=place.lat,
            longitude=place.long,
            address_string=domain.clean_text(place.address_string),
            fingerprint=fingerprint,
        )
        uow.session.add(feedback)
        if submission.reporter is not None:
            reporter = submission.reporter
            uow.session.add(FeedbackReporter(feedback_code=feedback.code, name=reporter.name,
                                             phone=reporter.phone, email=reporter.email,
                                             address=reporter.address,
                                             device_id=domain.clean_text(form.device_id),
                                             account_id=domain.clean_text(form.account_id)))
        _store_uploads(uow, feedback.code, delivery.uploads)
        open_stages(uow, feedback, domain.RECEPTION_STAGES, feedback.received_at, new=True)
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
        uow.commit()
        # Codes only: the reporter's name, phone and e-mail never reach a log.
        log.info("feedback received", extra={"feedback": feedback.code, "channel": feedback.channel,
                                             "unit": feedback.unit, "category": feedback.category})
        return feedback, True


def _sender_key(submission: domain.Submission, client: str) -> str:
    # A reporter who leaves a contact is the same sender from any network; otherwise the client is.
    reporter = submission.reporter
    if reporter is not None and (reporter.phone or reporter.email):
        phone = "".join(ch for ch in reporter.phone or "" if ch.isdigit())
        return f"contact:{phone}:{(reporter.email or '').casefold()}"
    return f"client:{client}"


def _store_uploads(uow: UnitOfWork, code: str, uploads: Iterable[Upload]) -> None:
    folder = Path(uow.settings.var_dir) / "feedback-attachments" / code
    for upload, stored_as in attachments.store(folder, uploads):
        uow.session.add(FeedbackAttachment(feedback_code=code, filename=upload.filename[:255],
                                           content_type=upload.content_type, size=len(upload.data),
                                           stored_as=f"{code}/{stored_as}"))

