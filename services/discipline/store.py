"""SQLAlchemy statements the use cases share: the unit tree, headship terms, per-transaction memos, the
facts of an official and their decisions. No decisions here: the domain picks, the use cases decide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from services.discipline.domain import directory, rules, sanctions
from services.discipline.models import (
    Decision,
    ExplanationRequest,
    Headship,
    LateFact,
    Official,
    RuleSetConfirmation,
    SanctionProposal,
    Unit,
    Violation,
)
from shared.uow import UnitOfWork


def memo(uow: UnitOfWork, key, load: Callable[[], Any]):
    """`load()` once per transaction for `key` (reference data a consumer batch reads many times).

    Reference data (units, officials, terms, rule-set confirmations) is never written by the transactions that
    read it here, so reading it does not flush their pending rows: those go out together, one statement per
    table, with the next query that needs them or the commit, instead of one flush per unit or official."""
    if key not in uow.memo:
        with uow.session.no_autoflush:
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


# -- a consumer batch's late subjects, read in one statement each ------------------------------------------
# A batch of `dossier.overdue` / `dossier.apology_missed` events would otherwise look up, one event at a time,
# the late fact, the explanation requests and the violations of each dossier. `prefetch_late_subjects` reads
# them for the whole batch into `uow.memo`; the lookups below answer from there for those subjects (and learn
# what the batch adds), and query as before for any other subject.

def prefetch_late_subjects(uow: UnitOfWork, facts: set[tuple[str, str]], requests: set[tuple[str, str]],
                           violations: set[tuple[str, str]]) -> None:
    """(subject_type, subject) pairs whose late facts, explanation requests and violations (by source type and
    source) the batch will look up."""
    session = uow.session
    memo = uow.memo
    facts -= memo.setdefault("late_fact_scope", set())
    if facts:
        known = memo.setdefault("late_facts", {})
        for fact in session.scalars(select(LateFact).where(
                LateFact.subject_type.in_({t for t, _ in facts}), LateFact.subject.in_({s for _, s in facts}))):
            if (fact.subject_type, fact.subject) in facts:
                known[(fact.subject_type, fact.subject, fact.subject_due_at)] = fact
        memo["late_fact_scope"] |= facts
    requests -= memo.setdefault("request_scope", set())
    if requests:
        known = memo.setdefault("requests", {})
        for request in session.scalars(select(ExplanationRequest).where(
                ExplanationRequest.subject_type.in_({t for t, _ in requests}),
                ExplanationRequest.subject.in_({s for _, s in requests})).order_by(ExplanationRequest.code)):
            if (request.subject_type, request.subject) in requests:
                known.setdefault((request.subject_type, request.subject, request.subject_due_at), []).append(request)
        memo["request_scope"] |= requests
    violations -= memo.setdefault("violation_scope", set())
    if violations:
        known = memo.setdefault("violations", {})
        for violation in session.scalars(select(Violation).where(
                Violation.source_type.in_({t for t, _ in violations}),
                Violation.source.in_({s for _, s in violations}))):
            if (violation.source_type, violation.source) in violations:
                known.setdefault(_violation_key(violation.official, violation.kind, violation.source_type,
                                                violation.source, violation.responsibility), violation)
        memo["violation_scope"] |= violations


def find_late_fact(uow: UnitOfWork, subject_type: str, subject: str, due_at):
    """The late fact of a subject and due time, or None."""
    if (subject_type, subject) in uow.memo.get("late_fact_scope", ()):
        return uow.memo["late_facts"].get((subject_type, subject, due_at))
    return uow.session.scalars(select(LateFact).where(
        LateFact.subject_type == subject_type, LateFact.subject == subject,
        LateFact.subject_due_at == due_at)).first()


def remember_late_fact(uow: UnitOfWork, fact) -> None:
    if (fact.subject_type, fact.subject) in uow.memo.get("late_fact_scope", ()):
        uow.memo["late_facts"][(fact.subject_type, fact.subject, fact.subject_due_at)] = fact


def requests_about(uow: UnitOfWork, subject_type: str, subject: str, due_at) -> list:
    """The explanation requests about a subject and due time."""
    if (subject_type, subject) in uow.memo.get("request_scope", ()):
        return list(uow.memo["requests"].get((subject_type, subject, due_at), ()))
    return list(uow.session.scalars(select(ExplanationRequest).where(
        ExplanationRequest.subject_type == subject_type, ExplanationRequest.subject == subject,
        ExplanationRequest.subject_due_at == due_at)))


def remember_request(uow: UnitOfWork, request) -> None:
    if (request.subject_type, request.subject) in uow.memo.get("request_scope", ()):
        uow.memo["requests"].setdefault((request.subject_type, request.subject, request.subject_due_at),
                                        []).append(request)


def _violation_key(official, kind, source_type, source, responsibility) -> tuple:
    return (official, kind, source_type, source, responsibility)


def find_violation(uow: UnitOfWork, *, official: str, kind: str, source_type: str, source: str,
                   responsibility: str):
    """The violation recorded for this official, kind, source and responsibility, or None."""
    if (source_type, source) in uow.memo.get("violation_scope", ()):
        return uow.memo["violations"].get(_violation_key(official, kind, source_type, source, responsibility))
    return uow.session.scalars(select(Violation).where(
        Violation.official == official, Violation.kind == kind, Violation.source_type == source_type,
        Violation.source == source, Violation.responsibility == responsibility)).first()


def remember_violation(uow: UnitOfWork, violation) -> None:
    if (violation.source_type, violation.source) in uow.memo.get("violation_scope", ()):
        uow.memo["violations"].setdefault(_violation_key(violation.official, violation.kind, violation.source_type,
                                                         violation.source, violation.responsibility), violation)


def proposals_near(uow: UnitOfWork, official: str, fact_day: date, reach: timedelta) -> list[tuple]:
    """(rule, violation kind, rule form, fact day) of the official's proposals whose fact day is less than
    `reach` from `fact_day`. In a prepared batch (`remember_proposals_per_official`) each official's proposals
    are read once and kept up to date by `remember_proposal`."""
    kept = uow.memo.get("proposals_by_official")
    if kept is None:
        return list(uow.session.execute(select(
            SanctionProposal.rule, SanctionProposal.violation_kind, SanctionProposal.rule_form,
            SanctionProposal.fact_day).where(
            SanctionProposal.official == official, SanctionProposal.fact_day > fact_day - reach,
            SanctionProposal.fact_day < fact_day + reach)).all())
    if official not in kept:
        kept[official] = [tuple(row) for row in uow.session.execute(select(
            SanctionProposal.rule, SanctionProposal.violation_kind, SanctionProposal.rule_form,
            SanctionProposal.fact_day).where(SanctionProposal.official == official))]
    return [row for row in kept[official] if fact_day - reach < row[3] < fact_day + reach]


def remember_proposals_per_official(uow: UnitOfWork) -> None:
    uow.memo.setdefault("proposals_by_official", {})


def prefetch_reference(uow: UnitOfWork, unit_days: set[tuple[str, date]], officials: set[str]) -> None:
    """Before a batch, in one statement each: the names of its units, the head in office of each (unit, day),
    what the sanction rules need of its officials and of those heads, and their proposals — what `memo`,
    `official_facts` and `proposals_near` would otherwise read one unit or official at a time. Read before
    the batch adds any row, so no read here waits for a flush."""
    session, memo = uow.session, uow.memo
    units = {unit for unit, _ in unit_days}
    if not units:
        return
    names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(units))).all())
    rows_by_unit: dict[str, list[Headship]] = {}
    for row in session.scalars(select(Headship).where(Headship.unit.in_(units), Headship.role == "head")
                               .order_by(Headship.id.desc())):
        rows_by_unit.setdefault(row.unit, []).append(row)
    for unit in units:
        memo.setdefault(("unit_name", unit), names.get(unit, unit))
    for unit, day in unit_days:
        if ("head", unit, day) not in memo:
            rows = rows_by_unit.get(unit, [])
            term = directory.term_in_office(
                [directory.Term(h.id, h.official, h.role, h.since, h.until) for h in rows], day, "head")
            memo[("head", unit, day)] = None if term is None else next(h for h in rows if h.id == term.id)
            if term is not None:
                officials = officials | {term.official}
    officials = {o for o in officials if ("official", o) not in memo}
    if officials:
        found = {row.code: row for row in session.scalars(select(Official).where(Official.code.in_(officials)))}
        for code in officials:
            row = found.get(code)
            memo[("official", code)] = (row.category, bool(row.is_leader), row.name) if row else \
                (rules.DEFAULT_CATEGORY, False, code)
    kept = memo.get("proposals_by_official")
    wanted = {o for o in officials if o not in kept} if kept is not None else set()
    if wanted:
        for official in wanted:
            kept[official] = []
        for row in session.execute(select(
                SanctionProposal.official, SanctionProposal.rule, SanctionProposal.violation_kind,
                SanctionProposal.rule_form, SanctionProposal.fact_day).where(SanctionProposal.official.in_(wanted))):
            kept[row[0]].append(tuple(row[1:]))


def remember_proposal(uow: UnitOfWork, proposal) -> None:
    kept = uow.memo.get("proposals_by_official")
    if kept is not None and proposal.official in kept:
        kept[proposal.official].append((proposal.rule, proposal.violation_kind, proposal.rule_form,
                                         proposal.fact_day))
