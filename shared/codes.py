"""Codes: the one pattern every stored code follows (units, officials, dossiers, procedures), and the
human-readable codes the platform makes (tracking codes, dossier codes, request codes)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

# Codes appear in URLs and in other services' records (units and officials come from the directory,
# discipline): anything else is refused before it is stored.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"


def is_code(value: str) -> bool:
    return bool(CODE_PATTERN.match(value))


def unknown_unit(code: str) -> str:
    return (f"Đơn vị {code} không có trong danh mục — unit {code} is not in the directory; use a unit code "
            "from the directory (GET /discipline/api/v1/units)")


def unknown_official(code: str) -> str:
    return (f"Cán bộ {code} không có trong danh mục — official {code} is not in the directory; use an "
            "official code from the directory (GET /discipline/api/v1/officials)")

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed


def new_code(prefix: str, now: datetime, length: int = 6) -> str:
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{prefix}-{now:%Y%m}-{suffix}"
