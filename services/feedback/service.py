"""Use cases of the feedback service, each in one unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select

from services.feedback import domain
from services.feedback.models import Feedback, FeedbackReporter
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import Conflict, Forbidden, NotFound
from shared.uow import UnitOfWork
from shared.web import paginate

CODE_ATTEMPTS = 5


def submit_feedback(uow: UnitOfWork, data: Mapping[str, Any], *,
                    received_at: datetime | None = None) -> Feedback:
    """Receive feedback and give it a tracking code; emits `feedback.received` without personal data.

    `data` has the keys of the public form: channel, category, content, unit, official, dossier_code,
    anonymous, reporter {name, phone, email, address}. `received_at` is for feedback that arrived
    earlier than it is keyed in (a letter, a hotline log, an import); it defaults to now.
    """
    with uow:
        now = uow.now()
        submission = domain.check_submission(data, received_at=received_at or now, now=now)
        # Shown to the reporter on the receipt and the code's month: local time, as on a paper receipt.
        local_received_at = submission.received_at.astimezone(uow.calendar.tz)
        feedback = Feedback(
            code=_unused_code(uow, local_received_at),
            channel=submission.channel,
            category=submission.category,
            content=submission.content,
            unit=submission.unit,
            official=submission.official,
            dossier_code=submission.dossier_code,
            anonymous=submission.anonymous,
            status=domain.RECEIVED,
            received_at=local_received_at,
        )
        uow.session.add(feedback)
        if submission.reporter is not None:
            reporter = submission.reporter
            uow.session.add(FeedbackReporter(feedback_code=feedback.code, name=reporter.name,
                                             phone=reporter.phone, email=reporter.email,
                                             address=reporter.address))
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
        uow.commit()
        return feedback


def get_feedback(uow: UnitOfWork, code: str, principal: Principal | None) -> dict[str, Any]:
    """Feedback by tracking code, as much of it as the reader may see: anyone sees its status; the
    unit it is addressed to also its content; the office and admins also the reporter's contact."""
    with uow:
        feedback = uow.session.get(Feedback, domain.normalise_code(code))
        if feedback is None:
            raise NotFound(f"Không tìm thấy phản ánh có mã {code!r} — no feedback has this tracking code; "
                           "check it against your receipt", {"code": ["unknown tracking code"]})
        shown = _disclosure(principal, feedback)
        reporter = uow.session.get(FeedbackReporter, feedback.code) if shown.contact else None
        return _view(feedback, shown, uow.calendar.tz, reporter)


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
        "answer": None,
    }
    if feedback.answer is not None:
        answered_at = feedback.answered_at.astimezone(tz) if feedback.answered_at else None
        view["answer"] = {"text": feedback.answer, "answered_at": answered_at}
    if shown.content:
        view.update(content=feedback.content, official=feedback.official, dossier_code=feedback.dossier_code,
                    anonymous=feedback.anonymous)
    if shown.contact:
        view["reporter"] = None if reporter is None else {
            "name": reporter.name, "phone": reporter.phone,
            "email": reporter.email, "address": reporter.address,
        }
    return view
