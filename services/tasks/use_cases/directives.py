"""Directing documents (chỉ thị, kế hoạch, công văn): registered once, then named by tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.tasks import store
from services.tasks.models import Directive
from shared.auth import Principal
from shared.db import Page, paginate
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RegisterDirective:
    number_symbol: str
    issued_on: date
    signer: str
    summary: str
    issued_by: str | None = None  # the caller's unit when not given


def register_directive(uow: UnitOfWork, command: RegisterDirective, principal: Principal) -> Directive:
    with uow:
        number = command.number_symbol.strip()
        if uow.session.get(Directive, number) is not None:
            raise Conflict(f"directive {number!r} is already registered",
                           {"number_symbol": ["already registered"]})
        directive = Directive(number_symbol=number, issued_on=command.issued_on, signer=command.signer,
                              summary=command.summary, issued_by=command.issued_by or principal.unit,
                              created_at=uow.now())
        uow.session.add(directive)
        uow.commit()
        directive.task_count = 0
        return directive


def list_directives(uow: UnitOfWork, page: int, page_size: int) -> Page:
    """Directives, newest first, each with how many tasks name it."""
    with uow:
        result = paginate(uow.session, store.directives_query(), page, page_size)
        _count_tasks(uow, result.items)
        return result


def get_directive(uow: UnitOfWork, number: str) -> Directive:
    with uow:
        directive = uow.session.get(Directive, number)
        if directive is None:
            raise NotFound(f"no directive with number {number!r}")
        _count_tasks(uow, [directive])
        return directive


def _count_tasks(uow: UnitOfWork, directives: list[Directive]) -> None:
    counts = store.task_counts(uow.session, [d.number_symbol for d in directives])
    for directive in directives:
        directive.task_count = counts.get(directive.number_symbol, 0)
