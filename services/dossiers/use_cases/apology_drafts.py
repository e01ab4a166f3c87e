"""The apology of a late dossier on its way to the head: the officer drafts it (the reason and a new return
date), the head of the unit reads the drafts waiting for her and signs one, which issues the apology
(`apologies.issue_apology`, which decides who signs: the head's own session). The platform prepares and
chases; it never apologises on the unit's behalf, and the legal due date never moves (Decree 61/2018/ND-CP
art. 19)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.dossiers import store
from services.dossiers.domain import dossier as rules
from services.dossiers.models import Apology, ApologyDraft
from services.dossiers.use_cases import apologies, calendar_of, ensure_within, iso, load, load_to_change, viewed
from services.dossiers.use_cases.workbench import remaining_days, soon_limit
from shared.auth import Principal
from shared.db import Page
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class DraftApology:
    reason: str
    new_due_at: datetime


@dataclass(frozen=True)
class SignApology:
    signer_name: str
    signer_title: str | None = None


def draft_apology(uow: UnitOfWork, code: str, command: DraftApology, *, principal: Principal) -> ApologyDraft:
    """The officer's draft for the head: only for an open dossier due within one working day or overdue, not
    yet apologised for; a new draft replaces the one before it."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        rules.ensure_open(code, dossier.status, "an apology")
        if uow.session.get(Apology, code) is not None:
            raise Conflict(f"the unit has already apologised for dossier {code!r}; the law allows one new date",
                           {"new_due_at": ["already reset once"]})
        now = uow.now()
        if dossier.status != rules.RECEIVED or dossier.due_at > soon_limit(uow, now):
            raise Conflict(f"dossier {code!r} is not late: an apology is drafted from one working day before the "
                           "due date", {"code": ["not late"]})
        reason = rules.check_reason(command.reason, True, "the apology must say why the result is late")
        rules.require_offset("new_due_at", command.new_due_at)
        if command.new_due_at <= dossier.due_at or command.new_due_at <= now:
            raise InvalidInput("the new return date must be later than the legal due date and than now",
                               {"new_due_at": [f"must be after {iso(uow, max(dossier.due_at, now))}"]})
        draft = uow.session.get(ApologyDraft, code)
        if draft is None:
            draft = ApologyDraft(dossier_code=code, unit=dossier.unit)
            uow.session.add(draft)
        draft.reason = reason
        draft.new_due_at = command.new_due_at
        draft.drafted_by = principal.sub
        draft.drafted_at = now
        uow.commit()
        return draft


def drafts_to_sign(uow: UnitOfWork, principal: Principal, page: int, page_size: int,
                   unit: str | None = None) -> Page:
    """The apology drafts of the unit (the caller's) waiting for the head's signature, oldest first: each a
    dict with the draft and its dossier (with `remaining_days`)."""
    unit = unit or principal.unit
    with uow:
        ensure_within(uow, principal, unit)
        calendar_of(uow)
        now = uow.now()
        rows, total = store.apology_drafts_of_unit(uow.session, unit, page, page_size)
        items: list[dict[str, Any]] = []
        for draft, dossier in rows:
            viewed(uow, dossier)
            dossier.remaining_days = remaining_days(uow, dossier, now)
            items.append({"draft": draft, "dossier": dossier})
        return Page(items, page, page_size, total)


def sign_apology(uow: UnitOfWork, code: str, command: SignApology, *, principal: Principal) -> ApologyDraft:
    """The head signs the drafted apology: it is issued with the draft's reason and new date, signed by the
    head herself, and the draft is gone. Only a head of the dossier's unit (or above) signs."""
    if not principal.has_any({apologies.HEAD_ROLE}):
        raise Forbidden("the apology is signed by the head of the unit (Form 04 of Circular 01/2018/TT-VPCP)")
    with uow:
        dossier = load(uow, code)
        ensure_within(uow, principal, dossier.unit)
        draft = uow.session.get(ApologyDraft, code)
        if draft is None:
            raise NotFound(f"dossier {code!r} has no apology draft waiting to be signed")
        signed = ApologyDraft(dossier_code=draft.dossier_code, unit=draft.unit, reason=draft.reason,
                              new_due_at=draft.new_due_at, drafted_by=draft.drafted_by, drafted_at=draft.drafted_at)
        uow.session.delete(draft)
        # Issued in this same transaction: the draft goes only if the apology is issued.
        apologies.issue_apology(uow, code, apologies.IssueApology(
            reason=signed.reason, new_due_at=signed.new_due_at, official=signed.drafted_by,
            signer_name=command.signer_name, signer_title=command.signer_title), principal=principal)
        return signed
