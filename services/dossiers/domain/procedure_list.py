"""A procedure list from a file (CSV or JSON) read into checked rows, one per procedure; pure: the text is
passed in (the import is `use_cases.procedures.import_procedure_list`).

CSV (UTF-8, header on the first line, one row per step of a version):

    code,name,level,field,effective_from,processing_days,supplements_allowed,extensions_allowed,legal_basis,
    step_key,step_name,step_days,step_performer[,legal_basis_verified]

Columns are found by their name in the header, in any order.

- Rows with the same code and effective_from make one version, its steps in row order. A row whose
  effective_from is blank continues the version of the row above when that row has the same code;
  otherwise a blank effective_from means "in force on every date".
- The procedure's columns (name, level, field) and the version's (processing_days, the two flags,
  legal_basis, legal_basis_verified) may be left blank on the following rows of the same procedure or
  version; when repeated they must be the same.
- level: central, province, district, commune, or the Vietnamese words (trung ương / bộ, tỉnh, huyện, xã).
  Flags: có/không, true/false, yes/no, 1/0 (blank: allowed; legal_basis_verified blank: not stated).
  processing_days 0: a same-day procedure (due by closing time, the next working day after the cut-off).
  Days: 0.5 or 0,5. Dates: 2026-07-01 or
  01/07/2026. A row whose first cell starts with # is a comment.

JSON: {"procedures": [{code, name, level?, field?, versions: [{effective_from?, processing_days,
supplements_allowed?, extensions_allowed?, legal_basis?, legal_basis_verified?,
steps: [{key, name, days, performer?}]}]}]}
(or the list alone).

An import is all or nothing: every row is checked, every problem is reported with its line (CSV) or path
(JSON), and nothing is written unless the whole file is right. Importing the same file again changes
nothing; a file with a new dated version adds it.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.dossiers.domain.dossier import is_valid_code
from services.dossiers.domain.procedure import (
    IN_FORCE_SINCE_ALWAYS,
    MAX_LEGAL_BASIS,
    ProcedureRow,
    VersionTerms,
    description_errors,
    procedure_errors,
)
from shared.codes import CODE_RULE
from shared.errors import InvalidInput

CSV_COLUMNS = ("code", "name", "level", "field", "effective_from", "processing_days", "supplements_allowed",
               "extensions_allowed", "legal_basis", "step_key", "step_name", "step_days", "step_performer",
               "legal_basis_verified")
REQUIRED_COLUMNS = ("code", "name", "processing_days")
FORMATS = ("csv", "json")
# Enough to fix a file in one pass without flooding a terminal.
MAX_REPORTED = 200

_LEVEL_WORDS = {
    "central": "central", "trung ương": "central", "bộ": "central", "bộ, ngành": "central",
    "province": "province", "tỉnh": "province",
    "district": "district", "huyện": "district",
    "commune": "commune", "xã": "commune",
}
_TRUE = {"có", "true", "yes", "1", "x", "đúng"}
_FALSE = {"không", "false", "no", "0"}


@dataclass
class _Version:
    where: str
    values: dict[str, str] = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)


@dataclass
class _Procedure:
    where: str
    values: dict[str, str] = field(default_factory=dict)
    versions: dict[str, _Version] = field(default_factory=dict)


class _Errors:
    """Problems by place ("line 7.step_days"), several per place."""

    def __init__(self):
        self.by_place: dict[str, list[str]] = {}

    def add(self, place: str, message: str) -> None:
        self.by_place.setdefault(place, []).append(message)

    def raise_if_any(self, source: str) -> None:
        if not self.by_place:
            return
        count = sum(len(messages) for messages in self.by_place.values())
        shown = dict(list(self.by_place.items())[:MAX_REPORTED])
        if len(self.by_place) > MAX_REPORTED:
            shown["…"] = [f"{len(self.by_place) - MAX_REPORTED} more places with problems are not listed"]
        raise InvalidInput(f"{source}: {count} problem(s); nothing was imported", shown)


# -- reading values ---------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def parse_level(text: str) -> str:
    """central/province/district/commune from a code or the Vietnamese word ("Cấp xã", "tỉnh")."""
    word = _norm(text)
    if word.startswith("cấp "):
        word = word[4:]
    if word not in _LEVEL_WORDS:
        raise ValueError(f"{text!r} is not a level; use central, province, district or commune "
                         "(trung ương, tỉnh, huyện, xã)")
    return _LEVEL_WORDS[word]


def parse_flag(text: str) -> bool:
    word = _norm(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no; write có or không (true/false)")


def parse_days(text: str) -> Decimal:
    try:
        days = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of working days (e.g. 3 or 0.5)") from None
    if not days.is_finite():
        raise ValueError(f"{text!r} is not a number of working days (e.g. 3 or 0.5)")
    return days


def parse_date(text: str) -> date:
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date; write 2026-07-01 or 01/07/2026")


# -- CSV --------------------------------------------------------------------------------------------

def parse_csv(text: str, source: str = "the CSV file") -> list[ProcedureRow]:
    """Procedure rows from CSV text (layout in the module docstring); InvalidInput lists every problem."""
    errors = _Errors()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing:
        errors.add("line 1", f"the header lacks {', '.join(missing)}; the columns are {','.join(CSV_COLUMNS)}")
    if unknown:
        errors.add("line 1", f"unknown column(s) {', '.join(unknown)}; the columns are {','.join(CSV_COLUMNS)}")
    errors.raise_if_any(source)

    procedures: dict[str, _Procedure] = {}
    previous_code: str | None = None
    current_version: dict[str, str] = {}  # code -> key of the version its last row belonged to
    line = 1
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            row = {name: (value or "").strip() for name, value in record.items() if name is not None}
            if not any(row.values()) or row.get("code", "").startswith("#"):
                previous_code = None
                continue
            if None in record:  # more cells than the header has columns
                errors.add(f"line {start}", f"has more cells than the header's {len(header)} columns")
            _read_row(start, row, procedures, previous_code, current_version, errors)
            previous_code = row.get("code") or None
    except csv.Error as exc:
        errors.add(f"line {line}", f"is not valid CSV: {exc}")
        errors.raise_if_any(source)
    # On with the checks of whole versions even after a bad row: the operator gets every problem at once.
    return _entries(procedures, errors, source)


def _read_row(line: int, row: dict[str, str], procedures: dict[str, _Procedure], previous_code: str | None,
              current_version: dict[str, str], errors: _Errors) -> None:
    code = row.get("code", "")
    if not code:
        errors.add(f"line {line}.code", "is missing; every row names its procedure's code")
        return
    procedure = procedures.setdefault(code, _Procedure(where=f"line {line}"))
    for column in ("name", "level", "field"):
        _merge(procedure.values, column, row.get(column, ""), f"line {line}", errors,
               f"procedure {code} (first row {procedure.where})")
    effective = row.get("effective_from", "")
    if effective:
        key = effective
    elif previous_code == code and code in current_version:
        key = current_version[code]  # a continuation row of the version above
    else:
        key = ""
    current_version[code] = key
    version = procedure.versions.get(key)
    if version is None:
        version = procedure.versions[key] = _Version(where=f"line {line}")
    for column in ("effective_from", "processing_days", "supplements_allowed", "extensions_allowed",
                   "legal_basis", "legal_basis_verified"):
        _merge(version.values, column, row.get(column, ""), f"line {line}", errors,
               f"the version of {code} starting {version.where}")
    step = {name: row.get(f"step_{name}", "") for name in ("key", "name", "days", "performer")}
    if any(step.values()):
        for name in ("key", "name", "days"):
            if not step[name]:
                errors.add(f"line {line}.step_{name}", "is missing; a step needs step_key, step_name and step_days")
        if step["days"]:
            try:
                step["days"] = parse_days(step["days"])
            except ValueError as exc:
                errors.add(f"line {line}.step_days", str(exc))
                step["days"] = None
        if all(step[name] not in ("", None) for name in ("key", "name", "days")):
            version.steps.append({**step, "performer": step["performer"] or None})


def _merge(values: dict[str, str], column: str, value: str, place: str, errors: _Errors, owner: str) -> None:
    """Keep the first non-blank value of a column; a different one later is an error."""
    if not value:
        return
    if column not in values:
        values[column] = value
    elif values[column] != value:
        errors.add(f"{place}.{column}", f"{value!r} differs from {values[column]!r} given for {owner}; "
                                        "leave it blank or repeat the same value")


def _entries(procedures: dict[str, _Procedure], errors: _Errors, source: str) -> list[ProcedureRow]:
    entries = []
    for code, procedure in procedures.items():
        versions = []
        for version in procedure.versions.values():
            # A version's own problems (steps that do not add up) are reported at its first row.
            versions.append((_terms(code, version.values, version.steps, version.where, errors), version.where))
        entry = _entry(code, procedure.values, versions, procedure.where, errors)
        if entry is not None:
            entries.append(entry)
    errors.raise_if_any(source)
    return entries


def _terms(code: str, values: dict[str, Any], steps: list[dict], place: str,
           errors: _Errors) -> VersionTerms | None:
    """A version's terms from raw values (CSV text or JSON values); None when any is wrong."""
    ok = True
    effective_from = IN_FORCE_SINCE_ALWAYS
    if values.get("effective_from") not in (None, ""):
        try:
            effective_from = _value(values["effective_from"], parse_date)
        except ValueError as exc:
            errors.add(f"{place}.effective_from", str(exc))
            ok = False
    processing_days = None
    if values.get("processing_days") in (None, ""):
        errors.add(f"{place}.processing_days", "is missing; give the legal processing time in working days")
        ok = False
    else:
        try:
            processing_days = _value(values["processing_days"], parse_days)
        except ValueError as exc:
            errors.add(f"{place}.processing_days", str(exc))
            ok = False
    flags = {}
    for name in ("supplements_allowed", "extensions_allowed"):
        flags[name] = True
        if values.get(name) not in (None, ""):
            try:
                flags[name] = _value(values[name], parse_flag)
            except ValueError as exc:
                errors.add(f"{place}.{name}", str(exc))
                ok = False
    verified = None
    if values.get("legal_basis_verified") not in (None, ""):
        try:
            verified = _value(values["legal_basis_verified"], parse_flag)
        except ValueError as exc:
            errors.add(f"{place}.legal_basis_verified", str(exc))
            ok = False
    legal_basis = values.get("legal_basis") or None
    if legal_basis is not None and (not isinstance(legal_basis, str) or len(legal_basis) > MAX_LEGAL_BASIS):
        errors.add(f"{place}.legal_basis", f"must be text of at most {MAX_LEGAL_BASIS} characters")
        ok = False
    if not ok:
        return None
    plan, problems = procedure_errors(code, processing_days, steps)
    for name, messages in problems.items():
        if name != "code":  # said once, for the procedure
            for message in messages:
                errors.add(f"{place}.{name}", message)
    if problems:
        return None
    return VersionTerms(effective_from=effective_from, processing_days=processing_days, steps=tuple(plan),
                        legal_basis=legal_basis.strip() if legal_basis else None, legal_basis_verified=verified,
                        **flags)


def _value(raw: Any, parse: Callable[[str], Any]) -> Any:
    """CSV cells and JSON strings are parsed; so are JSON numbers, as written (0.1 stays 0.1); a JSON
    boolean is taken as it is for a flag and refused elsewhere by the parser's own message."""
    if parse is parse_flag and isinstance(raw, bool):
        return raw
    return parse(str(raw))


def _entry(code: str, values: dict[str, Any], versions: list[tuple[VersionTerms | None, str]],
           where: str, errors: _Errors) -> ProcedureRow | None:
    ok = True
    if not is_valid_code(code):
        errors.add(f"{where}.code", f"{code!r} is not usable; use {CODE_RULE}")
        ok = False
    name = str(values.get("name") or "").strip()
    level = None
    if values.get("level"):
        try:
            level = parse_level(str(values["level"]))
        except ValueError as exc:
            errors.add(f"{where}.level", str(exc))
            ok = False
    field_name = str(values.get("field") or "").strip() or None
    for column, messages in description_errors(name, level, field_name).items():
        for message in messages:
            errors.add(f"{where}.{column}", message)
        ok = False
    if not versions:
        errors.add(f"{where}", f"procedure {code} has no version; give at least its processing_days")
        ok = False
    if not ok or any(terms is None for terms, _ in versions):
        return None
    ordered = sorted(versions, key=lambda pair: pair[0].effective_from)
    return ProcedureRow(code=code, name=name, level=level, field=field_name,
                               versions=tuple(terms for terms, _ in ordered),
                               version_where=tuple(place for _, place in ordered), where=where)


# -- JSON -------------------------------------------------------------------------------------------

def parse_json(text: str, source: str = "the JSON file") -> list[ProcedureRow]:
    """Procedure rows from JSON text (layout in the module docstring); InvalidInput lists every problem."""
    errors = _Errors()
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{source} is not JSON: {exc}", {"file": [str(exc)]}) from exc
    items = document.get("procedures") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InvalidInput(f"{source}: expected a list of procedures", {
            "procedures": ['write {"procedures": [{"code": …, "name": …, "versions": […]}]}']})
    entries = []
    seen: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"procedures[{i}]"
        if not isinstance(item, dict):
            errors.add(where, "must be an object with code, name and versions")
            continue
        code = item.get("code")
        if not isinstance(code, str) or not code.strip():
            errors.add(f"{where}.code", "is missing; every procedure needs its code")
            continue
        code = code.strip()
        if code in seen:
            errors.add(f"{where}.code", f"{code} is listed twice (first at {seen[code]}); list each procedure once "
                                        "with all its versions")
            continue
        seen[code] = where
        versions = []
        raw_versions = item.get("versions")
        if not isinstance(raw_versions, list):
            errors.add(f"{where}.versions", "must be a list of versions")
            raw_versions = []
        starts: dict[Any, str] = {}
        for j, raw in enumerate(raw_versions):
            place = f"{where}.versions[{j}]"
            if not isinstance(raw, dict):
                errors.add(place, "must be an object")
                continue
            start = raw.get("effective_from")
            if start in starts:
                errors.add(f"{place}.effective_from", f"{start!r} is used twice (also {starts[start]})")
                continue
            starts[start] = place
            steps = _json_steps(raw.get("steps"), place, errors)
            versions.append((_terms(code, raw, steps, place, errors) if steps is not None else None, place))
        entry = _entry(code, {k: item.get(k) for k in ("name", "level", "field")}, versions, where, errors)
        if entry is not None:
            entries.append(entry)
    errors.raise_if_any(source)
    return entries


def _json_steps(raw: Any, place: str, errors: _Errors) -> list[dict] | None:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add(f"{place}.steps", "must be a list of steps")
        return None
    steps, ok = [], True
    for k, step in enumerate(raw):
        where = f"{place}.steps[{k}]"
        if not isinstance(step, dict):
            errors.add(where, "must be an object with key, name and days")
            ok = False
            continue
        for name in ("key", "name"):
            if not isinstance(step.get(name), str) or not step[name].strip():
                errors.add(f"{where}.{name}", "is missing")
                ok = False
        try:
            days = _value(step.get("days"), parse_days)
        except ValueError as exc:
            errors.add(f"{where}.days", str(exc))
            ok = False
            continue
        performer = step.get("performer")
        if performer is not None and not isinstance(performer, str):
            errors.add(f"{where}.performer", "must be text")
            ok = False
        steps.append({"key": (step.get("key") or "").strip(), "name": step.get("name") or "", "days": days,
                      "performer": performer})
    return steps if ok else None
