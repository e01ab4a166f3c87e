"""Sanction proposals: the rules of a violation's kind evaluated for the official and the unit's head, the
form fitted, raised for a repeat, refused past the limitation period; proposals read.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from services.discipline import store
from services.discipline.domain import procedure, rules, sanctions
from services.discipline.models import (
    Decision,
    ExplanationRequest,
    Inspection,
    LateFact,
    ProposalStep,
    SanctionProposal,
    Violation,
)
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.rule_book import rule_book_in_use
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import NotFound
from shared.uow import UnitOfWork

log = logging.getLogger("kycuong.discipline")


def evaluate_sanctions(uow: UnitOfWork, *, kind: str, unit: str, fact_day: date, official: str | None,
                        violation: Violation | None,
                        targets: tuple[str, ...] = rules.RULE_TARGETS,
                        discovered_at: datetime | None = None) -> list[SanctionProposal]:
    """Apply the rules counting `kind` to the official (their own violations) and to the head of the unit
    in office on `fact_day` (the unit's), each under the rule set in force that day for their category.
    `discovered_at` (else the violation's) starts the handling time limit of a proposal made."""
    session = uow.session
    book = rule_book_in_use(uow)
    head = store.memo(uow, ("head", unit, fact_day), lambda: store.term_in_office(session, unit, fact_day))
    persons = {"official": official, "head": head.official if head else None}
    proposals = []
    for target in targets:
        person = persons[target]
        category, leader, name = store.official_facts(uow, person) if person else (None, False, "")
        rule_set = book.in_force(fact_day, category) if person else None
        rules = [r for r in (rule_set.rules if rule_set else ()) if r.applies_to == target and r.kind == kind]
        if person is None:
            if target == "head":
                log.warning("head rules not evaluated: no head of the unit known",
                            extra={"unit": unit, "day": fact_day.isoformat(), "kind": kind})
            continue
        if not rules:
            continue
        # The proposals already made near this day: once a threshold is crossed the common case is that
        # one exists, and then a unit with many late dossiers need not be re-read.
        reach = timedelta(days=max(rule.window_days for rule in rules))
        recent = store.proposals_near(uow, person, fact_day, reach)
        met: list[tuple[rules.SanctionRule, list[str]]] = []
        for rule in rules:
            # A proposal under this rule, or under a heavier rule of the same kind that took its place,
            # covers the window.
            covering = [d for rule_id, kind_, form, d in recent
                        if rule_id == rule.id or (kind_ == kind and sanctions.at_least_as_heavy(form, rule.form))]
            if sanctions.proposal_exists_in_window(rule, fact_day, covering):
                continue
            start = rule.window_start(fact_day)
            if target == "head" and kind.startswith("late_"):
                # Every late subject of the unit counts, also those naming nobody; a dossier's broken
                # promise (subject type "promise") is a late fact of its own.
                subject_types = [kind.removeprefix("late_")] + (["promise"] if kind == "late_dossier" else [])
                rows = session.execute(select(LateFact.subject, LateFact.subject_type, LateFact.fact_day).where(
                    LateFact.unit == unit, LateFact.subject_type.in_(subject_types),
                    LateFact.fact_day >= start, LateFact.fact_day <= fact_day))
            else:
                scope = Violation.official == person if target == "official" else Violation.unit == unit
                rows = session.execute(select(Violation.source, Violation.kind, Violation.fact_date).where(
                    scope, Violation.kind.in_(sanctions.kinds_counted_by(kind)), Violation.responsibility == "direct",
                    Violation.fact_date >= start, Violation.fact_date <= fact_day))
            facts = sanctions.evaluate_rule(rule, fact_day, [sanctions.LateFact(sanctions.fact_label(s, t), d)
                                                             for s, t, d in rows])
            if facts is not None:
                met.append((rule, facts))
        if met:
            rule = sanctions.heaviest_rule([r for r, _ in met])
            facts = next(f for r, f in met if r is rule)
            proposals.append(_propose(uow, rule_set, rule, person, category, leader, name, unit, fact_day, facts,
                                      violation, discovered_at))
    return proposals


def _propose(uow: UnitOfWork, rule_set: rules.RuleSet, rule: rules.SanctionRule, person: str, category: str,
             leader: bool, name: str, unit: str, fact_day: date, facts: list[str],
             violation: Violation | None, discovered_at: datetime | None) -> SanctionProposal:
    """A proposal for `person` under `rule`: the rule's form as their category and post allow, one level
    higher for a repeat after a decision, refused at once (dropped, with the reason) when the limitation
    period in force today (the day the case is handled) has run out. The handling time limit (90 days,
    150 extended) counts from the discovery of the violation, not from the fact (Decree 112/2020/ND-CP
    art. 6 as amended by Decree 71/2023/ND-CP)."""
    session = uow.session
    now = uow.now()
    today = now.astimezone(uow.calendar.tz).date()
    discovered_at = discovered_at or (violation.discovered_at or violation.recorded_at if violation is not None
                                      else None) or now
    discovered_on = discovered_at.astimezone(uow.calendar.tz).date()
    base_form = sanctions.form_for(rule_set, rule.form, category, leader)
    form, raised_by = sanctions.escalate(rule_set, base_form, category, leader, rule.kind, fact_day,
                                      store.prior_decisions(session, person))
    out_of_time = sanctions.limitation_reason(rule_set, form, fact_day, today)
    proposal = SanctionProposal(
        code=new_code("DXKL", now), official=person, unit=unit, rule=rule.id, rule_description=rule.description_vi,
        rule_set=rule_set.version, legal_basis=rule_set.legal_basis, threshold=rule.threshold,
        window_days=rule.window_days, form=form, facts=facts, joint_liability=rule.joint_liability,
        status="dropped" if out_of_time else "proposed", fact_day=fact_day, created_at=now,
        violation=violation.code if violation is not None else None, violation_kind=rule.kind, category=category,
        is_leader=leader, rule_form=rule.form, escalated_from=raised_by.code if raised_by else None,
        statement=sanctions.proposal_statement(rule, name, facts, fact_day, form, raised_by, rule_set),
        handling_until=procedure.handling_deadline(rule_set, discovered_on, extended=False), extended=False,
        limitation_until=sanctions.limitation_ends(rule_set, form, fact_day, today) - timedelta(days=1),
        rule_source=rule.source, rule_set_source=rule_set.cited_source, rule_set_verified=rule_set.verified,
        discovered_at=discovered_at)
    if out_of_time:
        proposal.dropped_reason, proposal.closed_at = out_of_time, now
    else:
        proposal.next_step = procedure.PROCEDURE_STEPS[0]
        proposal.next_due_at = uow.calendar.add_working_days(now, rule_set.procedure_days[proposal.next_step])
    session.add(proposal)
    store.remember_proposal(uow, proposal)
    audit = {"official": person, "unit": unit, "rule": rule.id, "rule_set": rule_set.version, "form": form,
             "rule_form": rule.form, "facts": facts, "fact_date": fact_day, "escalated_from": proposal.escalated_from,
             "violation": proposal.violation, "statement": proposal.statement, "rule_source": rule.source,
             "rule_set_source": rule_set.cited_source, "rule_set_verified": rule_set.verified,
             "discovered_at": discovered_at}
    if out_of_time:
        uow.record("sanction.dropped", proposal.code, {
            "proposal": proposal.code, "official": person, "unit": unit, "reason": out_of_time,
            "at": now.isoformat()}, unit=unit)
        record_audit(uow, "sanction.dropped", proposal.code, None, {**audit, "reason": out_of_time})
        log.info("proposal refused: limitation period passed", extra={"proposal": proposal.code})
    else:
        uow.record("sanction.proposed", proposal.code, {
            "code": proposal.code, "official": person, "unit": unit, "rule": rule.id,
            "rule_set": rule_set.version, "form": form, "facts": facts,
            "joint_liability": rule.joint_liability, "fact_date": fact_day.isoformat(),
            "violation": proposal.violation, "rule_source": rule.source, "rule_set_verified": rule_set.verified,
        }, unit=unit)
        record_audit(uow, "sanction.proposed", proposal.code, None, audit)
    return proposal


def list_sanction_proposals(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                            official: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    with uow:
        query = select(SanctionProposal).order_by(SanctionProposal.created_at.desc(), SanctionProposal.code)
        conditions = [c for c in (
            access.visible(uow.session, principal, SanctionProposal, unit, official),
            SanctionProposal.unit == unit if unit else None,
            SanctionProposal.official == official if official else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)


def get_sanction_proposal(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """A proposal with its steps and decision, if the principal may see it."""
    with uow:
        session = uow.session
        proposal = session.get(SanctionProposal, code)
        if proposal is None:
            raise NotFound(f"no sanction proposal with code {code!r}")
        access.ensure_visible(session, principal, proposal.official, proposal.unit)
        steps = list(session.scalars(select(ProposalStep).where(ProposalStep.proposal == code)
                                     .order_by(ProposalStep.at, ProposalStep.id)))
        decision = session.scalars(select(Decision).where(Decision.proposal == code)).first()
        return {"proposal": proposal, "steps": steps, "decision": decision}


# --- Home Affairs' workspace (pages) -------------------------------------------------------------------

OPEN_STATUSES = ("proposed", "in_progress")
PROPOSAL_STATES = {"open": OPEN_STATUSES, "decided": ("decided",), "dropped": ("dropped",)}
NEAR_LIMIT_DAYS = 14  # an open proposal this close to its handling limit is shown as near it


def _today(uow: UnitOfWork) -> date:
    return uow.now().astimezone(uow.calendar.tz).date()


def list_proposals_by_urgency(uow: UnitOfWork, principal: Principal, *, state: str | None = "open",
                              page: int = 1, page_size: int = 50) -> Page:
    """Proposals the principal may see: open ones (`state` "open") nearest their handling limit first, then
    by their next step's deadline; decided or dropped ones latest first; all (`state` None) open first."""
    with uow:
        query = select(SanctionProposal)
        visible = access.visible(uow.session, principal, SanctionProposal, None, None)
        if visible is not None:
            query = query.where(visible)
        if state in PROPOSAL_STATES:
            query = query.where(SanctionProposal.status.in_(PROPOSAL_STATES[state]))
        if state in (None, "open"):
            is_open = SanctionProposal.status.in_(OPEN_STATUSES)
            query = query.order_by(is_open.desc(), SanctionProposal.handling_until.asc().nulls_last(),
                                   SanctionProposal.next_due_at.asc().nulls_last(), SanctionProposal.created_at.desc(),
                                   SanctionProposal.code)
        else:
            query = query.order_by(SanctionProposal.created_at.desc(), SanctionProposal.code)
        return paginate(uow.session, query, page, page_size)


def proposal_timeline(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """A proposal's procedure as a timeline: each step (review, council, recommendation, decision) done,
    current or upcoming, with when it was done, its deadline in working days and whether it kept it; the
    handling limit (90 days from the discovery, 150 extended) with the days left; the forms the official's
    category may receive and the council's size, for the form that records the next step."""
    with uow:
        session = uow.session
        proposal = session.get(SanctionProposal, code)
        if proposal is None:
            raise NotFound(f"không có đề xuất kỷ luật {code!r} — no sanction proposal with this code")
        access.ensure_visible(session, principal, proposal.official, proposal.unit)
        done = {s.step: s for s in session.scalars(select(ProposalStep).where(ProposalStep.proposal == code)
                                                   .order_by(ProposalStep.at, ProposalStep.id))}
        decision = session.scalars(select(Decision).where(Decision.proposal == code)).first()
        book = rule_book_in_use(uow)
        rule_set = book.by_version(proposal.rule_set) or book.in_force(proposal.fact_day, proposal.category)
        step_days = dict(rule_set.procedure_days) if rule_set else dict(procedure.DEFAULT_STEP_DAYS)
        now, today = uow.now(), _today(uow)
        is_open = proposal.status in OPEN_STATUSES
        steps = []
        for step in procedure.PROCEDURE_STEPS:
            row = done.get(step)
            state = "done" if row else "current" if is_open and step == proposal.next_step else \
                "upcoming" if is_open else "not_taken"
            due_at = row.due_at if row else proposal.next_due_at if state == "current" else None
            steps.append({
                "step": step, "label": procedure.STEP_LABELS[step], "state": state, "days": step_days.get(step),
                "at": row.at if row else None, "due_at": due_at, "on_time": row.on_time if row else None,
                "notes": row.notes if row else None, "members": (row.members or []) if row else [],
                "form": row.form if row else None,
                "remaining_days": uow.calendar.working_days_between(now, due_at) if state == "current" and due_at
                else None})
        limit_days = (rule_set.handling_days_extended if proposal.extended else rule_set.handling_days) \
            if rule_set else (150 if proposal.extended else 90)
        days_left = (proposal.handling_until - today).days if proposal.handling_until else None
        category = proposal.category or rules.DEFAULT_CATEGORY
        forms = (*rule_set.ladder(category, bool(proposal.is_leader)), *rule_set.local_measures) if rule_set else ()
        _, _, name = store.official_facts(uow, proposal.official)
        return {"proposal": proposal, "decision": decision, "steps": steps, "today": today,
                "official_name": name, "is_open": is_open, "limit_days": limit_days,
                "extended_limit_days": rule_set.handling_days_extended if rule_set else 150,
                "days_left": days_left, "near_limit": is_open and days_left is not None
                and days_left <= NEAR_LIMIT_DAYS, "forms": list(dict.fromkeys(forms)),
                "council_size": rule_set.council_size if rule_set else 3}


def home_affairs_overview(uow: UnitOfWork, principal: Principal, *, near_limit: int = 5) -> dict:
    """What Home Affairs' workspace opens with: open proposals by their next step and those nearest their
    handling limit, explanation requests awaiting an answer and those late, violations of this month,
    inspections of this year — counted over what the principal may see."""
    with uow:
        session = uow.session
        today = _today(uow)

        def count(model, *conditions):
            visible = access.visible(session, principal, model, None, None) if hasattr(model, "official") else None
            query = select(func.count()).select_from(model).where(
                *[c for c in (visible, *conditions) if c is not None])
            return session.scalar(query) or 0

        by_step = dict(session.execute(
            select(SanctionProposal.next_step, func.count()).where(
                *[c for c in (access.visible(session, principal, SanctionProposal, None, None),
                              SanctionProposal.status.in_(OPEN_STATUSES)) if c is not None])
            .group_by(SanctionProposal.next_step)).all())
        nearest = list_proposals_by_urgency(uow, principal, state="open", page=1, page_size=near_limit).items
        month_start = today.replace(day=1)
        awaiting = select(ExplanationRequest).where(*[c for c in (
            access.visible(session, principal, ExplanationRequest, None, None),
            ExplanationRequest.status == "requested") if c is not None]) \
            .order_by(ExplanationRequest.due_at, ExplanationRequest.code).limit(near_limit)
        now = uow.now()
        return {
            "explanations_due": [{"request": r, "remaining_days": uow.calendar.working_days_between(now, r.due_at)}
                                 for r in session.scalars(awaiting)],
            "today": today, "month_start": month_start,
            "proposals_by_step": [(step, procedure.STEP_LABELS[step], by_step.get(step, 0))
                                  for step in procedure.PROCEDURE_STEPS],
            "open_proposals": sum(by_step.values()),
            "near_limit": count(SanctionProposal, SanctionProposal.status.in_(OPEN_STATUSES),
                                SanctionProposal.handling_until <= today + timedelta(days=NEAR_LIMIT_DAYS)),
            "nearest": [{"proposal": p, "days_left": (p.handling_until - today).days if p.handling_until else None}
                        for p in nearest],
            "explanations_awaiting": count(ExplanationRequest, ExplanationRequest.status == "requested",
                                           ExplanationRequest.due_at >= uow.now()),
            "explanations_overdue": count(ExplanationRequest, ExplanationRequest.status == "requested",
                                          ExplanationRequest.due_at < uow.now()),
            "explanations_missed": count(ExplanationRequest, ExplanationRequest.status == "missed"),
            "explanations_to_judge": count(ExplanationRequest, ExplanationRequest.status == "submitted"),
            "violations_this_month": count(Violation, Violation.fact_date >= month_start,
                                           Violation.fact_date <= today),
            "decisions_in_force": count(Decision, Decision.in_force_until >= today),
            "inspections_this_year": session.scalar(select(func.count()).select_from(Inspection).where(
                Inspection.inspected_on >= today.replace(month=1, day=1))) if principal.sees_all_units else None,
        }
