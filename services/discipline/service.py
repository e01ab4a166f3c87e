"""Use cases of the discipline service, each in one unit of work.

Directory: units (imported from the national list of administrative units and from a departments
file, or entered one by one), officials and headship terms, each change spread as a `directory.*` event.
Accountability: every late dossier asks the official at fault and the unit's head to explain, and the
date-effective sanction rules turn repeated lateness into proposals.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from services.discipline import domain
from services.discipline.models import (
    AuditEntry,
    AuditHead,
    Decision,
    ExplanationAttachment,
    ExplanationRequest,
    Headship,
    Inspection,
    InspectionFinding,
    LateFact,
    Official,
    ProposalStep,
    SanctionProposal,
    Unit,
    Verification,
    Violation,
)
from shared import attachments
from shared.attachments import Upload
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import Retryable
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.catalog import VIOLATION_SOURCES
from shared.settings import Settings
from shared.uow import UnitOfWork
from shared.web import paginate

log = logging.getLogger("kycuong.discipline")

SHIPPED_RULES = Path(__file__).with_name("rules") / "sanction_rules.json"
HANOI_DEPARTMENTS = Path(__file__).with_name("data") / "hanoi_departments.csv"

Progress = Callable[[int, int], None]


# --- directory: units --------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did: codes created and changed; unchanged ones emit nothing."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + len(self.changed) + self.unchanged


def import_province(uow: UnitOfWork, province_code: int, progress: Progress | None = None) -> ImportResult:
    """The province (unit P<2 digits>) and all its wards, communes and special zones (W<5 digits>), from
    the `vietnam-provinces` package: the administrative map in force since 1 July 2025, without districts.
    Idempotent: running it again changes and emits nothing."""
    from vietnam_provinces import Province, Ward

    try:
        province = Province.from_code(province_code)
    except ValueError:
        raise InvalidInput(f"there is no province with national code {province_code!r}",
                           {"province_code": ["a national province code, e.g. 1 for Hà Nội"]}) from None
    root = domain.province_unit_code(int(province.code))
    rows = [{"code": root, "name": province.name, "parent": None,
             "kind": domain.kind_of_division(province.division_type.value)}]
    rows += [
        {"code": domain.ward_unit_code(int(ward.code)), "name": ward.name, "parent": root,
         "kind": domain.kind_of_division(ward.division_type.value)}
        for ward in Ward.iter_by_province(province.code)
    ]
    return _upsert_units(uow, rows, progress)


def import_departments(uow: UnitOfWork, path: str | Path = HANOI_DEPARTMENTS,
                       progress: Progress | None = None) -> ImportResult:
    """Departments and agencies from a UTF-8 CSV with the header `code,name,parent,kind`; a parent is a
    unit already in the directory or one on an earlier line. All lines or none are applied."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"code", "name", "parent", "kind"} - set(reader.fieldnames or [])
            if missing:
                raise InvalidInput(f"{path.name}: the header must be code,name,parent,kind",
                                   {"header": [f"missing column(s) {', '.join(sorted(missing))}"]})
            rows = []
            for record in reader:
                if not any((value or "").strip() for value in record.values()):
                    continue
                rows.append({
                    "code": (record["code"] or "").strip(),
                    "name": (record["name"] or "").strip(),
                    "parent": (record["parent"] or "").strip() or None,
                    "kind": (record["kind"] or "").strip(),
                    "_line": reader.line_num,
                })
    except OSError as exc:
        raise InvalidInput(f"cannot read the departments file: {exc}", {"path": [str(path)]}) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"{path.name} is not a UTF-8 CSV file: {exc}", {"path": [str(path)]}) from exc
    return _upsert_units(uow, rows, progress)


def upsert_unit(uow: UnitOfWork, code: str, name: str, parent: str | None, kind: str) -> Unit:
    """Create a unit or change its name, parent or kind; emits `directory.unit_upserted` on a change."""
    with uow:
        _upsert_units(uow, [{"code": code, "name": name, "parent": parent, "kind": kind}], None)
        return uow.session.get(Unit, code)


def _upsert_units(uow: UnitOfWork, rows: list[dict], progress: Progress | None) -> ImportResult:
    with uow:
        session = uow.session
        now = uow.now()
        existing = {u.code: u for u in session.scalars(select(Unit))}
        parents: dict[str, str | None] = {code: u.parent for code, u in existing.items()}
        errors: dict[str, list[str]] = {}
        seen: set[str] = set()
        for row in rows:
            # One unit from the API: errors by field; a file: by line, so the operator finds the row.
            where = f"line {row['_line']}" if "_line" in row else (row["code"] if len(rows) > 1 else None)
            problems = domain.check_unit(row["code"], row["name"], row["parent"], row["kind"])
            if row["code"] in seen:
                problems.setdefault("code", []).append(f"{row['code']!r} appears twice")
            if row["parent"] is not None and row["parent"] not in parents and "parent" not in problems:
                problems["parent"] = [f"{row['parent']!r} is not a unit; create it first or list it earlier"]
            for key, messages in problems.items():
                errors[f"{where}.{key}" if where else key] = messages
            seen.add(row["code"])
            parents[row["code"]] = row["parent"]
        if errors:
            raise InvalidInput("the units cannot be saved as given; fix the fields listed", errors)
        for row in rows:
            domain.check_no_cycle(row["code"], row["parent"], parents.get)

        result = ImportResult()
        new_units, updates = [], []
        for done, row in enumerate(rows, start=1):
            if progress is not None:
                progress(done, len(rows))
            wanted = {"code": row["code"], "name": row["name"].strip(), "parent": row["parent"], "kind": row["kind"]}
            sort_key = domain.vietnamese_sort_key(row["name"])
            unit = existing.get(row["code"])
            current = None if unit is None else {"name": unit.name, "parent": unit.parent, "kind": unit.kind}
            if unit is None:
                new_units.append(Unit(**wanted, sort_key=sort_key, created_at=now, updated_at=now))
                result.created.append(row["code"])
            elif domain.unit_changed(current, wanted):
                updates.append((unit, wanted, sort_key))
                result.changed.append(row["code"])
            else:
                if unit.sort_key != sort_key:  # the ordering rules improved: no one else needs to know
                    unit.sort_key = sort_key
                result.unchanged += 1
                continue
            uow.record("directory.unit_upserted", row["code"], wanted, unit=row["code"])
        # New units first, so a changed unit may move under one of them.
        session.add_all(new_units)
        session.flush()
        for unit, wanted, sort_key in updates:
            unit.name, unit.parent, unit.kind = wanted["name"], wanted["parent"], wanted["kind"]
            unit.sort_key, unit.updated_at = sort_key, now
        uow.commit()
        return result


def get_unit(uow: UnitOfWork, code: str) -> dict:
    """A unit with its head in office today (local date) and its number of sub-units."""
    with uow:
        unit = uow.session.get(Unit, code)
        if unit is None:
            raise NotFound(f"no unit with code {code!r}")
        today = uow.now().astimezone(uow.calendar.tz).date()
        head = _term_in_office(uow.session, code, today)
        children = uow.session.scalars(select(Unit.code).where(Unit.parent == code)).all()
        return {
            "code": unit.code, "name": unit.name, "parent": unit.parent, "kind": unit.kind,
            "children": len(children),
            "head": _term_view(uow.session, head) if head else None,
        }


def list_units(uow: UnitOfWork, parent: str | None, kind: str | None, page: int, page_size: int) -> dict:
    """Units in Vietnamese alphabetical order of their names."""
    with uow:
        query = select(Unit).order_by(Unit.sort_key, Unit.code)
        if parent is not None:
            query = query.where(Unit.parent == parent)
        if kind is not None:
            query = query.where(Unit.kind == kind)
        return paginate(query, uow.session, page, page_size)


def unit_subtree(session, root: str) -> list[str]:
    """The unit and every unit below it, at any depth."""
    tree = select(Unit.code).where(Unit.code == root).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.code).where(Unit.parent == tree.c.code))
    codes = list(session.scalars(select(tree.c.code)))
    return codes or [root]


# --- directory: officials and heads ------------------------------------------------------------------

def upsert_official(uow: UnitOfWork, code: str, name: str, unit: str, category: str,
                    position: str | None = None, is_leader: bool = False) -> Official:
    """Create an official or change their details; emits `directory.official_upserted` on a change."""
    with uow:
        errors = domain.check_official(code, name, category)
        if uow.session.get(Unit, unit) is None:
            errors["unit"] = [f"{unit!r} is not a unit in the directory"]
        if errors:
            raise InvalidInput("the official cannot be saved as given; fix the fields listed", errors)
        now = uow.now()
        wanted = {"code": code, "name": name.strip(), "unit": unit, "position": position,
                  "category": category, "is_leader": bool(is_leader)}
        official = uow.session.get(Official, code)
        if official is not None and all(getattr(official, k) == v for k, v in wanted.items()):
            return official
        if official is None:
            official = Official(**wanted, sort_key=domain.person_sort_key(wanted["name"]),
                                created_at=now, updated_at=now)
            uow.session.add(official)
        else:
            for key, value in wanted.items():
                setattr(official, key, value)
            official.sort_key = domain.person_sort_key(wanted["name"])
            official.updated_at = now
        uow.record("directory.official_upserted", code, wanted, unit=unit)
        uow.commit()
        return official


def list_officials(uow: UnitOfWork, unit: str | None, page: int, page_size: int) -> dict:
    """Officials by given name, then full name, as Vietnamese lists are read."""
    with uow:
        query = select(Official).order_by(Official.sort_key, Official.code)
        if unit is not None:
            query = query.where(Official.unit == unit)
        return paginate(query, uow.session, page, page_size)


def assign_head(uow: UnitOfWork, unit: str, official: str, since: date | str, role: str = "head") -> Headship:
    """Record `official` as head (or deputy) of `unit` from `since`.

    The head in office that day leaves the day before (their term is re-published with its end); a
    deputy promoted to head stops being deputy. Recording a term that already exists changes nothing.
    Emits `directory.head_assigned` for the new term and for each term whose end moved.
    """
    if isinstance(since, str):
        try:
            since = date.fromisoformat(since)
        except ValueError:
            raise InvalidInput("since must be a date YYYY-MM-DD", {"since": [f"got {since!r}"]}) from None
    with uow:
        session = uow.session
        if session.get(Unit, unit) is None:
            raise NotFound(f"no unit with code {unit!r}")
        if session.get(Official, official) is None:
            raise InvalidInput(f"{official!r} is not an official in the directory; create them first",
                               {"official": ["unknown official code"]})
        rows = {h.id: h for h in session.scalars(select(Headship).where(Headship.unit == unit))}
        terms = [domain.Term(h.id, h.official, h.role, h.since, h.until) for h in rows.values()]
        plan = domain.plan_assignment(terms, official, since, role)
        if plan.new_term is None:
            return rows[plan.existing.id]
        for term_id, until in plan.closed.items():
            rows[term_id].until = until
            _record_term(uow, rows[term_id])
        term = plan.new_term
        headship = Headship(unit=unit, official=official, role=term.role, since=term.since, until=term.until,
                            recorded_at=uow.now())
        session.add(headship)
        session.flush()
        _record_term(uow, headship)
        uow.commit()
        return headship


def _record_term(uow: UnitOfWork, headship: Headship) -> None:
    uow.record("directory.head_assigned", headship.unit, {
        "unit": headship.unit,
        "official": headship.official,
        "role": headship.role,
        "since": headship.since.isoformat(),
        "until": headship.until.isoformat() if headship.until else None,
    }, unit=headship.unit)


def list_heads(uow: UnitOfWork, unit: str) -> list[dict]:
    """A unit's terms of head and deputy, latest first."""
    with uow:
        if uow.session.get(Unit, unit) is None:
            raise NotFound(f"no unit with code {unit!r}")
        rows = uow.session.scalars(select(Headship).where(Headship.unit == unit)
                                   .order_by(Headship.since.desc(), Headship.role, Headship.id))
        return [_term_view(uow.session, h) for h in rows]


def head_on(uow: UnitOfWork, unit: str, day: date, role: str = "head") -> Headship | None:
    """The head (or a deputy) of `unit` in office on `day`, or None."""
    with uow:
        return _term_in_office(uow.session, unit, day, role)


def _memo(uow: UnitOfWork, key, load):
    if key not in uow.memo:
        uow.memo[key] = load()
    return uow.memo[key]


def _term_in_office(session, unit: str, day: date, role: str = "head") -> Headship | None:
    return session.scalars(
        select(Headship)
        .where(Headship.unit == unit, Headship.role == role, Headship.since <= day,
               or_(Headship.until.is_(None), Headship.until >= day))
        .order_by(Headship.since.desc(), Headship.id.desc())
        .limit(1)
    ).first()


def describe_term(uow: UnitOfWork, headship: Headship) -> dict:
    """A term as the API shows it, with the official's name."""
    with uow:
        return _term_view(uow.session, headship)


def _term_view(session, headship: Headship) -> dict:
    official = session.get(Official, headship.official)
    return {"unit": headship.unit, "official": headship.official, "name": official.name if official else None,
            "role": headship.role, "since": headship.since, "until": headship.until}


# --- sanction rules ----------------------------------------------------------------------------------

_rule_books: dict[tuple[str, int], domain.RuleBook] = {}


def rules_path(settings: Settings) -> Path:
    """The shipped rules file, unless KYCUONG_RULES names another as "sanction_rules_path"."""
    configured = (settings.rules or {}).get("sanction_rules_path")
    return Path(configured) if configured else SHIPPED_RULES


def rule_book(settings: Settings) -> domain.RuleBook:
    """The validated rules file, read again whenever it changes on disk."""
    path = rules_path(settings)
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError as exc:
        raise domain.RulesError(f"sanction rules: cannot read {path}: {exc.strerror}") from exc
    book = _rule_books.get(key)
    if book is None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise domain.RulesError(f"sanction rules: {path} is not valid JSON: {exc}") from exc
        book = domain.parse_rule_book(raw, source=str(path))
        _rule_books.clear()
        _rule_books[key] = book
    return book


def list_rule_sets(uow: UnitOfWork) -> list[dict]:
    """Every rule set, newest first, marking those in force today (one per category of officials)."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        book = rule_book(uow.settings)
    current = {id(book.in_force(today, category)) for category in domain.CATEGORIES}
    return [
        {
            "version": s.version, "effective_from": s.effective_from, "legal_basis": s.legal_basis,
            "explanation_days": s.explanation_days, "in_force": id(s) in current, "categories": list(s.categories),
            "forms": {c: {p: list(ladder) for p, ladder in by_post.items()} for c, by_post in s.forms.items()},
            "local_measures": dict(s.local_measures), "note": s.note or None,
            "limitation": {"reprimand_years": s.limitation.reprimand_years,
                           "other_years": s.limitation.other_years,
                           "reprimand_forms": list(s.limitation.reprimand_forms)},
            "handling_days": s.handling_days, "handling_days_extended": s.handling_days_extended,
            "procedure_days": dict(s.procedure_days),
            "rules": [{"id": r.id, "description_vi": r.description_vi, "applies_to": r.applies_to,
                       "threshold": r.threshold, "window_days": r.window_days, "form": r.form, "kind": r.kind,
                       "form_label": domain.SANCTION_FORMS[r.form], "joint_liability": r.joint_liability}
                      for r in s.rules],
        }
        for s in reversed(book.rule_sets)
    ]


# --- late dossiers: explanations and sanction proposals ----------------------------------------------

@dataclass
class OverdueOutcome:
    explanations: list[ExplanationRequest] = field(default_factory=list)  # created or newly assigned
    proposals: list[SanctionProposal] = field(default_factory=list)
    new_fact: bool = False


def record_overdue(uow: UnitOfWork, *, subject: str, unit: str, due_at: datetime, detected_at: datetime,
                   official: str | None = None, step: str | None = None, event_id: str = "",
                   subject_type: str = "dossier", title: str | None = None) -> OverdueOutcome:
    """A subject passed its due time: keep the fact, ask the official and the unit's head to explain,
    and evaluate the sanction rules in force on the day it became late.

    The head asked is the one in office on the local date of `due_at`. Without an official or a known
    head the request is stored `unassigned` (the fact is not dropped), without an event, since the event
    must name someone; a later delivery of the same fact that names them assigns it. Once per subject,
    due time, role and official, however often the fact is delivered.
    """
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
    rule_set = rule_book(uow.settings).in_force(fact_day)
    outcome = OverdueOutcome()

    fact = session.scalars(select(LateFact).where(
        LateFact.subject_type == subject_type, LateFact.subject == subject,
        LateFact.subject_due_at == due_at)).first()
    if fact is None:
        fact = LateFact(subject_type=subject_type, subject=subject, subject_due_at=due_at, fact_day=fact_day,
                        unit=unit, official=official, step=step, detected_at=detected_at, event_id=event_id)
        session.add(fact)  # flushed with the requests below: one flush per late fact
        outcome.new_fact = True

    # Reference data read once per transaction: a consumer applies many late facts of a unit together.
    unit_name = _memo(uow, ("unit_name", unit), lambda: getattr(session.get(Unit, unit), "name", unit))
    head = _memo(uow, ("head", unit, fact_day), lambda: _term_in_office(session, unit, fact_day))
    explanation_days = rule_set.explanation_days if rule_set else domain.DEFAULT_EXPLANATION_DAYS
    version = rule_set.version if rule_set else None
    due_local = due_at.astimezone(tz)

    asked = session.scalars(select(ExplanationRequest).where(
        ExplanationRequest.subject_type == subject_type, ExplanationRequest.subject == subject,
        ExplanationRequest.subject_due_at == due_at)).all() if not outcome.new_fact else []
    # A late dossier always names its official (an unassigned request waits for one); a task is the
    # lead unit's, and its head answers for it, with the assignee too when the task names one.
    roles = (("official", official), ("head", head.official if head else None))
    if subject_type in ("task", "feedback") and official is None:
        roles = roles[1:]
    for role, person in roles:
        existing = [r for r in asked if r.role == role]
        action = domain.explanation_action([(r.official, r.status) for r in existing], person)
        if action == "none":
            continue
        now = uow.now()
        if action == "assign":
            request = next(r for r in existing if r.official is None)
            request.official, request.status, request.requested_at = person, domain.REQUESTED, now
            # Asked only now: the time to explain runs from now, not from the detection.
            request.due_at = uow.calendar.add_working_days(now, explanation_days)
        else:
            request = ExplanationRequest(
                code=new_code("GT", now), subject_type=subject_type, subject=subject, subject_due_at=due_at,
                official=person, unit=unit, role=role,
                status=domain.REQUESTED if person else domain.UNASSIGNED,
                # The time to explain runs from the request, when the official learns of it: a late
                # completion reported (or consumed) days afterwards must not be missed on arrival.
                due_at=uow.calendar.add_working_days(now, explanation_days),
                reason=domain.explanation_reason(role, subject, unit_name, due_local, subject_type, title),
                rule_set=version, requested_at=now)
            session.add(request)
        if person is None:
            log.warning("explanation request stored unassigned: nobody to ask",
                        extra={"subject": subject, "unit": unit, "role": role, "request": request.code,
                               "why": "no official named in the event" if role == "official"
                               else f"no head of the unit known on {fact_day.isoformat()}"})
        else:
            uow.record("explanation.requested", request.code, {
                "code": request.code, "subject_type": subject_type, "subject": subject, "official": person,
                "unit": unit, "role": role, "due_at": request.due_at.isoformat(), "reason": request.reason,
            }, unit=unit)
            record_audit(uow, "explanation.requested", request.code, None, {
                "official": person, "unit": unit, "role": role, "subject_type": subject_type, "subject": subject,
                "subject_due_at": due_at, "due_at": request.due_at, "rule_set": request.rule_set})
        outcome.explanations.append(request)
    session.flush()

    # A late subject is a violation of the official who held it (once per subject, however often it is
    # late); the unit's late subjects, named or not, also count toward its head's joint liability.
    kind = f"late_{subject_type}"
    if official is not None:
        facts = domain.late_fact_text(subject_type, subject, unit_name, due_local, step, title)
        outcome.proposals = _record_violation(uow, official=official, unit=unit, kind=kind,
                                              source_type=subject_type, source=subject, fact_date=fact_day,
                                              facts=facts).proposals
    elif outcome.new_fact:
        outcome.proposals = _evaluate_sanctions(uow, kind=kind, unit=unit, fact_day=fact_day, official=None,
                                                violation=None, targets=("head",))
    return outcome


# --- reading explanations and proposals --------------------------------------------------------------

def _visible(session, principal: Principal, model, unit: str | None, official: str | None):
    """The rows of `model` the principal may see: everything for inspectors, the office and admins; a
    head their unit's and those below it; everyone their own. Asking for someone else's is refused."""
    if principal.sees_all_units:
        return None
    is_head = "head" in principal.roles and principal.unit is not None
    subtree = unit_subtree(session, principal.unit) if is_head else []
    if official is not None and official != principal.sub and not is_head:
        raise Forbidden("you can see only your own requests and proposals; drop the official filter "
                        "or use a head's, inspector's or office token", {"official": ["not you"]})
    if unit is not None and is_head and unit not in subtree:
        raise Forbidden(f"your token is for unit {principal.unit!r}; {unit!r} is neither it nor below it",
                        {"unit": [f"not within {principal.unit!r}"]})
    own = model.official == principal.sub
    return or_(own, model.unit.in_(subtree)) if is_head else own


def list_explanations(uow: UnitOfWork, principal: Principal, *, subject: str | None = None,
                      unit: str | None = None, official: str | None = None, role: str | None = None,
                      status: str | None = None, page: int = 1, page_size: int = 50) -> dict:
    with uow:
        query = select(ExplanationRequest).order_by(ExplanationRequest.requested_at.desc(),
                                                    ExplanationRequest.code)
        conditions = [c for c in (
            _visible(uow.session, principal, ExplanationRequest, unit, official),
            ExplanationRequest.subject == subject if subject else None,
            ExplanationRequest.unit == unit if unit else None,
            ExplanationRequest.official == official if official else None,
            ExplanationRequest.role == role if role else None,
            ExplanationRequest.status == status if status else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(query, uow.session, page, page_size)


def list_sanction_proposals(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                            official: str | None = None, page: int = 1, page_size: int = 50) -> dict:
    with uow:
        query = select(SanctionProposal).order_by(SanctionProposal.created_at.desc(), SanctionProposal.code)
        conditions = [c for c in (
            _visible(uow.session, principal, SanctionProposal, unit, official),
            SanctionProposal.unit == unit if unit else None,
            SanctionProposal.official == official if official else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(query, uow.session, page, page_size)


# --- misconduct reports ------------------------------------------------------------------------------

def open_verification(uow: UnitOfWork, *, report: str, kind: str, unit: str, official: str | None,
                      dossier_code: str | None, reported_at: datetime) -> Verification | None:
    """A citizen reported misconduct: open a verification for the inspectors, due in the configured
    number of working days (`verification_days`, default 10). Once per report; None if already open."""
    with uow:
        if uow.session.scalars(select(Verification).where(Verification.subject == report)).first():
            return None
        now = uow.now()
        days = int(uow.settings.rules.get("verification_days", 10))
        verification = Verification(
            code=new_code("XM", now), source="feedback", subject=report, kind=kind, unit=unit, official=official,
            dossier_code=dossier_code, status="open", reported_at=reported_at, opened_at=now,
            due_at=uow.calendar.add_working_days(now, days))
        uow.session.add(verification)
        uow.commit()
        return verification


def list_verifications(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                       official: str | None = None, status: str | None = None,
                       page: int = 1, page_size: int = 50) -> dict:
    """Verifications the principal may see: inspectors, the office and admins all; a head their unit's;
    an official those naming them."""
    with uow:
        query = select(Verification).order_by(Verification.opened_at.desc(), Verification.code)
        conditions = [c for c in (
            _visible(uow.session, principal, Verification, unit, official),
            Verification.unit == unit if unit else None,
            Verification.official == official if official else None,
            Verification.status == status if status else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(query, uow.session, page, page_size)


# -- explanations (lifecycle) ----------------------------------------------------------------------------

def _unit_chain(session, unit: str) -> list[str]:
    """The unit and the units above it, nearest first (a loop in bad data stops the walk)."""
    chain, current = [], unit
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(Unit.parent).where(Unit.code == current))
    return chain


def _load_request(session, code: str, *, lock: bool = False) -> ExplanationRequest:
    query = select(ExplanationRequest).where(ExplanationRequest.code == code)
    request = session.scalars(query.with_for_update() if lock else query).first()
    if request is None:
        raise NotFound(f"không có yêu cầu giải trình {code!r} — no explanation request with this code")
    return request


def _ensure_can_read(session, principal: Principal, unit: str, official: str | None, what: str) -> None:
    """Inspectors, the office and admins read everything; a head their unit's and those below it;
    an official what names them. Anything else is refused with the reason."""
    if principal.sees_all_units or (official is not None and official == principal.sub):
        return
    if "head" in principal.roles and principal.unit and unit in unit_subtree(session, principal.unit):
        return
    if "head" in principal.roles and principal.unit:
        raise Forbidden(f"{what} thuộc đơn vị {unit!r}, không thuộc đơn vị {principal.unit!r} của bạn hay đơn vị "
                        f"trực thuộc — it belongs to unit {unit!r}, outside yours", {"unit": [f"not within "
                                                                                            f"{principal.unit!r}"]})
    raise Forbidden(f"{what} không phải của bạn: cán bộ chỉ xem được những gì nêu tên mình — an official sees only "
                    "what names them", {"official": ["not you"]})


def _ensure_can_judge(session, principal: Principal, request: ExplanationRequest, today: date) -> None:
    """An inspector, or the head in office today of the request's unit or of a unit above it; never the
    person who explained."""
    if request.official == principal.sub:
        raise Forbidden("Không ai tự xem xét giải trình của chính mình — you cannot judge your own explanation",
                        {"official": ["is you"]})
    if "inspector" in principal.roles:
        return
    for unit in _unit_chain(session, request.unit):
        term = _term_in_office(session, unit, today)
        if term is not None and term.official == principal.sub:
            return
    head = _term_in_office(session, request.unit, today)
    named = f"người đứng đầu đương nhiệm là {head.official}" if head else "chưa có người đứng đầu đương nhiệm"
    raise Forbidden(f"Chỉ người đứng đầu đơn vị {request.unit} (đang đương nhiệm hôm nay, {named}), người đứng "
                    "đầu đơn vị cấp trên hoặc thanh tra viên mới được xem xét giải trình — only the unit's head "
                    "in office today, a head above it, or an inspector judges", {"judge": ["not the head in office "
                                                                                            "nor an inspector"]})


def _explanation_audit(request: ExplanationRequest) -> dict:
    return {"official": request.official, "unit": request.unit, "role": request.role,
            "subject_type": request.subject_type, "subject": request.subject, "due_at": request.due_at,
            "status": request.status}


def explanation_view(uow: UnitOfWork, request: ExplanationRequest, attachments: list | None = None) -> dict:
    """A request as the API shows it, with its attachments when loaded."""
    view = {column: getattr(request, column) for column in (
        "code", "subject_type", "subject", "official", "unit", "role", "status", "due_at", "reason", "rule_set",
        "requested_at", "submitted_at", "submission", "missed_at", "judged_at", "judged_by", "judgement_reason")}
    view["submitted_late"] = request.submitted_late
    if attachments is not None:
        view["attachments"] = [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                                "size": a.size, "sha256": a.sha256} for a in attachments]
    return view


def get_explanation(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    with uow:
        request = _load_request(uow.session, code)
        _ensure_can_read(uow.session, principal, request.unit, request.official, f"Yêu cầu giải trình {code}")
        attachments = uow.session.scalars(select(ExplanationAttachment).where(ExplanationAttachment.request == code)
                                          .order_by(ExplanationAttachment.id)).all()
        return explanation_view(uow, request, list(attachments))


def submit_explanation(uow: UnitOfWork, principal: Principal, code: str, text: str,
                       uploads: list[Upload] = ()) -> dict:
    """The official asked submits the explanation (text, and JPEG/PNG/PDF attachments): status submitted,
    `explanation.submitted`. After the deadline the text is still kept, but the request is (or is first
    marked) missed and stays so: the missed deadline is already a violation."""
    errors = domain.check_explanation_text(text)
    if len(uploads) > domain.EXPLANATION_ATTACHMENTS_MAX:
        errors["attachments"] = [f"tối đa {domain.EXPLANATION_ATTACHMENTS_MAX} tệp — at most "
                                 f"{domain.EXPLANATION_ATTACHMENTS_MAX} files"]
    with uow:
        session = uow.session
        request = _load_request(session, code, lock=True)
        if request.official != principal.sub:
            raise Forbidden(f"Chỉ cán bộ được yêu cầu giải trình ({request.official or 'chưa giao'}) mới nộp được "
                            f"giải trình {code} — only the official asked can submit it", {"official": ["not you"]})
        if errors:
            raise InvalidInput("Giải trình chưa hợp lệ; sửa các trường được nêu — fix the fields listed", errors)
        now = uow.now()
        outcome = domain.submission_outcome(request.status, request.due_at, now)
        if outcome == "missed_now":
            _mark_missed(uow, request, now)
        request.submitted_at, request.submission = now, text.strip()
        if outcome == "on_time":
            request.status = domain.SUBMITTED
        stored = _store_explanation_uploads(uow, request.code, uploads, now)
        uow.record("explanation.submitted", request.code, {
            "code": request.code, "official": request.official, "unit": request.unit,
            "subject_type": request.subject_type, "subject": request.subject,
            "submitted_at": now.isoformat(), "due_at": request.due_at.isoformat(),
        }, unit=request.unit)
        record_audit(uow, "explanation.submitted" if outcome == "on_time" else "explanation.submitted_late",
                     request.code, principal.sub, {
                         **_explanation_audit(request), "submitted_at": now,
                         "text_sha256": hashlib.sha256(request.submission.encode("utf-8")).hexdigest(),
                         "attachments": [a.sha256 for a in stored]})
        try:
            uow.commit()
        except Exception:
            for attachment in stored:
                (_attachments_root(uow) / attachment.stored_as).unlink(missing_ok=True)
            raise
        return explanation_view(uow, request, stored)


def _attachments_root(uow: UnitOfWork) -> Path:
    return Path(uow.settings.var_dir) / "explanation-attachments"


def _store_explanation_uploads(uow: UnitOfWork, code: str, uploads, now: datetime) -> list[ExplanationAttachment]:
    """Write the files under var_dir by our own names (the uploaded name is for display only, never a
    path) and add their rows; a late second submission cannot happen, so names never collide."""
    stored = []
    for upload, name in attachments.store(_attachments_root(uow) / code, uploads):
        attachment = ExplanationAttachment(request=code, filename=upload.filename[:255],
                                           content_type=upload.content_type, size=len(upload.data),
                                           sha256=upload.sha256, stored_as=f"{code}/{name}", uploaded_at=now)
        uow.session.add(attachment)
        stored.append(attachment)
    uow.session.flush()
    return stored


def explanation_attachment(uow: UnitOfWork, principal: Principal, code: str,
                           attachment_id: int) -> tuple[Path, str, str]:
    """(path, content type, file name) of an attachment, for whoever may read the request."""
    with uow:
        request = _load_request(uow.session, code)
        _ensure_can_read(uow.session, principal, request.unit, request.official, f"Yêu cầu giải trình {code}")
        attachment = uow.session.get(ExplanationAttachment, attachment_id)
        if attachment is None or attachment.request != code:
            raise NotFound(f"giải trình {code} không có tệp đính kèm số {attachment_id} — no such attachment")
        return _attachments_root(uow) / attachment.stored_as, attachment.content_type, attachment.filename


def judge_explanation(uow: UnitOfWork, principal: Principal, code: str, accepted: bool, reason: str) -> dict:
    """The head in office (of the unit or above it) or an inspector accepts or rejects a submitted
    explanation with a reason: `explanation.accepted` or `explanation.rejected`."""
    errors = domain.check_explanation_text(reason, domain.JUDGEMENT_REASON_MAX, "reason")
    with uow:
        session = uow.session
        request = _load_request(session, code, lock=True)
        now = uow.now()
        _ensure_can_judge(session, principal, request, now.astimezone(uow.calendar.tz).date())
        domain.check_judgeable(request.status)
        if errors:
            raise InvalidInput("Cần nêu lý do chấp nhận hoặc bác giải trình — give the reason", errors)
        request.status = domain.ACCEPTED if accepted else domain.REJECTED
        request.judged_at, request.judged_by, request.judgement_reason = now, principal.sub, reason.strip()
        uow.record(f"explanation.{request.status}", request.code, {
            "code": request.code, "official": request.official, "unit": request.unit, "accepted": accepted,
            "reason": request.judgement_reason, "judged_by": principal.sub, "judged_at": now.isoformat(),
        }, unit=request.unit)
        record_audit(uow, f"explanation.{request.status}", request.code, principal.sub,
                     {**_explanation_audit(request), "reason": request.judgement_reason})
        uow.commit()
        return explanation_view(uow, request)


def _mark_missed(uow: UnitOfWork, request: ExplanationRequest, now: datetime) -> None:
    """The deadline passed without an explanation: `explanation.missed`, and a violation of the person
    asked (kind missed_explanation), dated the local day of the deadline."""
    request.status, request.missed_at = domain.MISSED, now
    due_local = request.due_at.astimezone(uow.calendar.tz)
    uow.record("explanation.missed", request.code, {
        "code": request.code, "official": request.official, "unit": request.unit,
        "subject_type": request.subject_type, "subject": request.subject,
        "due_at": request.due_at.isoformat(), "detected_at": now.isoformat(),
    }, unit=request.unit)
    record_audit(uow, "explanation.missed", request.code, None, {**_explanation_audit(request), "detected_at": now})
    record_violation(uow, official=request.official, unit=request.unit, kind="missed_explanation",
                     source_type="explanation", source=request.code, fact_date=due_local.date(),
                     facts=domain.missed_explanation_facts(request.role, request.subject_type, request.subject,
                                                           request.code, due_local))


def mark_missed_explanations(uow: UnitOfWork, limit: int = 500) -> tuple[int, int]:
    """Requests still waiting past their deadline → missed, each once: rows are claimed with FOR UPDATE
    SKIP LOCKED and leave `requested` in the same transaction, so another replica never sees them again.
    Returns (marked, claimed)."""
    with uow:
        now = uow.now()
        rows = uow.session.scalars(
            select(ExplanationRequest)
            .where(ExplanationRequest.status == domain.REQUESTED, ExplanationRequest.due_at < now)
            .order_by(ExplanationRequest.due_at, ExplanationRequest.code)
            .limit(limit)
            .with_for_update(skip_locked=True)).all()
        for request in rows:
            _mark_missed(uow, request, now)
        uow.commit()
        return len(rows), len(rows)


# -- misconduct verifications: conclusion ----------------------------------------------------------------

def conclude_verification(uow: UnitOfWork, principal: Principal, code: str, *, confirmed: bool, conclusion: str,
                          official: str | None = None, fact_date: date | None = None) -> Verification:
    """Inspectors conclude a misconduct verification: dismissed, or confirmed, which records a violation
    (kind misconduct, source misconduct) of the official concerned, dated the day of the facts (by default
    the day the citizen reported them)."""
    errors = domain.check_explanation_text(conclusion, domain.JUDGEMENT_REASON_MAX, "conclusion")
    with uow:
        session = uow.session
        verification = session.scalars(select(Verification).where(Verification.code == code)
                                       .with_for_update()).first()
        if verification is None:
            raise NotFound(f"không có hồ sơ xác minh {code!r} — no verification with this code")
        if "inspector" not in principal.roles:
            raise Forbidden("Chỉ thanh tra viên kết luận xác minh — only inspectors conclude a verification",
                            {"roles": ["inspector required"]})
        if verification.status != "open":
            raise Conflict(f"Xác minh {code} đã kết luận ({verification.status}) — already concluded",
                           {"status": [verification.status]})
        official = official or verification.official
        today = uow.now().astimezone(uow.calendar.tz).date()
        fact_date = fact_date or verification.reported_at.astimezone(uow.calendar.tz).date()
        if confirmed and official is None:
            errors["official"] = ["phản ánh không nêu tên cán bộ; cần nêu cán bộ vi phạm — name the official"]
        elif confirmed and session.get(Official, official) is None:
            errors["official"] = [f"{official!r} không có trong danh bạ — not an official in the directory"]
        if fact_date > today:
            errors["fact_date"] = ["ngày vi phạm chưa tới — the date of the facts cannot be in the future"]
        if errors:
            raise InvalidInput("Kết luận xác minh chưa hợp lệ — fix the fields listed", errors)
        now = uow.now()
        verification.status = "confirmed" if confirmed else "dismissed"
        verification.concluded_at, verification.concluded_by = now, principal.sub
        verification.conclusion = conclusion.strip()
        if confirmed:
            verification.official = official
        record_audit(uow, f"verification.{verification.status}", code, principal.sub, {
            "report": verification.subject, "kind": verification.kind, "unit": verification.unit,
            "official": verification.official, "conclusion": verification.conclusion, "fact_date": fact_date})
        if confirmed:
            label = domain.MISCONDUCT_LABELS.get(verification.kind, verification.kind)
            record_violation(uow, official=official, unit=verification.unit, kind="misconduct",
                             source_type="misconduct", source=code, fact_date=fact_date,
                             facts=f"{label} (phản ánh {verification.subject}): {verification.conclusion}",
                             actor=principal.sub)
        uow.commit()
        return verification


# -- inspections ------------------------------------------------------------------------------------------

def _ensure_inspector(principal: Principal) -> None:
    if "inspector" not in principal.roles:
        raise Forbidden("Chỉ thanh tra viên (Sở Nội vụ) ghi nhận kiểm tra công vụ — only inspectors record "
                        f"inspections; your token has {', '.join(sorted(principal.roles)) or 'no role'}",
                        {"roles": ["inspector required"]})


def record_inspection(uow: UnitOfWork, principal: Principal, *, unit: str, kind: str, inspected_on: date,
                      team: list[str], notes: str | None = None, findings: list[dict] = ()) -> dict:
    """An inspection of a unit (periodic or surprise), with the findings made on the spot if any; each
    finding about an official becomes a violation. Emits `inspection.recorded`."""
    _ensure_inspector(principal)
    with uow:
        session = uow.session
        errors: dict[str, list[str]] = {}
        today = uow.now().astimezone(uow.calendar.tz).date()
        if session.get(Unit, unit) is None:
            errors["unit"] = [f"{unit!r} không có trong danh bạ — not a unit in the directory"]
        if kind not in domain.INSPECTION_KINDS:
            errors["kind"] = [f"một trong {', '.join(domain.INSPECTION_KINDS)} — one of them"]
        if inspected_on > today:
            errors["inspected_on"] = ["cuộc kiểm tra chưa diễn ra — an inspection cannot be dated in the future"]
        members = [m.strip() for m in team if m and m.strip()]
        if not members:
            errors["team"] = ["cần ít nhất một thành viên đoàn kiểm tra — at least one team member"]
        if errors:
            raise InvalidInput("Cuộc kiểm tra chưa ghi nhận được; sửa các trường được nêu — fix the fields listed",
                               errors)
        now = uow.now()
        inspection = Inspection(code=new_code("KT", now), unit=unit, kind=kind, inspected_on=inspected_on,
                                team=members, notes=(notes or "").strip() or None, recorded_by=principal.sub,
                                recorded_at=now)
        session.add(inspection)
        session.flush()
        record_audit(uow, "inspection.recorded", inspection.code, principal.sub, {
            "unit": unit, "kind": kind, "inspected_on": inspected_on, "team": members})
        _add_findings(uow, principal, inspection, findings, today, now)
        uow.commit()
        return _inspection_view(session, inspection)


def add_inspection_findings(uow: UnitOfWork, principal: Principal, code: str, findings: list[dict]) -> dict:
    """More findings of an inspection (the team's conclusions often come days later); `inspection.recorded`
    is emitted again with the new number of findings."""
    _ensure_inspector(principal)
    with uow:
        inspection = uow.session.scalars(select(Inspection).where(Inspection.code == code).with_for_update()).first()
        if inspection is None:
            raise NotFound(f"không có cuộc kiểm tra {code!r} — no inspection with this code")
        if not findings:
            raise InvalidInput("Cần ít nhất một phát hiện — give at least one finding",
                               {"findings": ["at least one"]})
        now = uow.now()
        _add_findings(uow, principal, inspection, findings, now.astimezone(uow.calendar.tz).date(), now)
        uow.commit()
        return _inspection_view(uow.session, inspection)


def _add_findings(uow: UnitOfWork, principal: Principal, inspection: Inspection, findings, today: date,
                  now: datetime) -> None:
    session = uow.session
    subtree = set(unit_subtree(session, inspection.unit))
    existing = {(f.official, f.category) for f in session.scalars(
        select(InspectionFinding).where(InspectionFinding.inspection == inspection.code))}
    errors: dict[str, list[str]] = {}
    planned = []
    for index, finding in enumerate(findings):
        where = f"findings.{index}"
        category, facts = finding.get("category"), finding.get("facts")
        fact_date = finding.get("fact_date") or inspection.inspected_on
        if category not in domain.FINDING_CATEGORIES:
            errors[f"{where}.category"] = [f"một trong {', '.join(domain.FINDING_CATEGORIES)} — one of them"]
        for key, messages in domain.check_explanation_text(facts, domain.EXPLANATION_TEXT_MAX, "facts").items():
            errors[f"{where}.{key}"] = messages
        if fact_date > today:
            errors[f"{where}.fact_date"] = ["ngày vi phạm chưa tới — the date of the facts cannot be in the future"]
        officials = finding.get("officials") or []
        if not officials:
            errors[f"{where}.officials"] = ["nêu ít nhất một cán bộ — name at least one official"]
        for code in officials:
            official = session.get(Official, code)
            if official is None:
                errors.setdefault(f"{where}.officials", []).append(f"{code!r} không có trong danh bạ — unknown")
            elif official.unit not in subtree:
                errors.setdefault(f"{where}.officials", []).append(
                    f"{code!r} thuộc đơn vị {official.unit!r}, không thuộc đơn vị được kiểm tra "
                    f"{inspection.unit!r} — not in the inspected unit")
            elif (code, category) in existing:
                errors.setdefault(f"{where}.officials", []).append(
                    f"{code!r} đã có phát hiện loại {category} trong cuộc kiểm tra này — already found")
            else:
                existing.add((code, category))
                planned.append((official, category, (facts or "").strip(), fact_date))
    if errors:
        raise InvalidInput("Phát hiện chưa hợp lệ; sửa các trường được nêu — fix the fields listed", errors)
    for official, category, facts, fact_date in planned:
        label = domain.FINDING_CATEGORIES[category]
        violation = record_violation(
            uow, official=official.code, unit=official.unit, kind=category, source_type="inspection",
            source=inspection.code, fact_date=fact_date, actor=principal.sub,
            facts=f"{label} — {domain.INSPECTION_KINDS[inspection.kind].lower()} ngày "
                  f"{inspection.inspected_on:%d/%m/%Y} ({inspection.code}): {facts}")
        finding = InspectionFinding(inspection=inspection.code, category=category, official=official.code,
                                    unit=official.unit, facts=facts, fact_date=fact_date,
                                    violation=getattr(violation, "code", None), recorded_by=principal.sub,
                                    recorded_at=now)
        session.add(finding)
        record_audit(uow, "inspection.finding", inspection.code, principal.sub, {
            "category": category, "official": official.code, "unit": official.unit, "facts": facts,
            "fact_date": fact_date, "violation": finding.violation})
    session.flush()
    count = session.scalar(select(func.count()).select_from(InspectionFinding)
                           .where(InspectionFinding.inspection == inspection.code))
    uow.record("inspection.recorded", inspection.code, {
        "code": inspection.code, "unit": inspection.unit, "kind": inspection.kind,
        "inspected_on": inspection.inspected_on.isoformat(), "findings": count,
    }, unit=inspection.unit)


def _inspection_view(session, inspection: Inspection, findings=None) -> dict:
    if findings is None:
        findings = session.scalars(select(InspectionFinding).where(InspectionFinding.inspection == inspection.code)
                                   .order_by(InspectionFinding.id)).all()
    return {"code": inspection.code, "unit": inspection.unit, "kind": inspection.kind,
            "kind_label": domain.INSPECTION_KINDS.get(inspection.kind, inspection.kind),
            "inspected_on": inspection.inspected_on, "team": inspection.team, "notes": inspection.notes,
            "recorded_by": inspection.recorded_by, "recorded_at": inspection.recorded_at,
            "findings": [{"id": f.id, "category": f.category,
                          "category_label": domain.FINDING_CATEGORIES.get(f.category, f.category),
                          "official": f.official, "unit": f.unit, "facts": f.facts, "fact_date": f.fact_date,
                          "violation": f.violation} for f in findings]}


def get_inspection(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """An inspection with its findings: inspectors, the office and admins see it whole; a head of the unit
    inspected (or above it) too; an official only the findings naming them."""
    with uow:
        session = uow.session
        inspection = session.get(Inspection, code)
        if inspection is None:
            raise NotFound(f"không có cuộc kiểm tra {code!r} — no inspection with this code")
        findings = session.scalars(select(InspectionFinding).where(InspectionFinding.inspection == code)
                                   .order_by(InspectionFinding.id)).all()
        if principal.sees_all_units or ("head" in principal.roles and principal.unit
                                        and inspection.unit in unit_subtree(session, principal.unit)):
            return _inspection_view(session, inspection, findings)
        own = [f for f in findings if f.official == principal.sub]
        if not own:
            _ensure_can_read(session, principal, inspection.unit, None, f"Cuộc kiểm tra {code}")
        return _inspection_view(session, inspection, own)


def list_inspections(uow: UnitOfWork, principal: Principal, *, unit: str | None = None, page: int = 1,
                     page_size: int = 50) -> dict:
    """Inspections, latest first: all for inspectors, the office and admins; a head those of their unit and
    below; an official those with a finding naming them."""
    with uow:
        session = uow.session
        query = select(Inspection).order_by(Inspection.inspected_on.desc(), Inspection.code.desc())
        if not principal.sees_all_units:
            if "head" in principal.roles and principal.unit:
                subtree = unit_subtree(session, principal.unit)
                if unit is not None and unit not in subtree:
                    raise Forbidden(f"đơn vị {unit!r} không thuộc đơn vị {principal.unit!r} của bạn — your token "
                                    f"is for unit {principal.unit!r}", {"unit": [f"not within {principal.unit!r}"]})
                query = query.where(Inspection.unit.in_(subtree))
            else:
                named = select(InspectionFinding.inspection).where(InspectionFinding.official == principal.sub)
                query = query.where(Inspection.code.in_(named))
        if unit is not None:
            query = query.where(Inspection.unit == unit)
        result = paginate(query, session, page, page_size)
        result["items"] = [{**_inspection_view(session, i), "findings": None} for i in result["items"]]
        return result


# -- audit ---------------------------------------------------------------------------------------------

AUDIT_HEAD_ID = 1


def record_audit(uow: UnitOfWork, action: str, subject: str, actor: str | None, data: dict) -> None:
    """Append an entry to the tamper-evident log, in the caller's open transaction (it commits or rolls
    back with the change it records; this never commits).

    The chain head row is locked first (FOR UPDATE on PostgreSQL; SQLite already serialises writers), so
    concurrent workers append one after the other: no two entries share a seq or a predecessor.
    `data` is stored as canonical JSON (dates and instants as ISO 8601) and hashed with everything else.
    """
    if not uow.active:
        raise RuntimeError("record_audit must be called inside `with uow:` (it joins that transaction)")
    session = uow.session
    head = session.scalars(select(AuditHead).where(AuditHead.id == AUDIT_HEAD_ID).with_for_update()).first()
    if head is None:
        # The migration writes the head; a database created otherwise starts its chain here.
        head = AuditHead(id=AUDIT_HEAD_ID, seq=0, hash=domain.AUDIT_GENESIS)
        session.add(head)
    at = uow.now()
    data_json = domain.audit_canonical_json(data)
    seq = head.seq + 1
    digest = domain.audit_hash(head.hash, seq, at, action, subject, actor, data_json)
    session.add(AuditEntry(seq=seq, at=at, action=action, subject=subject, actor=actor, data=data_json,
                           prev_hash=head.hash, hash=digest))
    head.seq, head.hash = seq, digest


def verify_audit_chain(uow: UnitOfWork, progress: Progress | None = None, batch: int = 5000) -> dict:
    """Recompute the whole chain: {ok, entries, first_broken: {seq, reason} | None}.

    Read in seq order, a batch at a time (keyset paging), so memory stays flat on a long chain.
    """
    with uow:
        session = uow.session
        head = session.get(AuditHead, AUDIT_HEAD_ID)
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        checker = domain.AuditChainChecker()
        after = 0
        while True:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                   .order_by(AuditEntry.seq).limit(batch)).all()
            for row in rows:
                checker.feed(domain.AuditLink(row.seq, row.at, row.action, row.subject, row.actor, row.data,
                                              row.prev_hash, row.hash))
            if progress is not None and total:
                progress(checker.entries, total)
            if len(rows) < batch:
                break
            after = rows[-1].seq
            session.expunge_all()  # the checked rows are not needed again
        broken = checker.finish(head.seq if head else None, head.hash if head else None)
        return {"ok": broken is None, "entries": checker.entries,
                "first_broken": {"seq": broken.seq, "reason": broken.reason} if broken else None}


def list_audit(uow: UnitOfWork, *, subject: str | None = None, action: str | None = None,
               page: int = 1, page_size: int = 50) -> dict:
    """The log, newest first; filter by subject (a request, proposal, inspection code…) or action."""
    with uow:
        query = select(AuditEntry).order_by(AuditEntry.seq.desc())
        if subject:
            query = query.where(AuditEntry.subject == subject)
        if action:
            query = query.where(AuditEntry.action == action)
        return paginate(query, uow.session, page, page_size)


# -- violations ---------------------------------------------------------------------------------------------

RESPONSIBILITIES = ("direct", "joint")


@dataclass
class ViolationOutcome:
    violation: Violation
    created: bool
    joint: list[Violation] = field(default_factory=list)
    proposals: list[SanctionProposal] = field(default_factory=list)


def record_violation(uow: UnitOfWork, *, official: str, unit: str, kind: str, source_type: str, source: str,
                     fact_date: date | str, facts: str, responsibility: str = "direct",
                     actor: str | None = None) -> Violation:
    """Record a violation of `official` (cá thể hóa trách nhiệm) and what follows from it under the rule set
    in force on `fact_date` for the official's category: the joint liability of the head in office that
    day when the set says the kind carries it, then the sanction rules (proposals). Emits
    `violation.recorded` for each person and audits it.

    Once per official, kind, source and responsibility: a replay returns the violation already stored and
    changes nothing. Inside a caller's open unit of work it joins that transaction and leaves the commit to
    the caller, so the violation is saved with what caused it (a missed explanation, a finding) or not at all.
    """
    try:
        with uow:
            outcome = _record_violation(uow, official=official, unit=unit, kind=kind, source_type=source_type,
                                        source=source, fact_date=fact_date, facts=facts,
                                        responsibility=responsibility, actor=actor)
            if uow.outermost:  # our own transaction; a caller's is the caller's to commit
                uow.commit()
            return outcome.violation
    except IntegrityError as exc:
        raise Retryable(f"concurrent record of violation {kind} of {official} on {source}: {exc.orig}") from exc


def _official_facts(uow: UnitOfWork, official: str) -> tuple[str, bool, str]:
    """(category, leader, name) of an official; one the directory does not know is judged as a công chức
    without a post (domain.DEFAULT_CATEGORY) and named by code."""
    def load():
        row = uow.session.get(Official, official)
        return (row.category, bool(row.is_leader), row.name) if row else (domain.DEFAULT_CATEGORY, False, official)
    return _memo(uow, ("official", official), load)


def _record_violation(uow: UnitOfWork, *, official: str, unit: str, kind: str, source_type: str, source: str,
                      fact_date: date | str, facts: str, responsibility: str = "direct", actor: str | None = None,
                      joint_of: str | None = None) -> ViolationOutcome:
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
    if not domain.is_violation_kind(kind):
        errors["kind"] = ["lower-case words joined by '_', e.g. late_dossier, missed_explanation"]
    for name, value in (("official", official), ("unit", unit), ("source", source)):
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            errors[name] = ["a code of 1-64 characters is required"]
    if not isinstance(facts, str) or not facts.strip():
        errors["facts"] = ["describe what happened, when and where"]
    if errors:
        raise InvalidInput("the violation cannot be recorded as given; fix the fields listed", errors)

    existing = session.scalars(select(Violation).where(
        Violation.official == official, Violation.kind == kind, Violation.source_type == source_type,
        Violation.source == source, Violation.responsibility == responsibility)).first()
    if existing is not None:
        return ViolationOutcome(existing, created=False)

    category, _, name = _official_facts(uow, official)
    rule_set = rule_book(uow.settings).in_force(fact_date, category)
    now = uow.now()
    violation = Violation(code=new_code("VP", now), official=official, unit=unit, kind=kind,
                          source_type=source_type, source=source, fact_date=fact_date, facts=facts.strip(),
                          responsibility=responsibility, joint_of=joint_of,
                          rule_set=rule_set.version if rule_set else None, actor=actor, recorded_at=now)
    session.add(violation)
    session.flush()
    uow.record("violation.recorded", violation.code, {
        "code": violation.code, "official": official, "unit": unit, "responsibility": responsibility,
        "kind": kind, "source_type": source_type, "source": source, "fact_date": fact_date.isoformat(),
        "recorded_at": now.isoformat(),
    }, unit=unit)
    record_audit(uow, "violation.recorded", violation.code, actor, {
        "official": official, "unit": unit, "kind": kind, "source_type": source_type, "source": source,
        "fact_date": fact_date, "facts": violation.facts, "responsibility": responsibility, "joint_of": joint_of,
        "rule_set": violation.rule_set})
    outcome = ViolationOutcome(violation, created=True)
    if responsibility == "joint":
        return outcome
    if rule_set is None:
        log.warning("no sanction rule set in force; violation kept but not judged",
                    extra={"violation": violation.code, "day": fact_date.isoformat(), "category": category})

    head = _memo(uow, ("head", unit, fact_date), lambda: _term_in_office(session, unit, fact_date))
    if rule_set is not None and rule_set.kind(kind).joint_liability and head is not None \
            and head.official != official:
        unit_name = _memo(uow, ("unit_name", unit), lambda: getattr(session.get(Unit, unit), "name", unit))
        joint = _record_violation(
            uow, official=head.official, unit=unit, kind=kind, source_type=source_type, source=source,
            fact_date=fact_date, responsibility="joint", actor=actor, joint_of=violation.code,
            facts=f"Trách nhiệm liên đới của người đứng đầu {unit_name} đối với vi phạm {violation.code} của "
                  f"{name}: {violation.facts}")
        outcome.joint.append(joint.violation)
    outcome.proposals = _evaluate_sanctions(uow, kind=kind, unit=unit, fact_day=fact_date, official=official,
                                            violation=violation)
    return outcome


def _evaluate_sanctions(uow: UnitOfWork, *, kind: str, unit: str, fact_day: date, official: str | None,
                        violation: Violation | None,
                        targets: tuple[str, ...] = domain.RULE_TARGETS) -> list[SanctionProposal]:
    """Apply the rules counting `kind` to the official (their own violations) and to the head of the unit
    in office on `fact_day` (the unit's), each under the rule set in force that day for their category."""
    session = uow.session
    book = rule_book(uow.settings)
    head = _memo(uow, ("head", unit, fact_day), lambda: _term_in_office(session, unit, fact_day))
    persons = {"official": official, "head": head.official if head else None}
    proposals = []
    for target in targets:
        person = persons[target]
        category, leader, name = _official_facts(uow, person) if person else (None, False, "")
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
        recent = session.execute(select(SanctionProposal.rule, SanctionProposal.violation_kind,
                                        SanctionProposal.rule_form, SanctionProposal.fact_day).where(
            SanctionProposal.official == person, SanctionProposal.fact_day > fact_day - reach,
            SanctionProposal.fact_day < fact_day + reach)).all()
        met: list[tuple[domain.SanctionRule, list[str]]] = []
        for rule in rules:
            # A proposal under this rule, or under a heavier rule of the same kind that took its place,
            # covers the window.
            covering = [d for rule_id, kind_, form, d in recent
                        if rule_id == rule.id or (kind_ == kind and domain.at_least_as_heavy(form, rule.form))]
            if domain.proposal_exists_in_window(rule, fact_day, covering):
                continue
            start = rule.window_start(fact_day)
            if target == "head" and kind.startswith("late_"):
                # Every late subject of the unit counts, also those naming nobody.
                rows = session.execute(select(LateFact.subject, LateFact.fact_day).where(
                    LateFact.unit == unit, LateFact.subject_type == kind.removeprefix("late_"),
                    LateFact.fact_day >= start, LateFact.fact_day <= fact_day))
            else:
                scope = Violation.official == person if target == "official" else Violation.unit == unit
                rows = session.execute(select(Violation.source, Violation.fact_date).where(
                    scope, Violation.kind == kind, Violation.responsibility == "direct",
                    Violation.fact_date >= start, Violation.fact_date <= fact_day))
            facts = domain.evaluate_rule(rule, fact_day, [domain.LateFact(s, d) for s, d in rows])
            if facts is not None:
                met.append((rule, facts))
        if met:
            rule = domain.heaviest_rule([r for r, _ in met])
            facts = next(f for r, f in met if r is rule)
            proposals.append(_propose(uow, rule_set, rule, person, category, leader, name, unit, fact_day, facts,
                                      violation))
    session.flush()
    return proposals


def _prior_decisions(session, official: str) -> list[domain.PriorDecision]:
    return [domain.PriorDecision(d.code, d.form, d.violation_kind, d.decided_on, d.in_force_until)
            for d in session.scalars(select(Decision).where(Decision.official == official))]


def _propose(uow: UnitOfWork, rule_set: domain.RuleSet, rule: domain.SanctionRule, person: str, category: str,
             leader: bool, name: str, unit: str, fact_day: date, facts: list[str],
             violation: Violation | None) -> SanctionProposal:
    """A proposal for `person` under `rule`: the rule's form as their category and post allow, one level
    higher for a repeat after a decision, refused at once (dropped, with the reason) when the limitation
    period has run out."""
    session = uow.session
    now = uow.now()
    today = now.astimezone(uow.calendar.tz).date()
    base_form = domain.form_for(rule_set, rule.form, category, leader)
    form, raised_by = domain.escalate(rule_set, base_form, category, leader, rule.kind, fact_day,
                                      _prior_decisions(session, person))
    out_of_time = domain.limitation_reason(rule_set, form, fact_day, today)
    proposal = SanctionProposal(
        code=new_code("DXKL", now), official=person, unit=unit, rule=rule.id, rule_description=rule.description_vi,
        rule_set=rule_set.version, legal_basis=rule_set.legal_basis, threshold=rule.threshold,
        window_days=rule.window_days, form=form, facts=facts, joint_liability=rule.joint_liability,
        status="dropped" if out_of_time else "proposed", fact_day=fact_day, created_at=now,
        violation=violation.code if violation is not None else None, violation_kind=rule.kind, category=category,
        is_leader=leader, rule_form=rule.form, escalated_from=raised_by.code if raised_by else None,
        statement=domain.proposal_statement(rule, name, facts, fact_day, form, raised_by, rule_set),
        handling_until=domain.handling_deadline(rule_set, today, extended=False), extended=False,
        limitation_until=domain.limitation_ends(rule_set, form, fact_day) - timedelta(days=1))
    if out_of_time:
        proposal.dropped_reason, proposal.closed_at = out_of_time, now
    else:
        proposal.next_step = domain.PROCEDURE_STEPS[0]
        proposal.next_due_at = uow.calendar.add_working_days(now, rule_set.procedure_days[proposal.next_step])
    session.add(proposal)
    audit = {"official": person, "unit": unit, "rule": rule.id, "rule_set": rule_set.version, "form": form,
             "rule_form": rule.form, "facts": facts, "fact_date": fact_day, "escalated_from": proposal.escalated_from,
             "violation": proposal.violation, "statement": proposal.statement}
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
            "violation": proposal.violation,
        }, unit=unit)
        record_audit(uow, "sanction.proposed", proposal.code, None, audit)
    return proposal


def list_violations(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                    official: str | None = None, kind: str | None = None, source: str | None = None,
                    responsibility: str | None = None, page: int = 1, page_size: int = 50) -> dict:
    """Violations, latest fact first; same visibility as explanations (own, a head's units, or all)."""
    with uow:
        query = select(Violation).order_by(Violation.fact_date.desc(), Violation.recorded_at.desc(),
                                           Violation.code)
        conditions = [c for c in (
            _visible(uow.session, principal, Violation, unit, official),
            Violation.unit == unit if unit else None,
            Violation.official == official if official else None,
            Violation.kind == kind if kind else None,
            Violation.source == source if source else None,
            Violation.responsibility == responsibility if responsibility else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(query, uow.session, page, page_size)


# -- decisions ----------------------------------------------------------------------------------------------

def _proposal_for_change(uow: UnitOfWork, code: str) -> tuple[SanctionProposal, domain.RuleSet]:
    proposal = uow.session.get(SanctionProposal, code)
    if proposal is None:
        raise NotFound(f"no sanction proposal with code {code!r}")
    book = rule_book(uow.settings)
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
                form: str | None = None) -> ProposalStep:
    """Record a step of the disciplinary procedure: review meeting → council → recommendation → decision,
    in that order, each due a number of working days after the previous one (the first after the
    proposal); whether it kept that deadline is recorded. Refused once the handling limit (90 days from the
    proposal, 150 when extended) has passed. The decision step creates the decision, in force 12 months.
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
            raise Conflict(domain.handling_limit_reason(rule_set, code, proposal.handling_until, proposal.extended),
                           {"at": [f"after the handling limit {proposal.handling_until.isoformat()}"]})
        done = [domain.StepDone(r.step, r.at) for r in done_rows]
        errors = domain.check_step(step, done, at, uow.now(), members, form, proposal.official, rule_set,
                                   proposal.category or domain.DEFAULT_CATEGORY, bool(proposal.is_leader))
        if errors:
            raise InvalidInput(f"the step cannot be recorded for proposal {code}; fix the fields listed", errors)
        previous = done_rows[-1].at if done_rows else proposal.created_at
        due_at = uow.calendar.add_working_days(previous, rule_set.procedure_days[step])
        now = uow.now()
        row = ProposalStep(proposal=code, step=step, at=at, due_at=due_at, on_time=at <= due_at, notes=notes,
                           members=members or None, form=form, recorded_by=actor, recorded_at=now)
        session.add(row)
        following = domain.next_step([*done, domain.StepDone(step, at)])
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
            _decide(uow, proposal, rule_set, at, form, actor)
        uow.commit()
        return row


def _decide(uow: UnitOfWork, proposal: SanctionProposal, rule_set: domain.RuleSet, at: datetime, form: str,
            actor: str | None) -> Decision:
    now = uow.now()
    decided_on = at.astimezone(uow.calendar.tz).date()
    decision = Decision(code=new_code("QDKL", now), proposal=proposal.code, official=proposal.official,
                        unit=proposal.unit, form=form, violation_kind=proposal.violation_kind,
                        rule_set=rule_set.version, decided_at=at, decided_on=decided_on,
                        in_force_until=domain.in_force_until(rule_set, decided_on), decided_by=actor,
                        recorded_at=now)
    uow.session.add(decision)
    proposal.status, proposal.closed_at = "decided", now
    _, _, name = _official_facts(uow, proposal.official)
    uow.record("sanction.decided", decision.code, {
        "code": decision.code, "proposal": proposal.code, "official": proposal.official,
        "official_name": name if name != proposal.official else None, "unit": proposal.unit, "form": form,
        "rule_set": rule_set.version, "decided_at": at.isoformat(),
        "in_force_until": decision.in_force_until.isoformat(), "violation_kind": proposal.violation_kind,
    }, unit=proposal.unit)
    record_audit(uow, "sanction.decided", decision.code, actor, {
        "proposal": proposal.code, "official": proposal.official, "form": form, "rule_set": rule_set.version,
        "decided_at": at, "in_force_until": decision.in_force_until})
    return decision


def extend_proposal(uow: UnitOfWork, code: str, *, reason: str, actor: str | None) -> SanctionProposal:
    """Record the extension of the handling limit (90 → 150 days from the proposal), with its reason."""
    with uow:
        proposal, rule_set = _proposal_for_change(uow, code)
        if proposal.extended:
            return proposal
        _ensure_open(proposal, "an extension")
        if not reason or not reason.strip():
            raise InvalidInput("an extension needs its reason", {"reason": ["required"]})
        proposed_on = proposal.created_at.astimezone(uow.calendar.tz).date()
        proposal.extended, proposal.extension_reason = True, reason.strip()
        proposal.handling_until = domain.handling_deadline(rule_set, proposed_on, extended=True)
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


def get_sanction_proposal(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """A proposal with its steps and decision, if the principal may see it."""
    with uow:
        session = uow.session
        proposal = session.get(SanctionProposal, code)
        if proposal is None:
            raise NotFound(f"no sanction proposal with code {code!r}")
        _ensure_visible(session, principal, proposal.official, proposal.unit)
        steps = list(session.scalars(select(ProposalStep).where(ProposalStep.proposal == code)
                                     .order_by(ProposalStep.at, ProposalStep.id)))
        decision = session.scalars(select(Decision).where(Decision.proposal == code)).first()
        return {"proposal": proposal, "steps": steps, "decision": decision}


def list_decisions(uow: UnitOfWork, principal: Principal, *, unit: str | None = None, official: str | None = None,
                   page: int = 1, page_size: int = 50) -> dict:
    with uow:
        query = select(Decision).order_by(Decision.decided_at.desc(), Decision.code)
        conditions = [c for c in (
            _visible(uow.session, principal, Decision, unit, official),
            Decision.unit == unit if unit else None,
            Decision.official == official if official else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(query, uow.session, page, page_size)


def _ensure_visible(session, principal: Principal, official: str, unit: str) -> None:
    """Refuse (403, with why) a principal who may not see what concerns `official` of `unit`."""
    if principal.sees_all_units or principal.sub == official:
        return
    if "head" in principal.roles and principal.unit is not None and unit in unit_subtree(session, principal.unit):
        return
    raise Forbidden(f"this concerns official {official!r} of unit {unit!r}: you can see only your own, or as a "
                    "head your unit's and those below it", {"official": ["not you, nor in your units"]})


# -- eligibility --------------------------------------------------------------------------------------------

def official_eligibility(uow: UnitOfWork, principal: Principal, code: str, on: date | None = None) -> dict:
    """May the official on `on` (today by default) receive an emulation award, be appointed or planned,
    and what is the best evaluation of that year — with the decisions that cause each answer."""
    with uow:
        session = uow.session
        official = session.get(Official, code)
        if official is None:
            raise NotFound(f"no official with code {code!r}")
        _ensure_visible(session, principal, code, official.unit)
        on = on or uow.now().astimezone(uow.calendar.tz).date()
        result = domain.eligibility(_prior_decisions(session, code), on)
        cause = {d.code for d in (*result.in_force, *result.in_year)}
        decisions = {d.code: d for d in session.scalars(select(Decision).where(Decision.code.in_(cause)))} \
            if cause else {}
        return {
            "official": code, "name": official.name, "on": on,
            "may_receive_award": result.may_receive_award, "may_be_appointed": result.may_be_appointed,
            "may_be_planned": result.may_be_planned, "evaluation_year": on.year,
            "evaluation_cap": result.evaluation_cap,
            "evaluation_cap_label": domain.EVALUATION_LABELS.get(result.evaluation_cap) if result.evaluation_cap
            else None,
            "reasons": result.reasons,
            "decisions_in_force": [decisions[d.code] for d in result.in_force],
            "decisions_in_year": [decisions[d.code] for d in result.in_year],
        }
