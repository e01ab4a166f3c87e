"""Who a person signing in is on the platform: the directory (owned by discipline) maps an official to a unit
and roles, so a browser session carries the same unit scoping as an API token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from services.discipline import store
from services.discipline.models import Official, Unit
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork

# Units whose officials work for the whole province (local policy, KYCUONG_RULES "sign_in_units"): the
# Department of Home Affairs inspects (Sở Nội vụ), the Office of the People's Committee follows every unit
# (Văn phòng UBND). Hà Nội's codes by default.
SIGN_IN_UNITS = {"inspector": ["HN-SNV"], "office": ["HN-VP"]}


@dataclass(frozen=True)
class Choice:
    """An official one may sign in as on the embedded demo's page."""

    code: str
    name: str
    position: str | None
    unit: str
    unit_name: str
    roles: tuple[str, ...]


def _roles(uow: UnitOfWork, official: Official) -> tuple[str, ...]:
    roles = {"officer"}
    term = store.term_in_office(uow.session, official.unit, uow.now().astimezone(uow.calendar.tz).date())
    if term is not None and term.official == official.code:
        roles.add("head")
    units = {**SIGN_IN_UNITS, **uow.settings.rules.get("sign_in_units", {})}
    for role, codes in units.items():
        if official.unit in codes:
            roles.add(role)
    return tuple(sorted(roles))


def principal_of(uow: UnitOfWork, official_code: str) -> Principal:
    """The principal of an official of the directory, with the roles the directory gives them today."""
    with uow:
        official = uow.session.get(Official, official_code)
        if official is None:
            raise NotFound(f"no official {official_code!r} in the directory; ask the unit's office to add them",
                           {"official": ["not in the directory"]})
        return Principal(official.code, official.unit, frozenset(_roles(uow, official)))


def principal_of_subject(uow: UnitOfWork, subject: str) -> Principal:
    """The principal of the official the identity provider's subject is linked to (signing in through the
    province's identity provider); NotFound when no official of the directory is linked to it."""
    with uow:
        official = uow.session.scalar(select(Official).where(Official.idp_subject == subject)) if subject else None
        if official is None:
            raise NotFound("this account of the identity provider is not linked to an official of the directory; "
                           "ask your unit's office to link it", {"subject": ["not linked to an official"]})
        return Principal(official.code, official.unit, frozenset(_roles(uow, official)))


def link_subject(uow: UnitOfWork, official_code: str, subject: str | None) -> Official:
    """Link an official to their account at the identity provider (None: unlink). One account, one official."""
    subject = (subject or "").strip() or None
    if subject is not None and len(subject) > 255:
        raise InvalidInput("the identity provider's subject is longer than 255 characters",
                           {"idp_subject": ["at most 255 characters"]})
    with uow:
        official = uow.session.get(Official, official_code)
        if official is None:
            raise NotFound(f"no official {official_code!r} in the directory", {"official": ["not in the directory"]})
        if subject is not None:
            holder = uow.session.scalar(select(Official.code).where(Official.idp_subject == subject,
                                                                     Official.code != official_code))
            if holder is not None:
                raise Conflict(f"this account of the identity provider is already linked to official {holder}",
                               {"idp_subject": ["already linked to another official"]})
        official.idp_subject = subject
        uow.commit()
        return official


def choices(uow: UnitOfWork, limit: int = 200) -> list[Choice]:
    """Officials to sign in as, by unit and name in Vietnamese order (the embedded demo's page)."""
    with uow:
        rows = uow.session.execute(select(Official, Unit.name).join(Unit, Unit.code == Official.unit)
                                   .order_by(Unit.sort_key, Official.sort_key).limit(limit))
        return [Choice(o.code, o.name, o.position, o.unit, unit_name, _roles(uow, o)) for o, unit_name in rows]
