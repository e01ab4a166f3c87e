"""Late dossiers, tasks and feedback: the fact kept, explanations asked of the official and the unit's
head, the violation recorded and the sanction rules evaluated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.discipline import store
from services.discipline.domain import explanations, rules, sanctions
from services.discipline.models import ExplanationRequest, LateFact, SanctionProposal, Unit
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.proposals import evaluate_sanctions
from services.discipline.use_cases.rule_book import rule_book_in_use
from services.discipline.use_cases.violations import _record_violation
from shared.codes import new_code
from shared.errors import Retryable
from shared.uow import UnitOfWork

log = logging.getLogger("kycuong.discipline")


@dataclass
class OverdueOutcome:
    explanations: list[ExplanationRequest] = field(default_factory=list)  # created or newly assigned
    proposals: list[SanctionProposal] = field(default_factory=list)
    new_fact: bool = False


def record_overdue(uow: UnitOfWork, *, subject: str, unit: str, due_at: datetime, detected_at: datetime,
                   official: str | None = None, step: str | None = None, event_id: str = "",
                   subject_type: str = "dossier", title: str | None = None,
                   legal_due_at: datetime | None = None) -> OverdueOutcome:
    """A subject passed its due time: keep the fact, ask the official and the unit's head to explain,
    and evaluate the sanction rules in force on the day it became late.

    The head asked is the one in office on the local date of `due_at`. Without an official or a known
    head the request is stored `unassigned` (the fact is not dropped), without an event, since the event
    must name someone; a later delivery of the same fact that names them assigns it. Once per subject,
    due time, role and official, however often the fact is delivered.

    `subject_type` "promise": an apologised dossier passed the new return date its apology set (`due_at`
    is then the promised instant, `legal_due_at` the legal one): a second late fact of the dossier,
    with its own explanations, a `broken_promise` violation of the official, counted toward the
    late-dossier thresholds.
    """
    if legal_due_at is not None:
        legal = legal_due_at.astimezone(uow.calendar.tz)
        title = f"{legal:%H:%M} ngày {legal:%d/%m/%Y}"
    try:
        with uow:
            outcome = _record_overdue(uow, subject, unit, due_at, detected_at, official, step, event_id,
                                      subject_type, title)
            uow.commit()
            return outcome
    except IntegrityError as exc:
        # Another worker recorded the same fact at the same moment; once retried, this one sees it.
        raise Retryable(f"concurrent update of late fact {subject}: {exc.orig}") from exc


def _record_overdue(uow: UnitOfWork, subject: str, unit: str, due_at: datetime, detected_at: datetime,
                    official: str | None, step: str | None, event_id: str, subject_type: str,
                    title: str | None = None) -> OverdueOutcome:
    session = uow.session
    tz = uow.calendar.tz
    fact_day = due_at.astimezone(tz).date()
    rule_set = rule_book_in_use(uow).in_force(fact_day)
    outcome = OverdueOutcome()

    fact = store.find_late_fact(uow, subject_type, subject, due_at)
    if fact is None:
        fact = LateFact(subject_type=subject_type, subject=subject, subject_due_at=due_at, fact_day=fact_day,
                        unit=unit, official=official, step=step, detected_at=detected_at, event_id=event_id)
        session.add(fact)  # flushed with the requests below: one flush per late fact
        store.remember_late_fact(uow, fact)
        outcome.new_fact = True

    # Reference data read once per transaction: a consumer applies many late facts of a unit together.
    unit_name = store.memo(uow, ("unit_name", unit), lambda: getattr(session.get(Unit, unit), "name", unit))
    head = store.memo(uow, ("head", unit, fact_day), lambda: store.term_in_office(session, unit, fact_day))
    explanation_days = rule_set.explanation_days if rule_set else rules.DEFAULT_EXPLANATION_DAYS
    version = rule_set.version if rule_set else None
    due_local = due_at.astimezone(tz)

    asked = store.requests_about(uow, subject_type, subject, due_at) if not outcome.new_fact else []
    # A late dossier always names its official (an unassigned request waits for one); a task is the
    # lead unit's, and its head answers for it, with the assignee too when the task names one.
    roles = (("official", official), ("head", head.official if head else None))
    if subject_type in ("task", "feedback") and official is None:
        roles = roles[1:]
    reason = {role: explanations.explanation_reason(role, subject, unit_name, due_local, subject_type, title)
              for role, _ in roles}
    outcome.explanations = _ask(uow, subject_type, subject, unit, due_at, roles, asked, reason, explanation_days,
                                version, fact_day)
    # No flush here: the rows go out with the next query's autoflush or the commit, several events' rows
    # in one statement per table when a consumer applies a batch.

    # A late subject is a violation of the official who held it (once per subject, however often it is
    # late); the unit's late subjects, named or not, also count toward its head's joint liability. A
    # broken promise is the dossier's second failure: a violation of its own, counted as a late dossier.
    kind = "broken_promise" if subject_type == "promise" else f"late_{subject_type}"
    if official is not None:
        facts = sanctions.late_fact_text(subject_type, subject, unit_name, due_local, step, title)
        outcome.proposals = _record_violation(
            uow, official=official, unit=unit, kind=kind, source_type="dossier" if subject_type == "promise"
            else subject_type, source=subject, fact_date=fact_day, facts=facts,
            discovered_at=detected_at).proposals
    elif outcome.new_fact:
        outcome.proposals = evaluate_sanctions(uow, kind=sanctions.counted_as(kind), unit=unit, fact_day=fact_day,
                                                official=None, violation=None, targets=("head",),
                                                discovered_at=detected_at)
    return outcome


def _ask(uow: UnitOfWork, subject_type: str, subject: str, unit: str, due_at: datetime,
         roles: tuple[tuple[str, str | None], ...], asked: list[ExplanationRequest], reason: dict[str, str],
         explanation_days: int | float, version: str | None, fact_day) -> list[ExplanationRequest]:
    """Ask each (role, person) to explain, once: a new request, or the unassigned one now assigned."""
    session = uow.session
    made = []
    for role, person in roles:
        existing = [r for r in asked if r.role == role]
        action = explanations.explanation_action([(r.official, r.status) for r in existing], person)
        if action == "none":
            continue
        now = uow.now()
        if action == "assign":
            request = next(r for r in existing if r.official is None)
            request.official, request.status, request.requested_at = person, explanations.REQUESTED, now
            # Asked only now: the time to explain runs from now, not from the detection.
            request.due_at = uow.calendar.add_working_days(now, explanation_days)
        else:
            request = ExplanationRequest(
                code=new_code("GT", now), subject_type=subject_type, subject=subject, subject_due_at=due_at,
                official=person, unit=unit, role=role,
                status=explanations.REQUESTED if person else explanations.UNASSIGNED,
                # The time to explain runs from the request, when the official learns of it: a late
                # completion reported (or consumed) days afterwards must not be missed on arrival.
                due_at=uow.calendar.add_working_days(now, explanation_days),
                reason=reason[role], rule_set=version, requested_at=now)
            session.add(request)
            store.remember_request(uow, request)
        if person is None:
            log.warning("explanation request stored unassigned: nobody to ask",
                        extra={"subject": subject, "unit": unit, "role": role, "request": request.code,
                               "why": "no official named in the event" if role == "official"
                               else f"no head of the unit known on {fact_day.isoformat()}"})
        else:
            uow.record("explanation.requested", request.code, {
                "code": request.code, "subject_type": explanations.event_subject_type(subject_type),
                "subject": subject, "official": person, "unit": unit, "role": role,
                "due_at": request.due_at.isoformat(), "reason": request.reason,
            }, unit=unit)
            record_audit(uow, "explanation.requested", request.code, None, {
                "official": person, "unit": unit, "role": role, "subject_type": subject_type, "subject": subject,
                "subject_due_at": due_at, "due_at": request.due_at, "rule_set": request.rule_set})
        made.append(request)
    return made


def record_apology_missed(uow: UnitOfWork, *, subject: str, unit: str, due_at: datetime, detected_at: datetime,
                          step: str | None = None) -> OverdueOutcome:
    """A dossier passed its legal due time without its unit's apology: a breach in itself of the one-stop
    rules (Decree 61/2018/ND-CP art. 19: the unit at fault sends the citizen an apology with a new return
    date, Form 04 of Circular 01/2018/TT-VPCP, signed by its head). The head in office on the local date
    of `due_at` is asked to explain and gets a `no_apology` violation; once per dossier however often the
    fact is delivered. Without a known head the request waits unassigned and no violation is recorded."""
    try:
        with uow:
            session = uow.session
            due_local = due_at.astimezone(uow.calendar.tz)
            fact_day = due_local.date()
            rule_set = rule_book_in_use(uow).in_force(fact_day)
            unit_name = store.memo(uow, ("unit_name", unit), lambda: getattr(session.get(Unit, unit), "name", unit))
            head = store.memo(uow, ("head", unit, fact_day), lambda: store.term_in_office(session, unit, fact_day))
            asked = store.requests_about(uow, "apology", subject, due_at)
            roles = (("head", head.official if head else None),)
            reason = {"head": explanations.explanation_reason("head", subject, unit_name, due_local, "apology")}
            outcome = OverdueOutcome(new_fact=not asked)
            outcome.explanations = _ask(
                uow, "apology", subject, unit, due_at, roles, asked, reason,
                rule_set.explanation_days if rule_set else rules.DEFAULT_EXPLANATION_DAYS,
                rule_set.version if rule_set else None, fact_day)
            if head is not None:
                facts = sanctions.late_fact_text("apology", subject, unit_name, due_local, step)
                outcome.proposals = _record_violation(
                    uow, official=head.official, unit=unit, kind="no_apology", source_type="dossier", source=subject,
                    fact_date=fact_day, facts=facts, discovered_at=detected_at).proposals
            uow.commit()
            return outcome
    except IntegrityError as exc:
        raise Retryable(f"concurrent record of the missing apology of {subject}: {exc.orig}") from exc


def prepare_late_batch(uow: UnitOfWork, *, overdue: set[str], apology_missed: set[str],
                       units: set[tuple[str, datetime]] = frozenset(), officials: set[str] = frozenset()) -> None:
    """Before a consumer's batch of `dossier.overdue` (codes `overdue`) and `dossier.apology_missed` events:
    their dossiers' late facts, explanation requests and violations read in one statement each, in the batch's
    transaction, so `record_overdue` and `record_apology_missed` find them without a query per event; and the
    directory's units (with each (unit, due time)'s head) and `officials` the batch names."""
    if overdue or apology_missed:
        store.remember_proposals_per_official(uow)
        tz = uow.calendar.tz
        store.prefetch_reference(uow, {(unit, due_at.astimezone(tz).date()) for unit, due_at in units}, officials)
        store.prefetch_late_subjects(
            uow, facts={("dossier", code) for code in overdue},
            requests={("dossier", code) for code in overdue} | {("apology", code) for code in apology_missed},
            violations={("dossier", code) for code in overdue | apology_missed})
