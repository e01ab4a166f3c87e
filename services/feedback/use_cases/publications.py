"""What each unit publishes for citizens, in dated versions: the service rules posted at its one-stop
desk (Kế hoạch 69/KH-UBND of Hà Nội, II.3.e) and its leaders' hotline numbers. Written by the unit's own
office, head or admin; read by anyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.feedback import store
from services.feedback.domain import published
from services.feedback.models import UnitPublication
from shared.auth import Principal
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork
from shared.versions import in_force

# Who writes a unit's published content: its office, its head, an admin of the unit.
WRITER_ROLES = ("office", "head", "admin")


@dataclass(frozen=True)
class WriteServiceRules:
    effective_from: Any
    rules: Any = None
    adopt_default: bool = False
    source: Any = None


@dataclass(frozen=True)
class WriteHotlines:
    effective_from: Any
    lines: Any = field(default_factory=list)
    source: Any = None


@dataclass(frozen=True)
class Published:
    """The version in force on a day (`on`), with the dates of every version the unit wrote."""

    unit: str
    kind: str
    on: date
    version: UnitPublication
    versions: list[date]


def write_service_rules(uow: UnitOfWork, principal: Principal, unit: str, command: WriteServiceRules
                        ) -> tuple[Published, bool]:
    """A version of the unit's service rules (its own, or the city's ten adopted), in force from
    `effective_from` (today or later). Returns (what is published, created): a version written again for
    the same date replaces it before it takes effect."""
    content = published.check_service_rules(command.rules, bool(command.adopt_default), command.source)
    return _write(uow, principal, unit, command.effective_from, content, list(content.items))


def write_hotlines(uow: UnitOfWork, principal: Principal, unit: str, command: WriteHotlines
                   ) -> tuple[Published, bool]:
    """A version of the unit's leaders' hotlines, in force from `effective_from` (today or later)."""
    content = published.check_hotlines(command.lines, command.source)
    items = [{"position": line.position, "name": line.name, "official": line.official, "phone": line.phone,
              "note": line.note} for line in content.items]
    return _write(uow, principal, unit, command.effective_from, content, items)


def published_on(uow: UnitOfWork, unit: str, kind: str, on: date | None = None) -> Published:
    """The version of `kind` in force for `unit` on `on` (today by default); 404 when none yet."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        on = on or today
        versions = store.publications(uow.session, unit, kind)
        version = in_force(versions, on)
        if version is None:
            label = published.PUBLICATION_KINDS[kind]
            raise NotFound(f"Đơn vị {unit} chưa công bố {label.lower()} có hiệu lực ngày {on:%d/%m/%Y} — unit "
                           f"{unit!r} has no {kind} in force on {on.isoformat()}",
                           {"unit": [f"no {kind} in force on {on.isoformat()}"]})
        return Published(unit, kind, on, version, [v.effective_from for v in versions])


def _write(uow: UnitOfWork, principal: Principal, unit: str, effective_from: Any,
           content: published.PublicationContent, items: list) -> tuple[Published, bool]:
    if not principal.has_any(WRITER_ROLES):
        raise Forbidden("publishing a unit's rules or hotlines needs the role office, head or admin")
    if principal.unit != unit:
        # Each unit speaks for itself: even an admin of another unit does not publish for this one.
        raise Forbidden(f"your token is for unit {principal.unit!r}; only unit {unit!r} publishes its own "
                        "content", {"unit": [f"not {principal.unit!r}"]})
    if not unit or len(unit) > published.CODE_MAX:
        raise InvalidInput("unit is a unit code", {"unit": ["a code"]})
    with uow:
        now = uow.now()
        today = now.astimezone(uow.calendar.tz).date()
        effective_from = published.check_effective_from(effective_from, today)
        existing = [v for v in store.publications(uow.session, unit, content.kind)
                    if v.effective_from == effective_from]
        created = not existing
        row = existing[0] if existing else UnitPublication(unit=unit, kind=content.kind,
                                                           effective_from=effective_from)
        row.content, row.source, row.written_by, row.written_at = items, content.source, principal.sub[:64], now
        if created:
            uow.session.add(row)
        uow.session.flush()
        versions = [v.effective_from for v in store.publications(uow.session, unit, content.kind)]
        uow.commit()
        return Published(unit, content.kind, effective_from, row, versions), created
