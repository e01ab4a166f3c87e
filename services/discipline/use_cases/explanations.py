"""Explanation requests: read, submitted (text and attachments), judged, and missed when their deadline
passes unanswered.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, case, select

from services.discipline import store
from services.discipline.domain import explanations
from services.discipline.models import ExplanationAttachment, ExplanationRequest, Official, Unit
from services.discipline.use_cases import access
from services.discipline.use_cases.audit import audit_trail, record_audit
from services.discipline.use_cases.violations import record_violation
from shared import attachments
from shared.attachments import Upload
from shared.auth import Principal
from shared.db import Page, paginate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork


def list_explanations(uow: UnitOfWork, principal: Principal, *, subject: str | None = None,
                      unit: str | None = None, official: str | None = None, role: str | None = None,
                      status: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    with uow:
        query = select(ExplanationRequest).order_by(ExplanationRequest.requested_at.desc(),
                                                    ExplanationRequest.code)
        conditions = [c for c in (
            access.visible(uow.session, principal, ExplanationRequest, unit, official),
            ExplanationRequest.subject == subject if subject else None,
            ExplanationRequest.unit == unit if unit else None,
            ExplanationRequest.official == official if official else None,
            ExplanationRequest.role == role if role else None,
            ExplanationRequest.status == status if status else None,
        ) if c is not None]
        if conditions:
            query = query.where(and_(*conditions))
        return paginate(uow.session, query, page, page_size)


def _load_request(session, code: str, *, lock: bool = False) -> ExplanationRequest:
    query = select(ExplanationRequest).where(ExplanationRequest.code == code)
    request = session.scalars(query.with_for_update() if lock else query).first()
    if request is None:
        raise NotFound(f"không có yêu cầu giải trình {code!r} — no explanation request with this code")
    return request


def _ensure_can_judge(session, principal: Principal, request: ExplanationRequest, today: date) -> None:
    """An inspector, or the head in office today of the request's unit or of a unit above it; never the
    person who explained."""
    if request.official == principal.sub:
        raise Forbidden("Không ai tự xem xét giải trình của chính mình — you cannot judge your own explanation",
                        {"official": ["is you"]})
    if "inspector" in principal.roles:
        return
    for unit in store.unit_chain(session, request.unit):
        term = store.term_in_office(session, unit, today)
        if term is not None and term.official == principal.sub:
            return
    head = store.term_in_office(session, request.unit, today)
    named = f"người đứng đầu đương nhiệm là {head.official}" if head else "chưa có người đứng đầu đương nhiệm"
    raise Forbidden(f"Chỉ người đứng đầu đơn vị {request.unit} (đang đương nhiệm hôm nay, {named}), người đứng "
                    "đầu đơn vị cấp trên hoặc thanh tra viên mới được xem xét giải trình — only the unit's head "
                    "in office today, a head above it, or an inspector judges", {"judge": ["not the head in office "
                                                                                            "nor an inspector"]})


def _explanation_audit(request: ExplanationRequest) -> dict:
    return {"official": request.official, "unit": request.unit, "role": request.role,
            "subject_type": request.subject_type, "subject": request.subject, "due_at": request.due_at,
            "status": request.status}


def explanation_view(uow: UnitOfWork, request: ExplanationRequest, attachments: list | None = None) -> dict:
    """A request as the API shows it, with its attachments when loaded."""
    view = {column: getattr(request, column) for column in (
        "code", "subject_type", "subject", "official", "unit", "role", "status", "due_at", "reason", "rule_set",
        "requested_at", "submitted_at", "submission", "missed_at", "judged_at", "judged_by", "judgement_reason")}
    view["submitted_late"] = request.submitted_late
    if attachments is not None:
        view["attachments"] = [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                                "size": a.size, "sha256": a.sha256} for a in attachments]
    return view


def get_explanation(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    with uow:
        request = _load_request(uow.session, code)
        access.ensure_can_read(uow.session, principal, request.unit, request.official, f"Yêu cầu giải trình {code}")
        attachments = uow.session.scalars(select(ExplanationAttachment).where(ExplanationAttachment.request == code)
                                          .order_by(ExplanationAttachment.id)).all()
        return explanation_view(uow, request, list(attachments))


def submit_explanation(uow: UnitOfWork, principal: Principal, code: str, text: str,
                       uploads: list[Upload] = ()) -> dict:
    """The official asked submits the explanation (text, and JPEG/PNG/PDF attachments): status submitted,
    `explanation.submitted`. After the deadline the text is still kept, but the request is (or is first
    marked) missed and stays so: the missed deadline is already a violation."""
    errors = explanations.check_explanation_text(text)
    if len(uploads) > explanations.EXPLANATION_ATTACHMENTS_MAX:
        errors["attachments"] = [f"tối đa {explanations.EXPLANATION_ATTACHMENTS_MAX} tệp — at most "
                                 f"{explanations.EXPLANATION_ATTACHMENTS_MAX} files"]
    with uow:
        session = uow.session
        request = _load_request(session, code, lock=True)
        if request.official != principal.sub:
            raise Forbidden(f"Chỉ cán bộ được yêu cầu giải trình ({request.official or 'chưa giao'}) mới nộp được "
                            f"giải trình {code} — only the official asked can submit it", {"official": ["not you"]})
        if errors:
            raise InvalidInput("Giải trình chưa hợp lệ; sửa các trường được nêu — fix the fields listed", errors)
        now = uow.now()
        outcome = explanations.submission_outcome(request.status, request.due_at, now)
        if outcome == "missed_now":
            _mark_missed(uow, request, now)
        request.submitted_at, request.submission = now, text.strip()
        if outcome == "on_time":
            request.status = explanations.SUBMITTED
        stored = _store_explanation_uploads(uow, request.code, uploads, now)
        uow.record("explanation.submitted", request.code, {
            "code": request.code, "official": request.official, "unit": request.unit,
            "subject_type": explanations.event_subject_type(request.subject_type), "subject": request.subject,
            "submitted_at": now.isoformat(), "due_at": request.due_at.isoformat(),
        }, unit=request.unit)
        record_audit(uow, "explanation.submitted" if outcome == "on_time" else "explanation.submitted_late",
                     request.code, principal.sub, {
                         **_explanation_audit(request), "submitted_at": now,
                         "text_sha256": hashlib.sha256(request.submission.encode("utf-8")).hexdigest(),
                         "attachments": [a.sha256 for a in stored]})
        try:
            uow.commit()
        except Exception:
            for attachment in stored:
                (_attachments_root(uow) / attachment.stored_as).unlink(missing_ok=True)
            raise
        return explanation_view(uow, request, stored)


def _attachments_root(uow: UnitOfWork) -> Path:
    return Path(uow.settings.var_dir) / "explanation-attachments"


def _store_explanation_uploads(uow: UnitOfWork, code: str, uploads, now: datetime) -> list[ExplanationAttachment]:
    """Write the files under var_dir by our own names (the uploaded name is for display only, never a
    path) and add their rows; a late second submission cannot happen, so names never collide."""
    stored = []
    for upload, name in attachments.store(_attachments_root(uow) / code, uploads):
        attachment = ExplanationAttachment(request=code, filename=upload.filename[:255],
                                           content_type=upload.content_type, size=len(upload.data),
                                           sha256=upload.sha256, stored_as=f"{code}/{name}", uploaded_at=now)
        uow.session.add(attachment)
        stored.append(attachment)
    uow.session.flush()
    return stored


def explanation_attachment(uow: UnitOfWork, principal: Principal, code: str,
                           attachment_id: int) -> tuple[Path, str, str]:
    """(path, content type, file name) of an attachment, for whoever may read the request."""
    with uow:
        request = _load_request(uow.session, code)
        access.ensure_can_read(uow.session, principal, request.unit, request.official, f"Yêu cầu giải trình {code}")
        attachment = uow.session.get(ExplanationAttachment, attachment_id)
        if attachment is None or attachment.request != code:
            raise NotFound(f"giải trình {code} không có tệp đính kèm số {attachment_id} — no such attachment")
        return _attachments_root(uow) / attachment.stored_as, attachment.content_type, attachment.filename


def judge_explanation(uow: UnitOfWork, principal: Principal, code: str, accepted: bool, reason: str) -> dict:
    """The head in office (of the unit or above it) or an inspector accepts or rejects a submitted
    explanation with a reason: `explanation.accepted` or `explanation.rejected`."""
    errors = explanations.check_explanation_text(reason, explanations.JUDGEMENT_REASON_MAX, "reason")
    with uow:
        session = uow.session
        request = _load_request(session, code, lock=True)
        now = uow.now()
        _ensure_can_judge(session, principal, request, now.astimezone(uow.calendar.tz).date())
        explanations.check_judgeable(request.status)
        if errors:
            raise InvalidInput("Cần nêu lý do chấp nhận hoặc bác giải trình — give the reason", errors)
        request.status = explanations.ACCEPTED if accepted else explanations.REJECTED
        request.judged_at, request.judged_by, request.judgement_reason = now, principal.sub, reason.strip()
        uow.record(f"explanation.{request.status}", request.code, {
            "code": request.code, "official": request.official, "unit": request.unit, "accepted": accepted,
            "reason": request.judgement_reason, "judged_by": principal.sub, "judged_at": now.isoformat(),
        }, unit=request.unit)
        record_audit(uow, f"explanation.{request.status}", request.code, principal.sub,
                     {**_explanation_audit(request), "reason": request.judgement_reason})
        uow.commit()
        return explanation_view(uow, request)


def _mark_missed(uow: UnitOfWork, request: ExplanationRequest, now: datetime) -> None:
    """The deadline passed without an explanation: `explanation.missed`, and a violation of the person
    asked (kind missed_explanation), dated the local day of the deadline."""
    request.status, request.missed_at = explanations.MISSED, now
    due_local = request.due_at.astimezone(uow.calendar.tz)
    uow.record("explanation.missed", request.code, {
        "code": request.code, "official": request.official, "unit": request.unit,
        "subject_type": explanations.event_subject_type(request.subject_type), "subject": request.subject,
        "due_at": request.due_at.isoformat(), "detected_at": now.isoformat(),
    }, unit=request.unit)
    record_audit(uow, "explanation.missed", request.code, None, {**_explanation_audit(request), "detected_at": now})
    record_violation(uow, official=request.official, unit=request.unit, kind="missed_explanation",
                     source_type="explanation", source=request.code, fact_date=due_local.date(),
                     facts=explanations.missed_explanation_facts(request.role, request.subject_type, request.subject,
                                                           request.code, due_local),
                     discovered_at=now)


def mark_missed_explanations(uow: UnitOfWork, limit: int = 500) -> tuple[int, int]:
    """Requests still waiting past their deadline → missed, each once: rows are claimed with FOR UPDATE
    SKIP LOCKED and leave `requested` in the same transaction, so another replica never sees them again.
    Returns (marked, claimed)."""
    with uow:
        now = uow.now()
        rows = uow.session.scalars(
            select(ExplanationRequest)
            .where(ExplanationRequest.status == explanations.REQUESTED, ExplanationRequest.due_at < now)
            .order_by(ExplanationRequest.due_at, ExplanationRequest.code)
            .limit(limit)
            .with_for_update(skip_locked=True)).all()
        for request in rows:
            _mark_missed(uow, request, now)
        uow.commit()
        return len(rows), len(rows)


# --- for the pages: her requests, those waiting for judgement, one request with what the reader may do -----

def _with_remaining(uow: UnitOfWork, request: ExplanationRequest, now: datetime) -> dict:
    """The request's view, and while it still waits for an explanation the working days left to its
    deadline (negative once past it)."""
    view = explanation_view(uow, request)
    view["remaining_days"] = (str(uow.calendar.working_days_between(now, request.due_at).quantize(Decimal("0.01")))
                              if request.status == explanations.REQUESTED else None)
    return view


def my_explanation_requests(uow: UnitOfWork, principal: Principal, page: int = 1, page_size: int = 50) -> Page:
    """The caller's own requests: those still waiting for her explanation first, nearest deadline first;
    then the others, latest asked first. Each open one with its remaining working days."""
    with uow:
        waiting = ExplanationRequest.status == explanations.REQUESTED
        query = (select(ExplanationRequest).where(ExplanationRequest.official == principal.sub)
                 .order_by(case((waiting, 0), else_=1), case((waiting, ExplanationRequest.due_at)),
                           ExplanationRequest.requested_at.desc(), ExplanationRequest.code))
        found = paginate(uow.session, query, page, page_size)
        now = uow.now()
        return found.map(lambda request: _with_remaining(uow, request, now))


def explanations_to_judge(uow: UnitOfWork, principal: Principal, page: int = 1, page_size: int = 50) -> Page:
    """Submitted explanations waiting for the caller's judgement, the longest waiting first: a head's
    unit's and those below it, all for an inspector; never her own."""
    with uow:
        query = select(ExplanationRequest).where(ExplanationRequest.status == explanations.SUBMITTED,
                                                 ExplanationRequest.official != principal.sub)
        if "inspector" not in principal.roles:
            if "head" not in principal.roles or principal.unit is None:
                raise Forbidden("Chỉ người đứng đầu đơn vị hoặc thanh tra viên xem xét giải trình — only a unit's "
                                "head or an inspector judges explanations", {"role": ["not a head nor an inspector"]})
            query = query.where(ExplanationRequest.unit.in_(store.unit_subtree(uow.session, principal.unit)))
        query = query.order_by(ExplanationRequest.submitted_at, ExplanationRequest.code)
        found = paginate(uow.session, query, page, page_size)
        names = _names(uow.session, {request.official for request in found.items})
        return found.map(lambda request: {**explanation_view(uow, request),
                                          "official_name": names.get(request.official)})


def explanation_for_reader(uow: UnitOfWork, principal: Principal, code: str) -> dict:
    """One request as its page shows it: the request, the explanation with its attachments and the
    judgement; the working days left while it waits; whether the reader may submit (the official asked,
    before the deadline) or judge it now; its entries in the audit chain; the names of the people named."""
    with uow:
        view = get_explanation(uow, principal, code)
        request = _load_request(uow.session, code)
        now = uow.now()
        view["remaining_days"] = _with_remaining(uow, request, now)["remaining_days"]
        view["deadline_passed"] = request.status in (explanations.REQUESTED, explanations.MISSED) \
            and now > request.due_at
        view["can_submit"] = (request.official == principal.sub and request.status == explanations.REQUESTED
                              and now <= request.due_at)
        try:
            _ensure_can_judge(uow.session, principal, request, now.astimezone(uow.calendar.tz).date())
            explanations.check_judgeable(request.status)
            view["can_judge"] = True
        except (Forbidden, Conflict):
            view["can_judge"] = False
        view["audit"] = audit_trail(uow, code)
        view["names"] = _names(uow.session, {request.official, request.judged_by,
                                             *(entry["actor"] for entry in view["audit"])})
        view["unit_name"] = uow.session.scalar(select(Unit.name).where(Unit.code == request.unit))
        return view


def _names(session, codes) -> dict[str, str]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return dict(session.execute(select(Official.code, Official.name).where(Official.code.in_(wanted))).all())
