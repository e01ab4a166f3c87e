"""Handling feedback on time: forward to the competent unit, accept, refuse, send back, ask the reporter
for more (and the reporter's reply), answer, publish; each step closes the stages it meets and says
whether it met its legal deadline (Decree 20/2008/ND-CP as amended; the national portal's method for
Decision 766/QD-TTg, indicator 5.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.feedback import domain, store
from services.feedback.domain import codes
from services.feedback.models import Feedback, FeedbackClarification, FeedbackDeadline
from services.feedback.use_cases import (
    STAFF_VIEW,
    FeedbackView,
    directory,
    feedback_token,
    limits_of,
    load,
    open_stages,
    put_token,
)
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ForwardFeedback:
    unit: str
    note: str | None = None  # for the receiving unit, not public


@dataclass(frozen=True)
class RefuseFeedback:
    reason: str  # public: the reporter reads it


@dataclass(frozen=True)
class SendBackFeedback:
    reason: str  # public: the reporter reads it


@dataclass(frozen=True)
class RequestClarification:
    question: str  # public: the reporter, maybe anonymous, reads it with the tracking code


@dataclass(frozen=True)
class AddInformation:
    text: str  # read like the content: by the unit concerned


@dataclass(frozen=True)
class AnswerFeedback:
    text: str


def forward_feedback(uow: UnitOfWork, principal: Principal, code: str, command: ForwardFeedback) -> FeedbackView:
    """Send feedback outside the unit's authority to the competent unit: the stages start again
    there. Emits `feedback.forwarded` with whether it left within the 2 working days of the first
    decision."""
    unit = domain.required_text("unit", command.unit, domain.CODE_MAX, "Chọn đơn vị có thẩm quyền")
    if problem := codes.pattern_error(unit):
        raise InvalidInput("the competent unit's code is not a directory code", {"unit": problem})
    with uow:
        directory.check_references(uow, {"unit": unit})
        feedback = _load_for_step(uow, principal, code, "forward")
        if unit == feedback.unit:
            raise Conflict("the feedback is already with this unit; choose another unit or accept it",
                           {"unit": ["same as the current unit"]})
        now = uow.now()
        on_time = _meet(uow, feedback.code, (domain.FIRST_DECISION,), now)[domain.FIRST_DECISION]
        from_unit = feedback.unit
        feedback.unit, feedback.status, feedback.updated_at = unit, domain.FORWARDED, now
        feedback.forward_note = domain.clean_text(command.note)
        open_stages(uow, feedback, domain.RECEPTION_STAGES, now)
        # The note stays here: officers' free text may quote the reporter.
        _record_step(uow, "feedback.forwarded", feedback, now, on_time, from_unit=from_unit)
        view = _view(uow, feedback)
        uow.commit()
        return view


def accept_feedback(uow: UnitOfWork, principal: Principal, code: str) -> FeedbackView:
    """The unit takes the feedback on: the first decision is met (the window to ask the reporter for more
    and the answer's clock keep running)."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "accept")
        now = uow.now()
        _meet(uow, feedback.code, (domain.FIRST_DECISION,), now)
        feedback.status, feedback.updated_at = domain.IN_PROGRESS, now
        view = _view(uow, feedback)
        uow.commit()
        return view


def refuse_feedback(uow: UnitOfWork, principal: Principal, code: str, command: RefuseFeedback) -> FeedbackView:
    """Refuse feedback with the reason the reporter will read; emits `feedback.refused`."""
    reason = domain.required_text("reason", command.reason, domain.REASON_MAX, "Nêu lý do không tiếp nhận")
    with uow:
        feedback = _load_for_step(uow, principal, code, "refuse")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)[domain.FIRST_DECISION]
        feedback.status, feedback.refusal_reason, feedback.updated_at = domain.REFUSED, reason, now
        _record_step(uow, "feedback.refused", feedback, now, on_time, reason=reason)
        view = _view(uow, feedback)
        uow.commit()
        return view


def send_back_feedback(uow: UnitOfWork, principal: Principal, code: str, command: SendBackFeedback) -> FeedbackView:
    """Send the feedback back to the reporter (trả lại), with the reason the reporter will read, within the
    2 working days of the first decision; final. Emits `feedback.sent_back`."""
    reason = domain.required_text("reason", command.reason, domain.REASON_MAX, "Nêu lý do trả lại phản ánh")
    with uow:
        feedback = _load_for_step(uow, principal, code, "send_back")
        now = uow.now()
        on_time = _meet(uow, feedback.code, domain.RECEPTION_STAGES, now)[domain.FIRST_DECISION]
        feedback.status, feedback.sent_back_reason, feedback.updated_at = domain.SENT_BACK, reason, now
        _record_step(uow, "feedback.sent_back", feedback, now, on_time, reason=reason)
        view = _view(uow, feedback)
        uow.commit()
        return view


def request_clarification(uow: UnitOfWork, principal: Principal, code: str,
                          command: RequestClarification) -> FeedbackView:
    """Ask the reporter for more information (within 5 working days of reception): the question is shown
    with the tracking code, the answer's clock waits until the reporter replies, and the first decision
    counts as taken. Emits `feedback.clarification_requested` (without the question: officers' free text
    may quote the reporter)."""
    question = domain.required_text("question", command.question, domain.QUESTION_MAX,
                                    "Nêu thông tin cần người phản ánh bổ sung")
    with uow:
        feedback = _load_for_step(uow, principal, code, "clarify")
        now = uow.now()
        _meet(uow, feedback.code, (domain.FIRST_DECISION,), now)
        window = uow.session.get(FeedbackDeadline, (feedback.code, "clarify"))
        # Judged against the window whether or not an earlier question closed it: a question after the
        # 5 working days is late whatever came before.
        on_time = window is None or now <= window.due_at
        if window is not None and window.met_at is None:
            window.met_at = now
        answer = uow.session.get(FeedbackDeadline, (feedback.code, "answer"))
        if answer is not None and answer.met_at is None and answer.paused_at is None:
            answer.paused_at = now
        uow.session.add(FeedbackClarification(feedback_code=feedback.code, question=question, asked_at=now,
                                              asked_by=principal.sub[:64], on_time=on_time))
        feedback.status, feedback.updated_at = domain.AWAITING_INFO, now
        _record_step(uow, "feedback.clarification_requested", feedback, now, on_time)
        view = _view(uow, feedback)
        uow.commit()
        return view


def add_information(uow: UnitOfWork, code: str, command: AddInformation) -> FeedbackView:
    """The reporter replies to the unit's question with the tracking code (public, no account: the code
    is the reporter's key). The answer's clock runs again with the working time it had left, and the
    feedback is back in the unit's hands."""
    text = domain.required_text("text", command.text, domain.INFORMATION_MAX, "Nhập thông tin bổ sung")
    with uow:
        feedback = load(uow, code, for_update=True)
        domain.check_step("add_information", feedback.status)
        now = uow.now()
        pending = store.pending_clarification(uow.session, feedback.code)
        if pending is not None:
            pending.reply, pending.replied_at = text, now
        answer = uow.session.get(FeedbackDeadline, (feedback.code, "answer"))
        if answer is not None and answer.paused_at is not None:
            due_at = domain.resumed_deadline(uow.calendar, answer.paused_at, answer.due_at, now)
            if due_at != answer.due_at:
                soon_days = int(uow.settings.rules.get("feedback_due_soon_days", 1))
                remind_at = uow.calendar.add_working_hours(due_at, -soon_days * uow.calendar.hours_per_day())
                answer.due_at, answer.remind_at = due_at, max(remind_at, now)
                answer.soon_alerted_at = answer.overdue_alerted_at = None
            answer.paused_at = None
        feedback.status, feedback.updated_at = domain.IN_PROGRESS, now
        public = domain.Disclosure(content=False, contact=False)
        view = FeedbackView(feedback, public, clarifications=store.clarifications_of(uow.session, feedback.code),
                            limits=limits_of(uow, feedback))
        uow.commit()
        return view


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
        view = _view(uow, feedback, offers_rating_token=True, rating_token=token)
        uow.commit()
        return view


def publish_feedback(uow: UnitOfWork, principal: Principal, code: str) -> FeedbackView:
    """Make the answer public on the tracking page and in Open311; emits `feedback.published`."""
    with uow:
        feedback = _load_for_step(uow, principal, code, "publish")
        now = uow.now()
        on_time = _meet(uow, feedback.code, ("publish",), now)["publish"]
        feedback.status, feedback.published_at, feedback.updated_at = domain.PUBLISHED, now, now
        _record_step(uow, "feedback.published", feedback, now, on_time)
        view = _view(uow, feedback)
        uow.commit()
        return view


def _view(uow: UnitOfWork, feedback: Feedback, **extra) -> FeedbackView:
    """What a handling step answers: the feedback as its unit sees it, with its running deadlines, the
    questions put to the reporter and the limits that judge it."""
    return FeedbackView(feedback, STAFF_VIEW, deadlines=store.deadlines_of(uow.session, feedback.code),
                        clarifications=store.clarifications_of(uow.session, feedback.code),
                        limits=limits_of(uow, feedback), **extra)


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
