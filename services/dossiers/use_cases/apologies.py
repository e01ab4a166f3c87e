"""The apology to the citizen (phiếu xin lỗi và hẹn lại ngày trả kết quả, Form 04 of Circular 01/2018/TT-VPCP):
issued by the unit at fault and signed by its head, with the reason and one new return date, and the letter
itself (a draft before it is issued). It does not excuse the delay (Decree 61/2018/ND-CP art. 19): the legal
due date stays the measure of timeliness, and the new date is a second promise, judged apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.dossiers import documents
from services.dossiers.domain import dossier as rules
from services.dossiers.models import Apology, ApologyDraft, Applicant, Dossier, Procedure, Unit
from services.dossiers.use_cases import (
    calendar_of,
    deadlines,
    ensure_within,
    iso,
    load,
    load_to_change,
    may_see_applicant,
    viewed,
)
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork

DEFAULT_PLACE = "Hà Nội"
HEAD_ROLE = "head"


@dataclass(frozen=True)
class IssueApology:
    reason: str
    new_due_at: datetime
    official: str | None = None
    signed_by: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    place: str | None = None
    at: datetime | None = None


def issue_apology(uow: UnitOfWork, code: str, command: IssueApology, *, principal: Principal | None = None) -> Dossier:
    """The unit apologises to the citizen with a reason and a new return date, once (Decree 61/2018/ND-CP
    art. 19: the date can be reset one time only), signed by its head (Form 04 of Circular 01/2018/TT-VPCP):
    `signed_by` names the head, the head's own token signs by default. The legal due date does not move; the
    new date becomes the dossier's `promised_at`. Emits `dossier.apology_issued`."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        tz = calendar_of(uow).tz
        existing = uow.session.get(Apology, code)
        if existing is not None:
            raise _second_apology(code, existing, tz)
        rules.ensure_open(code, dossier.status, "an apology with a new return date")
        reason = rules.check_reason(command.reason, True, "the apology must say why the result is late")
        signed_by = _signer(command, principal)
        if not (command.signer_name or "").strip():
            raise InvalidInput("the letter carries the name of the head who signs it (Form 04 of Circular "
                               "01/2018/TT-VPCP)", {"signer_name": ["give the head's full name"]})
        now = uow.now()
        at = command.at or now
        rules.check_at(at, dossier.received_at, now, not_before_what="the receipt of the dossier")
        new_due_at = command.new_due_at
        rules.require_offset("new_due_at", new_due_at)
        # Later than the instant the apology is made (now, unless an earlier one is recorded afterwards).
        if new_due_at <= dossier.due_at or new_due_at <= at:
            raise InvalidInput("the new return date must be later than the legal due date and than the apology",
                               {"new_due_at": [f"must be after {iso(uow, max(dossier.due_at, at))}"]})
        official = command.official or dossier.current_official
        try:
            with uow.session.begin_nested():
                uow.session.add(Apology(
                    dossier_code=code, issued_at=at, previous_due_at=dossier.due_at, new_due_at=new_due_at,
                    reason=reason, official=official, step=dossier.current_step, signed_by=signed_by,
                    signer_title=command.signer_title, signer_name=command.signer_name, place=command.place))
        except IntegrityError as exc:  # another clerk set the date a moment ago
            raise Conflict(f"the return date of dossier {code!r} was already reset; the law allows it once",
                           {"new_due_at": ["already reset once"]}) from exc
        dossier.promised_at = new_due_at
        dossier.promise_alerted_at = None
        deadlines.schedule_warnings(uow, dossier, now)
        uow.record("dossier.apology_issued", code, {
            "code": code, "unit": dossier.unit, "issued_at": iso(uow, at),
            "previous_due_at": iso(uow, dossier.due_at), "due_at": iso(uow, new_due_at),
            "reason": reason, "official": official, "step": dossier.current_step, "signed_by": signed_by,
            "automatic": False,
        }, unit=dossier.unit)
        uow.commit()
        return viewed(uow, dossier)


def _signer(command: IssueApology, principal: Principal | None) -> str:
    """The head who signs: named in `signed_by`, or the head issuing it with their own token."""
    signed_by = (command.signed_by or "").strip() or None
    if signed_by is None and principal is not None and principal.has_any({HEAD_ROLE}):
        signed_by = principal.sub
    if signed_by is None:
        raise InvalidInput("the apology is signed by the head of the unit (Form 04 of Circular 01/2018/TT-VPCP)",
                           {"signed_by": ["give the official code of the head who signs the letter"]})
    return signed_by


def apology_document(uow: UnitOfWork, code: str, fmt: str, principal: Principal) -> bytes:
    """The apology letter as PDF or DOCX: the issued letter with the head's name and signature block, or,
    before the unit issued it, a draft (marked "Dự thảo"; the reason and new date an officer proposed, else
    left to fill) that the platform prepares for the head (Decree 61/2018/ND-CP art. 19: the platform chases, the
    unit apologises). It names the citizen, so only the unit's officers and heads, the office and admins may have it."""
    with uow:
        dossier = load(uow, code)
        ensure_within(uow, principal, dossier.unit)
        if not may_see_applicant(principal, dossier.unit):
            raise Forbidden("the apology letter names the citizen; it is for the unit's officers and heads, the "
                            "office and admins")
        apology = uow.session.get(Apology, code)
        if apology is None and dossier.status not in rules.OPEN_STATUSES:
            raise NotFound(f"dossier {code!r} has no apology and is no longer open; there is nothing to draft")
        return render_letter(uow, dossier, apology, fmt)


def render_letter(uow: UnitOfWork, dossier: Dossier, apology: Apology | None, fmt: str) -> bytes:
    """The letter of `apology` (issued) or, without one, the draft the platform prepares for the head."""
    code = dossier.code
    tz = calendar_of(uow).tz
    # Before it is issued, the draft carries what an officer proposed for the head, if anything.
    proposal = uow.session.get(ApologyDraft, code) if apology is None else None
    written = apology or proposal
    applicant = uow.session.get(Applicant, code)
    procedure = uow.session.get(Procedure, dossier.procedure_code)
    unit = uow.session.get(Unit, dossier.unit)
    parent = uow.session.get(Unit, unit.parent) if unit is not None and unit.parent else None
    signer = {"signer_title": apology.signer_title} if apology is not None and apology.signer_title else {}
    place = (apology.place if apology is not None else None) or uow.settings.rules.get(
        "dossier_apology_place", DEFAULT_PLACE)
    letter = documents.ApologyLetter(
        agency_name=unit.name if unit is not None else dossier.unit,
        parent_agency_name=parent.name if parent is not None else None,
        place=place,
        issued_on=(apology.issued_at if apology is not None else uow.now()).astimezone(tz).date(),
        dossier_code=code,
        applicant_name=applicant.name if applicant is not None else "",
        procedure_name=procedure.name if procedure is not None else dossier.procedure_code,
        received_at=dossier.received_at.astimezone(tz),
        previous_due_at=(apology.previous_due_at if apology is not None else dossier.due_at).astimezone(tz),
        new_due_at=written.new_due_at.astimezone(tz) if written is not None else None,
        reason=written.reason if written is not None else None,
        signer_name=apology.signer_name if apology is not None else None,
        draft=apology is None,
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
