"""Satisfaction ratings (SIPAS): one-time tokens for a returned dossier or an answered feedback, and
the rating given with one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from services.feedback import domain, store
from services.feedback.domain import codes
from services.feedback.models import Rating, RatingToken
from services.feedback.use_cases import directory, feedback_token, load, put_token, unused_code
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class IssueRatingToken:
    subject_type: str  # dossier | feedback
    subject: str
    unit: str | None = None  # for a dossier; a feedback's own unit is used


@dataclass(frozen=True)
class IssuedToken:
    token: str
    subject_type: str
    subject: str
    unit: str | None


@dataclass(frozen=True)
class RateWithToken:
    """A rating as sent: scores are checked by the domain (whole numbers 1–5, known SIPAS factors)."""

    token: str
    overall: Any
    factors: Any = field(default_factory=dict)
    comment: str | None = None


def issue_rating_token(uow: UnitOfWork, principal: Principal, command: IssueRatingToken) -> IssuedToken:
    """A one-time token to rate one returned dossier or answered feedback (the one-stop desk prints it
    on the return slip). Issuing again before use replaces the earlier token; after a rating, 409."""
    subject_type, unit = command.subject_type, command.unit
    if subject_type not in domain.RATING_SUBJECTS:
        raise InvalidInput("subject_type is dossier or feedback", {"subject_type": ["dossier|feedback"]})
    subject = domain.required_text("subject", command.subject, domain.CODE_MAX, "Nhập mã hồ sơ hoặc mã phản ánh")
    with uow:
        now = uow.now()
        if subject_type == "feedback":
            feedback = load(uow, subject)
            if feedback.status not in (domain.ANSWERED, domain.PUBLISHED):
                raise Conflict("feedback can be rated once it is answered", {"subject": [feedback.status]})
            subject, unit, token = feedback.code, feedback.unit, feedback_token(uow, feedback.code)
        else:
            token = secrets.token_urlsafe(24)
            if unit is not None:
                if problem := codes.pattern_error(unit):
                    raise InvalidInput("the dossier's unit is not a directory code", {"unit": problem})
                directory.check_references(uow, {"unit": unit})
        if unit is not None and not principal.sees_all_units:
            principal.ensure_unit(unit)
        put_token(uow, token, subject_type, subject, unit, now)
        uow.commit()
        return IssuedToken(token=token, subject_type=subject_type, subject=subject, unit=unit)


def submit_rating(uow: UnitOfWork, command: RateWithToken) -> Rating:
    """Rate with a one-time token (public, no account); emits `rating.submitted` without the comment, with
    the survey round that invited it, if any."""
    rating_input = domain.check_rating(command.overall, command.factors, command.comment)
    with uow:
        row = uow.session.get(RatingToken, domain.token_digest(command.token or ""), with_for_update=True)
        if row is None:
            raise NotFound("Mã đánh giá không đúng — this rating token is unknown; check it against the "
                           "slip or the tracking page", {"token": ["unknown token"]})
        if row.used_at is not None or store.rated(uow.session, row.subject_type, row.subject):
            raise Conflict("Mã đánh giá đã được sử dụng — this token has already been used: one rating per "
                           "dossier or feedback", {"token": ["already used"]})
        now = uow.now()
        row.used_at = now
        rating = Rating(code=unused_code(uow, Rating, "DG", now.astimezone(uow.calendar.tz), "rating"),
                        subject_type=row.subject_type, subject=row.subject, unit=row.unit,
                        overall=rating_input.overall, factors=rating_input.factors,
                        comment=rating_input.comment, submitted_at=now, survey_round=row.survey_round)
        uow.session.add(rating)
        uow.record("rating.submitted", rating.code, {
            "code": rating.code, "subject_type": rating.subject_type, "subject": rating.subject,
            "unit": rating.unit, "overall": rating.overall, "factors": rating.factors,
            "submitted_at": now.astimezone(uow.calendar.tz).isoformat(), "survey_round": row.survey_round,
        }, unit=rating.unit)
        uow.commit()
        return rating

