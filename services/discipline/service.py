"""Use cases of the discipline service, each in one unit of work.

Directory: units (imported from the national list of administrative units and from a departments
file, or entered one by one), officials and headship terms, each change spread as a `directory.*` event.
Accountability: every late dossier asks the official at fault and the unit's head to explain, and the
date-effective sanction rules turn repeated lateness into proposals.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from services.discipline import domain
from services.discipline.models import (
    ExplanationRequest,
    Headship,
    LateFact,
    Official,
    SanctionProposal,
    Unit,
    Verification,
)
from shared.auth import Principal
from shared.codes import new_code
from shared.consumer import Transient
from shared.errors import Forbidden, InvalidInput, NotFound
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
    """Every rule set, newest first, marking the one in force today."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        book = rule_book(uow.settings)
    current = book.in_force(today)
    return [
        {
            "version": s.version, "effective_from": s.effective_from, "legal_basis": s.legal_basis,
            "explanation_days": s.explanation_days, "in_force": s is current,
            "rules": [{"id": r.id, "description_vi": r.description_vi, "applies_to": r.applies_to,
                       "threshold": r.threshold, "window_days": r.window_days, "form": r.form,
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
        raise Transient(f"concurrent update of late fact {subject}: {exc.orig}") from exc


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
                due_at=uow.calendar.add_working_days(detected_at, explanation_days),
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
        outcome.explanations.append(request)
    session.flush()

    # The shipped rule sets judge late dossiers; rules for tasks and feedback are not written yet.
    if outcome.new_fact and subject_type == "dossier":
        if rule_set is None:
            log.warning("no sanction rule set in force; late fact kept but not judged",
                        extra={"subject": subject, "day": fact_day.isoformat()})
        else:
            outcome.proposals = _evaluate_sanctions(uow, fact, rule_set, head)
    return outcome


def _evaluate_sanctions(uow: UnitOfWork, fact: LateFact, rule_set: domain.RuleSet,
                        head: Headship | None) -> list[SanctionProposal]:
    session = uow.session
    proposals = []
    # The proposals already made near this day, for every rule at once: once a threshold is crossed, the
    # common case is that one exists, and then a unit with many late dossiers need not be re-read.
    persons = {fact.official, head.official if head else None} - {None}
    reach = timedelta(days=max((rule.window_days for rule in rule_set.rules), default=0))
    recent = session.execute(select(SanctionProposal.rule, SanctionProposal.official, SanctionProposal.fact_day)
                             .where(SanctionProposal.official.in_(persons),
                                    SanctionProposal.fact_day > fact.fact_day - reach,
                                    SanctionProposal.fact_day < fact.fact_day + reach)).all() if persons else []
    for rule in rule_set.rules:
        if rule.applies_to == "official":
            person, scope = fact.official, LateFact.official == fact.official
        else:
            person, scope = (head.official if head else None), LateFact.unit == fact.unit
        if person is None:
            if rule.applies_to == "head":
                log.warning("head rule not evaluated: no head of the unit known",
                            extra={"rule": rule.id, "unit": fact.unit, "day": fact.fact_day.isoformat()})
            continue
        earlier = [day for rule_id, official, day in recent if rule_id == rule.id and official == person]
        if domain.proposal_exists_in_window(rule, fact.fact_day, earlier):
            continue
        rows = session.execute(select(LateFact.subject, LateFact.fact_day).where(
            scope, LateFact.subject_type == fact.subject_type,
            LateFact.fact_day >= rule.window_start(fact.fact_day), LateFact.fact_day <= fact.fact_day))
        facts = domain.evaluate_rule(rule, fact.fact_day, [domain.LateFact(s, d) for s, d in rows])
        if facts is None:
            continue
        now = uow.now()
        proposal = SanctionProposal(
            code=new_code("DXKL", now), official=person, unit=fact.unit, rule=rule.id,
            rule_description=rule.description_vi, rule_set=rule_set.version, legal_basis=rule_set.legal_basis,
            threshold=rule.threshold, window_days=rule.window_days, form=rule.form, facts=facts,
            joint_liability=rule.joint_liability, status="proposed", fact_day=fact.fact_day, created_at=now)
        session.add(proposal)
        uow.record("sanction.proposed", proposal.code, {
            "code": proposal.code, "official": person, "unit": fact.unit, "rule": rule.id,
            "rule_set": rule_set.version, "form": rule.form, "facts": facts,
            "joint_liability": rule.joint_liability,
        }, unit=fact.unit)
        proposals.append(proposal)
    session.flush()
    return proposals


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
