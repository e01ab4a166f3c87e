"""Unit and official codes as they enter feedback: the directory's pattern, then the directory itself;
and who a public client is, for its allowance."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from shared.codes import CODE_RULE, is_code
from shared.codes import unknown_official as _unknown_official
from shared.codes import unknown_unit as _unknown_unit


def pattern_error(value: str) -> list[str] | None:
    if is_code(value):
        return None
    return [f"Mã không hợp lệ — a code has {CODE_RULE}"]


def unknown_unit(code: str) -> list[str]:
    return [_unknown_unit(code)]


def unknown_official(code: str) -> list[str]:
    return [_unknown_official(code)]


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
