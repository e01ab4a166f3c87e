"""Administrative procedures: registered with version 1, later versions from later dates, read with the
version in force on a day; a procedure list file imported all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from services.dossiers import store
from services.dossiers.domain import procedure as rules
from services.dossiers.domain import procedure_list
from services.dossiers.models import Procedure, ProcedureStep, ProcedureVersion
from services.dossiers.use_cases import today
from shared.db import Page, paginate
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork
from shared.versions import in_force

# Real procedures of the national public service portal, with step plans: the demo loads it.
SAMPLE_LIST = Path(__file__).parents[1] / "data" / "procedures.csv"
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class StepTerms:
    key: str
    name: str
    days: Decimal
    performer: str | None = None


@dataclass(frozen=True)
class NewVersion:
    """A version's terms: the legal time in working days, the step plan (budgets adding up to it), the
    flags, the legal basis, and the first day they apply (None: in force on every date, for version 1)."""

    processing_days: Decimal
    steps: tuple[StepTerms, ...] = ()
    supplements_allowed: bool = True
    extensions_allowed: bool = True
    legal_basis: str | None = None
    effective_from: date | None = None
    legal_basis_verified: bool | None = None


@dataclass(frozen=True)
class RegisterProcedure:
    """A procedure (its code as on the national public service portal, name, level, field) with the terms
    of its version 1, as in NewVersion."""

    code: str
    name: str
    processing_days: Decimal
    level: str | None = None
    field: str | None = None
    steps: tuple[StepTerms, ...] = ()
    supplements_allowed: bool = True
    extensions_allowed: bool = True
    legal_basis: str | None = None
    effective_from: date | None = None
    legal_basis_verified: bool | None = None


@dataclass(frozen=True)
class ProcedureInForce:
    """A procedure with the version in force on `on` (or, before the first, the first one: `in_force` false)."""

    procedure: Procedure
    version: ProcedureVersion
    on: date
    in_force: bool


@dataclass
class ProcedureImport:
    """What an import did: procedures created, procedures whose name, level or field changed, versions
    added as (code, version), and procedures the file left as they were."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    versions_added: list[tuple[str, int]] = field(default_factory=list)
    unchanged: int = 0


def procedure_for(uow: UnitOfWork, code: str, on: date) -> ProcedureVersion:
    """The version of procedure `code` in force on the local date `on` (the day a dossier was received):
    its `.processing_days`, `.steps` (each `.key .name .days .performer`), `.supplements_allowed`,
    `.extensions_allowed`, `.version`, `.effective_from`. Raises InvalidInput on procedure_code when the
    procedure is unknown or has no version in force yet on that day.
    """
    with uow:
        # Kept for the transaction: a consumer's batch receives many dossiers of few procedures, and the
        # session's identity map forgets objects nobody holds.
        known = uow.memo.setdefault("procedure_versions", {})
        if code not in known:
            known[code] = store.procedure_versions(uow.session, code)
        versions = known[code]
        if not versions:
            raise InvalidInput(f"unknown procedure {code!r}; register it first",
                               {"procedure_code": [f"no procedure with code {code!r}"]})
        version = in_force(versions, on)
        if version is None:
            first = min(v.effective_from for v in versions)
            raise InvalidInput(
                f"procedure {code!r} is not in force on {on.isoformat()}; its first version takes effect on "
                f"{first.isoformat()}",
                {"procedure_code": [f"not in force before {first.isoformat()}"]})
        return version


def register_procedure(uow: UnitOfWork, command: RegisterProcedure) -> ProcedureInForce:
    """Register a procedure with its version 1 (in force on every date when `effective_from` is None)."""
    with uow:
        code = command.code
        terms, errors = _version_terms(code, command)
        errors |= rules.description_errors(command.name, command.level, command.field)
        if errors:
            raise InvalidInput("the procedure cannot be registered as given", errors)
        if uow.session.get(Procedure, code) is not None:
            raise Conflict(f"a procedure with code {code!r} is already registered; choose another code, or add "
                           f"a version with POST /procedures/{code}/versions", {"code": ["already registered"]})
        now = uow.now()
        procedure = Procedure(code=code, name=command.name.strip(), level=command.level,
                              field=_clean(command.field), created_at=now,
                              versions=[_version_row(code, 1, terms, now)])
        uow.session.add(procedure)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # registered by someone else a moment ago
            raise Conflict(f"a procedure with code {code!r} is already registered; choose another code",
                           {"code": ["already registered"]}) from exc
        uow.commit()
        return _in_force(procedure, today(uow))


def add_procedure_version(uow: UnitOfWork, code: str, command: NewVersion) -> ProcedureVersion:
    """A new version of a procedure from a later date. Dossiers already received keep the version they were
    received under."""
    with uow:
        # Locked: two operators adding versions at once must not both become version N.
        procedure = uow.session.get(Procedure, code, with_for_update=True)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        terms, errors = _version_terms(code, command, default_from=None)
        if "effective_from" not in errors:
            problems = rules.new_version_errors(terms.effective_from, [v.effective_from for v in procedure.versions],
                                                _last_received_on(uow, [code]).get(code))
            if problems:
                errors["effective_from"] = problems
        if errors:
            raise InvalidInput("the new version cannot be added as given", errors)
        version = _version_row(code, max(v.version for v in procedure.versions) + 1, terms, uow.now())
        procedure.versions.append(version)
        uow.session.flush()
        uow.commit()
        return version


def get_procedure(uow: UnitOfWork, code: str, on: date | None = None) -> ProcedureInForce:
    """A procedure with the version in force on `on` (today when omitted: then, for a procedure not yet in
    force, its first version, marked in_force false) and the list of its versions."""
    with uow:
        procedure = uow.session.get(Procedure, code)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        if on is not None and in_force(procedure.versions, on) is None:
            first = procedure.versions[0].effective_from
            raise NotFound(f"procedure {code!r} was not in force on {on.isoformat()}; its first version takes "
                           f"effect on {first.isoformat()}", {"on": [f"before {first.isoformat()}"]})
        return _in_force(procedure, on or today(uow))


def list_procedure_versions(uow: UnitOfWork, code: str) -> list[ProcedureVersion]:
    """Every version of a procedure, oldest first, with its step plan."""
    with uow:
        procedure = uow.session.get(Procedure, code)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        return list(procedure.versions)


def list_procedures(uow: UnitOfWork, page: int, page_size: int, level: str | None = None,
                    field: str | None = None) -> Page:
    """The procedures by code, each with its version in force today."""
    with uow:
        result = paginate(uow.session, store.procedures_query(level, field), page, page_size)
        on = today(uow)
        return result.map(lambda procedure: _in_force(procedure, on))


# -- a procedure list file ------------------------------------------------------------------------------

def read_procedure_list(path: str | Path, fmt: str | None = None) -> list[rules.ProcedureRow]:
    """Parse a procedure list file (layout in `domain.procedure_list`); the format comes from `fmt` or the
    file's extension."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"{path.name}: cannot tell the format; name the file .csv or .json or pass --format",
                           {"format": [f"use one of {', '.join(FORMATS)}"]})
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read the procedure list file: {exc}", {"path": [str(path)]}) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text: {exc}", {"path": [str(path)]}) from exc
    parse = procedure_list.parse_csv if fmt == "csv" else procedure_list.parse_json
    return parse(text, source=path.name)


def import_procedure_list(uow: UnitOfWork, path: str | Path, fmt: str | None = None,
                          progress: Callable[[int, int], None] | None = None) -> ProcedureImport:
    """Check a whole procedure list file and import it, all or nothing."""
    return import_procedures(uow, read_procedure_list(path, fmt), progress)


def import_procedures(uow: UnitOfWork, rows: list[rules.ProcedureRow],
                      progress: Callable[[int, int], None] | None = None) -> ProcedureImport:
    """Import parsed procedure rows, all or nothing: every row is checked against the procedures already
    registered first (a version already there must have the same terms; a new one must start after the
    existing ones and after the last dossier received under the procedure), and one problem anywhere writes
    nothing. Importing the same file again changes nothing."""
    with uow:
        session = uow.session
        codes = [row.code for row in rows]
        existing = store.procedures_by_code(session, codes)
        last_received = _last_received_on(uow, [code for code in codes if code in existing])
        errors: dict[str, list[str]] = {}
        todo: list[tuple[rules.ProcedureRow, list[rules.VersionTerms]]] = []
        for row in rows:
            procedure = existing.get(row.code)
            known = {v.effective_from: v for v in procedure.versions} if procedure else {}
            starts = list(known)
            new: list[rules.VersionTerms] = []
            for terms, where in zip(row.versions, row.version_where, strict=True):
                if terms.effective_from in known:
                    registered = known[terms.effective_from]
                    if _terms_of(registered) != terms:
                        errors[f"{where}.effective_from"] = [
                            f"version {registered.version} of {row.code} from {terms.effective_from.isoformat()} "
                            "is registered with other terms, and a version never changes; give the new terms a "
                            "later effective_from"]
                    continue
                problems = rules.new_version_errors(terms.effective_from, starts, last_received.get(row.code))
                if problems:
                    errors[f"{where}.effective_from"] = problems
                starts.append(terms.effective_from)
                new.append(terms)
            todo.append((row, new))
        if errors:
            raise InvalidInput(f"the procedure list was not imported: {len(errors)} problem(s) with the versions "
                               "already registered; nothing was written", errors)
        now = uow.now()
        report = ProcedureImport()
        for done, (row, new) in enumerate(todo, start=1):
            procedure = existing.get(row.code)
            if procedure is None:
                procedure = Procedure(code=row.code, name=row.name, level=row.level, field=row.field,
                                      created_at=now, versions=[])
                session.add(procedure)
                report.created.append(row.code)
            elif (procedure.name, procedure.level, procedure.field) != (row.name, row.level, row.field):
                procedure.name, procedure.level, procedure.field = row.name, row.level, row.field
                report.changed.append(row.code)
            elif not new:
                report.unchanged += 1
            number = max((v.version for v in procedure.versions), default=0)
            for terms in new:
                number += 1
                procedure.versions.append(_version_row(row.code, number, terms, now))
                report.versions_added.append((row.code, number))
            if progress is not None:
                progress(done, len(todo))
        session.flush()
        uow.commit()
        return report


# -- helpers --------------------------------------------------------------------------------------------

def _in_force(procedure: Procedure, on: date) -> ProcedureInForce:
    version = in_force(procedure.versions, on)
    return ProcedureInForce(procedure=procedure, version=version or procedure.versions[0], on=on,
                            in_force=version is not None)


def _version_terms(code: str, command: NewVersion | RegisterProcedure,
                   default_from: date | None = rules.IN_FORCE_SINCE_ALWAYS
                   ) -> tuple[rules.VersionTerms, dict[str, list[str]]]:
    """The terms a request describes, and every problem with them by field."""
    processing_days = Decimal(str(command.processing_days))
    steps = [{"key": step.key, "name": step.name, "days": Decimal(str(step.days)), "performer": step.performer}
             for step in command.steps]
    plan, errors = rules.procedure_errors(code, processing_days, steps)
    effective_from = command.effective_from or default_from
    if effective_from is None:
        errors["effective_from"] = ["is required for a new version: the first day the new terms apply"]
    legal_basis = _clean(command.legal_basis)
    if legal_basis is not None and len(legal_basis) > rules.MAX_LEGAL_BASIS:
        errors["legal_basis"] = [f"is longer than {rules.MAX_LEGAL_BASIS} characters"]
    terms = rules.VersionTerms(
        effective_from=effective_from or rules.IN_FORCE_SINCE_ALWAYS, processing_days=processing_days,
        steps=tuple(plan), supplements_allowed=command.supplements_allowed,
        extensions_allowed=command.extensions_allowed, legal_basis=legal_basis,
        legal_basis_verified=command.legal_basis_verified)
    return terms, errors


def _version_row(code: str, number: int, terms: rules.VersionTerms, now: datetime) -> ProcedureVersion:
    return ProcedureVersion(
        procedure_code=code, version=number, effective_from=terms.effective_from,
        processing_days=terms.processing_days, supplements_allowed=terms.supplements_allowed,
        extensions_allowed=terms.extensions_allowed, legal_basis=terms.legal_basis,
        legal_basis_verified=terms.legal_basis_verified, created_at=now,
        steps=[ProcedureStep(procedure_code=code, version=number, position=i, key=s.key, name=s.name, days=s.days,
                             performer=s.performer)
               for i, s in enumerate(terms.steps, start=1)])


def _terms_of(version: ProcedureVersion) -> rules.VersionTerms:
    return rules.VersionTerms(
        effective_from=version.effective_from, processing_days=version.processing_days,
        steps=tuple(rules.StepPlan(key=s.key, name=s.name, days=s.days, performer=s.performer)
                    for s in version.steps),
        supplements_allowed=version.supplements_allowed, extensions_allowed=version.extensions_allowed,
        legal_basis=version.legal_basis, legal_basis_verified=version.legal_basis_verified)


def _last_received_on(uow: UnitOfWork, codes: list[str]) -> dict[str, date]:
    """The local date of the last dossier received under each procedure that has any."""
    return {code: received_at.astimezone(uow.calendar.tz).date()
            for code, received_at in store.last_received_at(uow.session, codes).items()}


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None
