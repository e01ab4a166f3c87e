"""Who reads what: everything for inspectors, the office and admins; a head their unit's and those
below it; everyone what names them.
"""

from __future__ import annotations

from sqlalchemy import or_

from services.discipline import store
from shared.auth import Principal
from shared.errors import Forbidden


def visible(session, principal: Principal, model, unit: str | None, official: str | None):
    """The rows of `model` the principal may see: everything for inspectors, the office and admins; a
    head their unit's and those below it; everyone their own. Asking for someone else's is refused."""
    if principal.sees_all_units:
        return None
    is_head = "head" in principal.roles and principal.unit is not None
    subtree = store.unit_subtree(session, principal.unit) if is_head else []
    if official is not None and official != principal.sub and not is_head:
        raise Forbidden("you can see only your own requests and proposals; drop the official filter "
                        "or use a head's, inspector's or office token", {"official": ["not you"]})
    if unit is not None and is_head and unit not in subtree:
        raise Forbidden(f"your token is for unit {principal.unit!r}; {unit!r} is neither it nor below it",
                        {"unit": [f"not within {principal.unit!r}"]})
    own = model.official == principal.sub
    return or_(own, model.unit.in_(subtree)) if is_head else own


def ensure_can_read(session, principal: Principal, unit: str, official: str | None, what: str) -> None:
    """Inspectors, the office and admins read everything; a head their unit's and those below it;
    an official what names them. Anything else is refused with the reason."""
    if principal.sees_all_units or (official is not None and official == principal.sub):
        return
    if "head" in principal.roles and principal.unit and unit in store.unit_subtree(session, principal.unit):
        return
    if "head" in principal.roles and principal.unit:
        raise Forbidden(f"{what} thuộc đơn vị {unit!r}, không thuộc đơn vị {principal.unit!r} của bạn hay đơn vị "
                        f"trực thuộc — it belongs to unit {unit!r}, outside yours", {"unit": [f"not within "
                                                                                            f"{principal.unit!r}"]})
    raise Forbidden(f"{what} không phải của bạn: cán bộ chỉ xem được những gì nêu tên mình — an official sees only "
                    "what names them", {"official": ["not you"]})


def ensure_visible(session, principal: Principal, official: str, unit: str) -> None:
    """Refuse (403, with why) a principal who may not see what concerns `official` of `unit`."""
    if principal.sees_all_units or principal.sub == official:
        return
    if "head" in principal.roles and principal.unit is not None and unit in store.unit_subtree(session, principal.unit):
        return
    raise Forbidden(f"this concerns official {official!r} of unit {unit!r}: you can see only your own, or as a "
                    "head your unit's and those below it", {"official": ["not you, nor in your units"]})
