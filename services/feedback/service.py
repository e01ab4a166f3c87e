"""Use cases of the feedback service, each in one unit of work."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import exists, insert, literal, select, update

from services.feedback import domain
from services.feedback.models import (
    OVERDUE_WATCH,
    SOON_WATCH,
    Feedback,
    FeedbackAlert,
    FeedbackAttachment,
    FeedbackDeadline,
    FeedbackReporter,
    Rating,
    RatingToken,
)
from shared import attachments
from shared.attachments import Upload
from shared.auth import Principal
from shared.codes import new_code
from shared.db import UtcDateTime
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork
from shared.web import paginate

CODE_ATTEMPTS = 5
HANDLER_ROLES = ("officer", "head", "office", "admin")
# Roles that handle feedback of any unit (the office routes feedback that names no unit).
ALL_UNITS_HANDLER_ROLES = frozenset({"office", "admin"})


def submit_feedback(uow: UnitOfWork, data: Mapping[str, Any], *,
                    received_at: datetime | None = None) -> Feedback:
    """Receive feedback and give it a tracking code; emits `feedback.received` without personal data.

    `data` has the keys of the public form: channel, category, content, unit, official, dossier_code,
    anonymous, misconduct_kind (for category misconduct), reporter {name, phone, email, address}.
    `received_at` is for feedback that arrived earlier than it is keyed in (a letter, a hotline log, an
    import); it defaults to now. Duplicate detection is for the public endpoints only.
    """
    feedback, _ = receive_feedback(uow, data, received_at=received_at)
    return feedback


def receive_feedback(uow: UnitOfWork, data: Mapping[str, Any], *, received_at: datetime | None = None,
                     sender: str | None = None, uploads: Iterable[Upload] = (),
                     place: Mapping[str, Any] | None = None) -> tuple[Feedback, bool]:
    """As submit_feedback, for a public endpoint: returns (feedback, created). With `sender` (the
    client's address or Open311 key), the same text from the same sender or contact to the same unit
    within the duplicate window returns the earlier feedback and creates nothing. Opens the stage
    deadlines (decide/refuse, forward, answer); a misconduct report also emits `misconduct.reported`.
    """
    with uow:
        now = uow.now()
        submission = domain.check_submission(data, received_at=received_at or now, now=now)
        fingerprint = None
        if sender is not None:
            fingerprint = domain.duplicate_fingerprint(submission.content, submission.unit,
                                                       _sender_key(submission, sender))
            earlier = uow.session.scalars(
                select(Feedback).where(Feedback.fingerprint == fingerprint,
                                       Feedback.received_at >= now - timedelta(
                                           minutes=domain.DUPLICATE_WINDOW_MINUTES))
                .order_by(Feedback.received_at).limit(1)).first()
            if earlier is not None:
                return earlier, False
        # Shown to the reporter on the receipt and the code's month: local time, as on a paper receipt.
        local_received_at = submission.received_at.astimezone(uow.calendar.tz)
        place = place or {}
        feedback = Feedback(
            code=_unused_code(uow, local_received_at),
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
            latitude=place.get("lat"),
            longitude=place.get("long"),
            address_string=domain.clean_text(place.get("address_string")),
            fingerprint=fingerprint,
        )
        uow.session.add(feedback)
        if submission.reporter is not None:
            reporter = submission.reporter
            uow.session.add(FeedbackReporter(feedback_code=feedback.code, name=reporter.name,
                                             phone=reporter.phone, email=reporter.email,
                                             address=reporter.address,
                                             device_id=domain.clean_text(data.get("device_id")),
                                             account_id=domain.clean_text(data.get("account_id"))))
        _store_uploads(uow, feedback.code, uploads)
        _open_stages(uow, feedback, domain.RECEPTION_STAGES, feedback.received_at, new=True)
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


def get_feedback(uow: UnitOfWork, code: str, principal: Principal | None) -> dict[str, Any]:
    """Feedback by tracking code, as much of it as the reader may see: anyone sees its status, the
    published answer and, once answered, the one-time rating token; the unit it is addressed to also
    its content and deadlines; the office and admins also the reporter's contact."""
    with uow:
        feedback = _load(uow, code)
        shown = _disclosure(principal, feedback)
        reporter = uow.session.get(FeedbackReporter, feedback.code) if shown.contact else None
        view = _view(feedback, shown, uow.calendar.tz, reporter)
        if feedback.status in (domain.ANSWERED, domain.PUBLISHED):
            token = _feedback_token(uow, feedback.code)
            row = uow.session.get(RatingToken, domain.token_digest(token))
            view["rating_token"] = token if row is not None and row.used_at is None else None
        if shown.content:
            view["deadlines"] = [
                {"stage": d.stage, "label": domain.STAGE_LABELS[d.stage],
                 "due_at": d.due_at.astimezone(uow.calendar.tz),
                 "met_at": d.met_at.astimezone(uow.calendar.tz) if d.met_at else None}
                for d in uow.session.scalars(select(FeedbackDeadline).where(FeedbackDeadline.code == feedback.code)
                                             .order_by(FeedbackDeadline.due_at))]
            view["attachments"] = [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in uow.session.scalars(select(FeedbackAttachment)
                                             .where(FeedbackAttachment.feedback_code == feedback.code)
                                             .order_by(FeedbackAttachment.id))]
        return view


def list_feedback(uow: UnitOfWork, principal: Principal, unit: str | None, status: str | None,
                  page: int, page_size: int) -> dict[str, Any]:
    """A unit's feedback (the caller's own unless they oversee every unit), oldest first: the legal
    handling times run from reception, so the oldest is the most urgent."""
    with uow:
        query = select(Feedback).order_by(Feedback.received_at, Feedback.code)
        if unit is None and not principal.sees_all_units:
            if principal.unit is None:
                raise Forbidden("your token names no unit and cannot see every unit; "
                                "ask for a token of your unit", {"unit": ["no unit in the token"]})
            unit = principal.unit
        if unit is not None:
            principal.ensure_unit(unit)
            query = query.where(Feedback.unit == unit)
        if status is not None:
            query = query.where(Feedback.status == status)
        result = paginate(query, uow.session, page, page_size)
        # Contact details stay out of lists even for the office: they are read one case at a time.
        shown = domain.Disclosure(content=True, contact=False)
        result["items"] = [_view(f, shown, uow.calendar.tz) for f in result["items"]]
        return result


def _unused_code(uow: UnitOfWork, when: datetime) -> str:
    for _ in range(CODE_ATTEMPTS):
        code = new_code("PA", when)
        if uow.session.get(Feedback, code) is None:
            return code
    raise Conflict("could not allocate a free tracking code this month; try again")


def _disclosure(principal: Principal | None, feedback: Feedback) -> domain.Disclosure:
    if principal is None:
        return domain.Disclosure(content=False, contact=False)
    in_scope = principal.sees_all_units or (feedback.unit is not None
                                            and principal.can_access_unit(feedback.unit))
    return domain.disclosure(principal.roles, can_access_unit=in_scope)


def _view(feedback: Feedback, shown: domain.Disclosure, tz: tzinfo,
          reporter: FeedbackReporter | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "code": feedback.code,
        "status": feedback.status,
        "status_label": domain.STATUSES[feedback.status],
        "category": feedback.category,
        "category_label": domain.CATEGORIES[feedback.category],
        "channel": feedback.channel,
        "channel_label": domain.CHANNELS[feedback.channel],
        "unit": feedback.unit,
        "received_at": feedback.received_at.astimezone(tz),
        "refusal_reason": feedback.refusal_reason,
        "answer": None,
    }
    # The answer is public once published; before that only the unit sees its draft.
    if feedback.answer is not None and (feedback.published_at is not None or shown.content):
        view["answer"] = {"text": feedback.answer, "answered_at": feedback.answered_at.astimezone(tz),
                          "published_at": feedback.published_at.astimezone(tz) if feedback.published_at
                          else None}
    if shown.content:
        view.update(content=feedback.content, official=feedback.official, dossier_code=feedback.dossier_code,
                    anonymous=feedback.anonymous, misconduct_kind=feedback.misconduct_kind)
    if shown.contact:
        view["reporter"] = None if reporter is None else {
            "name": reporter.name, "phone": reporter.phone,
            "email": reporter.email, "address": reporter.address,
        }
    return view


def _load(uow: UnitOfWork, code: str, for_update: bool = False) -> Feedback:
    feedback = uow.session.get(Feedback, domain.normalise_code(code), with_for_update=for_update)
    if feedback is None:
        raise NotFound(f"Không tìm thấy phản ánh có mã {code!r} — no feedback has this tracking code; "
                       "check it against your receipt", {"code": ["unknown tracking code"]})
    return feedback


# -- handling -----------------------------------------------------------------------------------------

def forward_feedback(uow: UnitOfWork, principal: Principal, code: str, unit: str,
                     note: str | None = None) -> dict[str, Any]:
    """Send feedback outside the unit's authority to the competent unit: the stages start again
    there. Emits `feedback.forwarded` with whether it left within the 5 working days."""
    unit = domain.required_text("unit", unit, domain.CODE_MAX, "Chọn đơn vị có thẩm quyền")
    with uow:
        feedback = _load_for_step(uow, principal, code, "forward")
        if unit == feedback.unit:
            raise Conflict("the feedback is already with this unit; choose another unit or accept it",
                           {"unit": ["same as the current unit"]})
        now = uow.now()
        on_time = _meet(uow, feedback.code, ("forward",), now)["forward"]
        from_unit = feedback.unit
        feedback.unit, feedback.status, feedback.updated_at = unit, domain.FORWARDED, now
        feedback.forward_note = domain.clean_text(note)
        _open_stages(uow, feedback, domain.RECEPTION_STAGES, now)
        # The note stays here: officers' free text may quote the reporter.
        _record_step(uow, "feedback.forwarded", feedback, now, on_time, from_unit=from_unit)
        uow.commit()
        return _view(feedback, domain.Disclosure(content=True, contact=False), uow.calendar.tz)


def accept_feedback(uow: UnitOfWork, principal: Principal, code: str) -> dict[str, Any]:
    """The unit takes the feedback on: the decide-or-refuse and forward stages are met."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "accept")
        now = uow.now()
        _meet(uow, feedback.code, ("refuse", "forward"), now)
        feedback.status, feedback.updated_at = domain.IN_PROGRESS, now
        uow.commit()
        return _view(feedback, domain.Disclosure(content=True, contact=False), uow.calendar.tz)


def refuse_feedback(uow: UnitOfWork, principal: Principal, code: str, reason: str) -> dict[str, Any]:
    """Refuse feedback with the reason the reporter will read; emits `feedback.refused`."""
    reason = domain.required_text("reason", reason, domain.REASON_MAX, "Nêu lý do không tiếp nhận")
    with uow:
        feedback = _load_for_step(uow, principal, code, "refuse")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)["refuse"]
        feedback.status, feedback.refusal_reason, feedback.updated_at = domain.REFUSED, reason, now
        _record_step(uow, "feedback.refused", feedback, now, on_time, reason=reason)
        uow.commit()
        return _view(feedback, domain.Disclosure(content=True, contact=False), uow.calendar.tz)


def answer_feedback(uow: UnitOfWork, principal: Principal, code: str, text: str) -> dict[str, Any]:
    """Record the result of handling; the publish stage starts, and a one-time rating token is issued
    (returned here, and shown on the tracking page). Emits `feedback.answered`."""
    text = domain.required_text("text", text, domain.ANSWER_MAX, "Nhập nội dung trả lời")
    with uow:
        feedback = _load_for_step(uow, principal, code, "answer")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)["answer"]
        feedback.status, feedback.answer, feedback.answered_at, feedback.updated_at = (
            domain.ANSWERED, text, now, now)
        _open_stages(uow, feedback, ("publish",), now)
        token = _feedback_token(uow, feedback.code)
        _put_token(uow, token, "feedback", feedback.code, feedback.unit, now)
        _record_step(uow, "feedback.answered", feedback, now, on_time)
        uow.commit()
        view = _view(feedback, domain.Disclosure(content=True, contact=False), uow.calendar.tz)
        view["rating_token"] = token
        return view


def publish_feedback(uow: UnitOfWork, principal: Principal, code: str) -> dict[str, Any]:
    """Make the answer public on the tracking page and in Open311; emits `feedback.published`."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "publish")
        now = uow.now()
        on_time = _meet(uow, feedback.code, ("publish",), now)["publish"]
        feedback.status, feedback.published_at, feedback.updated_at = domain.PUBLISHED, now, now
        _record_step(uow, "feedback.published", feedback, now, on_time)
        uow.commit()
        return _view(feedback, domain.Disclosure(content=True, contact=False), uow.calendar.tz)


def _load_for_step(uow: UnitOfWork, principal: Principal, code: str, step: str) -> Feedback:
    feedback = _load(uow, code, for_update=True)
    if not principal.has_any(ALL_UNITS_HANDLER_ROLES):
        if not principal.has_any(HANDLER_ROLES):
            raise Forbidden("handling feedback needs the role officer, head, office or admin")
        if feedback.unit is None:
            raise Forbidden("this feedback names no unit yet: the office routes it",
                            {"unit": ["not assigned"]})
        principal.ensure_unit(feedback.unit)
    domain.check_step(step, feedback.status)
    return feedback


def _open_stages(uow: UnitOfWork, feedback: Feedback, stages: Iterable[str], start: datetime, *,
                 new: bool = False) -> None:
    """Start (or restart) the legal deadlines of `stages`. A new feedback has none yet: its rows are
    added without a look-up, which would flush and cost a round trip each on the intake's hot path."""
    soon_days = int(uow.settings.rules.get("feedback_due_soon_days", 1))
    for stage in stages:
        due_at, remind_at = domain.stage_deadline(uow.calendar, start, stage, soon_days)
        row = None if new else uow.session.get(FeedbackDeadline, (feedback.code, stage))
        if row is None:
            row = FeedbackDeadline(code=feedback.code, stage=stage)
            uow.session.add(row)
        row.unit, row.started_at, row.due_at, row.remind_at = feedback.unit, start, due_at, remind_at
        row.met_at, row.soon_alerted_at, row.overdue_alerted_at = None, None, None


def _meet(uow: UnitOfWork, code: str, stages: Iterable[str], now: datetime) -> dict[str, bool]:
    """Close the open stages among `stages`; says per stage whether it was met in time (a stage that
    is not running counts as on time)."""
    on_time = {stage: True for stage in stages}
    rows = uow.session.scalars(select(FeedbackDeadline).where(
        FeedbackDeadline.code == code, FeedbackDeadline.stage.in_(list(stages)),
        FeedbackDeadline.met_at.is_(None))).all()
    for row in rows:
        on_time[row.stage] = now <= row.due_at
        row.met_at = now
    return on_time


def _record_step(uow: UnitOfWork, event_type: str, feedback: Feedback, at: datetime, on_time: bool, *,
                 from_unit: str | None = None, reason: str | None = None) -> None:
    uow.record(event_type, feedback.code, {
        "code": feedback.code, "unit": feedback.unit, "from_unit": from_unit,
        "at": at.astimezone(uow.calendar.tz).isoformat(), "on_time": on_time, "reason": reason,
    }, unit=feedback.unit)


# -- deadline sweeps ----------------------------------------------------------------------------------

DUE_SOON, OVERDUE = "due_soon", "overdue"


def alert_feedback_deadlines(uow: UnitOfWork, kind: str, limit: int = 1000) -> tuple[int, int]:
    """One batch of a deadline sweep: `feedback.due_soon` (reminder point reached, deadline not yet
    passed) or `feedback.overdue` (deadline passed, stage still open) for up to `limit` stages not yet
    alerted. Returns (emitted, claimed); claimed < limit means no more work is visible right now.

    Stage rows are claimed with FOR UPDATE SKIP LOCKED through the partial indexes of unalerted open
    stages, so concurrent replicas split the work; the marker rows in `feedback_alerts` (unique per
    feedback, stage, kind and due date) are written in the same transaction as the events, so no
    deadline is alerted twice even if a flag were cleared without the date moving.
    """
    watch, flag, moment = ((SOON_WATCH, FeedbackDeadline.soon_alerted_at, FeedbackDeadline.remind_at)
                           if kind == DUE_SOON else
                           (OVERDUE_WATCH, FeedbackDeadline.overdue_alerted_at, FeedbackDeadline.due_at))
    with uow:
        now = uow.now()
        session = uow.session
        claimed = session.execute(
            select(FeedbackDeadline.code, FeedbackDeadline.stage, FeedbackDeadline.unit, FeedbackDeadline.due_at)
            .where(watch, moment <= now).order_by(moment).limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not claimed:
            return 0, 0
        # A reminder whose deadline has already passed is not sent: the overdue alert says more.
        due = [row for row in claimed if kind == OVERDUE or row.due_at > now]
        alerts = FeedbackAlert.__table__
        marked: set[tuple[str, str]] = set()
        for row in due:
            inserted = session.execute(
                insert(alerts).from_select(
                    ["code", "stage", "kind", "due_at", "alerted_at"],
                    select(literal(row.code), literal(row.stage), literal(kind),
                           literal(row.due_at, UtcDateTime()), literal(now, UtcDateTime()))
                    .where(~exists().where(alerts.c.code == row.code, alerts.c.stage == row.stage,
                                           alerts.c.kind == kind, alerts.c.due_at == row.due_at)))
            ).rowcount
            if inserted:
                marked.add((row.code, row.stage))
        for row in claimed:
            session.execute(update(FeedbackDeadline)
                            .where(FeedbackDeadline.code == row.code, FeedbackDeadline.stage == row.stage)
                            .values({flag: now}).execution_options(synchronize_session=False))
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


# -- ratings ------------------------------------------------------------------------------------------

def issue_rating_token(uow: UnitOfWork, principal: Principal, subject_type: str, subject: str,
                       unit: str | None) -> dict[str, Any]:
    """A one-time token to rate one returned dossier or answered feedback (the one-stop desk prints it
    on the return slip). Issuing again before use replaces the earlier token; after a rating, 409."""
    if subject_type not in domain.RATING_SUBJECTS:
        raise InvalidInput("subject_type is dossier or feedback", {"subject_type": ["dossier|feedback"]})
    subject = domain.required_text("subject", subject, domain.CODE_MAX, "Nhập mã hồ sơ hoặc mã phản ánh")
    with uow:
        now = uow.now()
        if subject_type == "feedback":
            feedback = _load(uow, subject)
            if feedback.status not in (domain.ANSWERED, domain.PUBLISHED):
                raise Conflict("feedback can be rated once it is answered", {"subject": [feedback.status]})
            subject, unit, token = feedback.code, feedback.unit, _feedback_token(uow, feedback.code)
        else:
            token = secrets.token_urlsafe(24)
        if unit is not None and not principal.sees_all_units:
            principal.ensure_unit(unit)
        _put_token(uow, token, subject_type, subject, unit, now)
        uow.commit()
        return {"token": token, "subject_type": subject_type, "subject": subject, "unit": unit}


def submit_rating(uow: UnitOfWork, token: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Rate with a one-time token (public, no account); emits `rating.submitted` without the comment."""
    rating_input = domain.check_rating(data)
    with uow:
        row = uow.session.get(RatingToken, domain.token_digest(token or ""), with_for_update=True)
        if row is None:
            raise NotFound("Mã đánh giá không đúng — this rating token is unknown; check it against the "
                           "slip or the tracking page", {"token": ["unknown token"]})
        if row.used_at is not None or _rated(uow, row.subject_type, row.subject):
            raise Conflict("Mã đánh giá đã được sử dụng — this token has already been used: one rating per "
                           "dossier or feedback", {"token": ["already used"]})
        now = uow.now()
        row.used_at = now
        rating = Rating(code=_unused_rating_code(uow, now.astimezone(uow.calendar.tz)),
                        subject_type=row.subject_type, subject=row.subject, unit=row.unit,
                        overall=rating_input.overall, factors=rating_input.factors,
                        comment=rating_input.comment, submitted_at=now)
        uow.session.add(rating)
        submitted_at = now.astimezone(uow.calendar.tz)
        uow.record("rating.submitted", rating.code, {
            "code": rating.code, "subject_type": rating.subject_type, "subject": rating.subject,
            "unit": rating.unit, "overall": rating.overall, "factors": rating.factors,
            "submitted_at": submitted_at.isoformat(),
        }, unit=rating.unit)
        uow.commit()
        return {"code": rating.code, "subject_type": rating.subject_type, "subject": rating.subject,
                "overall": rating.overall, "overall_label": domain.RATING_SCALE[rating.overall],
                "submitted_at": submitted_at}


def _rated(uow: UnitOfWork, subject_type: str, subject: str) -> bool:
    return uow.session.scalar(select(exists().where(Rating.subject_type == subject_type,
                                                    Rating.subject == subject)))


def _put_token(uow: UnitOfWork, token: str, subject_type: str, subject: str, unit: str | None,
               now: datetime) -> None:
    existing = uow.session.scalars(select(RatingToken).where(RatingToken.subject_type == subject_type,
                                                             RatingToken.subject == subject)
                                   .with_for_update()).first()
    if existing is not None and (existing.used_at is not None or _rated(uow, subject_type, subject)):
        raise Conflict(f"{subject_type} {subject} has already been rated: one rating each",
                       {"subject": ["already rated"]})
    if existing is not None:
        uow.session.delete(existing)
        uow.session.flush()
    uow.session.add(RatingToken(digest=domain.token_digest(token), subject_type=subject_type, subject=subject,
                                unit=unit, issued_at=now))


def _feedback_token(uow: UnitOfWork, code: str) -> str:
    secret = uow.settings.rules.get("rating_token_secret") or uow.settings.jwt_secret
    return domain.feedback_rating_token(secret, code)


def _unused_rating_code(uow: UnitOfWork, when: datetime) -> str:
    for _ in range(CODE_ATTEMPTS):
        code = new_code("DG", when)
        if uow.session.get(Rating, code) is None:
            return code
    raise Conflict("could not allocate a free rating code this month; try again")


# -- Open311 ------------------------------------------------------------------------------------------

OPEN311_LIMIT = 200


def open311_requests(uow: UnitOfWork, *, ids: list[str] | None = None, service_code: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     status: str | None = None) -> list[dict[str, Any]]:
    """Requests as Open311 GeoReport v2 shows them: public fields only, newest first; the content only
    once the answer is published, never who sent it."""
    with uow:
        query = select(Feedback).order_by(Feedback.received_at.desc()).limit(OPEN311_LIMIT)
        if ids:
            query = query.where(Feedback.code.in_([domain.normalise_code(i) for i in ids]))
        if service_code:
            query = query.where(Feedback.category == service_code)
        if start is not None:
            query = query.where(Feedback.received_at >= start)
        if end is not None:
            query = query.where(Feedback.received_at <= end)
        if status == "closed":
            query = query.where(Feedback.status.in_(list(domain.OPEN311_CLOSED)))
        elif status == "open":
            query = query.where(Feedback.status.not_in(list(domain.OPEN311_CLOSED)))
        tz = uow.calendar.tz
        return [_open311_view(f, tz) for f in uow.session.scalars(query)]


def _open311_view(feedback: Feedback, tz: tzinfo) -> dict[str, Any]:
    published = feedback.status == domain.PUBLISHED
    view: dict[str, Any] = {
        "service_request_id": feedback.code,
        "status": domain.open311_status(feedback.status),
        "status_notes": domain.open311_notes(feedback.status, feedback.refusal_reason,
                                             feedback.answer if published else None),
        "service_name": domain.CATEGORIES[feedback.category],
        "service_code": feedback.category,
        "agency_responsible": feedback.unit,
        "requested_datetime": feedback.received_at.astimezone(tz).isoformat(),
        "updated_datetime": (feedback.updated_at or feedback.received_at).astimezone(tz).isoformat(),
        "lat": feedback.latitude,
        "long": feedback.longitude,
    }
    if published:
        view["description"] = feedback.content
        view["address"] = feedback.address_string
    return view
