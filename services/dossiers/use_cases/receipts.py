"""The citizen's receipt and what it opens: the one-stop desk prints a receipt with the dossier's code, a
secret and a QR code to the look-up page; with both, anyone holding the receipt follows the dossier (status in
plain words, the legal and any promised date, the steps done with their dates) and, when it is late, reads the
unit's apology letter. Never by the code alone: codes are sequential, the secret is not.

No official is named to the citizen beyond what the letter itself carries (the head who signs it)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from services.dossiers import documents
from services.dossiers.domain import dossier as rules
from services.dossiers.models import Apology, Applicant, Dossier, Procedure, Unit
from services.dossiers.use_cases import calendar_of, ensure_within, load, may_see_applicant
from services.dossiers.use_cases.apologies import render_letter
from services.dossiers.use_cases.control_sheet import read
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.uow import UnitOfWork

# Eight letters and digits without look-alikes (0/O, 1/I/L): about 40 bits, typed from paper without doubt.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 8
NOT_FOUND = ("Không tìm thấy hồ sơ với mã và mã bí mật này; hãy đối chiếu với giấy tiếp nhận — no dossier "
             "matches this code and secret; check them against your receipt")


@dataclass(frozen=True)
class Receipt:
    code: str
    secret: str
    applicant_name: str
    procedure_name: str
    agency_name: str
    received_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class CitizenView:
    """What the holder of a receipt sees."""

    code: str
    procedure_name: str
    agency_name: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime
    promised_at: datetime | None
    completed_at: datetime | None
    late: bool
    steps: list[dict]
    apology: bool  # the unit has issued its apology letter


def receipt(uow: UnitOfWork, code: str, principal: Principal) -> Receipt:
    """The receipt of a dossier for its unit's desk to print (its secret made on first print, then kept)."""
    with uow:
        dossier = load(uow, code, for_update=True)
        ensure_within(uow, principal, dossier.unit)
        if not may_see_applicant(principal, dossier.unit):
            raise Forbidden("the receipt names the citizen; it is for the unit's officers and heads")
        if not dossier.receipt_secret:
            dossier.receipt_secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
        tz = calendar_of(uow).tz
        applicant = uow.session.get(Applicant, code)
        procedure = uow.session.get(Procedure, dossier.procedure_code)
        unit = uow.session.get(Unit, dossier.unit)
        made = Receipt(code=code, secret=dossier.receipt_secret,
                       applicant_name=applicant.name if applicant is not None else "",
                       procedure_name=procedure.name if procedure is not None else dossier.procedure_code,
                       agency_name=unit.name if unit is not None else dossier.unit,
                       received_at=dossier.received_at.astimezone(tz), due_at=dossier.due_at.astimezone(tz))
        uow.commit()
        return made


def receipt_pdf(uow: UnitOfWork, code: str, principal: Principal, lookup_url: str) -> bytes:
    return documents.render_receipt_pdf(receipt(uow, code, principal), lookup_url)


def _unlocked(uow: UnitOfWork, code: str, secret: str) -> Dossier:
    """The dossier if `secret` is its receipt's; one answer for an unknown code and a wrong secret."""
    wanted = (secret or "").strip().upper().replace(" ", "").replace("-", "")
    try:
        dossier = load(uow, (code or "").strip().upper())
    except NotFound:
        dossier = None
    known = dossier.receipt_secret if dossier is not None and dossier.receipt_secret else "-" * SECRET_LENGTH
    if not hmac.compare_digest(known.encode(), wanted.encode()) or dossier is None:
        raise NotFound(NOT_FOUND, {"secret": ["does not match the code"]})
    return dossier


def look_up(uow: UnitOfWork, code: str, secret: str) -> CitizenView:
    with uow:
        dossier = _unlocked(uow, code, secret)
        calendar = calendar_of(uow)
        tz = calendar.tz
        now = uow.now()
        end = dossier.completed_at or dossier.ended_at
        sheet = read(uow, dossier, calendar, end=end, now=end or now)
        procedure = uow.session.get(Procedure, dossier.procedure_code)
        unit = uow.session.get(Unit, dossier.unit)
        finished = end or now
        return CitizenView(
            code=dossier.code, procedure_name=procedure.name if procedure is not None else dossier.procedure_code,
            agency_name=unit.name if unit is not None else dossier.unit, status=dossier.status,
            status_label=rules.STATUS_LABELS_VI.get(dossier.status, dossier.status),
            received_at=dossier.received_at.astimezone(tz), due_at=dossier.due_at.astimezone(tz),
            promised_at=dossier.promised_at.astimezone(tz) if dossier.promised_at else None,
            completed_at=dossier.completed_at.astimezone(tz) if dossier.completed_at else None,
            late=finished > dossier.due_at,
            steps=[{"name": use.name, "started_at": use.started_at.astimezone(tz) if use.started_at else None,
                    "finished_at": None if use.in_progress or not use.finished_at else use.finished_at.astimezone(tz),
                    "in_progress": use.in_progress} for use in sheet.uses],
            apology=uow.session.get(Apology, dossier.code) is not None)


def apology_for_citizen(uow: UnitOfWork, code: str, secret: str) -> bytes:
    """The apology letter the unit issued for this dossier, as PDF, to the holder of its receipt."""
    with uow:
        dossier = _unlocked(uow, code, secret)
        apology = uow.session.get(Apology, dossier.code)
        if apology is None:
            raise NotFound("Đơn vị chưa ban hành thư xin lỗi cho hồ sơ này — the unit has issued no apology for "
                           "this dossier", {"apology": ["not issued"]})
        return render_letter(uow, dossier, apology, "pdf")
