"""Handling feedback on time: forward to the competent unit, accept, refuse, answer, publish; each
step closes the stages it meets and says whether it met them in time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.feedback import domain, store
from services.feedback.models import Feedback
from services.feedback.use_cases import STAFF_VIEW, FeedbackView, feedback_token, load, open_stages, put_token
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ForwardFeedback:
    unit: str
    note: str | None = None  # for the receiving unit, not public


@dataclass(frozen=True)
class RefuseFeedback:
    reason: str  # public: the reporter reads it


@dataclass(frozen=True)
class AnswerFeedback:
    text: str


def forward_feedback(uow: UnitOfWork, principal: Principal, code: str, command: ForwardFeedback) -> FeedbackView:
    """Send feedback outside the unit's authority to the competent unit: the stages start again
    there. Emits `feedback.forwarded` with whether it left within the 5 working days."""
    unit = domain.required_text("unit", command.unit, domain.CODE_MAX, "Chọn đơn vị có thẩm quyền")
    with uow:
        feedback = _load_for_step(uow, principal, code, "forward")
        if unit == feedback.unit:
            raise Conflict("the feedback is already with this unit; choose another unit or accept it",
                           {"unit": ["same as the current unit"]})
        now = uow.now()
        on_time = _meet(uow, feedback.code, ("forward",), now)["forward"]
        from_unit = feedback.unit
        feedback.unit, feedback.status, feedback.updated_at = unit, domain.FORWARDED, now
        feedback.forward_note = domain.clean_text(command.note)
        open_stages(uow, feedback, domain.RECEPTION_STAGES, now)
        # The note stays here: officers' free text may quote the reporter.
        _record_step(uow, "feedback.forwarded", feedback, now, on_time, from_unit=from_unit)
        uow.commit()
        return FeedbackView(feedback, STAFF_VIEW)


def accept_feedback(uow: UnitOfWork, principal: Principal, code: str) -> FeedbackView:
    """The unit takes the feedback on: the decide-or-refuse and forward stages are met."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "accept")
        now = uow.now()
        _meet(uow, feedback.code, ("refuse", "forward"), now)
        feedback.status, feedback.updated_at = domain.IN_PROGRESS, now
        uow.commit()
        return FeedbackView(feedback, STAFF_VIEW)


def refuse_feedback(uow: UnitOfWork, principal: Principal, code: str, command: RefuseFeedback) -> FeedbackView:
    """Refuse feedback with the reason the reporter will read; emits `feedback.refused`."""
    reason = domain.required_text("reason", command.reason, domain.REASON_MAX, "Nêu lý do không tiếp nhận")
    with uow:
        feedback = _load_for_step(uow, principal, code, "refuse")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)["refuse"]
        feedback.status, feedback.refusal_reason, feedback.updated_at = domain.REFUSED, reason, now
        _record_step(uow, "feedback.refused", feedback, now, on_time, reason=reason)
        uow.commit()
        return FeedbackView(feedback, STAFF_VIEW)


def answer_feedback(uow: UnitOfWork, principal: Principal, code: str, command: AnswerFeedback) -> FeedbackView:
    """Record the result of handling; the publish stage starts, and a one-time rating token is issued
    (returned here, and shown on the tracking page). Emits `feedback.answered`."""
    text = domain.required_text("text", command.text, domain.ANSWER_MAX, "Nhập nội dung trả lời")
    with uow:
        feedback = _load_for_step(uow, principal, code, "answer")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)["answer"]
        feedback.status, feedback.answer, feedback.answered_at, feedback.updated_at = (
            domain.ANSWERED, text, now, now)
        open_stages(uow, feedback, ("publish",), now)
        token = feedback_token(uow, feedback.code)
        put_token(uow, token, "feedback", feedback.code, feedback.unit, now)
        _record_step(uow, "feedback.answered", feedback, now, on_time)
        uow.commit()
        return FeedbackView(feedback, STAFF_VIEW, offers_rating_token=True, rating_token=token)


def publish_feedback(uow: UnitOfWork, principal: Principal, code: str) -> FeedbackView:
    """Make the answer public on the tracking page and in Open311; emits `feedback.published`."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "publish")
        now = uow.now()
        on_time = _meet(uow, feedback.code, ("publish",), now)["publish"]
        feedback.status, feedback.published_at, feedback.updated_at = domain.PUBLISHED, now, now
        _record_step(uow, "feedback.published", feedback, now, on_time)
        uow.commit()
        return FeedbackView(feedback, STAFF_VIEW)


def _load_for_step(uow: UnitOfWork, principal: Principal, code: str, step: str) -> Feedback:
    feedback = load(uow, code, for_update=True)
    if not principal.has_any(domain.ALL_UNITS_STAFF_ROLES):
        if not principal.has_any(domain.STAFF_ROLES):
            raise Forbidden("handling feedback needs the role officer, head, office or admin")
        if feedback.unit is None:
            raise Forbidden("this feedback names no unit yet: the office routes it",
                            {"unit": ["not assigned"]})
        principal.ensure_unit(feedback.unit)
    domain.check_step(step, feedback.status)
    return feedback


def _meet(uow: UnitOfWork, code: str, stages: Iterable[str], now: datetime) -> dict[str, bool]:
    """Close the open stages among `stages`; says per stage whether it was met in time (a stage that
    is not running counts as on time)."""
    on_time = {stage: True for stage in stages}
    for row in store.open_deadlines(uow.session, code, stages):
        on_time[row.stage] = now <= row.due_at
        row.met_at = now
    return on_time


def _record_step(uow: UnitOfWork, event_type: str, feedback: Feedback, at: datetime, on_time: bool, *,
                 from_unit: str | None = None, reason: str | None = None) -> None:
    uow.record(event_type, feedback.code, {
        "code": feedback.code, "unit": feedback.unit, "from_unit": from_unit,
        "at": at.astimezone(uow.calendar.tz).isoformat(), "on_time": on_time, "reason": reason,
    }, unit=feedback.unit)
