"""Public-service inspections of a unit and their findings, each finding about an official a violation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select

from services.discipline import store
from services.discipline.domain import explanations, inspections
from services.discipline.models import Inspection, InspectionFinding, Official, Unit
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import record_audit
from services.discipline.use_cases.violations import record_violation
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Finding:
    """What an inspection found about some officials: one violation each."""

    category: str
    officials: tuple[str, ...]
    facts: str
    fact_date: date | None = None  # the day of the inspection when not given


@dataclass(frozen=True)
class NewInspection:
    unit: str
    kind: str
    inspected_on: date
    team: tuple[str, ...]
    notes: str | None = None
    findings: tuple[Finding, ...] = ()


def _ensure_inspector(principal: Principal) -> None:
    if "inspector" not in principal.roles:
        raise Forbidden("Chỉ thanh tra viên (Sở Nội vụ) ghi nhận kiểm tra công vụ — only inspectors record "
                        f"inspections; your token has {', '.join(sorted(principal.roles)) or 'no role'}",
                        {"roles": ["inspector required"]})


def record_inspection(uow: UnitOfWork, principal: Principal, command: NewInspection) -> dict:
    """An inspection of a unit (periodic or surprise), with the findings made on the spot if any; each
    finding about an official becomes a violation. Emits `inspection.recorded`."""
    _ensure_inspector(principal)
    unit, kind, inspected_on, notes = command.unit, command.kind, command.inspected_on, command.notes
    with uow:
        session = uow.session
        errors: dict[str, list[str]] = {}
        today = uow.now().astimezone(uow.calendar.tz).date()
        if session.get(Unit, unit) is None:
            errors["unit"] = [f"{unit!r} không có trong danh bạ — not a unit in the directory"]
        if kind not in inspections.INSPECTION_KINDS:
            errors["kind"] = [f"một trong {', '.join(inspections.INSPECTION_KINDS)} — one of them"]
        if inspected_on > today:
            errors["inspected_on"] = ["cuộc kiểm tra chưa diễn ra — an inspection cannot be dated in the future"]
        members = [m.strip() for m in command.team if m and m.strip()]
        if not members:
            errors["team"] = ["cần ít nhất một thành viên đoàn kiểm tra — at least one team member"]
        if errors:
            raise InvalidInput("Cuộc kiểm tra chưa ghi nhận được; sửa các trường được nêu — fix the fields listed",
                               errors)
        now = uow.now()
        inspection = Inspection(code=new_code("KT", now), unit=unit, kind=kind, inspected_on=inspected_on,
                                team=members, notes=(notes or "").strip() or None, recorded_by=principal.sub,
                                recorded_at=now)
        session.add(inspection)
        session.flush()
        record_audit(uow, "inspection.recorded", inspection.code, principal.sub, {
            "unit": unit, "kind": kind, "inspected_on": inspected_on, "team": members})
        _add_findings(uow, principal, inspection, command.findings, today, now)
        uow.commit()
        return _inspection_view(session, inspection)


def add_inspection_findings(uow: UnitOfWork, principal: Principal, code: str, findings: Sequence[Finding]) -> dict:
    """More findings of an inspection (the team's conclusions often come days later); `inspection.recorded`
    is emitted again with the new number of findings."""
    _ensure_inspector(principal)
    with uow:
        inspection = uow.session.scalars(select(Inspection).where(Inspection.code == code).with_for_update()).first()
        if inspection is None:
            raise NotFound(f"không có cuộc kiểm tra {code!r} — no inspection with this code")
        if not findings:
            raise InvalidInput("Cần ít nhất một phát hiện — give at least one finding",
                               {"findings": ["at least one"]})
        now = uow.now()
        _add_findings(uow, principal, inspection, findings, now.astimezone(uow.calendar.tz).date(), now)
        uow.commit()
        return _inspection_view(uow.session, inspection)


def _add_findings(uow: UnitOfWork, principal: Principal, inspection: Inspection, findings: Sequence[Finding],
                  today: date, now: datetime) -> None:
    session = uow.session
    subtree = set(store.unit_subtree(session, inspection.unit))
    existing = {(f.official, f.category) for f in session.scalars(
        select(InspectionFinding).where(InspectionFinding.inspection == inspection.code))}
    errors: dict[str, list[str]] = {}
    planned = []
    for index, finding in enumerate(findings):
        where = f"findings.{index}"
        category, facts = finding.category, finding.facts
        fact_date = finding.fact_date or inspection.inspected_on
        if category not in inspections.FINDING_CATEGORIES:
            errors[f"{where}.category"] = [f"một trong {', '.join(inspections.FINDING_CATEGORIES)} — one of them"]
        for key, messages in explanations.check_explanation_text(facts, field="facts").items():
            errors[f"{where}.{key}"] = messages
        if fact_date > today:
            errors[f"{where}.fact_date"] = ["ngày vi phạm chưa tới — the date of the facts cannot be in the future"]
        officials = finding.officials or ()
        if not officials:
            errors[f"{where}.officials"] = ["nêu ít nhất một cán bộ — name at least one official"]
        for code in officials:
            official = session.get(Official, code)
            if official is None:
                errors.setdefault(f"{where}.officials", []).append(f"{code!r} không có trong danh bạ — unknown")
            elif official.unit not in subtree:
                errors.setdefault(f"{where}.officials", []).append(
                    f"{code!r} thuộc đơn vị {official.unit!r}, không thuộc đơn vị được kiểm tra "
                    f"{inspection.unit!r} — not in the inspected unit")
            elif (code, category) in existing:
                errors.setdefault(f"{where}.officials", []).append(
                    f"{code!r} đã có phát hiện loại {category} trong cuộc kiểm tra này — already found")
            else:
                existing.add((code, category))
                planned.append((official, category, (facts or "").strip(), fact_date))
    if errors:
        raise InvalidInput("Phát hiện chưa hợp lệ; sửa các trường được nêu — fix the fields listed", errors)
    for official, category, facts, fact_date in planned:
        label = inspections.FINDING_CATEGORIES[category]
        violation = record_violation(
            uow, official=official.code, unit=official.unit, kind=category, source_type="inspection",
            source=inspection.code, fact_date=fact_date, actor=principal.sub,
            # Found by the inspection: the handling time limit counts from its day.
            discovered_at=datetime.combine(inspection.inspected_on, time(0), uow.calendar.tz),
            facts=f"{label} — {inspections.INSPECTION_KINDS[inspection.kind].lower()} ngày "
                  f"{inspection.inspected_on:%d/%m/%Y} ({inspection.code}): {facts}")
        finding = InspectionFinding(inspection=inspection.code, category=category, official=official.code,
                                    unit=official.unit, facts=facts, fact_date=fact_date,
                                    violation=getattr(violation, "code", None), recorded_by=principal.sub,
                                    recorded_at=now)
        session.add(finding)
        record_audit(uow, "inspection.finding", inspection.code, principal.sub, {
            "category": category, "official": official.code, "unit": official.unit, "facts": facts,
            "fact_date": fact_date, "violation": finding.violation})
    session.flush()
    count = session.scalar(select(func.count()).select_from(InspectionFinding)
                           .where(InspectionFinding.inspection == inspection.code))
    uow.record("inspection.recorded", inspection.code, {
        "code": inspection.code, "unit": inspection.unit, "kind": inspection.kind,
        "inspected_on": inspection.inspected_on.isoformat(), "findings": count,
    }, unit=inspection.unit)


def _inspection_view(session, inspection: Inspection, findings=None) -> dict:
    if findings is None:
        findings = session.scalars(select(InspectionFinding).where(InspectionFinding.inspection == inspection.code)
                                   .order_by(InspectionFinding.id)).all()
    return {"code": inspection.code, "unit": inspection.unit, "kind": inspection.kind,
            "kind_label": inspections.INSPECTION_KINDS.get(inspection.kind, inspection.kind),
            "inspected_on": inspection.inspected_on, "team": inspection.team, "notes": inspection.notes,
            "recorded_by": inspection.recorded_by, "recorded_at": inspection.recorded_at,
            "findings": [{"id": f.id, "category": f.category,
                          "category_label": inspections.FINDING_CATEGORIES.get(f.category, f.category),
                          "official": f.official, "unit": f.unit, "facts": f.facts, "fact_date": f.fact_date,
                          "violation": f.violation} for f in findings]}


def get_inspection(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """An inspection with its findings: inspectors, the office and admins see it whole; a head of the unit
    inspected (or above it) too; an official only the findings naming them."""
    with uow:
        session = uow.session
        inspection = session.get(Inspection, code)
        if inspection is None:
            raise NotFound(f"không có cuộc kiểm tra {code!r} — no inspection with this code")
        findings = session.scalars(select(InspectionFinding).where(InspectionFinding.inspection == code)
                                   .order_by(InspectionFinding.id)).all()
        if principal.sees_all_units or ("head" in principal.roles and principal.unit
                                        and inspection.unit in store.unit_subtree(session, principal.unit)):
            return _inspection_view(session, inspection, findings)
        own = [f for f in findings if f.official == principal.sub]
        if not own:
            access.ensure_can_read(session, principal, inspection.unit, None, f"Cuộc kiểm tra {code}")
        return _inspection_view(session, inspection, own)


def list_inspections(uow: UnitOfWork, principal: Principal, *, unit: str | None = None, page: int = 1,
                     page_size: int = 50) -> Page:
    """Inspections, latest first: all for inspectors, the office and admins; a head those of their unit and
    below; an official those with a finding naming them."""
    with uow:
        session = uow.session
        query = select(Inspection).order_by(Inspection.inspected_on.desc(), Inspection.code.desc())
        if not principal.sees_all_units:
            if "head" in principal.roles and principal.unit:
                subtree = store.unit_subtree(session, principal.unit)
                if unit is not None and unit not in subtree:
                    raise Forbidden(f"đơn vị {unit!r} không thuộc đơn vị {principal.unit!r} của bạn — your token "
                                    f"is for unit {principal.unit!r}", {"unit": [f"not within {principal.unit!r}"]})
                query = query.where(Inspection.unit.in_(subtree))
            else:
                named = select(InspectionFinding.inspection).where(InspectionFinding.official == principal.sub)
                query = query.where(Inspection.code.in_(named))
        if unit is not None:
            query = query.where(Inspection.unit == unit)
        return paginate(session, query, page, page_size).map(
            lambda i: {**_inspection_view(session, i), "findings": None})
