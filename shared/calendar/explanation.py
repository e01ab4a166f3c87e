"""A deadline explained day by day: what the citizen and the official see beside a due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DayEntry:
    """One calendar day of a deadline explanation."""

    day: date
    counted_hours: float
    working: bool
    reason: str | None
    label_vi: str
    label_en: str

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "counted_hours": self.counted_hours,
            "working": self.working,
            "reason": self.reason,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
        }


@dataclass(frozen=True)
class DeadlineExplanation:
    """Why a deadline falls where it does, day by day."""

    received_at: datetime
    counting_starts_at: datetime
    cutoff_applied: bool
    budget_days: Decimal
    budget_hours: Decimal
    due_at: datetime
    days: tuple[DayEntry, ...]
    rules_version: str

    def as_dict(self) -> dict:
        # Decimals go out as strings: a JSON float would turn 0.1 days into
        # 0.1000000000000000055 in some clients.
        return {
            "received_at": self.received_at.isoformat(),
            "counting_starts_at": self.counting_starts_at.isoformat(),
            "cutoff_applied": self.cutoff_applied,
            "budget_days": str(self.budget_days),
            "budget_hours": str(self.budget_hours),
            "due_at": self.due_at.isoformat(),
            "days": [d.as_dict() for d in self.days],
            "rules_version": self.rules_version,
        }


