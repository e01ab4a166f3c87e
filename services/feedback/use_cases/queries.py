"""Reading feedback: by tracking code (as much as the reader may see), and a unit's list."""

from __future__ import annotations

from services.feedback import domain, store
from services.feedback.models import Feedback, FeedbackReporter, RatingToken
from services.feedback.use_cases import STAFF_VIEW, FeedbackView, feedback_token, limits_of, load
from shared.auth import STAFF_ROLES, Principal
from shared.db import Page, paginate
from shared.uow import UnitOfWork


def get_feedback(uow: UnitOfWork, code: str, principal: Principal | None) -> FeedbackView:
    """Feedback by tracking code, as much of it as the reader may see: anyone sees its status, the legal
    limits that judge it, the questions put to the reporter, the published answer and, once answered, the
    one-time rating token; the unit it is addressed to also
    its content and deadlines; the office and admins also the reporter's contact."""
    with uow:
        feedback = load(uow, code)
        shown = _disclosure(principal, feedback)
        reporter = uow.session.get(FeedbackReporter, feedback.code) if shown.contact else None
        offers_token, token = feedback.status in (domain.ANSWERED, domain.PUBLISHED), None
        if offers_token:
            token = feedback_token(uow, feedback.code)
            row = uow.session.get(RatingToken, domain.token_digest(token))
            token = token if row is not None and row.used_at is None else None
        public = {"offers_rating_token": offers_token, "rating_token": token, "limits": limits_of(uow, feedback),
                  "clarifications": store.clarifications_of(uow.session, feedback.code)}
        if not shown.content:
            return FeedbackView(feedback, shown, **public)
        return FeedbackView(feedback, shown, reporter=reporter,
                            deadlines=store.deadlines_of(uow.session, feedback.code),
                            attachments=store.attachments_of(uow.session, feedback.code), **public)


def list_feedback(uow: UnitOfWork, principal: Principal, unit: str | None, status: str | None,
                  page: int, page_size: int) -> Page:
    """A unit's feedback (the caller's own unless they oversee every unit), oldest first: the legal
    handling times run from reception, so the oldest is the most urgent. Contact details stay out of
    lists even for the office: they are read one case at a time."""
    unit = principal.scope_unit(unit)
    with uow:
        result = paginate(uow.session, store.feedback_query(unit, status), page, page_size)
        return result.map(lambda feedback: FeedbackView(feedback, STAFF_VIEW))


def _disclosure(principal: Principal | None, feedback: Feedback) -> domain.Disclosure:
    # A token without a staff role (none at all, or only `publisher`) reads the tracking page as the public
    # does, whatever unit it names (issue 14: roles mean something).
    if principal is None or not principal.has_any(STAFF_ROLES):
        return domain.Disclosure(content=False, contact=False)
    in_scope = principal.sees_all_units or (feedback.unit is not None
                                            and principal.can_access_unit(feedback.unit))
    return domain.disclosure(principal.roles, can_access_unit=in_scope)
