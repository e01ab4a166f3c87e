"""Pure rules of the discipline service: the directory's invariants, Vietnamese ordering, headship terms,
explanation requests and the date-effective sanction rules. No Flask, no database, no clock call: every
date and instant is passed in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.errors import Conflict, InvalidInput
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
    "bai_nhiem": "Bãi nhiệm",
    "dinh_chi_cong_tac": "Đình chỉ công tác",
    "mien_nhiem": "Miễn nhiệm",
    "buoc_thoi_viec": "Buộc thôi việc",
}
# Severity of the legal forms, lightest first: where a rule's form is missing from an official's ladder
# (a staff member cannot be removed from a post they do not hold), the heaviest form not above it is used.
FORM_SEVERITY = ("phe_binh", "khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc", "bai_nhiem",
                 "buoc_thoi_viec")
POSTS = ("staff", "leader")
RULE_TARGETS = ("official", "head")
DEFAULT_EXPLANATION_DAYS = 3
DEFAULT_KIND = "late_dossier"
# An official the directory does not know is judged as a công chức without a post: the one-stop desks'
# usual case, and the category whose rule set is the general one.
DEFAULT_CATEGORY = "cong_chuc"
PROCEDURE_STEPS = ("review", "council", "recommendation", "decision")
STEP_LABELS = {"review": "Họp kiểm điểm", "council": "Thành lập Hội đồng kỷ luật",
               "recommendation": "Hội đồng kiến nghị hình thức kỷ luật", "decision": "Quyết định kỷ luật"}
# Law: review report within 3 working days of the proposal, council formed within 5, recommendation
# within 5, decision within 5 (each from the previous step).
DEFAULT_STEP_DAYS = {"review": 3, "council": 5, "recommendation": 5, "decision": 5}
EVALUATION_CAP = "khong_hoan_thanh_nhiem_vu"
EVALUATION_LABELS = {"hoan_thanh_xuat_sac": "Hoàn thành xuất sắc nhiệm vụ", "hoan_thanh_tot": "Hoàn thành tốt nhiệm vụ",
                     "hoan_thanh": "Hoàn thành nhiệm vụ", EVALUATION_CAP: "Không hoàn thành nhiệm vụ"}

_SET_KEYS = {"version", "effective_from", "legal_basis", "explanation_days", "rules", "note", "categories", "forms",
             "local_measures", "violation_kinds", "limitation", "handling_days", "handling_days_extended",
             "procedure_days", "council_size", "decision_in_force_months", "repeat_months"}
_RULE_KEYS = {"id", "description_vi", "applies_to", "threshold", "window_days", "form", "joint_liability", "kind"}
_LIMITATION_KEYS = {"reprimand_years", "other_years", "reprimand_forms", "note"}


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
    kind: str = DEFAULT_KIND  # the violation kind the rule counts

    def window_start(self, fact_day: date) -> date:
        """First day of the window ending on (and including) `fact_day`: window_days calendar days."""
        return fact_day - timedelta(days=self.window_days - 1)


@dataclass(frozen=True)
class ViolationKind:
    """How a rule set treats one kind of violation: its Vietnamese name and whether the head in office on
    the fact's date answers for it too (trách nhiệm liên đới) the moment it is recorded."""

    description_vi: str = ""
    joint_liability: bool = False


@dataclass(frozen=True)
class Limitation:
    """Limitation period (thời hiệu): a violation older than this on the day it would be handled is not."""

    reprimand_years: int = 5
    other_years: int = 10
    reprimand_forms: tuple[str, ...] = ("phe_binh", "khien_trach")

    def years_for(self, form: str) -> int:
        return self.reprimand_years if form in self.reprimand_forms else self.other_years


@dataclass(frozen=True)
class RuleSet:
    version: str
    effective_from: date
    legal_basis: str
    rules: tuple[SanctionRule, ...]
    explanation_days: int | float = DEFAULT_EXPLANATION_DAYS
    categories: tuple[str, ...] = CATEGORIES
    # category → post (staff | leader) → legal forms, lightest first: the ladder a repeat climbs.
    forms: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    local_measures: Mapping[str, str] = field(default_factory=dict)  # code → what it is (seed 004)
    violation_kinds: Mapping[str, ViolationKind] = field(default_factory=dict)
    limitation: Limitation = Limitation()
    handling_days: int = 90
    handling_days_extended: int = 150
    procedure_days: Mapping[str, int | float] = field(default_factory=lambda: dict(DEFAULT_STEP_DAYS))
    council_size: int = 3
    decision_in_force_months: int = 12
    repeat_months: int = 12
    note: str = ""

    def applies_to_category(self, category: str) -> bool:
        return category in self.categories

    def ladder(self, category: str, leader: bool) -> tuple[str, ...]:
        """The legal forms for this category and post, lightest first (empty when the set lists none)."""
        by_post = self.forms.get(category, {})
        return tuple(by_post.get("leader" if leader else "staff", ()))

    def kind(self, kind: str) -> ViolationKind:
        return self.violation_kinds.get(kind, ViolationKind())


@dataclass(frozen=True)
class RuleBook:
    rule_sets: tuple[RuleSet, ...]  # by effective_from, oldest first
    source: str = ""

    def in_force(self, day: date, category: str | None = None) -> RuleSet | None:
        """The rule set that judges a fact of `day` about an official of `category`: the latest one in
        effect on that day among those written for the category (viên chức keep Decree 112/2020 until
        Decree 234/2026 takes over on 1/7/2026). No category: that of an official the directory does not
        know (DEFAULT_CATEGORY)."""
        category = category or DEFAULT_CATEGORY
        chosen = None
        for rule_set in self.rule_sets:
            if rule_set.effective_from <= day and rule_set.applies_to_category(category):
                chosen = rule_set
        return chosen

    def by_version(self, version: str) -> RuleSet | None:
        return next((s for s in self.rule_sets if s.version == version), None)


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
    kind = raw.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise _fail(where, f"'kind' must be a violation kind like late_dossier, got {kind!r}")
    return SanctionRule(
        id=rule_id,
        applies_to=raw["applies_to"],
        threshold=_positive_int(where, "threshold", raw["threshold"]),
        window_days=_positive_int(where, "window_days", raw["window_days"]),
        form=raw["form"],
        description_vi=description,
        joint_liability=joint,
        kind=kind,
    )


def _parse_forms(where: str, raw: object) -> dict[str, dict[str, tuple[str, ...]]]:
    if not isinstance(raw, dict):
        raise _fail(where, "'forms' must map a category (can_bo, cong_chuc, vien_chuc) to its ladders")
    forms: dict[str, dict[str, tuple[str, ...]]] = {}
    for category, by_post in raw.items():
        if category not in CATEGORIES:
            raise _fail(where, f"'forms' has unknown category {category!r}; use {', '.join(CATEGORIES)}")
        if not isinstance(by_post, dict) or not set(by_post) <= set(POSTS) or not by_post:
            raise _fail(where, f"'forms.{category}' must map staff and/or leader to a list of forms")
        forms[category] = {}
        for post, ladder in by_post.items():
            if not isinstance(ladder, list) or not ladder:
                raise _fail(where, f"'forms.{category}.{post}' must be a non-empty list of forms")
            bad = [f for f in ladder if f not in FORM_SEVERITY]
            if bad:
                raise _fail(where, f"'forms.{category}.{post}' has {', '.join(map(repr, bad))}; a legal form "
                            f"is one of {', '.join(FORM_SEVERITY)}")
            if list(ladder) != sorted(ladder, key=FORM_SEVERITY.index) or len(set(ladder)) != len(ladder):
                raise _fail(where, f"'forms.{category}.{post}' must list each form once, lightest first "
                            f"({' < '.join(FORM_SEVERITY)})")
            forms[category][post] = tuple(ladder)
        if len(forms[category]) == 1:  # one ladder for both posts (cán bộ all hold a post)
            only = next(iter(forms[category].values()))
            forms[category] = {post: only for post in POSTS}
    return forms


def _parse_kinds(where: str, raw: object) -> dict[str, ViolationKind]:
    if not isinstance(raw, dict):
        raise _fail(where, "'violation_kinds' must map a kind (late_dossier, …) to its description")
    kinds = {}
    for kind, spec in raw.items():
        if not _KIND.match(kind) or not isinstance(spec, dict) or not set(spec) <= {"description_vi",
                                                                                 "joint_liability"}:
            raise _fail(where, f"'violation_kinds.{kind}' must be an object with description_vi, joint_liability")
        if not isinstance(spec.get("joint_liability", False), bool):
            raise _fail(where, f"'violation_kinds.{kind}.joint_liability' must be true or false")
        kinds[kind] = ViolationKind(str(spec.get("description_vi", "")), spec.get("joint_liability", False))
    return kinds


def _parse_limitation(where: str, raw: object) -> Limitation:
    if not isinstance(raw, dict) or not set(raw) <= _LIMITATION_KEYS:
        raise _fail(where, f"'limitation' must be an object with {', '.join(sorted(_LIMITATION_KEYS))}")
    forms = raw.get("reprimand_forms", list(Limitation.reprimand_forms))
    if not isinstance(forms, list) or any(f not in SANCTION_FORMS for f in forms):
        raise _fail(where, "'limitation.reprimand_forms' must list forms of the reprimand level")
    return Limitation(reprimand_years=_positive_int(where, "limitation.reprimand_years",
                                                    raw.get("reprimand_years", 5)),
                      other_years=_positive_int(where, "limitation.other_years", raw.get("other_years", 10)),
                      reprimand_forms=tuple(forms))


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
    categories = raw.get("categories", list(CATEGORIES))
    if not isinstance(categories, list) or not categories or any(c not in CATEGORIES for c in categories):
        raise _fail(where, f"'categories' must list some of {', '.join(CATEGORIES)}, got {categories!r}")
    forms = _parse_forms(where, raw.get("forms", {}))
    local = raw.get("local_measures", {})
    if not isinstance(local, dict) or any(code not in SANCTION_FORMS or not isinstance(text, str)
                                          for code, text in local.items()):
        raise _fail(where, f"'local_measures' must map a measure ({', '.join(SANCTION_FORMS)}) to its description")
    procedure = raw.get("procedure_days", dict(DEFAULT_STEP_DAYS))
    if not isinstance(procedure, dict) or set(procedure) != set(PROCEDURE_STEPS) or any(
            isinstance(v, bool) or not isinstance(v, int | float) or v <= 0 for v in procedure.values()):
        raise _fail(where, f"'procedure_days' must give working days for each of {', '.join(PROCEDURE_STEPS)}")
    rules_raw = raw["rules"]
    if not isinstance(rules_raw, list):
        raise _fail(where, "'rules' must be a list")
    rules = tuple(_parse_rule(f"{where}.rules[{i}]", r) for i, r in enumerate(rules_raw))
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _fail(where, f"rule id(s) {', '.join(duplicates)} appear more than once")
    if forms:
        # A rule may only propose what this law knows: a form on some ladder, or a local measure.
        known = {f for by_post in forms.values() for ladder in by_post.values() for f in ladder} | set(local)
        for rule in rules:
            if rule.form not in known:
                raise _fail(where, f"rule {rule.id}: form {rule.form!r} is not a form of this rule set "
                            f"({', '.join(sorted(known))})")
    handling = _positive_int(where, "handling_days", raw.get("handling_days", 90))
    extended = _positive_int(where, "handling_days_extended", raw.get("handling_days_extended", 150))
    if extended < handling:
        raise _fail(where, "'handling_days_extended' cannot be shorter than 'handling_days'")
    return RuleSet(version=version, effective_from=effective_from, legal_basis=legal_basis,
                   rules=rules, explanation_days=days, categories=tuple(categories), forms=forms,
                   local_measures=dict(local), violation_kinds=_parse_kinds(where, raw.get("violation_kinds", {})),
                   limitation=_parse_limitation(where, raw.get("limitation", {})), handling_days=handling,
                   handling_days_extended=extended, procedure_days=dict(procedure),
                   council_size=_positive_int(where, "council_size", raw.get("council_size", 3)),
                   decision_in_force_months=_positive_int(where, "decision_in_force_months",
                                                          raw.get("decision_in_force_months", 12)),
                   repeat_months=_positive_int(where, "repeat_months", raw.get("repeat_months", 12)),
                   note=str(raw.get("note", "")))


def parse_rule_book(raw: object, source: str = "") -> RuleBook:
    """Validate the decoded rules file: a list of rule sets, each effective from a date."""
    if not isinstance(raw, list) or not raw:
        raise RulesError("sanction rules: the file must hold a non-empty JSON list of rule sets")
    sets = [_parse_rule_set(f"rule_sets[{i}]", r) for i, r in enumerate(raw)]
    versions = [s.version for s in sets]
    twice = sorted({v for v in versions if versions.count(v) > 1})
    if twice:
        raise RulesError(f"sanction rules: two rule sets share the version {', '.join(twice)}")
    # Two sets may start on the same day only for different categories (one date, two decrees).
    for category in CATEGORIES:
        starts = [s.effective_from for s in sets if category in s.categories]
        same = sorted({str(d) for d in starts if starts.count(d) > 1})
        if same:
            raise RulesError(f"sanction rules: two rule sets share the effective_from {', '.join(same)} "
                             f"for {category}")
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
    dossier once the threshold is crossed. A rule met by a single violation (threshold 1) judges each
    violation on its own: a second act of misconduct is a second case, not part of the first."""
    if rule.threshold == 1:
        return False
    return any(abs((day - fact_day).days) < rule.window_days for day in proposal_days)


def at_least_as_heavy(form: str | None, than: str) -> bool:
    return form in FORM_SEVERITY and than in FORM_SEVERITY and FORM_SEVERITY.index(form) >= FORM_SEVERITY.index(than)


def heaviest_rule(rules: Sequence[SanctionRule]) -> SanctionRule:
    """Of the rules one violation meets for one person at once, the one whose form is heaviest: one
    violation, one proposal (a second missed explanation is a khiển trách, not also a phê bình)."""
    def weight(rule: SanctionRule) -> int:
        return FORM_SEVERITY.index(rule.form) if rule.form in FORM_SEVERITY else -1
    return max(rules, key=lambda r: (weight(r), r.threshold))


def is_violation_kind(kind: object) -> bool:
    return isinstance(kind, str) and bool(_KIND.match(kind))


def late_fact_text(subject_type: str, subject: str, unit_name: str, due_local: datetime, step: str | None = None,
                   title: str | None = None) -> str:
    """The facts of a late subject as a violation states them, in Vietnamese."""
    due = f"{due_local:%H:%M} ngày {due_local:%d/%m/%Y}"
    if subject_type == "task":
        what = f"Nhiệm vụ {subject}" + (f" «{title}»" if title else "") + " chưa hoàn thành đúng hạn"
    elif subject_type == "feedback":
        what = f"Phản ánh, kiến nghị {subject} chưa được xử lý đúng hạn"
    else:
        what = f"Hồ sơ {subject} quá hạn giải quyết" + (f" ở bước {step}" if step else "")
    return f"{what} (hạn {due}) tại {unit_name}."


# --- proposals: the form, repeat escalation, limitation ------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month when it has no such day (31/1 → 28/2)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def form_for(rule_set: RuleSet, form: str, category: str, leader: bool) -> str:
    """The form a rule proposes, as this official can receive it: unchanged when it is on their ladder (or
    a local measure), else the heaviest form of their ladder not above it (a staff member cannot be
    removed from a post they do not hold), else the lightest of their ladder."""
    ladder = rule_set.ladder(category, leader)
    if not ladder or form in ladder or form in rule_set.local_measures:
        return form
    rank = FORM_SEVERITY.index(form) if form in FORM_SEVERITY else 0
    lighter = [f for f in ladder if FORM_SEVERITY.index(f) <= rank]
    return lighter[-1] if lighter else ladder[0]


@dataclass(frozen=True)
class PriorDecision:
    """A decision already taken against the official: what counts for a repeat and for eligibility."""

    code: str
    form: str
    kind: str | None
    decided_on: date
    in_force_until: date


def escalate(rule_set: RuleSet, form: str, category: str, leader: bool, kind: str, fact_day: date,
             prior: Iterable[PriorDecision]) -> tuple[str, PriorDecision | None]:
    """Repeat escalation: a violation of the same kind within `repeat_months` after a decision goes one
    level above that decision's form on the official's ladder (never off the ladder: the heaviest form
    stays the heaviest). Returns the form and the decision that raised it (None when nothing did).

    Local measures are below the ladder: a repeat after a phê bình starts at the ladder's first form."""
    ladder = rule_set.ladder(category, leader)
    repeats = [d for d in prior if d.kind == kind and d.decided_on <= fact_day
               < add_months(d.decided_on, rule_set.repeat_months)]
    if not ladder or not repeats:
        return form, None

    def level(f: str) -> int:
        return ladder.index(f) if f in ladder else -1  # a local measure or a form of another ladder

    worst = max(repeats, key=lambda d: (level(d.form), d.decided_on))
    raised = ladder[min(level(worst.form) + 1, len(ladder) - 1)]
    if level(raised) <= level(form):
        return form, None
    return raised, worst


def limitation_ends(rule_set: RuleSet, form: str, fact_day: date) -> date:
    """The first day on which a violation of `fact_day` can no longer be handled (thời hiệu xử lý kỷ luật):
    fact day + 5 years for reprimand-level forms and 10 for the rest under Decree 172/2025 (2 and 5 before)."""
    return add_months(fact_day, 12 * rule_set.limitation.years_for(form))


def limitation_reason(rule_set: RuleSet, form: str, fact_day: date, on: date) -> str | None:
    """Why a proposal made `on` is out of time, or None when it may go ahead."""
    ends = limitation_ends(rule_set, form, fact_day)
    if on < ends:
        return None
    years = rule_set.limitation.years_for(form)
    return (f"Đã hết thời hiệu xử lý kỷ luật: vi phạm ngày {fact_day:%d/%m/%Y}, thời hiệu {years} năm đối với "
            f"hình thức {SANCTION_FORMS[form].lower()} theo {rule_set.version} (hết ngày "
            f"{ends - timedelta(days=1):%d/%m/%Y}).")


def proposal_statement(rule: SanctionRule, person_name: str, facts: Sequence[str], fact_day: date, form: str,
                       escalated_by: PriorDecision | None, rule_set: RuleSet) -> str:
    """The facts of a proposal in Vietnamese: who, what, when, which rule, which law, which form."""
    who = f"{person_name} (người đứng đầu đơn vị, trách nhiệm liên đới)" if rule.applies_to == "head" else person_name
    text = (f"{who}: {len(facts)} vi phạm «{rule.kind}» trong {rule.window_days} ngày tính đến ngày "
            f"{fact_day:%d/%m/%Y} ({', '.join(facts)}), đạt ngưỡng {rule.threshold} của quy tắc {rule.id}. "
            f"Đề xuất hình thức: {SANCTION_FORMS[form].lower()}.")
    if escalated_by is not None:
        text += (f" Tái phạm trong {rule_set.repeat_months} tháng sau quyết định {escalated_by.code} "
                 f"({SANCTION_FORMS[escalated_by.form].lower()}, ngày {escalated_by.decided_on:%d/%m/%Y}): "
                 "nâng một mức.")
    return text + f" Căn cứ: {rule_set.legal_basis} (bộ quy tắc {rule_set.version})."


# --- decisions: the procedure ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StepDone:
    step: str
    at: datetime


def next_step(done: Sequence[StepDone]) -> str | None:
    """The step that comes next, in the order the law sets; None after the decision."""
    taken = {s.step for s in done}
    return next((s for s in PROCEDURE_STEPS if s not in taken), None)


def check_step(step: str, done: Sequence[StepDone], at: datetime, now: datetime, members: Sequence[str],
               form: str | None, official: str, rule_set: RuleSet, category: str, leader: bool
               ) -> dict[str, list[str]]:
    """Field errors of a step as given ({} when it may be recorded)."""
    errors: dict[str, list[str]] = {}
    expected = next_step(done)
    if step not in PROCEDURE_STEPS:
        errors["step"] = [f"one of {', '.join(PROCEDURE_STEPS)}"]
    elif expected is None:
        errors["step"] = ["the proposal is already decided"]
    elif step != expected:
        errors["step"] = [f"the next step is {expected} ({STEP_LABELS[expected]}), not {step}"]
    if at > now:
        errors["at"] = ["a step is recorded once it has happened: not in the future"]
    if done and at < done[-1].at:
        errors["at"] = [f"before the previous step ({done[-1].step}, {done[-1].at.isoformat()})"]
    if step == "council":
        if len(members) != rule_set.council_size or len(set(members)) != len(members):
            errors["members"] = [f"a disciplinary council has {rule_set.council_size} different members"]
        elif official in members:
            errors["members"] = ["the official under discipline cannot sit on the council"]
    elif members:
        errors["members"] = ["only the council step names members"]
    if step in ("recommendation", "decision"):
        ladder = rule_set.ladder(category, leader)
        allowed = set(ladder) | set(rule_set.local_measures) if ladder else set(SANCTION_FORMS)
        if form is None:
            errors["form"] = ["the form recommended or decided is required"]
        elif form not in allowed:
            errors["form"] = [f"{form!r} is not a form for this official under {rule_set.version}; "
                              f"one of {', '.join(f for f in SANCTION_FORMS if f in allowed)}"]
    elif form is not None:
        errors["form"] = ["only the recommendation and the decision name a form"]
    return errors


def handling_deadline(rule_set: RuleSet, proposed_on: date, extended: bool) -> date:
    """Last day the proposal may be handled: 90 days from the proposal, 150 with a recorded extension."""
    days = rule_set.handling_days_extended if extended else rule_set.handling_days
    return proposed_on + timedelta(days=days)


def handling_limit_reason(rule_set: RuleSet, code: str, until: date, extended: bool) -> str:
    """Why a step after the handling limit is refused, in Vietnamese."""
    days = rule_set.handling_days_extended if extended else rule_set.handling_days
    more = "đã gia hạn" if extended else f"có thể gia hạn đến {rule_set.handling_days_extended} ngày"
    return (f"Đã quá thời hạn xử lý kỷ luật: đề xuất {code} phải được xử lý xong đến hết ngày {until:%d/%m/%Y} "
            f"({days} ngày kể từ khi đề xuất; {more}).")


def in_force_until(rule_set: RuleSet, decided_on: date) -> date:
    """Last day a decision is in force: 12 months, the decision day included."""
    return add_months(decided_on, rule_set.decision_in_force_months) - timedelta(days=1)


# --- eligibility ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Eligibility:
    on: date
    may_receive_award: bool
    may_be_appointed: bool
    may_be_planned: bool
    evaluation_cap: str | None  # the best rating the year allows, None when not capped
    in_force: tuple[PriorDecision, ...]
    in_year: tuple[PriorDecision, ...]

    @property
    def reasons(self) -> list[str]:
        """Why, in Vietnamese: one line per decision that bars or caps."""
        lines = [f"Quyết định {d.code} ({SANCTION_FORMS.get(d.form, d.form).lower()}) còn hiệu lực đến "
                 f"{d.in_force_until:%d/%m/%Y}: chưa được khen thưởng, bổ nhiệm, quy hoạch." for d in self.in_force]
        lines += [f"Bị kỷ luật trong năm {self.on.year} (quyết định {d.code}, ngày {d.decided_on:%d/%m/%Y}): "
                  "xếp loại năm không cao hơn «Không hoàn thành nhiệm vụ» (Nghị định 48/2023/NĐ-CP)."
                  for d in self.in_year]
        return lines


def eligibility(decisions: Iterable[PriorDecision], on: date) -> Eligibility:
    """What an official may receive on `on`: no emulation award, appointment or leadership planning while
    a decision is in force (seed 004); any decision taken in the year caps that year's evaluation at
    "không hoàn thành nhiệm vụ" (Decree 48/2023)."""
    decisions = sorted(decisions, key=lambda d: (d.decided_on, d.code))
    in_force = tuple(d for d in decisions if d.decided_on <= on <= d.in_force_until)
    in_year = tuple(d for d in decisions if d.decided_on.year == on.year)
    free = not in_force
    return Eligibility(on=on, may_receive_award=free, may_be_appointed=free, may_be_planned=free,
                       evaluation_cap=EVALUATION_CAP if in_year else None, in_force=in_force, in_year=in_year)


# --- misconduct reports ------------------------------------------------------------------------------

MISCONDUCT_LABELS = {"harassment": "Nhũng nhiễu, sách nhiễu", "extortion": "Vòi vĩnh, đòi hỏi lợi ích",
                     "deliberate_delay": "Cố ý gây chậm trễ", "other": "Hành vi khác gây phiền hà"}


# --- audit chain (tamper-evident log) ------------------------------------------------------------------

AUDIT_GENESIS = "0" * 64  # the prev_hash of the first entry: nothing before it


def audit_canonical_json(data: Mapping[str, Any]) -> str:
    """The one text of `data` that is hashed and stored: keys sorted, no spaces, UTF-8 kept as is, dates
    and instants in ISO 8601 (instants in UTC), so the same facts always hash the same."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (set, frozenset, tuple)):
            return [plain(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
        raise TypeError(f"audit data cannot hold a {type(value).__name__}: {value!r}")

    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain,
                      allow_nan=False)


def audit_hash(prev_hash: str, seq: int, at: datetime, action: str, subject: str, actor: str | None,
               data_json: str) -> str:
    """sha256 over the previous entry's hash and this entry's whole content. Every field is in the
    hashed text, so changing any of them, or the order of entries, breaks the link."""

    content = json.dumps([prev_hash, seq, at.astimezone(UTC).isoformat(), action, subject, actor, data_json],
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditLink:
    """One stored entry of the chain as read back for verification."""

    seq: int
    at: datetime
    action: str
    subject: str
    actor: str | None
    data: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


class AuditChainChecker:
    """Walks the entries in seq order, one at a time (the chain can be long), and keeps the first break.

    A break is named by the seq where the chain stops holding: a changed entry by its own seq, a deleted
    entry by the seq that is missing, and entries cut from the end by the first seq the chain head still
    counts."""

    def __init__(self) -> None:
        self.entries = 0
        self.first_broken: ChainBreak | None = None
        self._last_seq = 0
        self._last_hash = AUDIT_GENESIS

    def feed(self, link: AuditLink) -> None:
        self.entries += 1
        if self.first_broken is not None:
            return
        expected = self._last_seq + 1
        if link.seq != expected:
            self.first_broken = ChainBreak(expected, f"mục số {expected} bị thiếu (đã bị xoá): sau mục "
                                                     f"{self._last_seq} là mục {link.seq}")
        elif link.prev_hash != self._last_hash:
            self.first_broken = ChainBreak(link.seq, f"mục số {link.seq} không nối với mục trước: mã băm của "
                                                     "mục trước đã bị thay đổi hoặc mục bị chèn vào")
        elif audit_hash(link.prev_hash, link.seq, link.at, link.action, link.subject, link.actor,
                        link.data) != link.hash:
            self.first_broken = ChainBreak(link.seq, f"nội dung mục số {link.seq} đã bị sửa: mã băm không khớp "
                                                     "với nội dung")
        self._last_seq, self._last_hash = link.seq, link.hash

    def finish(self, head_seq: int | None, head_hash: str | None) -> ChainBreak | None:
        """Compare the end of the chain with its head (the last seq and hash appended): entries deleted
        from the end leave no gap between the ones that remain, only a head that counts further."""
        if self.first_broken is None and head_seq is not None:
            if head_seq > self._last_seq:
                self.first_broken = ChainBreak(self._last_seq + 1, f"mục số {self._last_seq + 1} đến {head_seq} "
                                                                   "bị thiếu (đã bị xoá ở cuối chuỗi)")
            elif head_seq < self._last_seq or head_hash != self._last_hash:
                self.first_broken = ChainBreak(self._last_seq, f"mục cuối số {self._last_seq} không khớp với "
                                                               "đầu chuỗi đã lưu")
        return self.first_broken


# --- explanations: submission, judgement, missed deadlines (lifecycle) ---------------------------------

SUBMITTED = "submitted"
ACCEPTED = "accepted"
REJECTED = "rejected"
MISSED = "missed"
EXPLANATION_STATUSES = (UNASSIGNED, REQUESTED, SUBMITTED, ACCEPTED, REJECTED, MISSED)
EXPLANATION_TEXT_MAX = 20_000
JUDGEMENT_REASON_MAX = 4_000

EXPLANATION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
EXPLANATION_ATTACHMENTS_MAX = 5



def submission_outcome(status: str, due_at: datetime, now: datetime) -> str:
    """What a submission does to a request: "on_time" (→ submitted), "missed_now" (the deadline has
    passed but the sweep has not marked it yet: mark it missed, then keep the text), "late" (already
    missed: keep the text, it stays missed). A request already answered or judged cannot take another."""
    if status == REQUESTED:
        return "on_time" if now <= due_at else "missed_now"
    if status == MISSED:
        return "late"
    if status == UNASSIGNED:
        raise Conflict("Yêu cầu giải trình chưa giao cho ai nên chưa thể nộp — the request names nobody yet",
                       {"status": [status]})
    raise Conflict(f"Giải trình đã được nộp (trạng thái: {status}); không nộp lại được — the explanation was "
                   "already submitted", {"status": [status]})


def check_judgeable(status: str) -> None:
    """Only a submitted explanation, in time, is judged; a missed one is a violation whatever it says."""
    if status == SUBMITTED:
        return
    reasons = {
        REQUESTED: "chưa có giải trình để xem xét — nothing has been submitted yet",
        UNASSIGNED: "yêu cầu chưa giao cho ai — the request names nobody yet",
        MISSED: "giải trình đã quá hạn, việc không giải trình đúng hạn đã được ghi nhận là vi phạm — the "
                "deadline was missed and recorded as a violation",
        ACCEPTED: "giải trình đã được chấp nhận — already accepted",
        REJECTED: "giải trình đã bị bác — already rejected",
    }
    raise Conflict(f"Không thể xem xét giải trình: {reasons.get(status, status)}", {"status": [status]})


def check_explanation_text(text: str | None, max_length: int = EXPLANATION_TEXT_MAX,
                           field: str = "text") -> dict[str, list[str]]:
    if text is None or not text.strip():
        return {field: ["bắt buộc, không được để trống — required, not blank"]}
    if len(text) > max_length:
        return {field: [f"tối đa {max_length} ký tự — at most {max_length} characters"]}
    return {}


def missed_explanation_facts(role: str, subject_type: str, subject: str, request: str, due_local: datetime) -> str:
    """The violation's facts, in Vietnamese, as the decision will quote them."""
    what = {"dossier": "hồ sơ", "task": "nhiệm vụ", "feedback": "phản ánh, kiến nghị"}.get(subject_type,
                                                                                          subject_type)
    who = "người đứng đầu đơn vị" if role == "head" else "cán bộ"
    return (f"Không giải trình đúng hạn: {who} được yêu cầu giải trình ({request}) về {what} {subject}, "
            f"hạn nộp {due_local:%H:%M} ngày {due_local:%d/%m/%Y}, nhưng không nộp giải trình.")


# --- inspections --------------------------------------------------------------------------------------

INSPECTION_KINDS = {"periodic": "Kiểm tra định kỳ", "surprise": "Kiểm tra đột xuất"}
FINDING_CATEGORIES = {
    "working_hours": "Vi phạm giờ giấc làm việc",
    "conduct": "Vi phạm quy tắc ứng xử, văn hoá công sở",
    "process": "Vi phạm quy trình giải quyết công việc",
    "misconduct": "Nhũng nhiễu, sách nhiễu, gây phiền hà",
}
