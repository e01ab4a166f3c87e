"""Pure rules of the discipline service: the directory's invariants, Vietnamese ordering, headship terms,
explanation requests and the date-effective sanction rules. No Flask, no database, no clock call: every
date and instant is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.errors import InvalidInput
from shared.vietnamese import sort_key as vietnamese_sort_key

# --- Vietnamese ordering: shared.vietnamese; people by given name ------------------------------------

def person_sort_key(full_name: str) -> str:
    """Vietnamese lists of people sort by the given name (the last word), then by the whole name:
    "Trần Văn An" before "Lê Thị Bình"."""
    words = full_name.split()
    given = words[-1] if words else ""
    return vietnamese_sort_key(f"{given} {full_name}")


# --- the directory -----------------------------------------------------------------------------------

CATEGORIES = ("can_bo", "cong_chuc", "vien_chuc")
HEAD_ROLES = ("head", "deputy")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KIND = re.compile(r"^[a-z][a-z_]{1,31}$")

# vietnam-provinces division types (their Vietnamese values) → unit kinds used here.
_DIVISION_KINDS = {
    "tỉnh": "province",
    "thành phố trung ương": "province",
    "phường": "ward",
    "xã": "commune",
    "đặc khu": "special_zone",
}


def province_unit_code(province_code: int) -> str:
    """Unit code of a province or centrally-run city: "P" + its 2-digit national code (Hà Nội: P01)."""
    return f"P{int(province_code):02d}"


def ward_unit_code(ward_code: int) -> str:
    """Unit code of a ward, commune or special zone: "W" + its 5-digit national code (W00070)."""
    return f"W{int(ward_code):05d}"


def kind_of_division(division_type: str) -> str:
    try:
        return _DIVISION_KINDS[division_type]
    except KeyError:
        raise InvalidInput(f"unknown administrative division type {division_type!r}",
                           {"division_type": [f"expected one of {', '.join(_DIVISION_KINDS)}"]}) from None


def check_unit(code: str, name: str, parent: str | None, kind: str) -> dict[str, list[str]]:
    """Field errors of a unit as given ({} when valid)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not _CODE.match(code):
        errors["code"] = ["1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["the Vietnamese name is required"]
    if parent is not None and parent == code:
        errors["parent"] = ["a unit cannot be its own parent"]
    if not isinstance(kind, str) or not _KIND.match(kind):
        errors["kind"] = ["lower-case words joined by '_', e.g. province, department, ward, commune, agency"]
    return errors


def check_no_cycle(code: str, parent: str | None, parent_of: Callable[[str], str | None]) -> None:
    """Refuse a parent that is the unit itself or one of its descendants (the tree would become a loop)."""
    seen = {code}
    current = parent
    while current is not None:
        if current in seen:
            raise InvalidInput(f"unit {code!r} cannot be placed under {parent!r}: {parent!r} is {code!r} "
                               "or lies below it", {"parent": ["would make the unit tree a loop"]})
        seen.add(current)
        current = parent_of(current)


def unit_changed(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """True when a unit is new or any field other units' copies depend on differs."""
    if current is None:
        return True
    return any(current.get(k) != wanted.get(k) for k in ("name", "parent", "kind"))


def check_official(code: str, name: str, category: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not _CODE.match(code):
        errors["code"] = ["1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["the official's full name is required"]
    if category not in CATEGORIES:
        errors["category"] = [f"one of {', '.join(CATEGORIES)} (cán bộ, công chức, viên chức)"]
    return errors


@dataclass(frozen=True)
class Term:
    """One term of an official as head or deputy of a unit: [since, until], both days included;
    until None while it lasts."""

    id: int | None
    official: str
    role: str
    since: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class HeadPlan:
    """What assigning a head changes: the new term (None when it already exists) and the existing terms
    whose end moves (term id → new until)."""

    new_term: Term | None
    closed: dict[int, date] = field(default_factory=dict)
    existing: Term | None = None


def plan_assignment(terms: Sequence[Term], official: str, since: date, role: str = "head") -> HeadPlan:
    """Plan `official` becoming head (or deputy) of a unit from `since`, given the unit's terms.

    A unit has one head at a time: the head in office on `since` leaves the day before, and a new term
    slotted before a later one (a correction entered late) ends the day before that one begins. A deputy
    promoted to head stops being deputy. Deputies are many at once, so a deputy term closes nobody's.
    Assigning what is already recorded changes nothing.
    """
    if role not in HEAD_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(HEAD_ROLES)}", {"role": [f"got {role!r}"]})
    same_role = sorted((t for t in terms if t.role == role), key=lambda t: t.since)
    for term in same_role:
        if term.official == official and term.covers(since):
            return HeadPlan(new_term=None, existing=term)
    if role == "deputy":
        return HeadPlan(new_term=Term(None, official, role, since))
    clash = next((t for t in same_role if t.since == since), None)
    if clash is not None:
        raise InvalidInput(
            f"official {clash.official!r} is already recorded as head from {since.isoformat()}; "
            "give the date the new head takes office",
            {"since": [f"{clash.official!r} already heads the unit from that date"]})
    closed: dict[int, date] = {}
    day_before = since - timedelta(days=1)
    for term in same_role:
        if term.since < since and (term.until is None or term.until >= since):
            closed[term.id] = day_before
    later = [t for t in same_role if t.since > since]
    until = later[0].since - timedelta(days=1) if later else None
    for term in terms:
        if term.role == "deputy" and term.official == official and term.since < since \
                and (term.until is None or term.until >= since):
            closed[term.id] = day_before
    return HeadPlan(new_term=Term(None, official, role, since, until), closed=closed)


def term_in_office(terms: Iterable[Term], day: date, role: str = "head") -> Term | None:
    """The term of the `role` in office on `day` (the latest started, should terms overlap)."""
    covering = [t for t in terms if t.role == role and t.covers(day)]
    return max(covering, key=lambda t: t.since) if covering else None


# --- explanation requests ----------------------------------------------------------------------------

EXPLANATION_ROLES = ("official", "head")
UNASSIGNED = "unassigned"
REQUESTED = "requested"


def explanation_action(existing: Sequence[tuple[str | None, str]], official: str | None) -> str:
    """What one (late fact, role) needs, given the requests already stored for it as (official, status).

    "create": nothing covers it yet; "assign": a request stored without a person can now name one;
    "none": it is already asked, or there is still nobody to ask and the fact is already kept.
    """
    if official is None:
        return "none" if existing else "create"
    if any(o == official for o, _ in existing):
        return "none"
    if any(o is None and status == UNASSIGNED for o, status in existing):
        return "assign"
    return "create"


def explanation_reason(role: str, subject: str, unit_name: str, due_local: datetime,
                       subject_type: str = "dossier", title: str | None = None) -> str:
    due = f"{due_local:%H:%M} ngày {due_local:%d/%m/%Y}"
    if subject_type == "feedback":
        stage = {"refuse": "xem xét, quyết định thụ lý", "forward": "chuyển đơn vị có thẩm quyền",
                 "answer": "trả lời", "publish": "công khai kết quả trả lời"}.get(title or "", "xử lý")
        if role == "head":
            return (f"Phản ánh, kiến nghị {subject} gửi {unit_name} chưa được {stage} đúng hạn (hạn {due}). "
                    "Đề nghị người đứng đầu đơn vị giải trình lý do chậm trễ.")
        return (f"Phản ánh, kiến nghị {subject} chưa được {stage} đúng hạn (hạn {due}). "
                "Đề nghị cán bộ được giao giải trình rõ lý do chậm trễ.")
    if subject_type == "task":
        what = f"Nhiệm vụ {subject}" + (f" «{title}»" if title else "")
        if role == "head":
            return (f"{what} do {unit_name} chủ trì chưa hoàn thành đúng hạn (hạn {due}). "
                    "Đề nghị người đứng đầu đơn vị chủ trì giải trình lý do chậm trễ.")
        return (f"{what} chưa hoàn thành đúng hạn (hạn {due}). "
                "Đề nghị cán bộ được giao giải trình rõ lý do chậm trễ.")
    if role == "head":
        return (f"Hồ sơ {subject} của {unit_name} quá hạn giải quyết (hạn trả kết quả {due}). "
                "Đề nghị người đứng đầu giải trình về việc chậm trễ tại đơn vị và trách nhiệm liên đới.")
    return (f"Hồ sơ {subject} quá hạn giải quyết (hạn trả kết quả {due}). "
            "Đề nghị công chức xử lý hồ sơ giải trình rõ lý do chậm trễ.")


# --- sanction rules ----------------------------------------------------------------------------------

SANCTION_FORMS = {
    "phe_binh": "Phê bình",
    "khien_trach": "Khiển trách",
    "canh_cao": "Cảnh cáo",
    "ha_bac_luong": "Hạ bậc lương",
    "giang_chuc": "Giáng chức",
    "cach_chuc": "Cách chức",
    "dinh_chi_cong_tac": "Đình chỉ công tác",
    "mien_nhiem": "Miễn nhiệm",
    "buoc_thoi_viec": "Buộc thôi việc",
}
RULE_TARGETS = ("official", "head")
DEFAULT_EXPLANATION_DAYS = 3

_SET_KEYS = {"version", "effective_from", "legal_basis", "explanation_days", "rules", "note"}
_RULE_KEYS = {"id", "description_vi", "applies_to", "threshold", "window_days", "form", "joint_liability"}


class RulesError(ValueError):
    """The sanction rules file is not valid; the message names the rule set, rule and key."""


@dataclass(frozen=True)
class SanctionRule:
    id: str
    applies_to: str
    threshold: int
    window_days: int
    form: str
    description_vi: str = ""
    joint_liability: bool = False

    def window_start(self, fact_day: date) -> date:
        """First day of the window ending on (and including) `fact_day`: window_days calendar days."""
        return fact_day - timedelta(days=self.window_days - 1)


@dataclass(frozen=True)
class RuleSet:
    version: str
    effective_from: date
    legal_basis: str
    rules: tuple[SanctionRule, ...]
    explanation_days: int | float = DEFAULT_EXPLANATION_DAYS


@dataclass(frozen=True)
class RuleBook:
    rule_sets: tuple[RuleSet, ...]  # by effective_from, oldest first
    source: str = ""

    def in_force(self, day: date) -> RuleSet | None:
        """The rule set that judges a fact of `day`: the latest one in effect on that day."""
        chosen = None
        for rule_set in self.rule_sets:
            if rule_set.effective_from <= day:
                chosen = rule_set
        return chosen


def _fail(where: str, message: str) -> RulesError:
    return RulesError(f"sanction rules: {where}: {message}")


def _positive_int(where: str, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"'{key}' must be a whole number of at least 1, got {value!r}")
    return value


def _parse_rule(where: str, raw: object) -> SanctionRule:
    if not isinstance(raw, dict):
        raise _fail(where, f"a rule must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(map(repr, unknown))}; a rule has "
                    f"{', '.join(sorted(_RULE_KEYS))}")
    for key in ("id", "applies_to", "threshold", "window_days", "form"):
        if key not in raw:
            raise _fail(where, f"'{key}' is required")
    rule_id = raw["id"]
    if not isinstance(rule_id, str) or not _CODE.match(rule_id):
        raise _fail(where, f"'id' must be a short code (letters, digits, '-', '_', '.'), got {rule_id!r}")
    where = f"{where} ({rule_id})"
    if raw["applies_to"] not in RULE_TARGETS:
        raise _fail(where, f"'applies_to' must be one of {', '.join(RULE_TARGETS)}, got {raw['applies_to']!r}")
    if raw["form"] not in SANCTION_FORMS:
        raise _fail(where, f"'form' must be one of {', '.join(SANCTION_FORMS)}, got {raw['form']!r}")
    description = raw.get("description_vi", "")
    if not isinstance(description, str):
        raise _fail(where, "'description_vi' must be text")
    joint = raw.get("joint_liability", False)
    if not isinstance(joint, bool):
        raise _fail(where, f"'joint_liability' must be true or false, got {joint!r}")
    return SanctionRule(
        id=rule_id,
        applies_to=raw["applies_to"],
        threshold=_positive_int(where, "threshold", raw["threshold"]),
        window_days=_positive_int(where, "window_days", raw["window_days"]),
        form=raw["form"],
        description_vi=description,
        joint_liability=joint,
    )


def _parse_rule_set(where: str, raw: object) -> RuleSet:
    if not isinstance(raw, dict):
        raise _fail(where, f"a rule set must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _SET_KEYS)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(map(repr, unknown))}; a rule set has "
                    f"{', '.join(sorted(_SET_KEYS))}")
    for key in ("version", "effective_from", "legal_basis", "rules"):
        if key not in raw:
            raise _fail(where, f"'{key}' is required")
    version = raw["version"]
    if not isinstance(version, str) or not version.strip():
        raise _fail(where, "'version' must be non-empty text")
    where = f"{where} ({version})"
    try:
        effective_from = date.fromisoformat(raw["effective_from"])
    except (TypeError, ValueError):
        raise _fail(where, f"'effective_from' must be a date YYYY-MM-DD, got {raw['effective_from']!r}") from None
    legal_basis = raw["legal_basis"]
    if not isinstance(legal_basis, str) or not legal_basis.strip():
        raise _fail(where, "'legal_basis' must name the legal documents the rules apply")
    days = raw.get("explanation_days", DEFAULT_EXPLANATION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
        raise _fail(where, f"'explanation_days' must be a positive number of working days, got {days!r}")
    rules_raw = raw["rules"]
    if not isinstance(rules_raw, list):
        raise _fail(where, "'rules' must be a list")
    rules = tuple(_parse_rule(f"{where}.rules[{i}]", r) for i, r in enumerate(rules_raw))
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _fail(where, f"rule id(s) {', '.join(duplicates)} appear more than once")
    return RuleSet(version=version, effective_from=effective_from, legal_basis=legal_basis,
                   rules=rules, explanation_days=days)


def parse_rule_book(raw: object, source: str = "") -> RuleBook:
    """Validate the decoded rules file: a list of rule sets, each effective from a date."""
    if not isinstance(raw, list) or not raw:
        raise RulesError("sanction rules: the file must hold a non-empty JSON list of rule sets")
    sets = [_parse_rule_set(f"rule_sets[{i}]", r) for i, r in enumerate(raw)]
    for attr in ("version", "effective_from"):
        values = [getattr(s, attr) for s in sets]
        twice = sorted({str(v) for v in values if values.count(v) > 1})
        if twice:
            raise RulesError(f"sanction rules: two rule sets share the {attr} {', '.join(twice)}")
    return RuleBook(rule_sets=tuple(sorted(sets, key=lambda s: s.effective_from)), source=source)


@dataclass(frozen=True)
class LateFact:
    """A late subject (dossier) and the local day it became late."""

    subject: str
    day: date


def evaluate_rule(rule: SanctionRule, fact_day: date, late: Iterable[LateFact]) -> list[str] | None:
    """The subjects that meet `rule` on `fact_day` (distinct, oldest first), or None below threshold.

    Only facts inside the window count: from window_days - 1 days before `fact_day` up to it. A subject
    late twice (a reset return date that passed again) counts once.
    """
    start = rule.window_start(fact_day)
    first_day: dict[str, date] = {}
    for fact in late:
        if start <= fact.day <= fact_day and (fact.subject not in first_day or fact.day < first_day[fact.subject]):
            first_day[fact.subject] = fact.day
    if len(first_day) < rule.threshold:
        return None
    return [s for s, _ in sorted(first_day.items(), key=lambda item: (item[1], item[0]))]


def proposal_exists_in_window(rule: SanctionRule, fact_day: date, proposal_days: Iterable[date]) -> bool:
    """Whether this person already has a proposal under the same rule less than a window away from
    `fact_day` (either side: facts may arrive out of order): one proposal per window, not one per late
    dossier once the threshold is crossed."""
    return any(abs((day - fact_day).days) < rule.window_days for day in proposal_days)


# --- misconduct reports ------------------------------------------------------------------------------

MISCONDUCT_LABELS = {"harassment": "Nhũng nhiễu, sách nhiễu", "extortion": "Vòi vĩnh, đòi hỏi lợi ích",
                     "deliberate_delay": "Cố ý gây chậm trễ", "other": "Hành vi khác gây phiền hà"}
