"""Human-readable codes for aggregates (tracking codes, dossier codes, request codes)."""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed


def new_code(prefix: str, now: datetime, length: int = 6) -> str:
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{prefix}-{now:%Y%m}-{suffix}"
