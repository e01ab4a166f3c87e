"""The apology to the citizen (phiếu xin lỗi và hẹn lại ngày trả kết quả): a new return date, set once,
by the unit or, at the legal latest point, by the platform; and the letter itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.dossiers import documents
from services.dossiers.domain import dossier as rules
from services.dossiers.models import Apology, Applicant, Dossier, Procedure, Unit
from services.dossiers.use_cases import calendar_of, deadlines, iso, load, load_to_change, may_see_applicant, viewed
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork

DEFAULT_PLACE = "Hà Nội"


@dataclass(frozen=True)
class IssueApology:
    reason: str
    new_due_at: datetime
    official: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    place: str | None = None
    at: datetime | None = None


def issue_apology(uow: UnitOfWork, code: str, command: IssueApology, *, principal: Principal | None = None) -> Dossier:
    """The unit apologises to the citizen with a reason and sets a new return date, once: the law allows
    the date to be reset one time only. Emits `dossier.apology_issued` and `dossier.deadline_changed`."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        calendar = calendar_of(uow)
        tz = calendar.tz
        existing = uow.session.get(Apology, code)
        if existing is not None:
            raise _second_apology(code, existing, tz)
        rules.ensure_open(code, dossier.status, "an apology with a new return date")
        reason = rules.check_reason(command.reason, True, "the apology must say why the result is late")
        now = uow.now()
        at = command.at or now
        rules.check_at(at, dossier.received_at, now, not_before_what="the receipt of the dossier")
        new_due_at = command.new_due_at
        rules.require_offset("new_due_at", new_due_at)
        if new_due_at <= dossier.due_at or new_due_at <= at:
            raise InvalidInput("the new return date must be later than the current one and than now",
                               {"new_due_at": [f"must be after {iso(uow, max(dossier.due_at, at))}"]})
        try:
            apologise(uow, dossier, calendar, at=at, reason=reason, new_due_at=new_due_at, official=command.official,
                      signer_title=command.signer_title, signer_name=command.signer_name, place=command.place)
        except IntegrityError as exc:  # another clerk set the date a moment ago
            raise Conflict(f"the return date of dossier {code!r} was already reset; the law allows it once",
                           {"new_due_at": ["already reset once"]}) from exc
        uow.commit()
        return viewed(uow, dossier)


def apologise(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, at: datetime, reason: str,
              new_due_at: datetime, official: str | None = None, signer_title: str | None = None,
              signer_name: str | None = None, place: str | None = None, automatic: bool = False) -> None:
    """Record the apology and move the deadline: the unit's, or the platform's own at the legal latest point.
    Raises IntegrityError (after a savepoint rollback) when the date was already reset."""
    previous = dossier.due_at
    official = official or dossier.current_official
    with uow.session.begin_nested():
        uow.session.add(Apology(
            dossier_code=dossier.code, issued_at=at, previous_due_at=previous, new_due_at=new_due_at, reason=reason,
            official=official, step=dossier.current_step, signer_title=signer_title, signer_name=signer_name,
            place=place))
    dossier.due_at = new_due_at
    dossier.overdue_alerted_due_at = None
    deadlines.schedule_warnings(uow, dossier, uow.now())
    uow.record("dossier.apology_issued", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "issued_at": iso(uow, at),
        "previous_due_at": iso(uow, previous), "due_at": iso(uow, new_due_at),
        "reason": reason, "official": official, "step": dossier.current_step, "automatic": automatic,
    }, unit=dossier.unit)
    deadlines.record_changed(uow, dossier, previous, "apology", calendar)


def apology_document(uow: UnitOfWork, code: str, fmt: str, principal: Principal) -> bytes:
    """The apology letter as PDF or DOCX. It names the citizen, so only the unit's officers and heads, the
    office and admins may have it."""
    with uow:
        dossier = load(uow, code)
        principal.ensure_unit(dossier.unit)
        if not may_see_applicant(principal, dossier.unit):
            raise Forbidden("the apology letter names the citizen; it is for the unit's officers and heads, the "
                            "office and admins")
        apology = uow.session.get(Apology, code)
        if apology is None:
            raise NotFound(f"dossier {code!r} has no apology yet; issue it with POST /dossiers/{code}/apology")
        tz = calendar_of(uow).tz
        applicant = uow.session.get(Applicant, code)
        procedure = uow.session.get(Procedure, dossier.procedure_code)
        unit = uow.session.get(Unit, dossier.unit)
        parent = uow.session.get(Unit, unit.parent) if unit is not None and unit.parent else None
        signer = {"signer_title": apology.signer_title} if apology.signer_title else {}
        letter = documents.ApologyLetter(
            agency_name=unit.name if unit is not None else dossier.unit,
            parent_agency_name=parent.name if parent is not None else None,
            place=apology.place or uow.settings.rules.get("dossier_apology_place", DEFAULT_PLACE),
            issued_on=apology.issued_at.astimezone(tz).date(),
            dossier_code=code,
            applicant_name=applicant.name if applicant is not None else "",
            procedure_name=procedure.name if procedure is not None else dossier.procedure_code,
            received_at=dossier.received_at.astimezone(tz),
            previous_due_at=apology.previous_due_at.astimezone(tz),
            new_due_at=apology.new_due_at.astimezone(tz),
            reason=apology.reason,
            signer_name=apology.signer_name,
            **signer,
        )
    return documents.render_apology_pdf(letter) if fmt == "pdf" else documents.render_apology_docx(letter)


def _second_apology(code: str, existing: Apology, tz) -> Conflict:
    first = existing.new_due_at.astimezone(tz)
    issued = existing.issued_at.astimezone(tz)
    return Conflict(
        f"the return date of dossier {code!r} was already reset once, on {issued:%d/%m/%Y %H:%M}, to "
        f"{first:%H:%M %d/%m/%Y} ({first.isoformat()}); the law allows one new date only",
        {"new_due_at": [f"already reset to {first.isoformat()}"]})
