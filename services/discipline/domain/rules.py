"""The date-effective sanction rules: rule sets (one per decree and category of officials), their rules
and ladders of forms, and the parser that refuses a broken rules file with the set, rule and key at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from services.discipline.domain.directory import CATEGORIES, KIND
from services.discipline.domain.procedure import DEFAULT_STEP_DAYS, PROCEDURE_STEPS
from shared.codes import is_code
from shared.events.vocabulary import SANCTION_FORMS
from shared.versions import in_force

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

_SET_KEYS = {"version", "effective_from", "legal_basis", "explanation_days", "rules", "note", "categories", "forms",
             "local_measures", "violation_kinds", "limitation", "handling_days", "handling_days_extended",
             "procedure_days", "council_size", "decision_in_force_months", "repeat_months", "source", "verified",
             "verification_note", "forms_source"}
_RULE_KEYS = {"id", "description_vi", "applies_to", "threshold", "window_days", "form", "joint_liability", "kind",
              "source"}
_LIMITATION_KEYS = {"reprimand_years", "other_years", "reprimand_forms", "note", "periods"}
_PERIOD_KEYS = {"from", "reprimand_years", "other_years", "source"}
# What a threshold of the province's own choosing cites instead of a law.
LOCAL_POLICY = "chính sách địa phương (local policy)"


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
    source: str = LOCAL_POLICY  # the legal source (document, article), or local policy

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
class LimitationPeriod:
    """The limitation periods for cases handled from `since` (None: whenever), and the law that set them."""

    since: date | None = None
    reprimand_years: int = 5
    other_years: int = 10
    source: str = ""


@dataclass(frozen=True)
class Limitation:
    """Limitation period (thời hiệu): a violation older than this on the day it is handled is not handled.

    Which period applies depends on when the case is handled, not only on the fact's date: 2 and 5 years
    from 1/7/2020 (Law 52/2019/QH14), 5 and 10 years for cases handled from 15/11/2022 (Resolution
    76/2022/QH15; Decree 71/2023/ND-CP amending art. 6 of Decree 112/2020/ND-CP)."""

    periods: tuple[LimitationPeriod, ...] = (LimitationPeriod(),)  # by `since`, oldest first
    reprimand_forms: tuple[str, ...] = ("phe_binh", "khien_trach")

    def period_on(self, handled_on: date) -> LimitationPeriod:
        """The period for a case handled on `handled_on`: the latest begun by then (the first before any)."""
        begun = [p for p in self.periods if p.since is None or p.since <= handled_on]
        return begun[-1] if begun else self.periods[0]

    def years_for(self, form: str, handled_on: date) -> int:
        period = self.period_on(handled_on)
        return period.reprimand_years if form in self.reprimand_forms else period.other_years

    @property
    def reprimand_years(self) -> int:  # the latest period's, for readers of one number
        return self.periods[-1].reprimand_years

    @property
    def other_years(self) -> int:
        return self.periods[-1].other_years


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
    local_measures: Mapping[str, str] = field(default_factory=dict)  # code → what it is (local measures, README)
    violation_kinds: Mapping[str, ViolationKind] = field(default_factory=dict)
    limitation: Limitation = Limitation()
    handling_days: int = 90
    handling_days_extended: int = 150
    procedure_days: Mapping[str, int | float] = field(default_factory=lambda: dict(DEFAULT_STEP_DAYS))
    council_size: int = 3
    decision_in_force_months: int = 12
    repeat_months: int = 12
    note: str = ""
    # Where the set comes from (document, article); whether that source could be checked against the
    # published text. An unverified set is never chosen until an operator confirms it.
    source: str = ""
    verified: bool = True
    verification_note: str = ""
    forms_source: Mapping[str, str] = field(default_factory=dict)  # category → article listing its forms

    def applies_to_category(self, category: str) -> bool:
        return category in self.categories

    def ladder(self, category: str, leader: bool) -> tuple[str, ...]:
        """The legal forms for this category and post, lightest first (empty when the set lists none)."""
        by_post = self.forms.get(category, {})
        return tuple(by_post.get("leader" if leader else "staff", ()))

    def kind(self, kind: str) -> ViolationKind:
        return self.violation_kinds.get(kind, ViolationKind())

    @property
    def cited_source(self) -> str:
        """The set's source as a result cites it: its document and article, else its legal basis."""
        return self.source or self.legal_basis

    def forms_cited(self, category: str) -> str:
        return self.forms_source.get(category) or self.cited_source


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
        return in_force((s for s in self.rule_sets if s.verified and s.applies_to_category(category)), day)

    def confirmed(self, versions: frozenset[str] | set[str]) -> RuleBook:
        """This book with the unverified sets an operator confirmed counted as verified."""
        if not any(not s.verified and s.version in versions for s in self.rule_sets):
            return self
        return RuleBook(tuple(replace(s, verified=True) if s.version in versions else s for s in self.rule_sets),
                        self.source)

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
    if not isinstance(rule_id, str) or not is_code(rule_id):
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
    if not isinstance(kind, str) or not KIND.match(kind):
        raise _fail(where, f"'kind' must be a violation kind like late_dossier, got {kind!r}")
    source = raw.get("source", LOCAL_POLICY)
    if not isinstance(source, str) or not source.strip():
        raise _fail(where, "'source' must name the legal source (document, article) or say local policy")
    return SanctionRule(
        id=rule_id,
        applies_to=raw["applies_to"],
        threshold=_positive_int(where, "threshold", raw["threshold"]),
        window_days=_positive_int(where, "window_days", raw["window_days"]),
        form=raw["form"],
        description_vi=description,
        joint_liability=joint,
        kind=kind,
        source=source,
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
        if not KIND.match(kind) or not isinstance(spec, dict) or not set(spec) <= {"description_vi",
                                                                                 "joint_liability"}:
            raise _fail(where, f"'violation_kinds.{kind}' must be an object with description_vi, joint_liability")
        if not isinstance(spec.get("joint_liability", False), bool):
            raise _fail(where, f"'violation_kinds.{kind}.joint_liability' must be true or false")
        kinds[kind] = ViolationKind(str(spec.get("description_vi", "")), spec.get("joint_liability", False))
    return kinds


def _parse_period(where: str, raw: object, prefix: str = "") -> LimitationPeriod:
    if not isinstance(raw, dict) or not set(raw) <= _PERIOD_KEYS:
        raise _fail(where, f"a limitation period must be an object with {', '.join(sorted(_PERIOD_KEYS))}")
    since = raw.get("from")
    if since is not None:
        try:
            since = date.fromisoformat(since)
        except (TypeError, ValueError):
            raise _fail(where, f"'from' must be a date YYYY-MM-DD (cases handled from then), got {since!r}") from None
    source = raw.get("source", "")
    if not isinstance(source, str):
        raise _fail(where, "'source' must be text")
    return LimitationPeriod(since=since, source=source,
                            reprimand_years=_positive_int(where, f"{prefix}reprimand_years",
                                                          raw.get("reprimand_years", 5)),
                            other_years=_positive_int(where, f"{prefix}other_years", raw.get("other_years", 10)))


def _parse_limitation(where: str, raw: object) -> Limitation:
    if not isinstance(raw, dict) or not set(raw) <= _LIMITATION_KEYS:
        raise _fail(where, f"'limitation' must be an object with {', '.join(sorted(_LIMITATION_KEYS))}")
    forms = raw.get("reprimand_forms", list(Limitation.reprimand_forms))
    if not isinstance(forms, list) or any(f not in SANCTION_FORMS for f in forms):
        raise _fail(where, "'limitation.reprimand_forms' must list forms of the reprimand level")
    if "periods" in raw:
        if {"reprimand_years", "other_years"} & set(raw):
            raise _fail(where, "'limitation' gives either 'periods' or one 'reprimand_years'/'other_years', not both")
        if not isinstance(raw["periods"], list) or not raw["periods"]:
            raise _fail(where, "'limitation.periods' must be a non-empty list of periods by the date cases are handled")
        periods = tuple(_parse_period(f"{where}.limitation.periods[{i}]", p) for i, p in enumerate(raw["periods"]))
        starts = [p.since or date.min for p in periods]
        if starts != sorted(set(starts)):
            raise _fail(where, "'limitation.periods' must be ordered by 'from', each date once")
    else:
        periods = (_parse_period(where, {k: raw[k] for k in ("reprimand_years", "other_years") if k in raw},
                                 prefix="limitation."),)
    return Limitation(periods=periods, reprimand_forms=tuple(forms))


def _parse_texts(where: str, key: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or any(c not in CATEGORIES or not isinstance(t, str) for c, t in raw.items()):
        raise _fail(where, f"'{key}' must map a category ({', '.join(CATEGORIES)}) to the article it cites")
    return dict(raw)


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
    verified = raw.get("verified", True)
    if not isinstance(verified, bool):
        raise _fail(where, f"'verified' must be true or false, got {verified!r}")
    if not verified and not str(raw.get("verification_note", "")).strip():
        raise _fail(where, "an unverified rule set needs a 'verification_note' saying what must be checked")
    source = raw.get("source", "")
    if not isinstance(source, str):
        raise _fail(where, "'source' must name the document and article the set applies")
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
                   note=str(raw.get("note", "")), source=source, verified=verified,
                   verification_note=str(raw.get("verification_note", "")),
                   forms_source=_parse_texts(where, "forms_source", raw.get("forms_source", {})))


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


