"""Directory: units (imported from the national list of administrative units and from a departments
file, or entered one by one), officials and headship terms, each change spread as a `directory.*` event.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from services.discipline import store
from services.discipline.domain import directory
from services.discipline.models import Headship, Official, Unit
from shared.db import Page, paginate
from shared.errors import InvalidInput, NotFound
from shared.uow import UnitOfWork

HANOI_DEPARTMENTS = Path(__file__).parent.parent / "data" / "hanoi_departments.csv"


Progress = Callable[[int, int], None]


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
    root = directory.province_unit_code(int(province.code))
    rows = [{"code": root, "name": province.name, "parent": None,
             "kind": directory.kind_of_division(province.division_type.value)}]
    rows += [
        {"code": directory.ward_unit_code(int(ward.code)), "name": ward.name, "parent": root,
         "kind": directory.kind_of_division(ward.division_type.value)}
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
            problems = directory.check_unit(row["code"], row["name"], row["parent"], row["kind"])
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
            directory.check_no_cycle(row["code"], row["parent"], parents.get)

        result = ImportResult()
        new_units, updates = [], []
        for done, row in enumerate(rows, start=1):
            if progress is not None:
                progress(done, len(rows))
            wanted = {"code": row["code"], "name": row["name"].strip(), "parent": row["parent"], "kind": row["kind"]}
            sort_key = directory.vietnamese_sort_key(row["name"])
            unit = existing.get(row["code"])
            current = None if unit is None else {"name": unit.name, "parent": unit.parent, "kind": unit.kind}
            if unit is None:
                new_units.append(Unit(**wanted, sort_key=sort_key, created_at=now, updated_at=now))
                result.created.append(row["code"])
            elif directory.unit_changed(current, wanted):
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
        head = store.term_in_office(uow.session, code, today)
        children = uow.session.scalars(select(Unit.code).where(Unit.parent == code)).all()
        return {
            "code": unit.code, "name": unit.name, "parent": unit.parent, "kind": unit.kind,
            "children": len(children),
            "head": _term_view(uow.session, head) if head else None,
        }


def list_units(uow: UnitOfWork, parent: str | None, kind: str | None, page: int, page_size: int) -> Page:
    """Units in Vietnamese alphabetical order of their names."""
    with uow:
        query = select(Unit).order_by(Unit.sort_key, Unit.code)
        if parent is not None:
            query = query.where(Unit.parent == parent)
        if kind is not None:
            query = query.where(Unit.kind == kind)
        return paginate(uow.session, query, page, page_size)


def upsert_official(uow: UnitOfWork, code: str, name: str, unit: str, category: str,
                    position: str | None = None, is_leader: bool = False) -> Official:
    """Create an official or change their details; emits `directory.official_upserted` on a change."""
    with uow:
        errors = directory.check_official(code, name, category)
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
            official = Official(**wanted, sort_key=directory.person_sort_key(wanted["name"]),
                                created_at=now, updated_at=now)
            uow.session.add(official)
        else:
            for key, value in wanted.items():
                setattr(official, key, value)
            official.sort_key = directory.person_sort_key(wanted["name"])
            official.updated_at = now
        uow.record("directory.official_upserted", code, wanted, unit=unit)
        uow.commit()
        return official


def list_officials(uow: UnitOfWork, unit: str | None, page: int, page_size: int) -> Page:
    """Officials by given name, then full name, as Vietnamese lists are read."""
    with uow:
        query = select(Official).order_by(Official.sort_key, Official.code)
        if unit is not None:
            query = query.where(Official.unit == unit)
        return paginate(uow.session, query, page, page_size)


def assign_head(uow: UnitOfWork, unit: str, official: str, since: date | str, role: str = "head") -> dict:
    """Record `official` as head (or deputy) of `unit` from `since`.

    The head in office that day leaves the day before (their term is re-published with its end); a
    deputy promoted to head stops being deputy. Recording a term that already exists changes nothing.
    Emits `directory.head_assigned` for the new term and for each term whose end moved. Returns the term
    as the API shows it (with the official's name).
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
        terms = [directory.Term(h.id, h.official, h.role, h.since, h.until) for h in rows.values()]
        plan = directory.plan_assignment(terms, official, since, role)
        if plan.new_term is None:
            return _term_view(session, rows[plan.existing.id])
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
        return _term_view(session, headship)


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
        return store.term_in_office(uow.session, unit, day, role)


def _term_view(session, headship: Headship) -> dict:
    official = session.get(Official, headship.official)
    return {"unit": headship.unit, "official": headship.official, "name": official.name if official else None,
            "role": headship.role, "since": headship.since, "until": headship.until}
