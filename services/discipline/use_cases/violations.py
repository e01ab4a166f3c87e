"""Violations: one official each (direct, or the joint liability of the head in office on the fact's
date), then the sanction rules of their kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from services.discipline import store
from services.discipline.domain import sanctions
from services.discipline.models import SanctionProposal, Unit, Violation
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.proposals import evaluate_sanctions
from services.discipline.use_cases.rule_book import rule_book_in_use
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import InvalidInput, Retryable
from shared.events.vocabulary import VIOLATION_SOURCES
from shared.uow import UnitOfWork

log = logging.getLogger("kycuong.discipline")


RESPONSIBILITIES = ("direct", "joint")


@dataclass
class ViolationOutcome:
    violation: Violation
    created: bool
    joint: list[Violation] = field(default_factory=list)
    proposals: list[SanctionProposal] = field(default_factory=list)


def record_violation(uow: UnitOfWork, *, official: str, unit: str, kind: str, source_type: str, source: str,
                     fact_date: date | str, facts: str, responsibility: str = "direct",
                     actor: str | None = None, discovered_at: datetime | None = None) -> Violation:
    """Record a violation of `official` (cá thể hóa trách nhiệm) and what follows from it under the rule set
    in force on `fact_date` for the official's category: the joint liability of the head in office that
    day when the set says the kind carries it, then the sanction rules (proposals). Emits
    `violation.recorded` for each person and audits it.

    `discovered_at` is when the violation came to light (the detection of the event that revealed it,
    the inspection, the report; now when not given): the handling time limit counts from it.

    Once per official, kind, source and responsibility: a replay returns the violation already stored and
    changes nothing. Inside a caller's open unit of work it joins that transaction and leaves the commit to
    the caller, so the violation is saved with what caused it (a missed explanation, a finding) or not at all.
    """
    try:
        with uow:
            outcome = _record_violation(uow, official=official, unit=unit, kind=kind, source_type=source_type,
                                        source=source, fact_date=fact_date, facts=facts,
                                        responsibility=responsibility, actor=actor, discovered_at=discovered_at)
            if uow.outermost:  # our own transaction; a caller's is the caller's to commit
                uow.commit()
            return outcome.violation
    except IntegrityError as exc:
        raise Retryable(f"concurrent record of violation {kind} of {official} on {source}: {exc.orig}") from exc


def _record_violation(uow: UnitOfWork, *, official: str, unit: str, kind: str, source_type: str, source: str,
                      fact_date: date | str, facts: str, responsibility: str = "direct", actor: str | None = None,
                      joint_of: str | None = None, discovered_at: datetime | None = None) -> ViolationOutcome:
    session = uow.session
    errors: dict[str, list[str]] = {}
    if isinstance(fact_date, str):
        try:
            fact_date = date.fromisoformat(fact_date)
        except ValueError:
            errors["fact_date"] = [f"a date YYYY-MM-DD, got {fact_date!r}"]
    if responsibility not in RESPONSIBILITIES:
        errors["responsibility"] = [f"one of {', '.join(RESPONSIBILITIES)}"]
    if source_type not in VIOLATION_SOURCES:
        errors["source_type"] = [f"one of {', '.join(VIOLATION_SOURCES)}"]
    if not sanctions.is_violation_kind(kind):
        errors["kind"] = ["lower-case words joined by '_', e.g. late_dossier, missed_explanation"]
    for name, value in (("official", official), ("unit", unit), ("source", source)):
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            errors[name] = ["a code of 1-64 characters is required"]
    if not isinstance(facts, str) or not facts.strip():
        errors["facts"] = ["describe what happened, when and where"]
    if errors:
        raise InvalidInput("the violation cannot be recorded as given; fix the fields listed", errors)

    existing = store.find_violation(uow, official=official, kind=kind, source_type=source_type, source=source,
                                    responsibility=responsibility)
    if existing is not None:
        return ViolationOutcome(existing, created=False)

    category, _, name = store.official_facts(uow, official)
    rule_set = rule_book_in_use(uow).in_force(fact_date, category)
    now = uow.now()
    discovered_at = discovered_at or now
    violation = Violation(code=new_code("VP", now), official=official, unit=unit, kind=kind,
                          source_type=source_type, source=source, fact_date=fact_date, facts=facts.strip(),
                          responsibility=responsibility, joint_of=joint_of,
                          rule_set=rule_set.version if rule_set else None, actor=actor, recorded_at=now,
                          discovered_at=discovered_at, rule_set_source=rule_set.cited_source if rule_set else None,
                          rule_set_verified=rule_set.verified if rule_set else None)
    session.add(violation)
    store.remember_violation(uow, violation)
    uow.record("violation.recorded", violation.code, {
        "code": violation.code, "official": official, "unit": unit, "responsibility": responsibility,
        "kind": kind, "source_type": source_type, "source": source, "fact_date": fact_date.isoformat(),
        "recorded_at": now.isoformat(), "discovered_at": discovered_at.isoformat(),
    }, unit=unit)
    record_audit(uow, "violation.recorded", violation.code, actor, {
        "official": official, "unit": unit, "kind": kind, "source_type": source_type, "source": source,
        "fact_date": fact_date, "facts": violation.facts, "responsibility": responsibility, "joint_of": joint_of,
        "rule_set": violation.rule_set, "rule_set_source": violation.rule_set_source,
        "rule_set_verified": violation.rule_set_verified, "discovered_at": discovered_at})
    outcome = ViolationOutcome(violation, created=True)
    if responsibility == "joint":
        return outcome
    if rule_set is None:
        log.warning("no sanction rule set in force; violation kept but not judged",
                    extra={"violation": violation.code, "day": fact_date.isoformat(), "category": category})

    head = store.memo(uow, ("head", unit, fact_date), lambda: store.term_in_office(session, unit, fact_date))
    if rule_set is not None and rule_set.kind(kind).joint_liability and head is not None \
            and head.official != official:
        unit_name = store.memo(uow, ("unit_name", unit), lambda: getattr(session.get(Unit, unit), "name", unit))
        joint = _record_violation(
            uow, official=head.official, unit=unit, kind=kind, source_type=source_type, source=source,
            fact_date=fact_date, responsibility="joint", actor=actor, joint_of=violation.code,
            discovered_at=discovered_at,
            facts=f"Trách nhiệm liên đới của người đứng đầu {unit_name} đối với vi phạm {violation.code} của "
                  f"{name}: {violation.facts}")
        outcome.joint.append(joint.violation)
    outcome.proposals = evaluate_sanctions(uow, kind=sanctions.counted_as(kind), unit=unit, fact_day=fact_date,
                                            official=official, violation=violation)
    return outcome


def list_violations(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                    official: str | None = None, kind: str | None = None, source: str | None = None,
                    responsibility: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    """Violations, latest fact first; same visibility as explanations (own, a head's units, or all)."""
    with uow:
        query = select(Violation).order_by(Violation.fact_date.desc(), Violation.recorded_at.desc(),
                                           Violation.code)
        conditions = [c for c in (
            access.visible(uow.session, principal, Violation, unit, official),
            Violation.unit == unit if unit else None,
            Violation.official == official if official else None,
            Violation.kind == kind if kind else None,
            Violation.source == source if source else None,
            Violation.responsibility == responsibility if responsibility else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)


def list_violations_of_month(uow: UnitOfWork, principal: Principal, *, month: date | None = None,
                             unit: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    """Violations whose facts fall in `month` (any day of it; every month when None), of `unit` when given,
    latest fact first; same visibility as list_violations."""
    with uow:
        query = select(Violation).order_by(Violation.fact_date.desc(), Violation.recorded_at.desc(),
                                           Violation.code)
        conditions = [access.visible(uow.session, principal, Violation, unit, None),
                      Violation.unit == unit if unit else None]
        if month is not None:
            first = month.replace(day=1)
            following = first.replace(year=first.year + 1, month=1) if first.month == 12 \
                else first.replace(month=first.month + 1)
            conditions += [Violation.fact_date >= first, Violation.fact_date < following]
        conditions = [c for c in conditions if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)
