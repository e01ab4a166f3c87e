"""The directory's rules: unit and official codes and checks, the unit tree, Vietnamese ordering of
people, headship terms (who headed which unit, when)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.codes import is_code
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
KIND = re.compile(r"^[a-z][a-z_]{1,31}$")

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
    if not isinstance(code, str) or not is_code(code):
        errors["code"] = ["1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["the Vietnamese name is required"]
    if parent is not None and parent == code:
        errors["parent"] = ["a unit cannot be its own parent"]
    if not isinstance(kind, str) or not KIND.match(kind):
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
    if not isinstance(code, str) or not is_code(code):
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

