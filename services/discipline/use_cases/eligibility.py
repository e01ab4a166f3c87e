"""What an official may receive on a day while disciplined, and the cap on the year's evaluation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.discipline import store
from services.discipline.domain import eligibility
from services.discipline.models import Decision, Official
from services.discipline.use_cases import access
from shared.auth import Principal
from shared.errors import NotFound
from shared.uow import UnitOfWork


def official_eligibility(uow: UnitOfWork, principal: Principal, code: str, on: date | None = None) -> dict:
    """May the official on `on` (today by default) receive an emulation award, be appointed or planned,
    and what is the best evaluation of that year — with the decisions that cause each answer."""
    with uow:
        session = uow.session
        official = session.get(Official, code)
        if official is None:
            raise NotFound(f"no official with code {code!r}")
        access.ensure_visible(session, principal, code, official.unit)
        on = on or uow.now().astimezone(uow.calendar.tz).date()
        result = eligibility.eligibility(store.prior_decisions(session, code), on)
        cause = {d.code for d in (*result.in_force, *result.in_year)}
        decisions = {d.code: d for d in session.scalars(select(Decision).where(Decision.code.in_(cause)))} \
            if cause else {}
        return {
            "official": code, "name": official.name, "on": on,
            "may_receive_award": result.may_receive_award, "may_be_appointed": result.may_be_appointed,
            "may_be_planned": result.may_be_planned, "evaluation_year": on.year,
            "evaluation_cap": result.evaluation_cap,
            "evaluation_cap_label": eligibility.EVALUATION_LABELS.get(result.evaluation_cap) if result.evaluation_cap
            else None,
            "reasons": result.reasons, "legal_basis": eligibility.LEGAL_BASIS,
            "decisions_in_force": [decisions[d.code] for d in result.in_force],
            "decisions_in_year": [decisions[d.code] for d in result.in_year],
        }
