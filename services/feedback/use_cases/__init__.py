"""Use cases of the feedback service, one module per goal; each use case is one unit of work.

What they share: loading feedback by its tracking code, the stages' deadlines, the rating token of an
answered feedback, and the view of one feedback that the edge serialises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.feedback import domain, store
from services.feedback.models import (
    Feedback,
    FeedbackAttachment,
    FeedbackClarification,
    FeedbackDeadline,
    FeedbackReporter,
    RatingToken,
)
from shared.codes import new_code
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork

CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class FeedbackView:
    """One feedback as one reader may see it (`shown`); what is None here is not part of the answer."""

    feedback: Feedback
    shown: domain.Disclosure
    reporter: FeedbackReporter | None = None  # read only when shown.contact
    deadlines: list[FeedbackDeadline] | None = None
    attachments: list[FeedbackAttachment] | None = None
    offers_rating_token: bool = False
    rating_token: str | None = None  # when offered: None once used
    # The questions put to the reporter (public: the reporter reads them with the code); their replies
    # only when shown.content.
    clarifications: list[FeedbackClarification] | None = None
    limits: domain.HandlingLimits | None = None  # the legal limits that judge this feedback, public


def limits_of(uow: UnitOfWork, feedback: Feedback) -> domain.HandlingLimits:
    """The handling limits in force on the day the feedback was received."""
    return domain.limits_on(feedback.received_at.astimezone(uow.calendar.tz).date())


# Officers' answers: the content, not the contact (read one case at a time, by the office).
STAFF_VIEW = domain.Disclosure(content=True, contact=False)


def load(uow: UnitOfWork, code: str, for_update: bool = False) -> Feedback:
    feedback = uow.session.get(Feedback, domain.normalise_code(code), with_for_update=for_update)
    if feedback is None:
        raise NotFound(f"Không tìm thấy phản ánh có mã {code!r} — no feedback has this tracking code; "
                       "check it against your receipt", {"code": ["unknown tracking code"]})
    return feedback


def open_stages(uow: UnitOfWork, feedback: Feedback, stages: Iterable[str], start: datetime, *,
                new: bool = False) -> None:
    """Start (or restart) the legal deadlines of `stages`. A new feedback has none yet: its rows are
    added without a look-up, which would flush and cost a round trip each on the intake's hot path."""
    for stage, due_at, remind_at in stage_deadlines(uow, stages, start):
        row = None if new else uow.session.get(FeedbackDeadline, (feedback.code, stage))
        if row is None:
            row = FeedbackDeadline(code=feedback.code, stage=stage)
            uow.session.add(row)
        row.unit, row.started_at, row.due_at, row.remind_at = feedback.unit, start, due_at, remind_at
        row.met_at, row.paused_at, row.soon_alerted_at, row.overdue_alerted_at = None, None, None, None


def stage_deadlines(uow: UnitOfWork, stages: Iterable[str], start: datetime) -> list[tuple[str, datetime, datetime]]:
    """(stage, due_at, remind_at) of each of `stages` started at `start`."""
    soon_days = int(uow.settings.rules.get("feedback_due_soon_days", 1))
    limits = domain.limits_on(start.astimezone(uow.calendar.tz).date())
    return [(stage, *domain.stage_deadline(uow.calendar, start, stage, soon_days, limits)) for stage in stages]


def feedback_token(uow: UnitOfWork, code: str) -> str:
    secret = uow.settings.rules.get("rating_token_secret") or uow.settings.jwt_secret
    return domain.feedback_rating_token(secret, code)


def put_token(uow: UnitOfWork, token: str, subject_type: str, subject: str, unit: str | None,
              now: datetime, survey_round: str | None = None) -> None:
    """Issue the one-time rating token of a subject, replacing one not used yet; 409 once rated."""
    existing = store.token_of(uow.session, subject_type, subject)
    if existing is not None and (existing.used_at is not None or store.rated(uow.session, subject_type, subject)):
        raise Conflict(f"{subject_type} {subject} has already been rated: one rating each",
                       {"subject": ["already rated"]})
    if existing is not None:
        uow.session.delete(existing)
        uow.session.flush()
    uow.session.add(RatingToken(digest=domain.token_digest(token), subject_type=subject_type, subject=subject,
                                unit=unit, issued_at=now, survey_round=survey_round))


def unused_code(uow: UnitOfWork, model: type, prefix: str, when: datetime, what: str) -> str:
    """A new code (`prefix`, the month of `when`) that no row of `model` has yet."""
    for _ in range(CODE_ATTEMPTS):
        code = new_code(prefix, when)
        if uow.session.get(model, code) is None:
            return code
    raise Conflict(f"could not allocate a free {what} code this month; try again")
