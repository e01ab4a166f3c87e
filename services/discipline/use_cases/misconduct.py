"""Citizens' misconduct reports: a verification opened for the inspectors, concluded as dismissed or
confirmed (then a violation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select

from services.discipline.domain import explanations, inspections
from services.discipline.models import Official, Verification
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.violations import record_violation
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork


def open_verification(uow: UnitOfWork, *, report: str, kind: str, unit: str, official: str | None,
                      dossier_code: str | None, reported_at: datetime) -> Verification | None:
    """A citizen reported misconduct: open a verification for the inspectors, due in the configured
    number of working days (`verification_days`, default 10). Once per report; None if already open."""
    with uow:
        if uow.session.scalars(select(Verification).where(Verification.subject == report)).first():
            return None
        now = uow.now()
        days = int(uow.settings.rules.get("verification_days", 10))
        verification = Verification(
            code=new_code("XM", now), source="feedback", subject=report, kind=kind, unit=unit, official=official,
            dossier_code=dossier_code, status="open", reported_at=reported_at, opened_at=now,
            due_at=uow.calendar.add_working_days(now, days))
        uow.session.add(verification)
        uow.commit()
        return verification


def list_verifications(uow: UnitOfWork, principal: Principal, *, unit: str | None = None,
                       official: str | None = None, status: str | None = None,
                       page: int = 1, page_size: int = 50) -> Page:
    """Verifications the principal may see: inspectors, the office and admins all; a head their unit's;
    an official those naming them."""
    with uow:
        query = select(Verification).order_by(Verification.opened_at.desc(), Verification.code)
        conditions = [c for c in (
            access.visible(uow.session, principal, Verification, unit, official),
            Verification.unit == unit if unit else None,
            Verification.official == official if official else None,
            Verification.status == status if status else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)


@dataclass(frozen=True)
class Conclusion:
    """The inspectors' conclusion: confirmed or not, the facts established, and (when the report named
    nobody, or named the wrong person) the official concerned and the day of the facts."""

    confirmed: bool
    conclusion: str
    official: str | None = None
    fact_date: date | None = None


def conclude_verification(uow: UnitOfWork, principal: Principal, code: str, command: Conclusion) -> Verification:
    """Inspectors conclude a misconduct verification: dismissed, or confirmed, which records a violation
    (kind misconduct, source misconduct) of the official concerned, dated the day of the facts (by default
    the day the citizen reported them)."""
    confirmed, conclusion, official, fact_date = command.confirmed, command.conclusion, command.official, \
        command.fact_date
    errors = explanations.check_explanation_text(conclusion, explanations.JUDGEMENT_REASON_MAX, "conclusion")
    with uow:
        session = uow.session
        verification = session.scalars(select(Verification).where(Verification.code == code)
                                       .with_for_update()).first()
        if verification is None:
            raise NotFound(f"không có hồ sơ xác minh {code!r} — no verification with this code")
        if "inspector" not in principal.roles:
            raise Forbidden("Chỉ thanh tra viên kết luận xác minh — only inspectors conclude a verification",
                            {"roles": ["inspector required"]})
        if verification.status != "open":
            raise Conflict(f"Xác minh {code} đã kết luận ({verification.status}) — already concluded",
                           {"status": [verification.status]})
        official = official or verification.official
        today = uow.now().astimezone(uow.calendar.tz).date()
        fact_date = fact_date or verification.reported_at.astimezone(uow.calendar.tz).date()
        if confirmed and official is None:
            errors["official"] = ["phản ánh không nêu tên cán bộ; cần nêu cán bộ vi phạm — name the official"]
        elif confirmed and session.get(Official, official) is None:
            errors["official"] = [f"{official!r} không có trong danh bạ — not an official in the directory"]
        if fact_date > today:
            errors["fact_date"] = ["ngày vi phạm chưa tới — the date of the facts cannot be in the future"]
        if errors:
            raise InvalidInput("Kết luận xác minh chưa hợp lệ — fix the fields listed", errors)
        now = uow.now()
        verification.status = "confirmed" if confirmed else "dismissed"
        verification.concluded_at, verification.concluded_by = now, principal.sub
        verification.conclusion = conclusion.strip()
        if confirmed:
            verification.official = official
        record_audit(uow, f"verification.{verification.status}", code, principal.sub, {
            "report": verification.subject, "kind": verification.kind, "unit": verification.unit,
            "official": verification.official, "conclusion": verification.conclusion, "fact_date": fact_date})
        if confirmed:
            label = inspections.MISCONDUCT_LABELS.get(verification.kind, verification.kind)
            record_violation(uow, official=official, unit=verification.unit, kind="misconduct",
                             source_type="misconduct", source=code, fact_date=fact_date,
                             facts=f"{label} (phản ánh {verification.subject}): {verification.conclusion}",
                             actor=principal.sub, discovered_at=verification.reported_at)
        uow.commit()
        return verification
