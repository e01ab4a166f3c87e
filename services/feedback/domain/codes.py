"""Unit and official codes as they enter feedback: the directory's pattern, then the directory itself;
and who a public client is, for its allowance."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

# The pattern discipline's directory gives its unit and official codes (services/discipline/schemas.py):
# codes appear in URLs and in other services' records, so anything else is refused before it is stored.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"


def pattern_error(value: str) -> list[str] | None:
    if CODE_PATTERN.match(value):
        return None
    return [f"Mã không hợp lệ — a code has {CODE_RULE}"]


def unknown_unit(code: str) -> list[str]:
    return [f"Đơn vị {code} không có trong danh mục — unit {code} is not in the directory; "
            f"use a unit code from the directory (GET /discipline/api/v1/units)"]


def unknown_official(code: str) -> list[str]:
    return [f"Cán bộ {code} không có trong danh mục — official {code} is not in the directory; "
            f"use an official code from the directory (GET /discipline/api/v1/officials)"]


def directory_errors(references: Mapping[str, str | None], *, known_units: set[str],
                     officials: Mapping[str, str]) -> dict[str, list[str]]:
    """Errors by field for a submission's `unit` and `official` against the directory's read copy (the
    known unit codes among those named, the unit of each known official among those named)."""
    errors: dict[str, list[str]] = {}
    unit, official = references.get("unit"), references.get("official")
    if unit is not None and unit not in known_units:
        errors["unit"] = unknown_unit(unit)
    # Not whether the official is of that unit: a citizen does not know the organisation chart, and
    # the unit verifying a misconduct report finds its own officials.
    if official is not None and official not in officials:
        errors["official"] = unknown_official(official)
    return errors


def open311_client(api_key: str | None, registered: Mapping[str, str], address: str) -> str:
    """Whose allowance an Open311 request takes from: a registered key's client (by name, so the key
    itself is never stored), else the client's address. An unknown key is anonymous: inventing keys must
    not buy a fresh allowance per key."""
    if api_key:
        for key, name in registered.items():
            if hmac.compare_digest(key.encode(), api_key.encode()):
                return f"open311:{name}"
    return address
