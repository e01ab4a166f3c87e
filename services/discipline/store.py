"""SQLAlchemy statements the use cases share: the unit tree, headship terms, per-transaction memos, the
facts of an official and their decisions. No decisions here: the domain picks, the use cases decide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from services.discipline.domain import directory, rules, sanctions
from services.discipline.models import Decision, Headship, Official, RuleSetConfirmation, Unit
from shared.uow import UnitOfWork


def memo(uow: UnitOfWork, key, load: Callable[[], Any]):
    """`load()` once per transaction for `key` (reference data a consumer batch reads many times)."""
    if key not in uow.memo:
        uow.memo[key] = load()
    return uow.memo[key]


def unit_subtree(session, root: str) -> list[str]:
    """The unit and every unit below it, at any depth."""
    tree = select(Unit.code).where(Unit.code == root).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.code).where(Unit.parent == tree.c.code))
    codes = list(session.scalars(select(tree.c.code)))
    return codes or [root]


def unit_chain(session, unit: str) -> list[str]:
    """The unit and the units above it, nearest first (a loop in bad data stops the walk)."""
    chain, current = [], unit
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(Unit.parent).where(Unit.code == current))
    return chain


def terms(session, unit: str, role: str = "head") -> list[Headship]:
    """The unit's terms in `role`, latest recorded first."""
    return list(session.scalars(select(Headship).where(Headship.unit == unit, Headship.role == role)
                                .order_by(Headship.id.desc())))


def term_in_office(session, unit: str, day: date, role: str = "head") -> Headship | None:
    """The term of the unit's `role` in office on `day`, as `directory.term_in_office` picks it from the
    unit's terms (of two starting the same day, the one recorded last)."""
    rows = terms(session, unit, role)
    term = directory.term_in_office([directory.Term(h.id, h.official, h.role, h.since, h.until) for h in rows],
                                    day, role)
    return None if term is None else next(h for h in rows if h.id == term.id)


def official_facts(uow: UnitOfWork, official: str) -> tuple[str, bool, str]:
    """(category, leader, name) of an official, read once per transaction; one the directory does not know
    is judged as a công chức without a post (rules.DEFAULT_CATEGORY) and named by code."""
    def load():
        row = uow.session.get(Official, official)
        return (row.category, bool(row.is_leader), row.name) if row else (rules.DEFAULT_CATEGORY, False, official)
    return memo(uow, ("official", official), load)


def prior_decisions(session, official: str) -> list[sanctions.PriorDecision]:
    return [sanctions.PriorDecision(d.code, d.form, d.violation_kind, d.decided_on, d.in_force_until, d.effective_on)
            for d in session.scalars(select(Decision).where(Decision.official == official))]


def confirmed_rule_sets(uow: UnitOfWork) -> dict[str, RuleSetConfirmation]:
    """The operators' confirmations of unverified rule sets, by version, read once per transaction."""
    return memo(uow, ("rule_set_confirmations",), lambda: {
        c.version: c for c in uow.session.scalars(select(RuleSetConfirmation))})
