"""The disciplinary procedure of a proposal: its steps in order and on time, the decision, an extension
of the handling limit, or dropping it; decisions listed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, select

from services.discipline import store
from services.discipline.domain import procedure, rules
from services.discipline.models import Decision, ProposalStep, SanctionProposal
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.rule_book import rule_book_in_use
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork


def _proposal_for_change(uow: UnitOfWork, code: str) -> tuple[SanctionProposal, rules.RuleSet]:
    proposal = uow.session.get(SanctionProposal, code)
    if proposal is None:
        raise NotFound(f"no sanction proposal with code {code!r}")
    book = rule_book_in_use(uow)
    rule_set = book.by_version(proposal.rule_set) or book.in_force(proposal.fact_day, proposal.category)
    if rule_set is None:
        raise Conflict(f"the rule set {proposal.rule_set!r} of proposal {code} is no longer in the rules file; "
                       "restore it to continue the procedure", {"rule_set": ["not in the rules file"]})
    return proposal, rule_set


def _ensure_open(proposal: SanctionProposal, what: str) -> None:
    if proposal.status == "dropped":
        raise Conflict(f"proposal {proposal.code} was dropped ({proposal.dropped_reason}); {what} is refused",
                       {"proposal": ["dropped"]})
    if proposal.status == "decided":
        raise Conflict(f"proposal {proposal.code} is already decided; {what} is refused",
                       {"proposal": ["decided"]})


def record_step(uow: UnitOfWork, code: str, *, step: str, at: datetime, actor: str | None,
                notes: str | None = None, members: list[str] | None = None,
                form: str | None = None, effective_on: date | None = None) -> ProposalStep:
    """Record a step of the disciplinary procedure: review meeting → council → recommendation → decision,
    in that order, each due a number of working days after the previous one (the first after the
    proposal); whether it kept that deadline is recorded. Refused once the handling limit (90 days from the
    discovery of the violation, 150 when extended) has passed. The decision step creates the decision, in
    force 12 months from `effective_on` (the signing day by default; never before it). A form the
    official's category cannot receive under the rule set is refused, naming the set and its article.
    Emits `sanction.step_recorded` (and `sanction.decided`); every step is audited. Recording the same step
    again with the same content changes nothing."""
    members = list(members or [])
    with uow:
        session = uow.session
        proposal, rule_set = _proposal_for_change(uow, code)
        done_rows = list(session.scalars(select(ProposalStep).where(ProposalStep.proposal == code)
                                         .order_by(ProposalStep.at, ProposalStep.id)))
        same = next((r for r in done_rows if r.step == step), None)
        if same is not None:
            if same.at == at and same.form == form and (same.members or []) == members:
                return same  # a replay of the same request
            raise Conflict(f"the step {step} of proposal {code} is already recorded (at {same.at.isoformat()}); "
                           "a recorded step is not changed", {"step": ["already recorded"]})
        _ensure_open(proposal, f"the step {step}")
        tz = uow.calendar.tz
        local_day = at.astimezone(tz).date()
        if local_day > proposal.handling_until:
            raise Conflict(procedure.handling_limit_reason(rule_set, code, proposal.handling_until, proposal.extended),
                           {"at": [f"after the handling limit {proposal.handling_until.isoformat()}"]})
        done = [procedure.StepDone(r.step, r.at) for r in done_rows]
        errors = procedure.check_step(step, done, at, uow.now(), members, form, proposal.official, rule_set,
                                      proposal.category or rules.DEFAULT_CATEGORY, bool(proposal.is_leader),
                                      effective_on=effective_on, signed_on=local_day)
        if errors:
            raise InvalidInput(f"the step cannot be recorded for proposal {code}; fix the fields listed", errors)
        previous = done_rows[-1].at if done_rows else proposal.created_at
        due_at = uow.calendar.add_working_days(previous, rule_set.procedure_days[step])
        now = uow.now()
        row = ProposalStep(proposal=code, step=step, at=at, due_at=due_at, on_time=at <= due_at, notes=notes,
                           members=members or None, form=form, recorded_by=actor, recorded_at=now)
        session.add(row)
        following = procedure.next_step([*done, procedure.StepDone(step, at)])
        proposal.next_step = following
        proposal.next_due_at = uow.calendar.add_working_days(at, rule_set.procedure_days[following]) \
            if following else None
        proposal.status = "in_progress"
        session.flush()
        uow.record("sanction.step_recorded", code, {
            "proposal": code, "official": proposal.official, "unit": proposal.unit, "step": step,
            "at": at.isoformat(), "on_time": row.on_time,
            "next_due_at": proposal.next_due_at.isoformat() if proposal.next_due_at else None,
        }, unit=proposal.unit)
        record_audit(uow, "sanction.step_recorded", code, actor, {
            "step": step, "at": at, "due_at": due_at, "on_time": row.on_time, "notes": notes, "members": members,
            "form": form})
        if step == "decision":
            _decide(uow, proposal, rule_set, at, form, actor, effective_on or local_day)
        uow.commit()
        return row


def _decide(uow: UnitOfWork, proposal: SanctionProposal, rule_set: rules.RuleSet, at: datetime, form: str,
            actor: str | None, effective_on: date) -> Decision:
    now = uow.now()
    decided_on = at.astimezone(uow.calendar.tz).date()
    category = proposal.category or rules.DEFAULT_CATEGORY
    rule_source = rule_set.local_measures.get(form) if form in rule_set.local_measures \
        else rule_set.forms_cited(category)
    decision = Decision(code=new_code("QDKL", now), proposal=proposal.code, official=proposal.official,
                        unit=proposal.unit, form=form, violation_kind=proposal.violation_kind,
                        rule_set=rule_set.version, decided_at=at, decided_on=decided_on, effective_on=effective_on,
                        in_force_until=procedure.in_force_until(rule_set, effective_on), decided_by=actor,
                        recorded_at=now, rule_source=rule_source, rule_set_verified=rule_set.verified)
    uow.session.add(decision)
    proposal.status, proposal.closed_at = "decided", now
    _, _, name = store.official_facts(uow, proposal.official)
    uow.record("sanction.decided", decision.code, {
        "code": decision.code, "proposal": proposal.code, "official": proposal.official,
        "official_name": name if name != proposal.official else None, "unit": proposal.unit, "form": form,
        "rule_set": rule_set.version, "decided_at": at.isoformat(),
        "in_force_until": decision.in_force_until.isoformat(), "violation_kind": proposal.violation_kind,
        "effective_on": effective_on.isoformat(), "rule_source": rule_source,
        "rule_set_verified": rule_set.verified,
    }, unit=proposal.unit)
    record_audit(uow, "sanction.decided", decision.code, actor, {
        "proposal": proposal.code, "official": proposal.official, "form": form, "rule_set": rule_set.version,
        "decided_at": at, "effective_on": effective_on, "in_force_until": decision.in_force_until,
        "rule_source": rule_source, "rule_set_verified": rule_set.verified})
    return decision


def extend_proposal(uow: UnitOfWork, code: str, *, reason: str, actor: str | None) -> SanctionProposal:
    """Record the extension of the handling limit (90 → 150 days from the discovery of the violation),
    with its reason."""
    with uow:
        proposal, rule_set = _proposal_for_change(uow, code)
        if proposal.extended:
            return proposal
        _ensure_open(proposal, "an extension")
        if not reason or not reason.strip():
            raise InvalidInput("an extension needs its reason", {"reason": ["required"]})
        # Older proposals kept no discovery time: their limit counted from the proposal.
        discovered_on = (proposal.discovered_at or proposal.created_at).astimezone(uow.calendar.tz).date()
        proposal.extended, proposal.extension_reason = True, reason.strip()
        proposal.handling_until = procedure.handling_deadline(rule_set, discovered_on, extended=True)
        record_audit(uow, "sanction.extended", code, actor, {"reason": proposal.extension_reason,
                                                             "handling_until": proposal.handling_until})
        uow.commit()
        return proposal


def drop_proposal(uow: UnitOfWork, code: str, *, reason: str, actor: str | None) -> SanctionProposal:
    """People decide: a proposal may be dropped (no discipline) with its reason; emits `sanction.dropped`."""
    with uow:
        proposal, _ = _proposal_for_change(uow, code)
        if proposal.status == "dropped":
            return proposal
        _ensure_open(proposal, "dropping it")
        if not reason or not reason.strip():
            raise InvalidInput("dropping a proposal needs its reason", {"reason": ["required"]})
        now = uow.now()
        proposal.status, proposal.dropped_reason, proposal.closed_at = "dropped", reason.strip(), now
        proposal.next_step = proposal.next_due_at = None
        uow.record("sanction.dropped", code, {"proposal": code, "official": proposal.official,
                                              "unit": proposal.unit, "reason": proposal.dropped_reason,
                                              "at": now.isoformat()}, unit=proposal.unit)
        record_audit(uow, "sanction.dropped", code, actor, {"reason": proposal.dropped_reason})
        uow.commit()
        return proposal


def list_decisions(uow: UnitOfWork, principal: Principal, *, unit: str | None = None, official: str | None = None,
                   page: int = 1, page_size: int = 50) -> Page:
    with uow:
        query = select(Decision).order_by(Decision.decided_at.desc(), Decision.code)
        conditions = [c for c in (
            access.visible(uow.session, principal, Decision, unit, official),
            Decision.unit == unit if unit else None,
            Decision.official == official if official else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)
